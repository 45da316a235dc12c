"""A deterministic generator of *article families* for measuring event accuracy.

A family is 3-5 synthetic news articles about the same kind of event (earthquakes, missile
launches, special elections, ...) on different dates. Every article fills the same slots
(magnitude, depth, epicentre, ...) with different values, so a question that does not name a
date is ambiguous and only the date decides which article holds the answer. The articles read
like real wire copy: varied datelines, page furniture, the event's date given absolutely
("on Nov. 7") or relative to the dateline ("yesterday", "early Thursday", "earlier this week"),
key numbers in a paragraph that does not repeat the date, and a distractor paragraph about an
earlier event of the same kind with its own numbers.

    python -m eval.temporal --out DIR [--seed 7] [--families 12]

writes ``DIR/corpus/<family>-NN.txt``, ``DIR/questions.jsonl`` and ``DIR/README.md``. Every
question line is ``{"id", "question", "answers", "sources", "event_date", "kind", "family"}``;
``answers`` are verbatim substrings of the source article(s), the first answer first; ``kind`` is
one of ``day``, ``month``, ``year`` (the question names that much of the date), ``latest``,
``earliest`` (it names an order instead) or ``none`` (no date: every article's value is an
answer and ``event_date`` is null). A question naming a day, month or year is only asked when no
other event of the family -- article or distractor -- matches what it names. Each family also
gets ``NO_EVENT_QUESTIONS`` questions naming a day (with its year) on which none of its events
happened, more than ``NO_EVENT_MARGIN_DAYS`` from every event and publication date: ``answers``
and ``sources`` are empty (the truthful answer is "not in these articles") and ``kind`` is ``day``.
And one question about its kind of event in a month (with its year) in which only the next family
has an event (``off_topic_months``, kind ``month``, no answers, ``event_date`` the month's first day): the articles of that month are
about something else, so an answer lifted by agreeing on the month would be wrong.

All events, people, outlets and most places are fictional. Pure standard library; the output
depends only on ``--seed`` and ``--families``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# --------------------------------------------------------------------------- calendar words

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
AP_MONTHS = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec.")  # Associated Press style abbreviations
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KINDS = ("day", "month", "year", "latest", "earliest", "none")

FIRST_DAY = date(2021, 1, 4)
LAST_DAY = date(2025, 12, 19)


def long_date(d: date, year: bool = True) -> str:
    """``November 7, 2025`` (or ``November 7``)."""
    text = f"{MONTHS[d.month - 1]} {d.day}"
    return f"{text}, {d.year}" if year else text


def ap_date(d: date, year: bool = True) -> str:
    """``Nov. 7, 2025`` (or ``Nov. 7``)."""
    text = f"{AP_MONTHS[d.month - 1]} {d.day}"
    return f"{text}, {d.year}" if year else text


def dmy_date(d: date, year: bool = True) -> str:
    """``7 November 2025`` (or ``7 November``)."""
    text = f"{d.day} {MONTHS[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def clock_ap(hour: int, minute: int) -> str:
    """``7:10 a.m.``, ``12:35 p.m.`` (news style)."""
    suffix = "a.m." if hour < 12 else "p.m."
    return f"{(hour % 12) or 12}:{minute:02d} {suffix}"


def clock_12(hour: int, minute: int) -> str:
    """``10:02 AM`` (web page style)."""
    return f"{(hour % 12) or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def part_of_day(hour: int) -> str:
    if hour < 12:
        return "morning"
    if hour < 17:
        return "afternoon"
    if hour < 21:
        return "evening"
    return "night"


def _nth_sunday(year: int, month: int, n: int) -> date:
    """The n-th Sunday of a month (n = -1: the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


@dataclass(frozen=True)
class Desk:
    """Where an article is filed from: dateline city, outlets and the local time zone."""

    city: str  # as printed in a wire dateline, e.g. "SEOUL"
    outlets: tuple[str, ...]  # fictional wire services / papers
    tz: tuple[str, str]  # (standard, daylight-saving) abbreviations
    dst: str = "none"  # "none", "us" or "eu" daylight-saving rule

    def zone(self, d: date) -> str:
        "''The time-zone abbreviation in force on a day.''"
        if self.dst == "us":
            summer = _nth_sunday(d.year, 3, 2) <= d < _nth_sunday(d.year, 11, 1)
        elif self.dst == "eu":
            summer = _nth_sunday(d.year, 3, -1) <= d < _nth_sunday(d.year, 10, -1)
        else:
            summer = False
        return self.tz[1] if summer else self.tz[0]


# --------------------------------------------------------------------------- slots

Forms = dict[str, str]


@dataclass(frozen=True)
class Drawn:
    """One value of a slot: its surface forms, keyed by template placeholder."""

    forms: Forms
    hour: int | None = None  # for a clock slot: the hour of the event


@dataclass(frozen=True)
class Slot:
    """A fact every article of a family states, with a different value per event.

    ``keys`` are the placeholders the value fills (``depth``, ``depth_km``, ...); ``answers``
    are the keys whose text is an acceptable answer, best first. A ``unique`` slot never repeats
    a surface form within a family (so a value identifies its event).
    """

    name: str
    keys: tuple[str, ...]
    draw: Callable[[random.Random], Drawn]
    answers: tuple[str, ...] = ()
    unique: bool = True


def _grid(lo: float, hi: float, step: float, rng: random.Random) -> float:
    """A random point of the grid lo, lo + step, ..., hi."""
    return round(lo + step * rng.randint(0, round((hi - lo) / step)), 6)


def _trim(x: float, places: int) -> str:
    """``4.50`` -> ``4.5``, ``4.00`` -> ``4``; thousands separators for big numbers."""
    text = f"{x:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def number_slot(name: str, lo: float, hi: float, step: float,
                render: Callable[[float], Forms], answers: Sequence[str],
                unique: bool = True) -> Slot:
    """A numeric slot drawn from a grid and rendered into several surface forms."""
    keys = tuple(render(lo))
    return Slot(name, keys, lambda rng: Drawn(render(_grid(lo, hi, step, rng))), tuple(answers), unique)


def pool_slot(name: str, keys: Sequence[str], pool: Sequence[Sequence[str]],
              answers: Sequence[str] | None = None) -> Slot:
    """A slot whose value is one row of a pool; each row gives the text for every key."""
    rows = [tuple(row) for row in pool]
    assert all(len(row) == len(keys) for row in rows), name

    def draw(rng: random.Random) -> Drawn:
        return Drawn(dict(zip(keys, rng.choice(rows))))

    return Slot(name, tuple(keys), draw, tuple(keys if answers is None else answers))


def person_slot(name: str, firsts: Sequence[str], lasts: Sequence[str]) -> Slot:
    """A person: ``{name}`` is the full name, ``{name}_last`` the surname."""

    def draw(rng: random.Random) -> Drawn:
        first, last = rng.choice(firsts), rng.choice(lasts)
        return Drawn({name: f"{first} {last}", f"{name}_last": last})

    return Slot(name, (name, f"{name}_last"), draw, (name, f"{name}_last"))


def clock_slot(name: str, hours: tuple[int, int]) -> Slot:
    """The local time of the event, e.g. ``7:10 a.m.``; it also fixes the event's hour."""

    def draw(rng: random.Random) -> Drawn:
        hour, minute = rng.randint(*hours), rng.randint(0, 59)
        return Drawn({name: clock_ap(hour, minute)}, hour)

    return Slot(name, (name,), draw, (name,))


def km(name: str, word: str = "kilometers") -> Callable[[float], Forms]:
    """Distances: ``700 kilometers``, ``700 km``, ``435 miles``, ``700-kilometer``."""

    def render(x: float) -> Forms:
        n = int(x)
        return {name: f"{n:,} {word}", f"{name}_km": f"{n:,} km",
                f"{name}_mi": f"{round(n * 0.621371):,} miles", f"{name}_adj": f"{n:,}-kilometer"}

    return render


def counted(name: str, noun: str, places: int = 0) -> Callable[[float], Forms]:
    """``12,400 acres``; ``{name}_n`` is the bare number."""

    def render(x: float) -> Forms:
        number = _trim(x, places)
        return {name: f"{number} {noun}", f"{name}_n": number}

    return render


def percent(name: str, places: int = 1) -> Callable[[float], Forms]:
    """``54.2 percent`` and ``54.2%``."""

    def render(x: float) -> Forms:
        number = _trim(x, places)
        return {name: f"{number} percent", f"{name}_pct": f"{number}%"}

    return render


def plain(name: str, places: int = 1) -> Callable[[float], Forms]:
    return lambda x: {name: f"{x:.{places}f}"}


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


# --------------------------------------------------------------------------- families (data)


@dataclass(frozen=True)
class Voice:
    """A quoted person: full name, surname, role."""

    name: str
    last: str
    role: str


@dataclass(frozen=True)
class Ask:
    """Question templates about one slot. ``{ord}`` takes "most recent "/"first "/"" and
    ``{when}`` takes " on November 7"/" in October 2024"/"" -- one template serves every kind."""

    slot: str
    texts: tuple[str, ...]
    keys: tuple[str, ...] = ()  # answer keys, when not the slot's own (a slot of several facts)


@dataclass(frozen=True)
class Family:
    key: str  # file prefix and the "family" field
    noun: str  # "earthquake"
    desk: Desk
    slots: tuple[Slot, ...]
    voices: tuple[Voice, ...]
    headlines: tuple[str, ...]
    leads: tuple[str, ...]  # hold {when} or {When}: the event's date as the article gives it
    keys: tuple[str, ...]  # the key numbers; never a date
    impacts: tuple[str, ...]  # more slot values; never a date
    distractors: tuple[str, ...]  # an earlier event of the same kind: {d_when} and d_-slots
    details: tuple[str, ...]
    backgrounds: tuple[str, ...]
    closers: tuple[str, ...]
    day_notes: tuple[str, ...]  # names the weekday when the lead's date is vague
    asks: tuple[Ask, ...]
    hours: tuple[int, int] = (6, 20)  # when events of this kind happen (no clock slot)
    months: tuple[int, ...] = ()  # months events can fall in (empty: any)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    min_gap: int = 3  # days between two events of the family
    recent_days: int = 60  # how far back a distractor event may lie ("in recent weeks")
    latest_words: tuple[str, ...] = ("most recent ", "latest ")
    earliest_words: tuple[str, ...] = ("earliest ", "first ")

    def slot(self, name: str) -> Slot:
        return next(s for s in self.slots if s.name == name)

    @property
    def clock(self) -> Slot | None:
        return next((s for s in self.slots if s.name == "time"), None)


US_FIRST = ("Marisol", "Derek", "Alana", "Curtis", "Naomi", "Ravi", "Theresa", "Owen", "Priya",
            "Malcolm", "Jolene", "Andre", "Celia", "Graham", "Lucia", "Wesley")
US_LAST = ("Keane", "Okafor", "Brandt", "Whitcomb", "Delgado", "Ashby", "Nakamura", "Fennell",
           "Rourke", "Castellano", "Pruitt", "Halvorsen", "Lindqvist", "Serrano", "Tolliver",
           "Marchetti")
RUN_MEN_FIRST = ("Daniel", "Joseph", "Amanuel", "Geoffrey", "Tesfaye", "Samuel", "Yohannes",
                 "Kenneth", "Abel", "Edwin", "Dawit", "Nicholas")
RUN_MEN_LAST = ("Kiprotich", "Tadesse", "Mwangi", "Rotich", "Cheruiyot", "Wolde", "Kiptanui",
                "Abera", "Desta", "Kimutai", "Haileselassie", "Korir")
RUN_WOMEN_FIRST = ("Ruth", "Mercy", "Agnes", "Lydia", "Hiwot", "Caroline", "Selam", "Janet",
                   "Meseret", "Winfridah", "Edna", "Genet")
RUN_WOMEN_LAST = ("Jepkemoi", "Wanjiru", "Gebre", "Tola", "Kosgey", "Muthoni", "Alemu",
                  "Jelagat", "Nyambura", "Teshome", "Birhanu", "Chepkurui")

QUAKE = Family(
    key="quake",
    noun="earthquake",
    desk=Desk("JAKARTA", ("Archipelago News Service", "Nusantara Wire"), ("WIB", "WIB")),
    slots=(
        number_slot("mag", 4.6, 7.6, 0.1, plain("mag"), ("mag",)),
        number_slot("depth", 8, 160, 1, km("depth"), ("depth", "depth_km")),
        pool_slot("epi", ("epi_place", "epi"), (
            ("Sumbawa", "off the northern coast of Sumbawa"),
            ("Halmahera", "beneath the island of Halmahera"),
            ("Ambon", "in the sea south of Ambon"),
            ("Mamuju", "near the town of Mamuju in West Sulawesi"),
            ("Lombok", "on the northern flank of Lombok"),
            ("Simeulue", "offshore near the island of Simeulue"),
            ("Palu", "close to the city of Palu"),
            ("Nias", "under the sea floor west of Nias"),
            ("Kupang", "southeast of Kupang on Timor"),
            ("Tobelo", "inland from the port of Tobelo"),
        ), ("epi_place", "epi")),
        number_slot("deaths", 3, 60, 1, counted("deaths", "people"), ("deaths",)),
        number_slot("injured", 20, 450, 1, counted("injured", "others"), ()),
        clock_slot("time", (0, 23)),
    ),
    voices=(
        Voice("Rahmat Sulistyo", "Sulistyo", "head of the geophysics agency's earthquake centre"),
        Voice("Ayu Lestari", "Lestari", "a spokeswoman for the national disaster mitigation agency"),
        Voice("Bambang Wiryanto", "Wiryanto", "a seismologist at a university in Yogyakarta"),
    ),
    headlines=(
        "Magnitude {mag} quake rattles eastern Indonesia; at least {deaths_n} dead",
        "Strong earthquake hits near {epi_place}, toppling homes",
        "Deadly quake shakes {epi_place} as rescuers search the rubble",
        "Indonesia earthquake: death toll rises as aftershocks jolt survivors",
    ),
    leads=(
        "A magnitude {mag} earthquake struck {epi} {when}, toppling houses and sending residents "
        "running into the streets, Indonesia's meteorology and geophysics agency said.",
        "{When}, a strong earthquake shook eastern Indonesia, damaging hundreds of buildings and "
        "cutting power to several coastal towns, officials said.",
        "A powerful earthquake jolted eastern Indonesia {when}, collapsing a mosque and a market "
        "hall and prompting a brief tsunami warning that was later lifted.",
        "Rescue teams were digging through collapsed homes after an earthquake struck {epi} "
        "{when}, the country's disaster mitigation agency said.",
    ),
    keys=(
        "The geophysics agency said the quake had a magnitude of {mag} and struck at a depth of "
        "{depth} ({depth_mi}). The first jolt was felt at {time} local time, and several weaker "
        "aftershocks followed within the hour.",
        "According to the agency, the tremor hit at {time} local time. Its epicentre was located "
        "{epi}, at a depth of {depth_km}, and it registered a magnitude of {mag}.",
        "Measured at magnitude {mag}, the quake was shallow by regional standards, at {depth}, "
        "which seismologists said amplified the shaking along the coast. It struck at {time} "
        "local time.",
    ),
    impacts=(
        "{v2}, {v2r}, said at least {deaths} had been killed and {injured} injured, most of them "
        "around {epi_place}, where older brick houses gave way. The toll was likely to rise as "
        "rescuers reached remote villages, {v2s} said.",
        "The disaster agency put the death toll at {deaths}, with {injured} injured. Most of the "
        "damage was reported around {epi_place}, where a hospital moved patients into tents in "
        "its car park as a precaution.",
        "At least {deaths} were confirmed dead by the end of the day, {v2s} told reporters, and "
        "{injured} were being treated for injuries. Landslides blocked two roads leading to "
        "{epi_place}, slowing the arrival of heavy equipment.",
    ),
    distractors=(
        "It was the second strong quake to hit the area in a matter of weeks. A magnitude "
        "{d_mag} tremor struck {d_epi} {d_when} at a depth of {d_depth}, killing {d_deaths} and "
        "damaging hundreds of homes.",
        "The region was still recovering from an earlier quake: {d_when}, a magnitude {d_mag} "
        "earthquake centred {d_epi} at a depth of {d_depth_km} left {d_deaths} dead.",
        "Residents said the shaking felt stronger than the magnitude {d_mag} quake {d_when}, "
        "which was centred near {d_epi_place} and hit at {d_time} local time.",
    ),
    details=(
        "In one coastal village, residents said the sea briefly pulled back from the shore after "
        "the shaking, and many families ran to higher ground before officials confirmed there was "
        "no tsunami.",
        "The public works ministry said it had sent engineers to check dams and irrigation canals "
        "in the area, and that heavy machinery was being moved in by road and sea.",
        "Television footage showed residents sleeping outdoors on mats and plastic sheets, "
        "fearing further tremors. Mobile phone networks were patchy across parts of the region, "
        "and the navy sent a ship carrying water, tents and medical supplies.",
        "{v1}, {v1r}, said there was no threat of a tsunami because the quake had not caused "
        "significant vertical movement of the sea floor. {v1s} urged people to stay away from "
        "damaged buildings and steep slopes.",
        "Schools in the worst-hit district were closed, and officials said several bridges would "
        "be inspected before traffic was allowed back. A regional airport briefly suspended "
        "operations to check its runway for cracks.",
        "Volunteers set up field kitchens in the grounds of a mosque, and the local government "
        "declared a two-week emergency response period to speed up the distribution of aid.",
    ),
    backgrounds=(
        "The country's disaster agency runs regular evacuation drills in schools, but officials "
        "acknowledge that many rural communities still lack shelters and clear escape routes.",
        "Indonesia, a vast archipelago, sits on the Pacific Ring of Fire, an arc of volcanoes and "
        "fault lines around the Pacific Basin, and is struck by earthquakes frequently.",
        "Building codes in many provincial towns are loosely enforced, and engineers have long "
        "warned that unreinforced masonry houses are especially vulnerable to shallow quakes.",
        "{v3}, {v3r}, said faults in the region are capable of producing much stronger events, "
        "and the government has been expanding a network of sirens and sensors along vulnerable "
        "coasts.",
        "Aid groups said the most urgent needs were clean water, blankets and temporary shelter, "
        "as many families were unwilling to return to cracked homes.",
    ),
    closers=(
        "The agency said it would continue to monitor aftershocks and advised residents to follow "
        "official channels rather than rumours spread on social media.",
        "Further assessments of the damage were expected over the coming days.",
    ),
    day_notes=("The quake struck on {wd} {part}.", "The first shock came on {wd} {part}, the agency said."),
    asks=(
        Ask("mag", ("What was the magnitude of the {ord}earthquake{when}?",
                    "How strong was the {ord}quake{when}?",
                    "What magnitude did the {ord}earthquake{when} register?")),
        Ask("depth", ("How deep was the {ord}earthquake{when}?",
                      "At what depth did the {ord}quake strike{when}?",
                      "What was the depth of the {ord}quake{when}?")),
        Ask("epi", ("Where was the epicentre of the {ord}earthquake{when}?",
                    "Near which place was the {ord}quake{when} centred?")),
        Ask("deaths", ("How many people were killed in the {ord}earthquake{when}?",
                       "What was the death toll of the {ord}quake{when}?")),
        Ask("time", ("At what time did the {ord}earthquake strike{when}?",
                     "What time, local time, did the {ord}quake hit{when}?")),
    ),
)

def _flight(rng: random.Random) -> Drawn:
    """A missile flight: its range, and an apogee between a tenth and two thirds of it."""
    distance = int(_grid(200, 1500, 10, rng))
    apogee = max(25, round(distance * rng.uniform(0.1, 0.67) / 5) * 5)
    return Drawn(km("range")(distance) | km("apogee")(apogee))


MISSILE = Family(
    key="missile",
    noun="launch",
    desk=Desk("SEOUL", ("Hanbando Press", "Korea Morning Wire"), ("KST", "KST")),
    slots=(
        Slot("flight", tuple(km("range")(0)) + tuple(km("apogee")(0)), _flight,
             ("range", "range_km", "apogee", "apogee_km")),
        pool_slot("site", ("site_short", "site"), (
            ("Sunan", "the Sunan area of Pyongyang"),
            ("Sinpo", "the eastern port of Sinpo"),
            ("Tongchang-ri", "Tongchang-ri in North Pyongan Province"),
            ("Kaechon", "Kaechon in South Pyongan Province"),
            ("Hamhung", "the coastal city of Hamhung"),
            ("Wonsan", "the Wonsan area on the east coast"),
            ("Jangyon", "Jangyon County in South Hwanghae Province"),
            ("Sukchon", "Sukchon in South Pyongan Province"),
            ("Kusong", "Kusong in North Pyongan Province"),
            ("Hwangju", "Hwangju in North Hwanghae Province"),
        ), ("site_short", "site")),
        number_slot("count", 2, 9, 1, lambda x: {"count": NUMBER_WORDS[int(x)]}, ("count",)),
        clock_slot("time", (5, 19)),
    ),
    voices=(
        Voice("Choi Min-seok", "Choi", "a researcher at a state-funded defence institute in Seoul"),
        Voice("Han Ji-won", "Han", "a professor of North Korean studies"),
        Voice("Park Sung-ho", "Park", "a retired air force general"),
    ),
    headlines=(
        "North Korea fires {count} ballistic missiles toward East Sea, Seoul says",
        "N. Korea launches missiles that fly {range_km}, JCS says",
        "North Korea test-fires missiles as allies step up drills",
        "Pyongyang fires ballistic missiles in latest show of force",
    ),
    leads=(
        "North Korea fired {count} short-range ballistic missiles toward the East Sea {when}, "
        "South Korea's Joint Chiefs of Staff (JCS) said, in the latest show of force by the "
        "isolated state.",
        "{When}, North Korea launched a salvo of ballistic missiles off its east coast, South "
        "Korea's military said, days after Seoul and Washington wrapped up a round of joint air "
        "drills.",
        "North Korea test-fired ballistic missiles {when}, the South Korean and Japanese "
        "governments said, drawing swift condemnation from Seoul and Tokyo.",
    ),
    keys=(
        "The JCS said the missiles were launched at around {time} from {site} and flew about "
        "{range} ({range_mi}) before splashing into the sea. They reached an apogee of roughly "
        "{apogee}, according to the JCS.",
        "According to military officials, the {count} missiles lifted off from {site} at {time} "
        "and travelled some {range_km} on an eastward trajectory, reaching a maximum altitude of "
        "about {apogee_km}.",
        "Launched from {site_short} at {time}, the projectiles flew roughly {range} at a peak "
        "altitude of {apogee}, a flight profile consistent with the North's solid-fuel "
        "short-range weapons, officials said.",
    ),
    impacts=(
        "Military analysts said the {range_adj} flight suggested the weapons were designed to "
        "strike targets across the Korean Peninsula, including air bases used by U.S. forces.",
        "The launch from {site_short} was the first from that area in several months, said "
        "{v1}, {v1r}, adding that the North appeared to be testing how quickly it could move "
        "launchers into position.",
        "{v1}, {v1r}, said firing {count} missiles at once suggested the North was rehearsing a "
        "salvo attack meant to overwhelm missile defences.",
    ),
    distractors=(
        "It was the North's second ballistic missile launch in recent weeks. {d_When}, it fired "
        "missiles from {d_site} that flew about {d_range} at an altitude of {d_apogee}.",
        "Analysts compared the test with the launch {d_when}, when missiles fired from "
        "{d_site_short} travelled {d_range_km} before falling into the sea.",
        "An earlier launch, {d_when}, involved missiles that flew about {d_range} and reached an "
        "altitude of {d_apogee_km}, according to the JCS.",
    ),
    details=(
        "The foreign ministers of South Korea, Japan and the United States held a phone call "
        "after the launch and agreed to coordinate their response at the United Nations.",
        "Japanese broadcasters interrupted regular programming with alerts, and the coast guard "
        "told vessels in the area to watch for falling objects.",
        "South Korea and the United States had detected signs of launch preparations in advance "
        "and tracked the missiles in real time, the JCS said, adding that it had strengthened its "
        "surveillance posture and was sharing information with Washington and Tokyo.",
        "Japan's defence ministry said the missiles appeared to have landed outside its exclusive "
        "economic zone and that there were no reports of damage to ships or aircraft.",
        "Seoul's presidential office convened an emergency meeting of the National Security "
        "Council, which called the launch a clear violation of U.N. Security Council resolutions.",
        "{v2}, {v2r}, said the timing was likely aimed at Washington as much as Seoul. "
        "\"Pyongyang wants to remind everyone that its arsenal keeps growing regardless of "
        "sanctions,\" {v2s} said.",
    ),
    backgrounds=(
        "Pyongyang often times its tests to coincide with diplomatic events or allied exercises, "
        "analysts say, using them to signal displeasure without provoking a military response.",
        "North Korea has ramped up its weapons testing in recent years, saying it needs a "
        "stronger deterrent against what it calls hostile policies by the United States and its "
        "allies.",
        "Pyongyang is banned from ballistic missile activity under multiple U.N. Security Council "
        "resolutions, but divisions among the council's permanent members have blocked new "
        "sanctions.",
        "Seoul and Washington have expanded joint military exercises, which the North denounces "
        "as rehearsals for invasion. The allies say the drills are defensive.",
        "{v3}, {v3r}, said each launch gives the North's engineers data to refine guidance "
        "systems and solid-fuel engines, which allow missiles to be fired at shorter notice.",
    ),
    closers=(
        "North Korean state media had not commented on the launch by the time of publication.",
        "The JCS said it was analysing the specifications of the missiles with U.S. intelligence.",
    ),
    day_notes=("The missiles were fired on {wd} {part}, the JCS said.",),
    asks=(
        Ask("flight", ("How far did the missiles in the {ord}launch{when} fly?",
                      "What distance did the missiles cover in the {ord}launch{when}?",
                       "What was the flight range of the missiles in the {ord}test{when}?"),
            ("range", "range_km")),
        Ask("flight", ("What altitude did the missiles reach in the {ord}launch{when}?",
                       "How high did the missiles fly in the {ord}test{when}?"), ("apogee", "apogee_km")),
        Ask("site", ("From where were the missiles fired in the {ord}launch{when}?",
                     "Where was the {ord}missile launch{when} conducted from?")),
        Ask("count", ("How many ballistic missiles did North Korea fire in the {ord}launch{when}?",
                      "How many missiles were fired in the {ord}salvo{when}?")),
        Ask("time", ("At what time were the missiles launched in the {ord}test{when}?",)),
    ),
)

VOTE = Family(
    key="vote",
    noun="special election",
    desk=Desk("HARLOW BAY", ("Harlow Bay Ledger", "Tri-County Courier"), ("EST", "EDT"), "us"),
    slots=(
        person_slot("winner", US_FIRST, US_LAST),
        person_slot("runner", US_FIRST, US_LAST),
        number_slot("votes", 4000, 19000, 1, counted("votes", "votes"), ("votes",)),
        number_slot("share", 50.5, 71.9, 0.1, percent("share"), ("share", "share_pct")),
        number_slot("turnout", 18.0, 46.0, 0.1, percent("turnout"), ("turnout",)),
        pool_slot("district", ("district",), [(f"District {n}",) for n in range(1, 13)]),
    ),
    voices=(
        Voice("Evelyn Sutter", "Sutter", "a political scientist at Harlow Bay Community College"),
        Voice("Marcus Oyelaran", "Oyelaran", "the county's chief elections officer"),
        Voice("Hollis Grant", "Grant", "a longtime campaign consultant in the city"),
    ),
    headlines=(
        "{winner} wins Harlow Bay council special election",
        "Special election fills vacant Harlow Bay council seat",
        "Low turnout as {district} picks new council member",
    ),
    leads=(
        "{winner} won a special election for the Harlow Bay City Council's {district} seat "
        "{when}, defeating {runner} in a race that centred on housing costs and bus service.",
        "Voters in Harlow Bay's {district} chose a new City Council member {when}, filling a "
        "seat left vacant by a resignation earlier in the year.",
        "{When}, residents of Harlow Bay went to the polls in a special election for an open City "
        "Council seat, a test of the mayor's coalition ahead of next year's citywide races.",
    ),
    keys=(
        "With all precincts reporting, {winner} had {votes}, or {share} of the total, "
        "according to unofficial results posted by the county elections office. Turnout was "
        "{turnout} of registered voters.",
        "Unofficial results showed {winner} receiving {votes} ({share_pct}), comfortably ahead "
        "of {runner}, the county elections office said. Turnout stood at {turnout}.",
        "The county elections office reported turnout of {turnout}, low even by the standards of "
        "special elections. {winner} finished first with {votes}, a share of {share}.",
    ),
    impacts=(
        "{runner}, a former school board member, conceded in a brief statement and congratulated "
        "{winner_last}, saying the campaign had \"put the cost of living at the centre of the "
        "conversation.\"",
        "{winner_last}, who ran on a platform of building more affordable housing near transit "
        "lines, told supporters at a community hall in {district} that the result was \"a "
        "mandate to move faster.\" The runner-up, {runner}, did not immediately concede.",
    ),
    distractors=(
        "It was the second special election in the city in a short span. {d_When}, voters in "
        "{d_district} elected {d_winner}, who won {d_share} of the vote on a turnout of "
        "{d_turnout}.",
        "The race drew comparisons with the special election held {d_when}, in which {d_winner} "
        "won with {d_votes} and turnout reached {d_turnout}.",
    ),
    details=(
        "At a polling place in a church basement, volunteers said the afternoon had been quiet "
        "but that a steady stream of voters arrived after work.",
        "{winner_last}'s campaign knocked on thousands of doors in the final weeks, aides said, "
        "focusing on renters and younger voters who rarely cast ballots in local races.",
        "The results must still be certified by the county, a process that usually takes about "
        "two weeks. Mail ballots postmarked by election day can still be counted if they arrive "
        "within the next few days.",
        "Both candidates raised more money than is typical for a single council seat, and outside "
        "groups spent heavily on mailers and digital advertising, according to campaign finance "
        "filings.",
        "{v1}, {v1r}, said the result reflected frustration over rising rents. \"Voters here are "
        "telling the council that housing is the issue,\" {v1s} said.",
        "{v2}, {v2r}, said voting had gone smoothly, apart from a polling place that opened late "
        "because of a broken lock.",
    ),
    backgrounds=(
        "Council seats in Harlow Bay are formally nonpartisan, though candidates often seek "
        "endorsements from local party committees, unions and neighbourhood associations.",
        "Harlow Bay's council has been closely divided over a proposed rezoning plan that would "
        "allow taller apartment buildings along the waterfront corridor.",
        "Special elections in the city typically draw far fewer voters than regular general "
        "elections, which election officials attribute partly to their unusual timing.",
        "The county has expanded early voting centres and drop boxes in recent years, though "
        "officials say most ballots in special elections still arrive by mail.",
        "{v3}, {v3r}, said the seat would be on the ballot again at the next regular election, "
        "so the winner would have little time to build a record.",
    ),
    closers=(
        "The new council member is expected to be sworn in at the council's next regular meeting.",
        "Certified results will be posted on the county elections office website.",
    ),
    day_notes=("Voting took place on {wd}.", "Polls closed on {wd} {part}."),
    asks=(
        Ask("winner", ("Who won the {ord}special election{when}?",
                       "Which candidate won the council seat in the {ord}special election{when}?")),
        Ask("runner", ("Who finished second in the {ord}special election{when}?",)),
        Ask("votes", ("How many votes did the winner receive in the {ord}special election{when}?",)),
        Ask("share", ("What share of the vote did the winner get in the {ord}council election{when}?",)),
        Ask("turnout", ("What was the turnout in the {ord}special election{when}?",
                        "What percentage of registered voters cast ballots in the {ord}council vote{when}?")),
        Ask("district", ("Which council district held the {ord}special election{when}?",)),
    ),
    hours=(20, 22),
    weekdays=(1,),
    min_gap=14,
)

TYPHOON = Family(
    key="typhoon",
    noun="typhoon",
    desk=Desk("MANILA", ("Luzon Daily Wire", "Pacific Islands Press"), ("PHT", "PHT")),
    slots=(
        pool_slot("storm", ("storm_name", "storm"), [
            (n, f"Typhoon {n}") for n in ("Amaya", "Dalisay", "Kalinaw", "Mayumi", "Banaag",
                                          "Silakbo", "Dagitab", "Hiraya", "Alon", "Ligaya",
                                          "Sinag", "Halina")]),
        number_slot("wind", 120, 260, 5, lambda x: {
            "wind": f"{int(x)} kilometers per hour", "wind_kph": f"{int(x)} kph",
            "wind_mph": f"{round(x * 0.621371)} mph"}, ("wind", "wind_kph")),
        number_slot("gust", 270, 330, 5, lambda x: {"gust": f"{int(x)} kph"}, ()),
        pool_slot("landfall", ("landfall_short", "landfall"), (
            ("Casiguran", "the town of Casiguran in Aurora province"),
            ("Catanduanes", "the island province of Catanduanes"),
            ("Palanan", "Palanan in Isabela province"),
            ("Borongan", "Borongan on the east coast of Samar"),
            ("Baler", "the coastal town of Baler"),
            ("Santa Ana", "Santa Ana in Cagayan province"),
            ("Guiuan", "Guiuan in Eastern Samar"),
            ("Daet", "Daet in Camarines Norte"),
            ("Surigao", "the port city of Surigao"),
            ("Dinapigue", "Dinapigue on the Isabela coast"),
        ), ("landfall_short", "landfall")),
        number_slot("rain", 150, 600, 10, lambda x: {"rain": f"{int(x)} millimeters",
                                                     "rain_mm": f"{int(x)} mm"}, ("rain", "rain_mm")),
        number_slot("evac", 8000, 160000, 500, counted("evac", "people"), ("evac",)),
    ),
    voices=(
        Voice("Leonora Bautista", "Bautista", "a forecaster at the state weather bureau"),
        Voice("Ramon Dizon", "Dizon", "a regional civil defence director"),
        Voice("Cristina Velasco", "Velasco", "a climate researcher at a Manila university"),
    ),
    headlines=(
        "{storm} slams into the Philippines, forcing mass evacuations",
        "Typhoon makes landfall near {landfall_short}, cutting power to provinces",
        "Floods and landslides feared as typhoon crosses the Philippines",
    ),
    leads=(
        "{storm} slammed into {landfall} {when}, tearing roofs off houses, toppling power lines "
        "and forcing tens of thousands of people into evacuation centres, the state weather "
        "bureau said.",
        "{When}, a powerful typhoon made landfall in the Philippines, bringing torrential rain "
        "and storm surges to coastal villages already soaked by days of showers.",
        "{storm} barrelled across the Philippines after making landfall {when}, officials said, "
        "leaving flooded rice fields, blocked roads and damaged fishing boats in its wake.",
    ),
    keys=(
        "The weather bureau said {storm_name} made landfall in {landfall} packing maximum "
        "sustained winds of {wind} and gusts of up to {gust}. It dumped as much as {rain} of "
        "rain in some areas within 24 hours.",
        "At landfall, {storm_name} had sustained winds of {wind_kph} ({wind_mph}), making it one "
        "of the strongest storms to hit the area in recent years. Rain gauges near "
        "{landfall_short} recorded {rain_mm} of rainfall.",
        "Forecasters said {storm_name} crossed the coast near {landfall_short} with winds of "
        "{wind}. Up to {rain} of rain fell on mountain towns, raising the risk of landslides.",
    ),
    impacts=(
        "Disaster officials said {evac} had fled to schools, gyms and churches before the storm "
        "hit, and more were moved overnight as rivers rose.",
        "About {evac} spent the night in evacuation centres, the national disaster agency said, "
        "while the coast guard barred ferries and fishing boats from putting to sea.",
    ),
    distractors=(
        "The typhoon followed closely on the heels of another storm. {d_storm} made landfall in "
        "{d_landfall} {d_when} with sustained winds of {d_wind}, dumping up to {d_rain} of rain.",
        "Residents were still cleaning up after {d_storm}, which struck {d_when} with winds of "
        "{d_wind_kph} and forced {d_evac} from their homes.",
    ),
    details=(
        "Classes were suspended in several regions and government offices closed early, while the "
        "stock exchange said trading would continue as normal.",
        "Farmers' groups warned that flooded fields could wipe out much of the rice harvest in "
        "the affected provinces, pushing up prices in local markets.",
        "Power was cut across several provinces, and the energy department said crews would need "
        "days to restore electricity to remote towns. Dozens of domestic flights were cancelled.",
        "{v1}, {v1r}, said the main concern had shifted from wind damage to flooding and "
        "landslides, as saturated hillsides could give way even after the rain eased.",
        "Television images showed residents wading through waist-deep floodwater, carrying "
        "children and belongings on their shoulders, while soldiers used rubber boats to reach "
        "stranded families.",
        "{v2}, {v2r}, said relief goods had been positioned in advance, but some villages remained "
        "cut off by fallen trees and washed-out bridges.",
    ),
    backgrounds=(
        "Coastal towns on the country's eastern seaboard face the open Pacific and are often the "
        "first to be struck by storms that form over warm waters to the east.",
        "The Philippines is hit by about 20 typhoons and storms each year, and scientists say "
        "warmer seas are helping some of them intensify more rapidly before landfall.",
        "Many of the worst-hit areas are farming and fishing communities where houses are built "
        "from light materials, leaving residents especially exposed to strong winds.",
        "{v3}, {v3r}, said pre-emptive evacuations and better early warnings have kept death "
        "tolls lower than in past decades, even as storms grow more intense.",
    ),
    closers=(
        "{storm_name} was forecast to weaken as it moved out over the South China Sea.",
        "The weather bureau said another low-pressure area was being monitored east of the "
        "archipelago.",
    ),
    day_notes=("The storm made landfall on {wd} {part}.",),
    asks=(
        Ask("wind", ("What were the maximum sustained winds of the {ord}typhoon{when}?",
                     "How strong were the winds when the {ord}typhoon made landfall{when}?")),
        Ask("landfall", ("Where did the {ord}typhoon make landfall{when}?",
                         "In which place did the {ord}storm come ashore{when}?")),
        Ask("rain", ("How much rain fell during the {ord}typhoon{when}?",
                     "What rainfall was recorded in the {ord}storm{when}?")),
        Ask("evac", ("How many people were evacuated for the {ord}typhoon{when}?",)),
        Ask("storm", ("What was the name of the {ord}typhoon that made landfall{when}?",)),
    ),
    months=(7, 8, 9, 10, 11),
    min_gap=5,
)

WILDFIRE = Family(
    key="wildfire",
    noun="wildfire",
    desk=Desk("SACRAMENTO", ("Golden State Wire", "Valley Sentinel"), ("PST", "PDT"), "us"),
    slots=(
        pool_slot("fire", ("fire_name",), [(f"{n} Fire",) for n in (
            "Cedar Hollow", "Mesa Ridge", "Dry Creek", "Juniper Flat", "Lone Pine Canyon",
            "Willow Bend", "Coyote Gap", "Red Bluff Road", "Sawtooth", "Granite Springs",
            "Oak Knoll", "Tinder Ridge")]),
        number_slot("acres", 800, 48000, 10, counted("acres", "acres"), ("acres",)),
        number_slot("homes", 12, 900, 1, counted("homes", "homes"), ("homes",)),
        number_slot("evac", 1500, 40000, 100, counted("evac", "residents"), ("evac",)),
        pool_slot("county", ("county",), [(f"{c} County",) for c in (
            "Kern", "Butte", "Shasta", "Tulare", "Ventura", "Napa", "Mariposa", "Lake",
            "Tuolumne", "Placer", "Siskiyou", "Madera")]),
        number_slot("contain", 0, 40, 1, percent("contain", 0), ("contain",)),
    ),
    voices=(
        Voice("Dana Whitfield", "Whitfield", "a battalion chief with the state fire agency"),
        Voice("Luis Arellano", "Arellano", "the county sheriff"),
        Voice("Karen Mott", "Mott", "a fire ecologist at a state university"),
    ),
    headlines=(
        "{fire_name} forces thousands to flee in {county}",
        "Wind-driven wildfire destroys homes in Northern California hills",
        "Fast-moving blaze grows to {acres}, officials say",
    ),
    leads=(
        "A fast-moving wildfire broke out in {county} {when}, forcing thousands of people to flee "
        "as flames raced through dry brush pushed by strong winds, fire officials said.",
        "{When}, a wildfire erupted in the hills of {county} and quickly grew into one of the "
        "largest blazes of the season, prompting mandatory evacuation orders for several "
        "communities.",
        "Firefighters were battling the {fire_name}, which ignited {when} in {county} and "
        "destroyed homes within hours, according to the state's forestry and fire protection "
        "agency.",
    ),
    keys=(
        "By the latest count, the {fire_name} had burned {acres} and was {contain} contained, the "
        "state fire agency said. At least {homes} had been destroyed.",
        "The blaze, named the {fire_name}, had scorched {acres} of grass and oak woodland, with "
        "containment at {contain}. Crews confirmed that {homes} were lost.",
        "Fire officials said the blaze had consumed {acres} and destroyed {homes}, many of them in "
        "a single hillside subdivision. Containment stood at {contain}.",
    ),
    impacts=(
        "Evacuation orders covered {evac}, and shelters were opened at a high school and the "
        "county fairground. Some residents said they had only minutes to grab pets and documents.",
        "Deputies went door to door to warn {evac} to leave, {v2s} said, and several roads were "
        "closed as the fire jumped a two-lane highway.",
    ),
    distractors=(
        "It was the second major fire in the region in recent weeks. The {d_fire_name}, which "
        "began {d_when} in {d_county}, burned {d_acres} and destroyed {d_homes}.",
        "Crews had only recently finished mopping up the {d_fire_name}, which ignited {d_when} "
        "and charred {d_acres} before it was fully contained.",
    ),
    details=(
        "At an evacuation centre, families slept on cots in a gymnasium while volunteers handed "
        "out water, masks and pet food. Animal shelters took in horses and goats from ranches in "
        "the fire zone.",
        "Fire crews from neighbouring states arrived under mutual aid agreements, and the "
        "governor declared a state of emergency for the county, freeing up funds for the "
        "response.",
        "More than a thousand firefighters, supported by air tankers and helicopters dropping "
        "water and retardant, were assigned to the fire. Gusty winds and low humidity were "
        "expected to persist for at least another day.",
        "{v1}, {v1r}, said the cause of the fire was under investigation. \"Right now our "
        "priority is life safety,\" {v1s} said.",
        "The utility serving the area shut off power to thousands of customers as a precaution, a "
        "practice it uses when high winds raise the risk of equipment sparking new fires.",
        "Smoke from the fire drifted over the Central Valley, and air quality officials urged "
        "people with asthma to stay indoors.",
    ),
    backgrounds=(
        "State officials have urged homeowners to clear brush and create defensible space around "
        "their properties, and some counties now inspect properties in high-risk zones.",
        "California's fire seasons have grown longer and more destructive over the past two "
        "decades, a trend scientists link to hotter, drier conditions.",
        "Many of the communities in the fire's path sit where homes are built close to "
        "fire-prone vegetation, making them difficult to defend.",
        "{v3}, {v3r}, said decades of fire suppression had left forests overgrown, and that "
        "prescribed burns were needed to reduce the fuel load.",
    ),
    closers=(
        "Officials said they expected to lift some evacuation orders once crews had strengthened "
        "containment lines.",
        "A community meeting on the fire was scheduled at the county fairgrounds.",
    ),
    day_notes=("The fire was first reported on {wd} {part}.",),
    asks=(
        Ask("acres", ("How many acres had the {ord}wildfire{when} burned?",
                      "How large was the {ord}wildfire{when}?")),
        Ask("homes", ("How many homes were destroyed by the {ord}wildfire{when}?",)),
        Ask("evac", ("How many residents were ordered to evacuate in the {ord}wildfire{when}?",)),
        Ask("county", ("In which county did the {ord}wildfire{when} break out?",
                       "Where did the {ord}fire{when} start?")),
        Ask("contain", ("How much of the {ord}wildfire{when} was contained?",)),
        Ask("fire", ("What was the name of the {ord}wildfire{when}?",)),
    ),
    hours=(10, 18),
    months=(6, 7, 8, 9, 10, 11),
)

STRIKE = Family(
    key="strike",
    noun="strike",
    desk=Desk("LONDON", ("Albion Press Agency", "Thames Wire"), ("GMT", "BST"), "eu"),
    slots=(
        pool_slot("union", ("union",), [(u,) for u in (
            "the Rail and Transit Workers' Union", "the Associated Train Crews' Federation",
            "the National Signal Workers' Union", "the United Transport Staff Association",
            "the Station and Platform Workers' Union", "the Railway Engineers' Guild",
            "the Federation of Ticketing Staff", "the Permanent Way Workers' Union")]),
        number_slot("workers", 8000, 60000, 100, counted("workers", "workers"), ("workers",)),
        pool_slot("hours", ("hours", "hours_n"),
                  [(f"{h}-hour", f"{h} hours") for h in (12, 24, 36, 48, 72, 96)],
                  ("hours_n", "hours")),
        number_slot("pay", 4.0, 12.0, 0.5, percent("pay"), ("pay",)),
        number_slot("cancel", 1200, 9000, 10, counted("cancel", "train services"), ("cancel",)),
    ),
    voices=(
        Voice("Gareth Lowry", "Lowry", "the union's general secretary"),
        Voice("Philippa Crane", "Crane", "a spokeswoman for the train operators' association"),
        Voice("Imran Siddiqui", "Siddiqui", "a labour economist at a London university"),
    ),
    headlines=(
        "Rail strike halts trains across Britain",
        "Commuters face disruption as {workers_n} rail staff walk out",
        "Rail workers strike again in long-running pay dispute",
    ),
    leads=(
        "Tens of thousands of rail workers walked off the job {when}, halting most train services "
        "across Britain in a long-running dispute over pay and working conditions.",
        "{When}, commuters across Britain faced empty platforms and crowded roads as a national "
        "rail strike shut down much of the network.",
        "Members of {union} began a walkout {when}, the latest escalation in a bitter row with "
        "train operators over wages, staffing and planned changes to ticket offices.",
    ),
    keys=(
        "The union said {workers} took part in the {hours} stoppage, which came after talks with "
        "employers broke down. It is seeking a pay rise of {pay}, arguing that wages have failed "
        "to keep pace with living costs.",
        "The {hours} walkout by {union} involved {workers}, according to the union, and led "
        "operators to cancel {cancel}. The union wants a raise of {pay} for this year.",
        "Operators cancelled {cancel} as {workers} from {union} joined picket lines. The strike "
        "was scheduled to last {hours_n}, and the union is demanding {pay} more pay.",
    ),
    impacts=(
        "National Rail said {cancel} had been cancelled and advised passengers to travel only if "
        "absolutely necessary. Some routes had no trains at all, while others ran a reduced "
        "timetable.",
        "{union} said the action was backed by a large majority of its members in a postal "
        "ballot, and that pickets would be staffed at every major station.",
    ),
    distractors=(
        "It was not the first walkout of its kind. {d_When}, {d_workers} staged a strike in the "
        "same dispute, forcing operators to cancel {d_cancel}.",
        "An earlier round of action, {d_when}, saw {d_workers} strike for better pay, with the "
        "union then demanding {d_pay}.",
    ),
    details=(
        "At one major station, departure boards showed rows of cancellations, and staff handed "
        "out leaflets explaining which services were still running.",
        "Some schools reported lower attendance as teachers and pupils struggled to get in, and "
        "hospitals said they had arranged car-sharing for staff.",
        "{v1}, {v1r}, told reporters on a picket line outside a London terminus that members had "
        "\"no choice\" after what the union called an insulting offer. \"We want a fair deal, not "
        "warm words,\" {v1s} said.",
        "{v2}, {v2r}, said the industry could not afford the union's demands while passenger "
        "numbers remained below their former levels, and urged the union to put the latest offer "
        "to its members.",
        "Business groups said the disruption would cost the hospitality sector millions of "
        "pounds, as fewer people travelled into city centres for work, meals and shows.",
        "Road traffic monitoring showed heavier congestion than usual on major routes into the "
        "capital, and coach companies reported a surge in bookings.",
    ),
    backgrounds=(
        "The government has said pay negotiations are a matter for employers and unions, but "
        "opposition politicians have called on ministers to intervene to end the dispute.",
        "The dispute has dragged on for months, with repeated rounds of talks failing to produce "
        "an agreement acceptable to both sides.",
        "British law requires unions to win a postal ballot with a minimum turnout before "
        "industrial action can go ahead, and to give employers notice of walkouts.",
        "{v3}, {v3r}, said rail pay had fallen behind inflation for several years, which helped "
        "explain the strength of support for the action.",
    ),
    closers=(
        "No new talks had been scheduled, though both sides said they remained open to "
        "negotiations.",
        "The union said further strike dates could be announced in the coming weeks.",
    ),
    day_notes=("The strike began on {wd} {part}.",),
    asks=(
        Ask("workers", ("How many workers took part in the {ord}rail strike{when}?",
                        "How many rail staff walked out in the {ord}strike{when}?")),
        Ask("hours", ("How long was the {ord}rail strike{when} scheduled to last?",
                      "What was the planned length of the {ord}walkout{when}?")),
        Ask("pay", ("What pay rise was the union seeking in the {ord}strike{when}?",)),
        Ask("cancel", ("How many train services were cancelled during the {ord}strike{when}?",)),
        Ask("union", ("Which union staged the {ord}rail strike{when}?",)),
    ),
    hours=(0, 6),
    weekdays=(0, 1, 2, 3, 4, 5),
    min_gap=10,
    recent_days=365,
)

RECALL = Family(
    key="recall",
    noun="recall",
    desk=Desk("WASHINGTON", ("Capitol News Service", "Federal Desk Wire"), ("EST", "EDT"), "us"),
    slots=(
        pool_slot("company", ("company",), [(c,) for c in (
            "Brightwell Home Products", "Northgate Appliance Co.", "Kestrel Brands",
            "Solano Consumer Goods", "Maple & Finch Inc.", "Tidewater Home", "Harbor Lane Products",
            "Quillmark Industries", "Ridgeline Consumer Co.", "Copperleaf Home")]),
        pool_slot("item", ("product", "defect"), (  # a product and a defect it can have
            ("portable space heaters", "a faulty thermostat that can cause overheating"),
            ("electric kettles", "a base connector that can overheat"),
            ("infant car seats", "a buckle that can fail to latch"),
            ("pressure cookers", "a lid that can open while the contents are under pressure"),
            ("cordless hair dryers", "a heating element that can spark"),
            ("children's bunk beds", "a guardrail that can detach"),
            ("e-bike batteries", "cells that can swell and catch fire"),
            ("slow cookers", "wiring that can short-circuit"),
            ("folding treadmills", "a frame weld that can crack"),
            ("power banks", "a battery that can overheat while charging"),
            ("cool-mist humidifiers", "a power cord that can fray"),
        )),
        number_slot("units", 40000, 2400000, 1000, counted("units", "units"), ("units",)),
        number_slot("injuries", 3, 140, 1, counted("injuries", "injuries"), ("injuries",)),
        number_slot("reports", 20, 600, 1, counted("reports", "reports of problems"), ()),
    ),
    voices=(
        Voice("Janine Holt", "Holt", "a spokeswoman for the U.S. Consumer Product Safety Commission"),
        Voice("Victor Amsel", "Amsel", "the company's head of product safety"),
        Voice("Rosa Quintero", "Quintero", "a product safety lawyer"),
    ),
    headlines=(
        "{company} recalls {units} of {product}",
        "Recall issued for {product} over safety hazard",
        "Regulators warn consumers to stop using recalled {product}",
    ),
    leads=(
        "{company} announced a recall of about {units} of {product} {when}, citing {defect}, the "
        "U.S. Consumer Product Safety Commission said.",
        "{When}, federal safety regulators announced the recall of {product} made by {company}, "
        "warning consumers to stop using them immediately.",
        "A major recall of {product} was announced {when} after the manufacturer received reports "
        "of injuries, according to a notice posted by the U.S. Consumer Product Safety Commission.",
    ),
    keys=(
        "The recall covers about {units} sold at major retailers and online over the past two "
        "years. The commission said the products have {defect}, and the company has received "
        "{reports}, including {injuries}.",
        "According to the notice, {company} has received {reports}, among them {injuries}, several "
        "of them burns. About {units} are affected.",
        "The affected {product} have {defect}, the commission said. {company} has received "
        "{reports}, and {injuries} have been recorded so far.",
    ),
    impacts=(
        "Consumers should stop using the products and contact {company} for a free repair kit or "
        "a full refund, the commission said.",
        "{v2}, {v2r}, said the problem had been traced to a component supplied by an outside "
        "manufacturer and that {company} had since changed suppliers.",
    ),
    distractors=(
        "It was the second major recall of household goods in a short span: {d_When}, "
        "{d_company} recalled {d_units} of {d_product}, citing {d_injuries}.",
        "The notice came weeks after a separate recall {d_when}, when {d_company} pulled "
        "{d_units} of {d_product} that have {d_defect}.",
    ),
    details=(
        "Photographs in the notice showed the affected models, and the commission said the "
        "products had been sold in home improvement stores and on several large shopping "
        "websites.",
        "The commission said consumers who had experienced a problem should report it through its "
        "website, which helps regulators spot patterns across brands.",
        "Owners who registered their products with the manufacturer would be contacted directly, "
        "the company said, and replacement parts would be shipped free of charge.",
        "The products were sold in several colours and can be identified by a model number printed "
        "on a label on the base. Lists of affected models were posted on the company's website.",
        "{v1}, {v1r}, said consumers should not try to repair the items themselves. \"Unplug it, "
        "put it away and contact the company,\" {v1s} said.",
        "Retailers said they had removed the products from shelves and online listings and would "
        "accept returns without a receipt.",
    ),
    backgrounds=(
        "Product recalls in the United States are usually voluntary and negotiated between the "
        "commission and the manufacturer, although the agency can go to court to force one.",
        "The commission can seek civil penalties from companies that fail to report defects "
        "promptly, and it has stepped up enforcement in recent years.",
        "{v3}, {v3r}, said recalls often reach only a fraction of owners, because many buyers "
        "never register their products with the manufacturer.",
        "Consumer groups have urged online marketplaces to do more to stop recalled goods from "
        "being resold by third-party sellers.",
    ),
    closers=(
        "Consumers can contact the company through a toll-free number or its website for "
        "instructions.",
        "The company said it was not aware of any deaths linked to the products.",
    ),
    day_notes=("The recall notice was posted on {wd} {part}.",),
    asks=(
        Ask("units", ("How many units were covered by the {ord}recall{when}?",
                      "How many products were recalled in the {ord}recall{when}?")),
        Ask("item", ("Which products were covered by the {ord}recall{when}?",), ("product",)),
        Ask("company", ("Which company issued the {ord}recall{when}?",)),
        Ask("item", ("What defect prompted the {ord}recall{when}?",), ("defect",)),
        Ask("injuries", ("How many injuries had been reported before the {ord}recall{when}?",)),
    ),
    hours=(8, 16),
    weekdays=(0, 1, 2, 3, 4),
    min_gap=10,
)

MARATHON = Family(
    key="marathon",
    noun="marathon",
    desk=Desk("PORT ELLIS", ("Port Ellis Herald", "Coastline Sports Wire"), ("EST", "EDT"), "us"),
    slots=(
        person_slot("men", RUN_MEN_FIRST, RUN_MEN_LAST),
        number_slot("men_time", 7470, 8090, 1, lambda s: {
            "men_time": f"2:{int(s) // 60 - 120:02d}:{int(s) % 60:02d}"}, ("men_time",)),
        person_slot("women", RUN_WOMEN_FIRST, RUN_WOMEN_LAST),
        number_slot("women_time", 8300, 9150, 1, lambda s: {
            "women_time": f"2:{int(s) // 60 - 120:02d}:{int(s) % 60:02d}"}, ("women_time",)),
        number_slot("finishers", 18000, 42000, 1, counted("finishers", "runners"), ("finishers",)),
        number_slot("temp", 6, 21, 1, lambda x: {"temp": f"{int(x)} degrees Celsius"}, (), unique=False),
    ),
    voices=(
        Voice("Tamsin Reilly", "Reilly", "the race director"),
        Voice("Oscar Lindgren", "Lindgren", "a coach who has trained several elite runners"),
        Voice("Bea Cartwright", "Cartwright", "the race's medical director"),
    ),
    headlines=(
        "{men_last} and {women_last} win the Port Ellis Marathon",
        "{men} takes Port Ellis Marathon title in {men_time}",
        "Port Ellis Marathon: {women} surges clear to win women's race",
    ),
    leads=(
        "{men} won the Port Ellis Marathon {when}, pulling away from the lead pack in the final "
        "five kilometers as crowds lined the waterfront.",
        "{When}, tens of thousands of runners set off from Liberty Bridge in the Port Ellis "
        "Marathon under clear skies and light winds.",
        "{women} and {men} claimed the titles at the Port Ellis Marathon {when}, on a cool day "
        "that organisers said was close to ideal for fast times.",
    ),
    keys=(
        "{men} crossed the finish line on Harbour Street in {men_time}, about 40 seconds "
        "clear of the runner-up. In the women's race, {women} broke away at the halfway mark and "
        "won in {women_time}.",
        "{men} finished in {men_time}, while {women} took the women's race in {women_time}, the "
        "second-fastest time on the course.",
        "The men's title went to {men} in {men_time}. {women}, running only her second "
        "marathon, won the women's race in {women_time}.",
    ),
    impacts=(
        "Organisers said {finishers} completed the course, with temperatures at the start around "
        "{temp}. Medical tents treated mostly blisters and cramps.",
        "A total of {finishers} finished the race, {v1s}, {v1r}, said, calling the turnout a "
        "sign of the event's growing appeal.",
    ),
    distractors=(
        "The times compared with those at an earlier edition of the race {d_when}, when {d_men} "
        "won in {d_men_time} and {d_women} in {d_women_time}.",
        "{d_When}, the last time the race was run, {d_men} had taken the men's title in "
        "{d_men_time}, and {d_finishers} finished.",
    ),
    details=(
        "Both winners said afterwards that the crowds along the final stretch had carried them "
        "to the line. \"I could hear them from far away,\" the men's champion said.",
        "Thousands of spectators gathered at the turn near the old lighthouse, where a brass band "
        "played and volunteers handed out water and energy gels to passing runners.",
        "Local runners filled the top places in the masters categories, and a group of charity "
        "runners in costume drew some of the loudest cheers of the day.",
        "{v2}, {v2r}, said the early pace had been deliberately conservative because of a "
        "headwind along the bay. \"Once the wind turned, the race really began,\" {v2s} said.",
        "The wheelchair races, which started twenty minutes ahead of the elite field, were won "
        "by local athletes, to loud cheers at the finish.",
        "Roads in the city centre were closed from early morning, and the transit authority ran "
        "extra trains to carry spectators to viewing points along the route.",
    ),
    backgrounds=(
        "Elite fields are assembled months in advance, and organisers pay appearance fees to "
        "attract runners with fast personal bests.",
        "Prize money for the elite races has risen in recent years as sponsors have been drawn by "
        "the event's growing television audience.",
        "The race raises money for local charities, and organisers said runners had collected "
        "record sums through online fundraising pages.",
        "The Port Ellis Marathon, held each spring and autumn, has grown from a few hundred "
        "local runners into one of the region's largest mass-participation events.",
        "The course, which loops through the old harbour district and back along the bay, is "
        "considered fast but exposed to wind.",
        "{v3}, {v3r}, said more than a hundred volunteers with first-aid training were posted "
        "along the route.",
    ),
    closers=(
        "Registration for the next edition opens next month, organisers said.",
        "Full results were posted on the race website.",
    ),
    day_notes=("The race was run on {wd} {part}.",),
    asks=(
        Ask("men", ("Who won the men's race at the {ord}Port Ellis Marathon{when}?",
                    "Which runner took the men's title at the {ord}Port Ellis Marathon{when}?")),
        Ask("men_time", ("What was the men's winning time at the {ord}Port Ellis Marathon{when}?",)),
        Ask("women", ("Who won the women's race at the {ord}Port Ellis Marathon{when}?",)),
        Ask("women_time", ("How fast did the women's winner run at the {ord}Port Ellis Marathon{when}?",)),
        Ask("finishers", ("How many runners finished the {ord}Port Ellis Marathon{when}?",)),
    ),
    hours=(7, 9),
    months=(4, 10),
    weekdays=(6,),
    min_gap=60,
    recent_days=800,
    latest_words=("most recent ", "latest "),
    earliest_words=("earliest ",),
)


def _rate_forms(x: float) -> Forms:
    return {"rate": f"{_trim(x, 2)} percent", "rate_pct": f"{_trim(x, 2)}%"}


def _move_forms(x: float) -> Forms:
    """A rate move in basis points: x < 0 cut, x > 0 raise."""
    bp = abs(int(x))
    return {"change": f"{bp} basis points", "moved": "raised" if x > 0 else "cut",
            "move": "increase" if x > 0 else "cut"}


RATES = Family(
    key="rates",
    noun="rate decision",
    desk=Desk("BRAMHOLT", ("Norland Financial Wire", "Bramholt Post"), ("CET", "CEST"), "eu"),
    slots=(
        number_slot("rate", 0.5, 6.5, 0.25, _rate_forms, ("rate", "rate_pct")),
        Slot("change", ("change", "moved", "move"),
             lambda rng: Drawn(_move_forms(rng.choice((-75, -50, -25, 25, 50, 75)))), (), False),
        pool_slot("vote", ("vote",), [("5-4",), ("6-3",), ("7-2",), ("8-1",), ("9-0",)]),
        number_slot("infl", 1.2, 9.8, 0.1, percent("infl"), ("infl",)),
        number_slot("growth", 0.2, 3.4, 0.1, percent("growth"), ("growth",)),
    ),
    voices=(
        Voice("Ingrid Halvard", "Halvard", "the Norland Reserve Bank's governor"),
        Voice("Tobias Renn", "Renn", "chief economist at a Bramholt investment bank"),
        Voice("Marit Ekdahl", "Ekdahl", "an economist at the Bramholt School of Economics"),
    ),
    headlines=(
        "Norland Reserve Bank {moved} rates to {rate}",
        "Norland central bank announces rate {move}, cites inflation outlook",
        "Reserve Bank {moved} key rate in {vote} vote",
    ),
    leads=(
        "The Norland Reserve Bank {moved} its benchmark interest rate by {change} {when}, saying "
        "the outlook for prices and wages required a change of course.",
        "{When}, Norland's central bank announced a {move} in its key policy rate, a decision "
        "closely watched by homeowners and exporters alike.",
        "Norland's central bank {moved} borrowing costs {when}, its governor said at a news "
        "conference in Bramholt, adding that future moves would depend on the data.",
    ),
    keys=(
        "The move takes the bank's policy rate to {rate}. The nine-member board voted {vote} in "
        "favour of the decision, according to a statement released after the meeting.",
        "After the {change} {move}, the benchmark rate stands at {rate_pct}. The decision was "
        "taken by a {vote} vote of the board.",
        "Board members voted {vote} to set the rate at {rate}, the bank said, the clearest signal "
        "yet of how divided policymakers have become.",
    ),
    impacts=(
        "In its accompanying forecasts, the bank said annual inflation stood at {infl} and "
        "projected economic growth of {growth} for the year.",
        "Annual consumer price inflation was running at {infl}, the bank said, while it expects "
        "the economy to grow by {growth} this year.",
    ),
    distractors=(
        "At an earlier meeting, {d_when}, the bank had put inflation at {d_infl} and forecast "
        "growth of {d_growth}.",
        "The forecasts contrasted with those published after the meeting {d_when}, when the bank "
        "saw inflation at {d_infl}.",
    ),
    details=(
        "Mortgage lenders said they would pass the change on to borrowers within days, and "
        "several banks announced new fixed-rate offers shortly after the decision.",
        "Shares of Norland's largest banks rose after the announcement, while shares of property "
        "developers fell, reflecting shifting expectations for mortgage demand.",
        "The bank's statement noted that unemployment remained low and that wage settlements had "
        "been higher than expected, adding to pressure on prices.",
        "{v1}, {v1r}, told reporters that the board had weighed the risk of acting too early "
        "against the risk of acting too late. \"We will do what is needed,\" {v1s} said.",
        "The Norlandic crown rose against the euro after the announcement, and yields on "
        "two-year government bonds moved sharply.",
        "{v2}, {v2r}, said markets had largely expected the decision but were surprised by the "
        "tone of the statement.",
    ),
    backgrounds=(
        "The bank publishes its own forecast for the path of interest rates, a practice that "
        "makes its guidance closely scrutinised by investors and economists.",
        "The Norland Reserve Bank has been independent of the government for more than two "
        "decades and targets low and stable inflation over the medium term.",
        "Exporters have complained that a strong currency hurts their competitiveness, while "
        "importers and consumers benefit from cheaper foreign goods.",
        "Norland's economy relies heavily on exports of timber, machinery and fish, making it "
        "sensitive to swings in global demand and the exchange rate.",
        "Household debt in Norland is among the highest in Europe, and most mortgages carry "
        "variable rates, so changes in the policy rate feed quickly into family budgets.",
        "{v3}, {v3r}, said the bank was trying to balance a cooling housing market against "
        "stubborn price rises in services.",
    ),
    closers=(
        "The bank's next policy meeting is scheduled in about six weeks.",
        "Minutes of the meeting will be published in two weeks.",
    ),
    day_notes=("The decision was announced on {wd} {part}.",),
    asks=(
        Ask("rate", ("At what level did the Norland Reserve Bank set its policy rate in its "
                     "{ord}decision{when}?",
                     "What was the benchmark rate after the {ord}rate decision{when}?")),
        Ask("vote", ("What was the board's vote in the {ord}rate decision{when}?",
                     "How did the board split in the {ord}rate decision{when}?")),
        Ask("infl", ("What inflation rate did the bank report with its {ord}rate decision{when}?",)),
        Ask("growth", ("What growth forecast accompanied the {ord}rate decision{when}?",)),
    ),
    hours=(9, 14),
    weekdays=(1, 2, 3),
    min_gap=21,
    recent_days=200,
)

VOLCANO = Family(
    key="volcano",
    noun="eruption",
    desk=Desk("KAGOSHIMA", ("Kyushu News Agency", "Southern Japan Wire"), ("JST", "JST")),
    slots=(
        number_slot("ash", 1200, 8000, 100, lambda x: {
            "ash": f"{int(x):,} meters", "ash_ft": f"{round(x * 3.28084, -2):,.0f} feet"}, ("ash",)),
        number_slot("evac", 150, 4000, 10, counted("evac", "residents"), ("evac",)),
        number_slot("flights", 12, 240, 1, counted("flights", "flights"), ("flights",)),
        pool_slot("vent", ("vent",), [(v,) for v in (
            "the summit crater", "the Ogura vent", "the Hanazono crater", "the eastern flank vent",
            "the Kitadake crater", "the Tenjin fissure", "the Shiraiwa crater",
            "the western vent", "the Sakaguchi vent")]),
        number_slot("level", 3, 5, 1, lambda x: {"level": str(int(x))}, (), unique=False),
        clock_slot("time", (0, 23)),
    ),
    voices=(
        Voice("Kenji Morisaki", "Morisaki", "an official at the meteorological agency's volcano division"),
        Voice("Aiko Tanabe", "Tanabe", "a volcanologist at a university in Fukuoka"),
        Voice("Hiroshi Uemura", "Uemura", "the mayor of a town at the foot of the mountain"),
    ),
    headlines=(
        "Mount Taraku erupts, sending ash {ash} into the sky",
        "Eruption at Mount Taraku disrupts flights in southern Japan",
        "Residents evacuated as Mount Taraku spews ash",
    ),
    leads=(
        "Mount Taraku in southern Japan erupted {when}, sending a column of ash high into the sky "
        "and prompting authorities to order residents near the summit to leave, the "
        "meteorological agency said.",
        "{When}, Mount Taraku, one of Japan's most active volcanoes, burst into a violent "
        "eruption that showered nearby towns with ash and small stones.",
        "Authorities raised the alert level at Mount Taraku after the volcano erupted {when}, "
        "hurling rocks down its slopes and disrupting air traffic across the region.",
    ),
    keys=(
        "The eruption began at {time} at {vent}, and the ash plume rose {ash} ({ash_ft}) above the "
        "crater rim, the agency said. It raised the alert level to {level} on a five-point scale.",
        "According to the agency, the blast from {vent} at {time} sent ash {ash} into the air, "
        "the highest plume it had recorded at the mountain in months.",
        "Ash rose to {ash} after the eruption at {vent}, which the agency said started at {time} "
        "and continued in bursts for about an hour.",
    ),
    impacts=(
        "Local authorities told {evac} living within a few kilometers of the crater to move to "
        "community centres, and airlines cancelled {flights} at airports in the region.",
        "About {evac} were evacuated, {v3s} said, while {flights} were cancelled as ash drifted "
        "over flight paths.",
    ),
    distractors=(
        "The volcano had also erupted {d_when}, when a plume from {d_vent} reached {d_ash} and "
        "{d_flights} were cancelled.",
        "It was the mountain's second significant eruption in recent weeks. {d_When}, ash from "
        "{d_vent} rose {d_ash}, and {d_evac} were told to leave their homes.",
    ),
    details=(
        "Ash fell as far as the city centre, where pedestrians covered their mouths with "
        "handkerchiefs and shopkeepers hosed down pavements.",
        "Trains on a local line were suspended for several hours so that crews could clear ash "
        "from the tracks, and farmers covered vegetable fields with plastic sheets.",
        "Ferry services across the bay continued to run, but operators advised passengers to wear "
        "masks on deck.",
        "{v1}, {v1r}, warned that large volcanic rocks could be thrown up to several kilometers "
        "from the crater and that pyroclastic flows were possible.",
        "Residents in nearby towns swept ash from roofs and cars, and schools kept pupils indoors. "
        "Drivers were urged to slow down as ash made roads slippery.",
        "Television footage showed a grey plume billowing over the bay as lightning flickered "
        "through the ash cloud.",
    ),
    backgrounds=(
        "Evacuation plans for the towns around the mountain are updated every year, and "
        "residents take part in drills that include moving elderly people by bus.",
        "Scientists monitor the volcano with seismometers, tilt meters and cameras, and the "
        "agency can issue warnings within minutes of an explosion.",
        "Japan has more than a hundred active volcanoes and lies on the Pacific Ring of Fire.",
        "{v2}, {v2r}, said the volcano's magma chamber had been slowly inflating for several "
        "years, according to satellite measurements of ground deformation.",
        "Mount Taraku erupts frequently, usually with small explosions that do little damage, "
        "but larger eruptions in the past have buried villages under ash.",
    ),
    closers=(
        "The agency said eruptive activity could continue for several days.",
        "No injuries had been reported as of the time of publication.",
    ),
    day_notes=("The eruption started on {wd} {part}.",),
    asks=(
        Ask("ash", ("How high did the ash column rise in the {ord}eruption{when}?",
                    "What height did the ash plume reach in the {ord}Mount Taraku eruption{when}?")),
        Ask("evac", ("How many residents were evacuated after the {ord}eruption{when}?",)),
        Ask("flights", ("How many flights were cancelled because of the {ord}eruption{when}?",)),
        Ask("vent", ("From which vent did the {ord}eruption{when} occur?",)),
        Ask("time", ("At what time did the {ord}eruption{when} begin?",)),
    ),
)

BLACKOUT = Family(
    key="blackout",
    noun="power outage",
    desk=Desk("DENVER", ("Front Range Wire", "Mile High Dispatch"), ("MST", "MDT"), "us"),
    slots=(
        number_slot("cust", 40000, 620000, 100, counted("cust", "customers"), ("cust",)),
        number_slot("dur", 3, 30, 1, counted("dur", "hours"), ("dur",)),
        pool_slot("cause", ("cause",), [(c,) for c in (
            "a fire at the Eastgate substation", "a failed transformer at the Riverside substation",
            "ice-laden tree limbs falling on a transmission line",
            "a software fault in the grid control system", "a crane striking a high-voltage line",
            "an animal shorting equipment at the Northfield substation",
            "a cable fault beneath Union Street", "lightning striking a switching station",
            "wind gusts toppling power poles along Highway 6")]),
        pool_slot("area", ("area",), [(a,) for a in (
            "Five Points", "Highland", "Cherry Creek", "Sloan Lake", "Congress Park", "Baker",
            "Washington Park", "Globeville", "Montbello", "University Hills")]),
    ),
    voices=(
        Voice("Rita Calloway", "Calloway", "a spokeswoman for Front Range Power & Light"),
        Voice("Devon Marsh", "Marsh", "the city's emergency management director"),
        Voice("Alan Pryce", "Pryce", "an electrical engineer who studies grid reliability"),
    ),
    headlines=(
        "Power outage leaves {cust} in the dark",
        "Denver blackout: traffic lights out, trains halted",
        "Utility restores power after widespread outage",
    ),
    leads=(
        "A widespread power outage struck Denver {when}, knocking out traffic signals, stranding "
        "light-rail passengers and leaving homes and businesses in the dark, the utility said.",
        "{When}, large parts of Denver lost electricity in one of the biggest outages in the "
        "city in years, Front Range Power & Light said.",
        "Crews worked through the night to restore electricity after a power failure hit Denver "
        "{when}, the city's emergency management office said.",
    ),
    keys=(
        "At its peak, the outage affected {cust}, Front Range Power & Light said. The utility "
        "blamed {cause}, and said power was fully restored after about {dur}.",
        "The utility said the blackout was caused by {cause}. Some {cust} lost power, and the "
        "last of them had electricity again {dur} later.",
        "The outage, which the utility attributed to {cause}, lasted {dur} for the hardest-hit "
        "neighbourhoods and cut service to {cust}.",
    ),
    impacts=(
        "The {area} neighbourhood was among the hardest hit, with police directing traffic at "
        "darkened intersections and shops closing early.",
        "Residents of {area}, where the outage lasted longest, said their refrigerators and "
        "heating had been off for most of the day.",
    ),
    distractors=(
        "It was the second major outage in the city in recent weeks. {d_When}, {d_cause} left "
        "{d_cust} without power for {d_dur}.",
        "The failure came after a smaller outage {d_when}, which the utility blamed on "
        "{d_cause} and which affected {d_cust}.",
    ),
    details=(
        "Traffic backed up for miles on major roads as signals went dark, and police officers "
        "were deployed to direct cars at the busiest intersections.",
        "Restaurants and grocery stores threw away spoiled food, and some businesses said they "
        "would seek compensation from the utility for lost sales.",
        "Elevators stopped in several office towers downtown, and firefighters responded to "
        "dozens of calls from people trapped between floors.",
        "{v1}, {v1r}, said crews had to inspect damaged equipment before they could safely "
        "reconnect circuits. \"We restore power in stages to avoid overloading the grid,\" "
        "{v1s} said.",
        "Hospitals switched to backup generators, and the airport said its operations were not "
        "affected. The transit agency suspended two light-rail lines for several hours.",
        "{v2}, {v2r}, urged residents to check on elderly neighbours and to avoid using "
        "generators or grills indoors.",
    ),
    backgrounds=(
        "Large outages in the city are rare, the utility said, and most interruptions affect "
        "only a few thousand customers at a time.",
        "Utilities across the West have been investing in battery storage and smarter grid "
        "controls, which can isolate faults and reroute power more quickly.",
        "The region's grid has come under strain from population growth and more frequent "
        "extreme weather, and regulators have asked the utility to harden its network.",
        "{v3}, {v3r}, said ageing substations and overhead lines make urban networks vulnerable "
        "to single points of failure.",
        "The utility has proposed a multi-year investment plan to bury more lines underground, a "
        "project that would raise customer bills.",
    ),
    closers=(
        "State regulators said they would review the utility's response to the outage.",
        "The utility said it would publish a report on the cause within 30 days.",
    ),
    day_notes=("The lights went out on {wd} {part}.",),
    asks=(
        Ask("cust", ("How many customers lost power in the {ord}outage{when}?",
                     "How many customers were affected by the {ord}blackout{when}?")),
        Ask("dur", ("How long did the {ord}power outage{when} last?",)),
        Ask("cause", ("What caused the {ord}power outage{when}?",
                      "What did the utility blame for the {ord}blackout{when}?")),
        Ask("area", ("Which neighbourhood was hardest hit by the {ord}outage{when}?",)),
    ),
    hours=(0, 23),
)

HEAT = Family(
    key="heat",
    noun="heatwave",
    desk=Desk("NEW DELHI", ("Subcontinent News Wire", "Capital Chronicle"), ("IST", "IST")),
    slots=(
        number_slot("temp", 44.0, 50.5, 0.1, lambda x: {
            "temp": f"{x:.1f} degrees Celsius", "temp_c": f"{x:.1f}C",
            "temp_f": f"{x * 9 / 5 + 32:.1f} degrees Fahrenheit"}, ("temp", "temp_c")),
        pool_slot("station", ("station",), [(s,) for s in (
            "Phalodi", "Churu", "Banda", "Sri Ganganagar", "Nagpur", "Jhansi", "Barmer", "Bikaner",
            "Jaisalmer", "Prayagraj", "Wardha", "Chandrapur")]),
        number_slot("treated", 120, 2400, 1, counted("treated", "people"), ("treated",)),
        number_slot("demand", 190, 262, 1, counted("demand", "gigawatts"), ("demand",)),
    ),
    voices=(
        Voice("Anjali Deshmukh", "Deshmukh", "a scientist at the national weather office"),
        Voice("Vikram Sethi", "Sethi", "a state health official"),
        Voice("Meera Iyer", "Iyer", "a public health researcher who studies heat stress"),
    ),
    headlines=(
        "Temperatures soar to {temp_c} as heatwave grips northern India",
        "Heatwave: {station} records the day's highest temperature",
        "Hospitals fill as India swelters in extreme heat",
    ),
    leads=(
        "Temperatures across northern and central India climbed to dangerous levels {when}, with "
        "the weather office issuing its highest alert for several states.",
        "{When}, a punishing heatwave tightened its grip on large parts of India, closing schools, "
        "emptying streets in the afternoon and pushing electricity demand to new highs.",
        "The town of {station} sweltered through the hottest day of the year so far {when}, as a "
        "heatwave that has lasted more than a week showed no sign of breaking.",
    ),
    keys=(
        "The weather office said the highest temperature in the country was {temp} "
        "({temp_f}), recorded in {station}. Many other stations reported readings above 45 "
        "degrees.",
        "{station} recorded a maximum of {temp_c}, the highest reading of the day, according to "
        "the national weather office, which said nights were also unusually warm.",
        "The mercury touched {temp} in {station}, the weather office said, several degrees above "
        "the seasonal average.",
    ),
    impacts=(
        "Hospitals in the worst-affected states treated {treated} for heatstroke and dehydration, "
        "{v2s}, {v2r}, said. Peak electricity demand reached a record {demand}.",
        "Grid operators said national power demand peaked at {demand} as air conditioners ran "
        "around the clock, while {treated} were treated for heat-related illness.",
    ),
    distractors=(
        "The reading surpassed the high recorded {d_when}, when {d_station} reached {d_temp} and "
        "power demand peaked at {d_demand}.",
        "It was the second spell of extreme heat in a matter of weeks. {d_When}, {d_station} "
        "registered {d_temp_c}, and {d_treated} needed treatment for heatstroke.",
    ),
    details=(
        "Doctors advised people to drink water regularly, avoid going out in the middle of the "
        "day and watch for signs of heat exhaustion such as dizziness and nausea.",
        "In several cities, markets opened at dawn and closed before noon, and construction sites "
        "halted work during the afternoon.",
        "Hospitals set up dedicated heatstroke wards with ice packs and cooling fans, and "
        "ambulance services reported a sharp rise in calls.",
        "Several state governments moved school hours earlier or closed schools altogether, and "
        "labour departments told employers to give outdoor workers breaks in the hottest hours.",
        "{v1}, {v1r}, said a ridge of high pressure was keeping skies clear and blocking moist "
        "winds from the sea, and that relief was unlikely for several days.",
        "Municipal workers set up drinking water stalls at bus stops and markets, and some cities "
        "sprayed water on roads to bring down surface temperatures.",
    ),
    backgrounds=(
        "Electricity demand usually peaks in the summer months, and grid operators have added "
        "generating capacity and imported power to avoid rolling blackouts.",
        "Water shortages have worsened the heat's effects in some areas, with reservoirs running "
        "low and tanker trucks supplying neighbourhoods whose taps have run dry.",
        "Summer temperatures in the region routinely exceed 40 degrees Celsius, but scientists "
        "say heatwaves are becoming longer, more frequent and more intense.",
        "{v3}, {v3r}, said outdoor labourers, street vendors and the elderly were at greatest "
        "risk, and that many deaths from heat go unrecorded.",
        "Cities have begun adopting heat action plans, which include early warnings, cool shelters "
        "and public awareness campaigns.",
    ),
    closers=(
        "The weather office said monsoon rains were expected to bring relief in the coming weeks.",
        "Forecasters expected the heatwave to persist for at least three more days.",
    ),
    day_notes=("The readings were taken on {wd} {part}.",),
    asks=(
        Ask("temp", ("What was the highest temperature recorded in India{when}?",
                     "How hot did it get at the hottest station{when}?")),
        Ask("station", ("Which town recorded the country's highest temperature{when}?",
                        "Where was the highest temperature in India measured{when}?")),
        Ask("treated", ("How many people were treated for heatstroke{when}?",)),
        Ask("demand", ("What did peak electricity demand reach{when}?",)),
    ),
    hours=(13, 16),
    months=(4, 5, 6),
    latest_words=(),
    earliest_words=(),
)

FAMILIES: tuple[Family, ...] = (QUAKE, MISSILE, VOTE, TYPHOON, WILDFIRE, STRIKE, RECALL,
                                MARATHON, RATES, VOLCANO, BLACKOUT, HEAT)

# Page furniture: lines around the story that carry no facts.
FURNITURE_TOP = ("Share this article", "Listen to this article", "Print", "Text size A A A",
                 "Save article")
FURNITURE_MID = ("Advertisement", "- Advertisement -", "ADVERTISEMENT", "Story continues below",
                 "Sign up for our morning briefing")
FURNITURE_END = ("Share this article", "Leave a comment", "Related topics",
                 "Sign up for our daily newsletter", "Copyright {outlet}. All rights reserved.")
REPORTERS = ("Nadia Brooks", "Tomas Reyes", "Helen Achterberg", "Samir Qureshi", "Yuna Seo",
             "Patrick Odhiambo", "Clara Mendes", "Jonah Feld", "Ines Lacroix", "Ravi Menon")

# Which ordinal words the "latest"/"earliest" questions use when a family's templates have no
# {ord} slot (the heatwave templates): a prefix for the whole question instead.
ORDER_PREFIX = {"latest": ("In the most recent of these heatwaves, ", "On the latest of these days, "),
                "earliest": ("In the earliest of these heatwaves, ", "On the first of these days, ")}

# --------------------------------------------------------------------------- events and dates


@dataclass
class Event:
    """One event: an article's own event, or an earlier one it mentions (a distractor)."""

    day: date
    forms: Forms
    hour: int


@dataclass
class Article:
    family: Family
    event: Event
    published: date
    pub_time: tuple[int, int]
    distractor: Event | None = None
    distractor_template: int = -1  # index into family.distractors
    name: str = ""
    text: str = ""


@dataclass
class ValuePool:
    """Draws slot values, keeping unique slots' surface forms distinct within a family."""

    family: Family
    rng: random.Random
    used: set[str] = field(default_factory=set)

    def draw(self, slot: Slot) -> Drawn:
        for _ in range(200):
            value = slot.draw(self.rng)
            assert tuple(value.forms) == slot.keys, (slot.name, tuple(value.forms))
            if not slot.unique or not (set(value.forms.values()) & self.used):
                if slot.unique:
                    self.used.update(value.forms.values())
                return value
        raise RuntimeError(f"{self.family.key}: ran out of distinct values for slot {slot.name!r}")

    def event(self, day: date, slots: Sequence[Slot] | None = None) -> Event:
        forms: Forms = {}
        hour: int | None = None
        for slot in slots if slots is not None else self.family.slots:
            value = self.draw(slot)
            forms.update(value.forms)
            hour = value.hour if value.hour is not None else hour
        if hour is None:
            hour = self.rng.randint(*self.family.hours)
        return Event(day, forms, hour)


def _fits(family: Family, d: date, taken: Sequence[date]) -> bool:
    return (FIRST_DAY <= d <= LAST_DAY
            and (not family.months or d.month in family.months)
            and d.weekday() in family.weekdays
            and all(abs((d - t).days) >= family.min_gap for t in taken))


def _snap(family: Family, d: date) -> date:
    """Move a day forward (or, leaving its month, backward) to a weekday the family allows."""
    for step in (1, -1):
        for k in range(7):
            c = d + timedelta(days=step * k)
            if c.weekday() in family.weekdays and c.month == d.month:
                return c
    return d


# How the next event day relates to one already planned (picked uniformly; "new-year" twice
# so that some years hold a single event and "in 2023" questions can be asked).
STRATEGIES = ("same-day", "days", "weeks", "same-month", "new-year", "new-year")


def plan_dates(family: Family, n: int, rng: random.Random) -> list[date]:
    """n event days, chosen so that several pairs are easy to confuse: the same day of another
    year, the same month of another year, a few days or weeks apart."""
    days: list[date] = []
    while len(days) < n:
        base = rng.choice(days) if days else None
        strategy = rng.choice(STRATEGIES) if base else "any"
        if strategy == "same-day" and base:
            year = rng.choice([y for y in range(2021, 2026) if y != base.year])
            if (base.month, base.day) == (2, 29):
                continue
            c = base.replace(year=year)
        elif strategy == "days" and base:
            c = base + timedelta(days=rng.choice((-1, 1)) * rng.randint(3, 14))
        elif strategy == "weeks" and base:
            c = base + timedelta(days=rng.choice((-1, 1)) * rng.randint(20, 80))
        elif strategy == "same-month" and base:
            c = date(rng.choice([y for y in range(2021, 2026) if y != base.year]), base.month,
                     rng.randint(1, 28))
        else:  # "any", or "new-year": a year with no event yet
            years = [y for y in range(2021, 2026) if strategy == "any" or all(d.year != y for d in days)]
            month = rng.choice(family.months or tuple(range(1, 13)))
            c = date(rng.choice(years or [2021]), month, rng.randint(1, 28))
        c = _snap(family, c)
        if _fits(family, c, days):
            days.append(c)
    return sorted(days)


def distractor_day(family: Family, first: date, own: date, taken: Sequence[date],
                   rng: random.Random) -> date | None:
    """A day at most ``family.recent_days`` before this article's event and after the family's
    first event (which so stays the earliest), clear of every event already taken. Days that
    would take away the only event of a year or a month are avoided when possible, so that
    questions naming just a year or a month stay askable."""
    start = max(first, own - timedelta(days=family.recent_days))
    candidates = [start + timedelta(days=k) for k in range(1, (own - start).days)]
    candidates = [c for c in candidates if c > first and _fits(family, c, taken)]
    if not candidates:
        return None
    years = Counter(t.year for t in taken)
    months = Counter((t.year, t.month) for t in taken)

    def harm(c: date) -> int:
        return (years[c.year] == 1) + (months[(c.year, c.month)] == 1)

    least = min(map(harm, candidates))
    return rng.choice([c for c in candidates if harm(c) == least])


# --------------------------------------------------------------------------- rendering

FIELDS = string.Formatter()


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(template) if name}


def fill(template: str, context: Mapping[str, str]) -> str:
    return template.format_map(context)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def when_phrases(event: Event, published: date) -> list[tuple[str, bool]]:
    """How the article may give its event's day, relative to the dateline; True = too vague on
    its own (the article then names the weekday elsewhere)."""
    d, wd, h = event.day, WEEKDAYS[event.day.weekday()], event.hour
    offset = (published - d).days
    same_year = d.year == published.year
    phrases: list[tuple[str, bool]] = [
        (f"on {wd}", False), (f"on {wd}", False), (f"{wd} {part_of_day(h)}", False),
        (f"on {ap_date(d, not same_year)}", False), (f"on {long_date(d, not same_year)}", False),
    ]
    if h < 9:
        phrases.append((f"early {wd}", False))
    if h >= 20:
        phrases.append((f"late {wd}", False))
    if offset == 0:
        phrases.append(("earlier today", False))
    if offset == 1:
        phrases += [("yesterday", False), ("yesterday", False)]
        if h >= 20:
            phrases.append(("last night", False))
    if offset >= 2 and d.isocalendar()[:2] == published.isocalendar()[:2]:
        phrases += [("earlier this week", True), ("earlier this week", True)]
    return phrases


def distractor_phrase(d: date, published: date, rng: random.Random) -> str:
    """How an article mentions an earlier event's day: always absolute, with the year when it
    differs from the dateline's."""
    year = d.year != published.year
    return rng.choice((f"on {ap_date(d, year)}", f"on {long_date(d, year)}", f"on {dmy_date(d, year)}"))


def dateline(article: Article, outlet: str, style: str) -> tuple[list[str], str]:
    """The lines above the story and a prefix for its first paragraph, in one of five styles."""
    p, desk = article.published, article.family.desk
    hh, mm = article.pub_time
    zone = desk.zone(p)
    wd = WEEKDAYS[p.weekday()]
    if style == "weekday-line":
        return [f"{wd}, {long_date(p)}"], ""
    if style == "city-wire":
        return [], f"{desk.city}, {ap_date(p)} ({outlet}) -- "
    if style == "wire-dash":
        return [long_date(p)], f"{ap_date(p, year=False)} ({outlet}) - "
    if style == "published":
        return [f"Published: {p.isoformat()} {hh:02d}:{mm:02d} {zone}"], ""
    return [f"Updated {clock_12(hh, mm)} {zone}, {wd[:3]} {long_date(p)}"], ""


DATELINE_STYLES = ("weekday-line", "city-wire", "wire-dash", "published", "updated")


def render(article: Article, rng: random.Random) -> str:
    """The article's text: furniture, dateline, headline, 4-8 paragraphs of 250-600 words."""
    fam, ev = article.family, article.event
    voices = fam.voices  # in order: templates rely on each voice's role
    outlet = rng.choice(fam.desk.outlets)
    wd = WEEKDAYS[ev.day.weekday()]
    when, vague = rng.choice(when_phrases(ev, article.published))
    ctx: dict[str, str] = dict(ev.forms)
    ctx.update(when=when, When=_cap(when), wd=wd, part=part_of_day(ev.hour), outlet=outlet)
    for i, v in enumerate(voices, start=1):
        ctx.update({f"v{i}": v.name, f"v{i}s": v.last, f"v{i}r": v.role})

    paragraphs: list[str] = []
    lead = fill(rng.choice(fam.leads), ctx)
    if vague or rng.random() < 0.15:
        lead += " " + fill(rng.choice(fam.day_notes), ctx)
    paragraphs.append(lead)
    paragraphs.append(fill(rng.choice(fam.keys), ctx))
    paragraphs.append(fill(rng.choice(fam.impacts), ctx))
    if article.distractor is not None:
        d = article.distractor
        dctx = dict(ctx)
        dctx.update({f"d_{k}": v for k, v in d.forms.items()})
        phrase = distractor_phrase(d.day, article.published, rng)
        dctx.update(d_when=phrase, d_When=_cap(phrase))
        paragraphs.insert(rng.choice((3, 3, 2)), fill(fam.distractors[article.distractor_template], dctx))
    extras = [fill(t, ctx) for t in rng.sample(fam.details, len(fam.details))]
    backs = [fill(t, ctx) for t in rng.sample(fam.backgrounds, len(fam.backgrounds))]
    closer = fill(rng.choice(fam.closers), ctx) if rng.random() < 0.7 else None
    # Pad with details and background until the story is long enough, then group those items
    # into the paragraphs left (at most 8 in all): one item a paragraph, some two or three.
    queue = [x for pair in zip(extras, backs) for x in pair] + extras[len(backs):] + backs[len(extras):]
    target = rng.randint(320, 480) - (len(closer.split()) if closer else 0)
    chosen: list[str] = []
    while queue and (len(paragraphs) + len(chosen) < 4 or _words(paragraphs + chosen) < target):
        chosen.append(queue.pop(0))
    room = (7 if closer else 8) - len(paragraphs)
    chosen = chosen[:3 * room]
    count = min(room, len(chosen))  # paragraphs for the items, sized alike (1-3 items each)
    if len(paragraphs) + count > 5 and 2 * (count - 1) >= len(chosen) and rng.random() < 0.5:
        count -= 1
    sizes = [len(chosen) // count + (i < len(chosen) % count) for i in range(count)] if count else []
    rng.shuffle(sizes)
    groups, start = [], 0
    for size in sizes:
        groups.append(chosen[start:start + size])
        start += size
    paragraphs += [" ".join(group) for group in groups]
    if closer:
        paragraphs.append(closer)

    head, prefix = dateline(article, outlet, rng.choice(DATELINE_STYLES))
    paragraphs[0] = prefix + paragraphs[0]
    lines: list[str] = []
    if rng.random() < 0.3:
        lines.append(rng.choice(FURNITURE_TOP))
    headline = fill(rng.choice(fam.headlines), ctx)
    if head and rng.random() < 0.5:
        lines += head + ["", headline]
    else:
        lines += [headline] + head
    if rng.random() < 0.5:
        lines.append(f"By {rng.choice(REPORTERS)}")
    if rng.random() < 0.3:
        lines.append(rng.choice(FURNITURE_TOP))
    body: list[str] = []
    mid = rng.randint(2, len(paragraphs) - 1) if rng.random() < 0.4 else -1
    for i, para in enumerate(paragraphs):
        if i == mid:
            body.append(rng.choice(FURNITURE_MID))
        body.append(para)
    if rng.random() < 0.5:
        body.append(fill(rng.choice(FURNITURE_END), ctx))
    return "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"


def _words(paragraphs: Sequence[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


# --------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class Question:
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    event_date: str | None
    kind: str
    family: str

    def row(self, qid: str) -> dict[str, object]:
        return {"id": qid, "question": self.question, "answers": list(self.answers),
                "sources": list(self.sources), "event_date": self.event_date, "kind": self.kind,
                "family": self.family}


def _occurs(form: str, text: str) -> bool:
    """``form`` occurs in ``text`` as a whole token sequence (``12`` is not in ``12,400``)."""
    return re.search(rf"(?<![\w,.]){re.escape(form)}(?![\w]|[,.]\d)", text) is not None


def answer_forms(article: Article, ask: Ask) -> tuple[str, ...]:
    """The asked fact's answer forms for the article's own event that its text holds, best first."""
    keys = ask.keys or article.family.slot(ask.slot).answers
    forms = [article.event.forms[k] for k in keys]
    # a count is also right as the bare number ("9" for "9 people": SQuAD's convention, 690 of 806 "how many
    # <noun>" answers in its train file), and any form with what the article writes right after it: its
    # zone ("1:31 a.m. local time") or a conversion in parentheses ("101 kilometers (63 miles)")
    forms += [article.event.forms[f"{k}_n"] for k in keys if f"{k}_n" in article.event.forms]
    found = [f for f in dict.fromkeys(forms) if _occurs(f, article.text)]
    found += [m.group() for f in found for m in re.finditer(
        rf"(?<![\w,.]){re.escape(f)}(?: local time| \([^()\n]{{1,30}}\))", article.text)]
    return tuple(dict.fromkeys(found))


# A day named in a question: (template, needs month-day to be unique in the family).
DAY_FORMS: tuple[tuple[str, bool], ...] = (
    ("on {Month} {d}", True), ("on {Mon} {d}", True), ("on {d} {Month}", True),
    ("on {Month} {d}, {Y}", False), ("on {Mon} {d}, {Y}", False), ("on {d} {Month} {Y}", False),
    ("on {Weekday}, {Month} {d}, {Y}", False),
)
MONTH_FORMS = ("in {Month} {Y}", "during {Month} {Y}")
YEAR_FORMS = ("in {Y}", "during {Y}")


NO_EVENT_QUESTIONS = 2  # per family: a day with no event of its kind
NO_EVENT_MARGIN_DAYS = 7  # such a day is further than this from every event and publication date


def date_words(d: date) -> dict[str, str]:
    return {"Month": MONTHS[d.month - 1], "Mon": AP_MONTHS[d.month - 1], "d": str(d.day),
            "Y": str(d.year), "Weekday": WEEKDAYS[d.weekday()]}


class QuestionMaker:
    """Builds one family's questions from its rendered articles."""

    def __init__(self, family: Family, articles: Sequence[Article], rng: random.Random) -> None:
        self.family, self.articles, self.rng = family, sorted(articles, key=lambda a: a.event.day), rng
        # Every day the family's texts report an event of its kind on, distractors included.
        self.all_days = [a.event.day for a in self.articles] + [
            a.distractor.day for a in self.articles if a.distractor is not None]
        self.seen: set[str] = set()
        self.out: list[Question] = []

    def _askable(self, article: Article) -> list[Ask]:
        return [ask for ask in self.family.asks if answer_forms(article, ask)]

    def _text(self, ask: Ask, when: str = "", order: str = "") -> str:
        words = {"latest": self.family.latest_words, "earliest": self.family.earliest_words}
        ord_word = ""
        prefix = ""
        if order:
            if words[order]:
                ord_word = self.rng.choice(words[order])
            else:
                prefix = self.rng.choice(ORDER_PREFIX[order])
        template = self.rng.choice(ask.texts)
        if when.startswith("during ") and "during" in template:  # not "during the strike during 2022"
            when = "in " + when[len("during "):]
        text = template.format(ord=ord_word, when=f" {when}" if when else "")
        return prefix + text[0].lower() + text[1:] if prefix else text

    def _add(self, text: str, answers: Sequence[str], sources: Sequence[str],
             event_date: str | None, kind: str) -> bool:
        if text in self.seen or not answers:
            return False
        self.seen.add(text)
        self.out.append(Question(text, tuple(answers), tuple(sources), event_date, kind, self.family.key))
        return True

    def _single(self, article: Article, ask: Ask, when: str, kind: str, order: str = "") -> bool:
        answers = answer_forms(article, ask)
        return self._add(self._text(ask, when, order), answers, (article.name,),
                         article.event.day.isoformat(), kind)

    def build(self) -> list[Question]:
        rng = self.rng
        for article in self.articles:
            d = article.event.day
            md_unique = sum((x.month, x.day) == (d.month, d.day) for x in self.all_days) == 1
            month_unique = sum((x.year, x.month) == (d.year, d.month) for x in self.all_days) == 1
            year_unique = sum(x.year == d.year for x in self.all_days) == 1
            asks = self._askable(article)
            rng.shuffle(asks)
            forms = [f for f, needs in DAY_FORMS if md_unique or not needs]
            rng.shuffle(forms)
            for ask, form in zip(asks[:rng.choice((2, 3, 3))], forms):
                self._single(article, ask, form.format(**date_words(d)), "day")
            if month_unique and rng.random() < 0.7:
                self._single(article, rng.choice(asks),
                             rng.choice(MONTH_FORMS).format(**date_words(d)), "month")
            if year_unique:
                self._single(article, rng.choice(asks),
                             rng.choice(YEAR_FORMS).format(**date_words(d)), "year")
        for order, article in (("latest", self.articles[-1]), ("earliest", self.articles[0])):
            self._single(article, rng.choice(self._askable(article)), "", order, order)
        # No date at all: every article's value is an answer.
        common = [ask for ask in self.family.asks
                  if all(answer_forms(a, ask) for a in self.articles)]
        for ask in rng.sample(common, min(len(common), rng.choice((1, 2)))):
            answers = [form for a in self.articles for form in answer_forms(a, ask)]
            self._add(self._text(ask), list(dict.fromkeys(answers)),
                      [a.name for a in self.articles], None, "none")
        self._no_event_days(common or list(self.family.asks))
        return self.out

    def _no_event_days(self, asks: Sequence[Ask]) -> None:
        """Questions about days on which the family reports nothing (drawn last: the other questions
        of a seed stay as they were)."""
        rng = self.rng
        near = self.all_days + [a.published for a in self.articles]
        forms = [f for f, needs in DAY_FORMS if not needs]  # with the year: no other year's event matches
        added = 0
        for _ in range(50):
            if added == NO_EVENT_QUESTIONS:
                break
            base = rng.choice(self.articles).event.day
            day = base + timedelta(days=rng.choice((-1, 1)) * rng.randint(NO_EVENT_MARGIN_DAYS + 2, 60))
            if not FIRST_DAY <= day <= LAST_DAY or any(abs((day - x).days) <= NO_EVENT_MARGIN_DAYS for x in near):
                continue
            text = self._text(rng.choice(asks), rng.choice(forms).format(**date_words(day)))
            if text in self.seen:
                continue
            self.seen.add(text)
            self.out.append(Question(text, (), (), day.isoformat(), "day", self.family.key))
            added += 1


# --------------------------------------------------------------------------- the whole set


def build_family(family: Family, seed: int) -> tuple[list[Article], list[Question]]:
    """One family's articles (named, rendered) and questions; depends only on seed and family."""
    rng = random.Random(f"citeqa-temporal:{seed}:{family.key}")
    pool = ValuePool(family, rng)
    days = plan_dates(family, rng.choice((3, 4, 4, 4, 5, 5)), rng)
    taken = list(days)
    articles: list[Article] = []
    for i, day in enumerate(days):
        event = pool.event(day)
        offset = rng.choice((0, 0, 1, 1, 1, 2, 3))
        if offset == 0 and event.hour >= 22:
            offset = 1
        published = day + timedelta(days=offset)
        lo = event.hour + 1 if offset == 0 else 5
        article = Article(family, event, published, (rng.randint(lo, 23), rng.randint(0, 59)))
        if i > 0:  # the first event gets none: it must stay the family's earliest
            dday = distractor_day(family, days[0], day, taken, rng)
            if dday is not None:
                index = rng.randrange(len(family.distractors))
                needed = {f[2:] for f in fields_of(family.distractors[index]) if f.startswith("d_")}
                slots = [s for s in family.slots if set(s.keys) & needed]
                article.distractor = pool.event(dday, slots)
                article.distractor_template = index
                taken.append(dday)
        articles.append(article)
    # File numbers are shuffled so that a name does not give away the order of events.
    numbers = rng.sample(range(1, len(articles) + 1), len(articles))
    for article, number in zip(articles, numbers):
        article.name = f"{family.key}-{number:02d}.txt"
        article.text = render(article, rng)
    return articles, QuestionMaker(family, articles, rng).build()


COMMON_FIELDS = {"when", "When", "wd", "part", "outlet", "v1", "v1s", "v1r", "v2", "v2s", "v2r",
                 "v3", "v3s", "v3r"}


def check_family(family: Family) -> None:
    """Template sanity: every placeholder is filled, the lead gives the date, the key and impact
    paragraphs never do, each distractor has its own date, every question slot exists."""
    keys = [k for s in family.slots for k in s.keys]
    assert len(keys) == len(set(keys)), f"{family.key}: two slots share a placeholder"
    assert len(family.voices) == 3, family.key
    known = set(keys) | COMMON_FIELDS
    dated = set(keys) | COMMON_FIELDS | {f"d_{k}" for k in keys} | {"d_when", "d_When"}
    groups = {"headlines": family.headlines, "leads": family.leads, "keys": family.keys,
              "impacts": family.impacts, "details": family.details,
              "backgrounds": family.backgrounds, "closers": family.closers,
              "day_notes": family.day_notes, "distractors": family.distractors}
    for group, templates in groups.items():
        assert templates, f"{family.key}: no {group}"
        for t in templates:
            fields = fields_of(t)
            assert fields <= (dated if group == "distractors" else known), (family.key, group, t)
            if group == "leads":
                assert fields & {"when", "When"}, (family.key, t)
            elif group == "distractors":
                assert fields & {"d_when", "d_When"}, (family.key, t)
            elif group == "day_notes":
                assert "wd" in fields, (family.key, t)
            else:
                assert not fields & {"when", "When", "wd"}, (family.key, group, t)
    for ask in family.asks:
        slot = family.slot(ask.slot)
        assert set(ask.keys) <= set(slot.keys) and (ask.keys or slot.answers), (family.key, ask.slot)
        assert all(fields_of(t) <= {"ord", "when"} and "{when}" in t for t in ask.texts), ask


def off_topic_months(built: Sequence[tuple[Family, list[Article]]], seed: int) -> list[Question]:
    """Per family, a question about its kind of event in a month (with its year) in which only the next
    family has one: the articles of that month are about something else, so the truthful answer is
    "not in these articles" (a bonus for agreeing on the month must not carry another topic's answer)."""
    out: list[Question] = []
    for i, (family, own) in enumerate(built):
        if len(built) < 2:
            break
        _, others = built[(i + 1) % len(built)]
        rng = random.Random(f"citeqa-temporal:{seed}:{family.key}:off-topic")
        busy = {(d.year, d.month) for a in own for d in (a.event.day, a.published,
                                                          *((a.distractor.day,) if a.distractor else ()))}
        months = sorted({(a.event.day.year, a.event.day.month) for a in others} - busy)
        if not months:
            continue
        year, month = rng.choice(months)
        when = rng.choice(MONTH_FORMS).format(**date_words(date(year, month, 1)))
        text = QuestionMaker(family, own, rng)._text(rng.choice(family.asks), when)
        out.append(Question(text, (), (), date(year, month, 1).isoformat(), "month", family.key))
    return out


def generate(seed: int = 7, families: int = len(FAMILIES)) -> tuple[list[Article], list[Question]]:
    if not 1 <= families <= len(FAMILIES):
        raise ValueError(f"--families must be between 1 and {len(FAMILIES)}")
    articles: list[Article] = []
    questions: list[Question] = []
    built: list[tuple[Family, list[Article]]] = []
    for family in FAMILIES[:families]:
        check_family(family)
        a, q = build_family(family, seed)
        articles += sorted(a, key=lambda x: x.name)
        questions += q
        built.append((family, a))
    return articles, questions + off_topic_months(built, seed)  # drawn last: the others stay as they were


def readme(articles: Sequence[Article], questions: Sequence[Question], seed: int, families: int) -> str:
    kinds = Counter(q.kind for q in questions)
    words = [len(a.text.split()) for a in articles]
    rows = []
    for fam in FAMILIES[:families]:
        own = [a for a in articles if a.family is fam]
        days = ", ".join(a.event.day.isoformat() for a in sorted(own, key=lambda a: a.event.day))
        n_q = sum(q.family == fam.key for q in questions)
        rows.append(f"| {fam.key} | {fam.noun} | {len(own)} | {n_q} | {days} |")
    kind_line = ", ".join(f"{k} {kinds.get(k, 0)}" for k in KINDS)
    return "\n".join([
        "# Temporal article families (synthetic)",
        "",
        f"Generated by `python -m eval.temporal --out DIR --seed {seed} --families {families}` "
        "(pure standard library, deterministic: the same seed gives identical files).",
        "",
        f"* {families} families, {len(articles)} articles in `corpus/` "
        f"({min(words)}-{max(words)} words each), {len(questions)} questions in `questions.jsonl`.",
        f"* Questions by kind: {kind_line}.",
        "",
        "A family is 3-5 articles about the same kind of event on different dates, with the same "
        "slots filled by different values; only the date a question names decides which article "
        "answers it. Articles carry varied datelines (weekday line, city wire dateline, wire dash, "
        "`Published:` and `Updated` stamps), give the event's day absolutely or relative to the "
        "dateline, state the key numbers in a paragraph without the date, and most mention an "
        "earlier event of the same kind with its own numbers (a distractor).",
        "",
        "Question kinds: `day`, `month`, `year` name that much of the event's date (asked only when "
        "no other event of the family, distractors included, matches it); `latest` and `earliest` "
        "ask about the family's last or first event; `none` names no date, so every article's value "
        "is an answer (`event_date` is null). `answers` are verbatim substrings of the sources, "
        f"best first. {sum(not q.answers for q in questions)} `day` questions name a day on which no "
        "event of the family happened: their `answers` and `sources` are empty.",
        "",
        "| family | event | articles | questions | event dates |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "All events, people and outlets are fictional. Use this set to measure event accuracy; "
        "do not tune on it.",
        "",
    ])


def write(out: Path, seed: int = 7, families: int = len(FAMILIES)) -> tuple[int, int]:
    articles, questions = generate(seed, families)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    names = {a.name for a in articles}
    prefixes = tuple(f"{f.key}-" for f in FAMILIES)
    for stale in sorted(corpus.glob("*.txt")):  # our own files from an earlier run
        if stale.name.startswith(prefixes) and stale.name not in names:
            stale.unlink()
    for article in articles:
        (corpus / article.name).write_text(article.text, encoding="utf-8")
    lines = [json.dumps(q.row(f"t{i:04d}"), ensure_ascii=False) for i, q in enumerate(questions, 1)]
    (out / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "README.md").write_text(readme(articles, questions, seed, families), encoding="utf-8")
    return len(articles), len(questions)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.temporal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--families", type=int, default=len(FAMILIES),
                        help=f"how many families, 1-{len(FAMILIES)} (default: all)")
    args = parser.parse_args(argv)
    try:
        n_articles, n_questions = write(args.out, args.seed, args.families)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"wrote {n_articles} articles and {n_questions} questions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
