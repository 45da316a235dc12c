"""The kind of answer a question expects, as a soft signal on candidate spans.

Only forms whose answer can be recognised reliably from its words are typed: "at what time" / "what
time did" expects a clock time ("7:30 a.m.", "12:35 p.m.", "0224 GMT", "noon"). A candidate without
one -- a day, a weekday, "afternoon" -- loses ``weight`` of its evidence (log-odds against "no
answer"): the reader, asked "At what time was the missile launched?", often points at the sentence's
date ("November 7", "Thursday"). "What time period", "what time of day", "during what time" are not typed.
"How far / deep / high / tall" and "what altitude / depth / distance / height" expect a length: a
number with a unit of length ("146 km", "435 miles", "25-foot", "a few hundred feet"); asked "How deep
was the earthquake?", the reader may answer with the magnitude. "On what date / what day" expects a
day: a month and its day ("May 3, 2013", "12 January"), a weekday, a numeric date or a named day
("Christmas Eve"), not "two days". "What percentage / percent / share / proportion / fraction", "what (was the)
turnout" and "how much of the vote" expect a share: a number with "percent", "%" or "percentage points", or a
fraction ("half", "two-thirds", "one in five", "three out of ten"); asked "What share did Brevik receive?", the
reader may answer with his count of votes ("3.2 million").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import balance_span

_CLOCK_QUESTION = re.compile(  # "what time" asked of a verb: "At what time was ...", "What time, local time, did ..."
    r"(?<!during\s)\bwhat\s+(?:time|hour)\s*(?:,|(?:did|does|do|was|were|is|are|will|would|had|has|have)\b)",
    re.IGNORECASE)
_CLOCK = re.compile(
    r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?\s?m\b\.?|p\.?\s?m\b\.?)|\b\d{1,2}:\d{2}\b|\b\d{4}\s*(?:GMT|UTC|hours|hrs|[A-Z]ST|[A-Z]DT|KST|JST)\b|"
    r"\b(?:noon|midnight|o'clock)\b",
    re.IGNORECASE)


_LENGTH_QUESTION = re.compile(
    r"\bhow\s+(?:far|deep|high|tall)\b|\b(?:what|which)\s+(?:\w+\s+){0,2}?(?:altitude|depth|distance|elevation|height)\b",
    re.IGNORECASE)
_NUMBER = (r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
           r"fifty|hundreds?|thousands?|half|dozens?)")
_LENGTH = re.compile(
    _NUMBER + r"(?:[\s-]+\w+){0,2}?[\s-]*(?:km|kms|kilomet(?:er|re)s?|mi|miles?|m|met(?:er|re)s?|ft|feet|foot|inch(?:es)?|"
    r"yards?|nautical\s+miles?|stor(?:e)?y|stor(?:e)?ys|stories|floors?|kph|mph)\b",
    re.IGNORECASE)


_DAY_QUESTION = re.compile(r"\bwhat\s+(?:date|day)\b(?!\s+of\s+the\s+(?:week|month|year))", re.IGNORECASE)
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![a-z])|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\b|"
    r"\b(?:christmas|easter|thanksgiving|new\s+year'?s?|independence\s+day|eve|d-day)\b",
    re.IGNORECASE)


_SHARE_QUESTION = re.compile(
    r"\bwhat\s+(?:percent(?:age)?|share|proportion|fraction)\b|\bturnout\b|\bhow\s+much\s+of\s+the\s+vote\b",
    re.IGNORECASE)
_SHARE = re.compile(
    r"\d\s*(?:%|percent\b|per\s?cent\b|percentage\s+points?\b|pc\b)|"
    r"\b(?:half|halves|thirds?|quarters?|fifths?|tenths?|majority)\b|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|\d+)\s+(?:in|out\s+of)\s+(?:\w+)\b",
    re.IGNORECASE)


# what belongs to a clock time after it: its zone, "local time", a conversion in parentheses
_CLOCK_TAIL = re.compile(r"(?:[^\S\n]*(?:\b(?:[A-Z]{1,4}T|GMT|UTC|Z)\b|\blocal\s+time\b|\([^()\n]{1,30}\)))*")
_HEDGE_BEFORE = re.compile(r"\b(?:about|around|approximately|roughly|nearly|shortly\s+(?:before|after)|"
                           r"just\s+(?:before|after))\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class AnswerType:
    """A question form (``asked``), what its answer must contain (``given``) and, optionally, another kind
    of value its answer does not run into (``apart``): a clock time's answer is not its day."""

    asked: re.Pattern[str]
    given: re.Pattern[str]
    apart: re.Pattern[str] | None = None

    def expected_by(self, question: str) -> bool:
        return bool(self.asked.search(question))

    def fits(self, text: str) -> bool:
        return bool(self.given.search(text))

    def tightened(self, text: str) -> tuple[int, int]:
        """``(start, end)`` of the answer inside ``text`` when the span runs into a value of the ``apart`` kind,
        before or after it: the value of this type alone, with a hedge before it and what belongs to it after
        (``_CLOCK_TAIL``): "4:17 a.m." in "4:17 a.m. on Tuesday", "7:32 PM KST" in "7:32 PM KST, Sun July 6,
        2025", "11:52 p.m." in "Tuesday at 11:52 p.m.", "about 7 a.m." in "on Friday, about 7 a.m.". The whole
        text when nothing is apart from it, when it does not fit, or when it holds two values of this type
        ("from 9 a.m. Monday to 5 p.m. Tuesday": a span, not one time)."""
        found = list(self.given.finditer(text))
        if self.apart is None or not found:
            return 0, len(text)
        own = found[0]
        end = own.end() + len(_CLOCK_TAIL.match(text, own.end()).group())  # "10:26 a.m. (0926 GMT)" is one time
        if any(m.start() >= end for m in found[1:]):
            return 0, len(text)
        if not any(m.start() >= end or m.end() <= own.start() for m in self.apart.finditer(text)):
            return 0, len(text)
        hedge = _HEDGE_BEFORE.search(text, 0, own.start())
        start = hedge.start() if hedge else own.start()
        start, end = balance_span(text, start, end)
        while end > start and text[end - 1].isspace():
            end -= 1
        return (start, end) if start < end and self.fits(text[start:end]) else (0, len(text))


CLOCK_TIME = AnswerType(_CLOCK_QUESTION, _CLOCK, apart=_DAY)
LENGTH = AnswerType(_LENGTH_QUESTION, _LENGTH)
DAY = AnswerType(_DAY_QUESTION, _DAY)
SHARE = AnswerType(_SHARE_QUESTION, _SHARE)
TYPES = (CLOCK_TIME, LENGTH, DAY, SHARE)  # the first whose form the question has counts

expects_clock_time, is_clock_time = CLOCK_TIME.expected_by, CLOCK_TIME.fits
expects_length, is_length = LENGTH.expected_by, LENGTH.fits
expects_day, is_day = DAY.expected_by, DAY.fits
expects_share, is_share = SHARE.expected_by, SHARE.fits


@dataclass(frozen=True)
class TypePrior:
    """The expected type of one question's answer as evidence on a candidate (0 when its text fits, else
    ``-weight``) and as the boundaries it is shown with (``AnswerType.tightened``)."""

    kind: AnswerType
    weight: float

    def __call__(self, text: str) -> float:
        return 0.0 if self.kind.fits(text) else -self.weight

    def tightened(self, text: str) -> tuple[int, int]:
        return self.kind.tightened(text)


def type_prior(question: str, weight: float) -> TypePrior | None:
    """Evidence to add to a candidate span of ``question`` by its text (0 or ``-weight``), or None when
    the question's form expects no recognisable type (or ``weight`` is 0)."""
    kind = next((t for t in TYPES if t.expected_by(question)), None) if weight > 0 else None
    return None if kind is None else TypePrior(kind, weight)
