"""Dates in articles and questions (index.dates, qa.question_time): pure and fast, no models.

Every expected value is worked out by hand from a calendar: 2025-11-07 and 2025-01-03 are Fridays,
2024-11-05 is a Tuesday, 2024-10-31 a Thursday; ISO weeks run Monday to Sunday.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.dates import (
    NOMINAL_YEAR,
    DateRange,
    find_dateline,
    find_time_mentions,
    find_yearless_dateline,
    guess_published,
    is_yearless,
    parse_date,
)
from qa.question_time import TimeConstraint, parse_question_time
from tests.conftest import SEEDS

FRI = date(2025, 11, 7)  # Friday, the day of seed 000's launch
NEW_YEAR_FRI = date(2025, 1, 3)  # Friday
ELECTION_TUE = date(2024, 11, 5)  # Tuesday
ICBM_THU = date(2024, 10, 31)  # Thursday


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def found(text: str, published: date | None) -> list[tuple[str, str]]:
    """(text, ISO range) of every mention."""
    return [(m.text, m.range.iso()) for m in find_time_mentions(text, published)]


# --- DateRange ---------------------------------------------------------------------------------------


def test_date_range_iso_at_every_granularity():
    assert DateRange.of_day(FRI).iso() == "2025-11-07"
    assert DateRange.of_week(FRI).iso() == "2025-11-03/2025-11-09"
    assert DateRange.of_month(2025, 11).iso() == "2025-11"
    assert DateRange.of_year(2025).iso() == "2025"


def test_date_range_bounds():
    assert DateRange.of_week(date(2025, 11, 3)) == DateRange(date(2025, 11, 3), date(2025, 11, 9), "week")
    assert DateRange.of_week(date(2025, 11, 9)) == DateRange(date(2025, 11, 3), date(2025, 11, 9), "week")
    assert DateRange.of_month(2024, 2) == DateRange(date(2024, 2, 1), date(2024, 2, 29), "month")
    assert DateRange.of_month(2025, 2).end == date(2025, 2, 28)
    assert DateRange.of_month(2025, 12) == DateRange(date(2025, 12, 1), date(2025, 12, 31), "month")
    assert DateRange.of_year(2024) == DateRange(date(2024, 1, 1), date(2024, 12, 31), "year")


def test_date_range_contains_and_overlaps():
    november = DateRange.of_month(2025, 11)
    assert november.contains(date(2025, 11, 1)) and november.contains(date(2025, 11, 30))
    assert not november.contains(date(2025, 10, 31)) and not november.contains(date(2025, 12, 1))
    assert november.contains(datetime(2025, 11, 7, 23, 59))
    assert november.overlaps(DateRange.of_week(date(2025, 10, 29)))  # Oct 27 .. Nov 2
    assert november.overlaps(DateRange.of_year(2025)) and DateRange.of_year(2025).overlaps(november)
    assert not november.overlaps(DateRange.of_day(date(2025, 10, 31)))
    assert not DateRange.of_year(2024).overlaps(DateRange.of_day(date(2025, 1, 1)))


def test_date_range_rejects_nonsense():
    with pytest.raises(ValueError):
        DateRange(FRI, FRI, "decade")
    with pytest.raises(ValueError):
        DateRange(FRI, date(2025, 11, 6), "day")


# --- parse_date ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("2025-11-07", date(2025, 11, 7)),
    ("2025-11-07T09:30:00+09:00", date(2025, 11, 7)),  # the date as written, not moved to UTC
    ("2025-11-06T23:30:00-05:00", date(2025, 11, 6)),
    ("2024/11/05", date(2024, 11, 5)),
    ("Fri, 07 Nov 2025 09:30:00 GMT", date(2025, 11, 7)),
    ("Friday, November 7, 2025", date(2025, 11, 7)),
    ("Nov. 7, 2025", date(2025, 11, 7)),
    ("Sept. 22, 2025", date(2025, 9, 22)),
    ("7 November 2025", date(2025, 11, 7)),
    ("  7 nov 2025 ", date(2025, 11, 7)),
    ("November 07, 2025 02:51 PM GMT+03:00", date(2025, 11, 7)),
    ("February 29, 2024", date(2024, 2, 29)),
    ("7. November 2025", date(2025, 11, 7)),  # German
    ("7. Dezember 2025", date(2025, 12, 7)),  # German
    ("7 novembre 2025", date(2025, 11, 7)),  # French / Italian
    ("7 de noviembre de 2025", date(2025, 11, 7)),  # Spanish
    ("5/11/2024", date(2024, 5, 11)),  # ambiguous: US month/day
    ("13/11/2024", date(2024, 11, 13)),  # 13 cannot be a month: day/month
    ("11/13/24", date(2024, 11, 13)),  # two-digit year below 70: 20yy
    ("5/11/85", date(1985, 5, 11)),  # from 70: 19yy
    ("7.11.2025", date(2025, 11, 7)),  # dots: European day.month
    ("11.13.2025", date(2025, 11, 13)),  # 13 cannot be a month: month.day
])
def test_parse_date_formats(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", [
    "", "   ", "hello world", "yesterday", "2 days ago", "Friday",
    "2024", "November 2025", "novembre 2025",  # a year or a month is not a day
    "February 30, 2025", "2025-02-30", "2025-13-01", "13/13/2024", "31/04/2025", "Feb 29 2025",  # impossible
    "1850-01-01", "2230", "November 7, 2230",  # outside 1900..2100
    "62.8 F", "12:35 p.m.", "1,000", "x" * 500,
])
def test_parse_date_rejects(value):
    assert parse_date(value) is None
    assert parse_date(value, reference=FRI) is None


def test_parse_date_without_a_year_needs_a_reference():
    assert parse_date("November 7") is None
    assert parse_date("November 7", reference=date(2021, 6, 6)) == date(2021, 11, 7)
    assert parse_date("5/11") is None
    assert parse_date("5/11", reference=date(2021, 6, 6)) == date(2021, 5, 11)
    assert parse_date("7 novembre", reference=date(2021, 6, 6)) == date(2021, 11, 7)
    assert parse_date("Feb. 29", reference=date(2025, 6, 6)) is None  # 2025 has no Feb 29
    assert parse_date("Feb. 29", reference=datetime(2024, 6, 6, 12)) == date(2024, 2, 29)


def test_parse_date_never_raises_on_non_strings():
    assert parse_date(None) is None  # type: ignore[arg-type]
    assert parse_date(20251107) is None  # type: ignore[arg-type]
    assert parse_date("2025-11-07", reference="soon") == date(2025, 11, 7)  # type: ignore[arg-type]


# --- find_dateline -------------------------------------------------------------------------------------


def dateline(text: str, max_chars: int = 600) -> tuple[date, str] | None:
    """The dateline's date and the words its offsets point at."""
    result = find_dateline(text, max_chars)
    return None if result is None else (result[0], text[result[1]:result[2]])


def test_dateline_of_the_real_seed_top():
    top = "62.8 F\nLos Angeles\nFriday, November 7, 2025\n\nNorth Korea fires missile ..."
    assert find_dateline(top) == (date(2025, 11, 7), 19, 43)
    assert top[19:43] == "Friday, November 7, 2025"


@pytest.mark.parametrize("text, expected", [
    ("SEOUL, Nov. 5, 2024 (Yonhap) -- North Korea fired ...", (date(2024, 11, 5), "Nov. 5, 2024")),
    ("WASHINGTON/SEOUL, November 5, 2024 - The U.S. said ...", (date(2024, 11, 5), "November 5, 2024")),
    ("Published: 2024-11-05\nNorth Korea ...", (date(2024, 11, 5), "2024-11-05")),
    ("Posted on 2024-11-05T08:00:00Z\n...", (date(2024, 11, 5), "2024-11-05")),
    ("Updated 10:02 AM EST, Tue November 5, 2024\n...", (date(2024, 11, 5), "Tue November 5, 2024")),
    ("Headline\n  October 31, 2024\nBody.", (date(2024, 10, 31), "October 31, 2024")),
    ("November 07, 2025 02:51 PM GMT+03:00", (date(2025, 11, 7), "November 07, 2025")),
    ("7 November 2025 | Seoul", (date(2025, 11, 7), "7 November 2025")),
    ("Tue, November 5, 2024 at 7:30 a.m.", (date(2024, 11, 5), "Tue, November 5, 2024")),
    ("Thursday 31 October 2024\n", (date(2024, 10, 31), "Thursday 31 October 2024")),
])
def test_dateline_formats(text, expected):
    assert dateline(text) == expected


def test_a_second_place_only_after_a_place_in_capitals():
    assert dateline("NEW YORK, N.Y., Nov. 5, 2024 (AP) — Stocks fell.") == (date(2024, 11, 5), "Nov. 5, 2024")
    assert find_dateline("Apple, Google, March 3, 2025 - deadline looms") is None


def test_dateline_without_a_year_takes_a_year_from_the_head():
    assert find_dateline("Nov. 5 (Reuters) - North Korea fired a missile.") is None
    text = "Nov. 5 (Reuters) - North Korea fired a missile.\n\n(c) 2024 Reuters"
    assert dateline(text) == (date(2024, 11, 5), "Nov. 5")
    assert find_yearless_dateline(text) is None  # it has one


@pytest.mark.parametrize("text, expected", [
    ("Nov. 5 (Reuters) - North Korea fired a missile.", ("--11-05", "Nov. 5")),
    ("Quake hits Chile\nANTOFAGASTA, Chile, May 20 (Wire) -\n\nA quake ...", ("--05-20", "May 20")),
    ("LEAP, Feb. 29 (Wire) - ...", ("--02-29", "Feb. 29")),
    ("February 30 (Wire) - ...", None),  # no such day in any year
    ("North Korea fired a missile on Nov. 5.", None),  # a date, but not a dateline
    ("SEOUL, Nov. 5, 2024 (Yonhap) -- North Korea fired ...", None),  # dated: find_dateline's
    ("Seoul, Nov. 5 (Yonhap) - North Korea fired ...", ("--11-05", "Nov. 5")),
    ("Storm nears coast\nMay 20\n\nThe storm ...", ("--05-20", "May 20")),  # the date alone on its line
    # headlines and timelines, not datelines: two places only after capitals, and without a year the date
    # must end its line or take a wire credit and its dash
    ("Apple, Google, March 3 - deadline looms", None),
    ("Smith, Jones, May 20 (opinion) - a day to remember", None),
    ("Tesla, Inc, May 20 — shares fall", None),
    ("Dear Readers, On Monday, March 3, we launch a new section", None),
    ("April 1, Fools' Day pranks go viral", None),
    ("How the crisis unfolded\n\nMarch 3 - The company announces a recall.", None),
])
def test_a_dateline_without_any_year_gives_its_month_and_day(text, expected):
    found = find_yearless_dateline(text)
    assert (found if found is None else (found[0], text[found[1]:found[2]])) == expected
    assert is_yearless(found[0]) if found else not is_yearless("2024-11-05")


@pytest.mark.parametrize("text", [
    "",
    "North Korea fired a missile on November 5, 2024.",  # a date, but not a dateline
    "November 5 launch: what we know",  # a headline that starts with a date
    "February 30, 2025\n",  # impossible
    "x" * 700 + "\nOctober 31, 2024",  # beyond the head
    "Los Angeles\n62.8 F\n12:35 p.m.\n",
])
def test_no_dateline(text):
    assert find_dateline(text) is None


def test_the_first_real_dateline_wins():
    assert dateline("February 30, 2025\nOctober 1, 2024\nOctober 2, 2024") == (date(2024, 10, 1), "October 1, 2024")
    assert dateline("x" * 700 + "\nOctober 31, 2024", max_chars=800) == (date(2024, 10, 31), "October 31, 2024")
    assert find_dateline("October 31, 2024", max_chars=-5) is None


def test_datelines_of_the_seeds():
    assert find_dateline(seed("000")) == (date(2025, 11, 7), 19, 43)
    # 001 has a dateline line ("November 07, 2025 02:51 PM GMT+03:00"), but at offset 677, past the head
    assert find_dateline(seed("001")) is None
    assert find_dateline(seed("001"), max_chars=800) == (date(2025, 11, 7), 677, 694)
    for prefix in ("002", "003", "004"):
        assert find_dateline(seed(prefix)) is None


def test_guess_published_on_the_seeds():
    assert guess_published(seed("000")) == (date(2025, 11, 7), "dateline")
    # the latest dated day in the first 1500 characters: the dateline line (captions say Nov 1 and Oct 31, 2024)
    assert guess_published(seed("001")) == (date(2025, 11, 7), "mentioned")
    # the photo caption "... in Seoul, South Korea, November 5, 2024."
    assert guess_published(seed("002")) == (date(2024, 11, 5), "mentioned")
    # only "on Friday", "earlier this year", "in 2019", "Last month", "This week", "since September"
    assert guess_published(seed("003")) is None
    # only "Thursday", "this year", "Nov. 5" (no year), "December of 2023", "Wednesday"
    assert guess_published(seed("004")) is None
    assert guess_published("") is None


# --- find_time_mentions: absolute ----------------------------------------------------------------------


def test_absolute_forms():
    text = ("Launched Nov. 7 and on November 7, 2025; before that October 31, 2024, then 2024-11-05 and "
            "7 November, in 2019, in October 2024 and on Oct. 23.")
    assert found(text, FRI) == [
        ("Nov. 7", "2025-11-07"), ("on November 7, 2025", "2025-11-07"), ("October 31, 2024", "2024-10-31"),
        ("2024-11-05", "2024-11-05"), ("7 November", "2025-11-07"), ("in 2019", "2019"),
        ("in October 2024", "2024-10"), ("on Oct. 23", "2025-10-23"),
    ]


def test_more_absolute_forms():
    text = ("Friday, November 7, 2025. The 7th of November 2025. In December of 2023, since 2019, mid-2024, "
            "early October 2024, by the end of 2023, in the year 2030, 11/5/2024, 13/11/2024, 7.11.2025.")
    assert found(text, None) == [
        ("Friday, November 7, 2025", "2025-11-07"), ("The 7th of November 2025", "2025-11-07"),
        ("In December of 2023", "2023-12"), ("since 2019", "2019"), ("mid-2024", "2024"),
        ("early October 2024", "2024-10"), ("the end of 2023", "2023"), ("in the year 2030", "2030"),
        ("11/5/2024", "2024-11-05"), ("13/11/2024", "2024-11-13"), ("7.11.2025", "2025-11-07"),
    ]


def test_year_bounds():
    assert found("in 1899, in 1900, in 2100, in 2101, in 2230, on November 7, 1850", None) == [
        ("in 1900", "1900"), ("in 2100", "2100")]


def test_mentions_carry_offsets_and_flags():
    text = "It flew on Nov. 5 after talks in 2019."
    nov5, y2019 = find_time_mentions(text, ICBM_THU)
    assert (nov5.start, nov5.end, nov5.text) == (8, 17, "on Nov. 5") and text[8:17] == "on Nov. 5"
    assert nov5.range == DateRange.of_day(date(2024, 11, 5))  # 5 days after publication: same year
    assert (nov5.relative, nov5.year_known) == (False, False)
    assert (y2019.text, y2019.relative, y2019.year_known) == ("in 2019", False, True)


def test_a_day_without_year_across_the_year_boundary():
    text = "on Dec. 30, then Jan. 2, and in December"
    assert found(text, NEW_YEAR_FRI) == [("on Dec. 30", "2024-12-30"), ("Jan. 2", "2025-01-02"),
                                         ("in December", "2024-12")]


def test_a_day_without_year_may_lie_up_to_61_days_ahead():
    # 2025-11-07 + 61 days = 2026-01-07 (23 days left in November, 31 in December, 7 in January)
    assert found("Jan. 7 and Jan. 8", FRI) == [("Jan. 7", "2026-01-07"), ("Jan. 8", "2025-01-08")]
    # Dec 1 is 24 days ahead, Feb 1 is 86 days ahead
    assert found("in December, in February", FRI) == [("in December", "2025-12"), ("in February", "2025-02")]
    # seed 004 (Thursday 2024-10-31): "the U.S. presidential election scheduled for Nov. 5"
    assert found("scheduled for Nov. 5", ICBM_THU) == [("Nov. 5", "2024-11-05")]


def test_dates_in_the_future_stay_as_written():
    assert found("talks planned on November 7, 2030", FRI) == [("on November 7, 2030", "2030-11-07")]


def test_without_a_publication_date_relative_words_do_not_count_and_a_missing_year_stays_unknown():
    text = "On Tuesday, yesterday, last week, last October, Nov. 7, in October and on Nov. 5, 2024, in 2019."
    mentions = find_time_mentions(text, None)
    assert [(m.text, m.range.iso(), m.year_known) for m in mentions] == [
        ("Nov. 7", f"{NOMINAL_YEAR}-11-07", False), ("in October", f"{NOMINAL_YEAR}-10", False),
        ("on Nov. 5, 2024", "2024-11-05", True), ("in 2019", "2019", True)]
    assert [(m.text, m.range.iso()) for m in find_time_mentions("filed Feb. 29 (Wire) -", None)] == [
        ("Feb. 29", f"{NOMINAL_YEAR}-02-29")]  # the nominal year is a leap year: every day of the calendar exists
    assert guess_published("SEOUL, May 20 (Wire) -\n\nA quake struck on May 19.") is None  # a month and day are no date


# --- find_time_mentions: relative ----------------------------------------------------------------------


def test_weekdays_are_the_most_recent_on_or_before_publication():
    text = "on Tuesday, Friday's launch, on Saturday, on Monday, last Friday, next Monday"
    assert found(text, FRI) == [
        ("on Tuesday", "2025-11-04"), ("Friday", "2025-11-07"), ("on Saturday", "2025-11-01"),
        ("on Monday", "2025-11-03"), ("last Friday", "2025-10-31"), ("next Monday", "2025-11-10"),
    ]
    assert all(m.relative for m in find_time_mentions(text, FRI))


def test_weekdays_of_the_seed_articles():
    # seed 002 (Tuesday 2024-11-05): "launched ... on Tuesday", "(2230 GMT on Monday)"
    assert found("around 7:30 a.m. on Tuesday (2230 GMT on Monday)", ELECTION_TUE) == [
        ("on Tuesday", "2024-11-05"), ("on Monday", "2024-11-04")]
    # seed 004 (Thursday 2024-10-31): "in Washington, Wednesday (local time)"
    assert found("toward the East Sea, Thursday, ... Washington, Wednesday (local time)", ICBM_THU) == [
        ("Thursday", "2024-10-31"), ("Wednesday", "2024-10-30")]


def test_day_words():
    text = "yesterday, Today, this morning, last night, earlier today, tonight and tomorrow"
    assert found(text, FRI) == [
        ("yesterday", "2025-11-06"), ("Today", "2025-11-07"), ("this morning", "2025-11-07"),
        ("last night", "2025-11-06"), ("earlier today", "2025-11-07"), ("tonight", "2025-11-07"),
        ("tomorrow", "2025-11-08"),
    ]


def test_a_newspaper_called_today_is_not_a_day():
    assert found("More From Türkiye Today", FRI) == []
    assert found("He left. Today, he spoke.", FRI) == [("Today", "2025-11-07")]


def test_weeks_months_years():
    text = ("last week, this week, next week, earlier this month, last month, late last month, next month, "
            "last year, this year, earlier this year, next year")
    assert found(text, FRI) == [
        ("last week", "2025-10-27/2025-11-02"), ("this week", "2025-11-03/2025-11-09"),
        ("next week", "2025-11-10/2025-11-16"), ("earlier this month", "2025-11"), ("last month", "2025-10"),
        ("late last month", "2025-10"), ("next month", "2025-12"), ("last year", "2024"), ("this year", "2025"),
        ("earlier this year", "2025"), ("next year", "2026"),
    ]


def test_relative_units_across_the_year_boundary():
    text = "on Monday, last week, this week, last month, last year, last October"
    assert found(text, NEW_YEAR_FRI) == [
        ("on Monday", "2024-12-30"), ("last week", "2024-12-23/2024-12-29"),
        ("this week", "2024-12-30/2025-01-05"), ("last month", "2024-12"), ("last year", "2024"),
        ("last October", "2024-10"),
    ]


def test_ago():
    text = "two days ago, a week ago, 3 weeks ago, three months ago, two years ago"
    assert found(text, FRI) == [
        ("two days ago", "2025-11-05"), ("a week ago", "2025-10-27/2025-11-02"),
        ("3 weeks ago", "2025-10-13/2025-10-19"), ("three months ago", "2025-08"), ("two years ago", "2023"),
    ]


def test_anchorless_relative_phrases_are_skipped():
    assert found("Two days later it fired again; the next day and the following week were calm.", FRI) == []
    assert found("It fired again two days after the talks.", FRI) == []


# --- find_time_mentions: not dates ---------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "launched around 12:35 p.m. and at 7:10 a.m. (2230 GMT)",  # times of day
    "for 70 minutes, over two days, within three weeks",  # durations
    "flew roughly 700 kilometers (435 miles) and about 1,000 kilometers",  # numbers
    "sent around 15,000 soldiers and 2,000 troops; a range of 2000 km",
    "in 2000 km, up 2024 percent",  # a year-like number that is a quantity
    "Experts say the launch may have been intended to push back; March on!",  # "may", "March" not dates
    "5/11 of the members; 24/7 watch; version 1.2.3",  # numeric without a year
    "Feb. 30, 2025 and 2025-13-01 and 31/04/2025",  # impossible
    "in the 1990s",
    "62.8 F\nLos Angeles",
    "",
])
def test_not_mentions(text):
    assert find_time_mentions(text, FRI) == []


def test_a_weekday_in_a_time_note_is_a_mention_but_the_time_is_not():
    assert found("at 7:30 a.m. on Tuesday", ELECTION_TUE) == [("on Tuesday", "2024-11-05")]


def test_seed_mentions_are_sorted_disjoint_and_exact():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        mentions = find_time_mentions(text, FRI)
        assert mentions
        assert all(text[m.start:m.end] == m.text for m in mentions)
        assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:]))


def test_the_seed_000_passage():
    text = seed("000")
    got = found(text[text.index("North Korean leader"):text.index("[KOREAN")], FRI)
    assert got == [("on Oct. 23", "2025-10-23"), ("on Oct. 24", "2025-10-24")]
    assert ("On November 3", "2025-11-03") in found(text, FRI)


# --- never raises --------------------------------------------------------------------------------------


ODD = ["", " ", "\x00", "\u202e\u200b\ufeff", "٣/٤/٢٠٢٤", "１１/５/２０２４", "la\u017ft week, ye\u017fterday",
       "in " * 10_000, "Nov." + " " * 10_000 + "5", "A" * 20_000 + ",", "9" * 50_000, "𝟚𝟘𝟚𝟜-𝟙𝟙-𝟘𝟝", "May 99, 9999",
       "\n" * 5_000 + "October 31, 2024", "on " + "Tuesday, " * 2_000]


@pytest.mark.parametrize("text", ODD)
def test_odd_strings_never_raise(text):
    for published in (None, FRI, date(1, 1, 1), date(9999, 12, 31), datetime(2025, 11, 7, 9, 30)):
        for m in find_time_mentions(text, published):
            assert text[m.start:m.end] == m.text
        parse_question_time(text, published)  # type: ignore[arg-type]
    find_dateline(text)
    guess_published(text)
    parse_date(text[:300], FRI)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.dates())
def test_random_text_never_raises(text, published):
    mentions = find_time_mentions(text, published)
    assert all(text[m.start:m.end] == m.text for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:]))
    find_dateline(text)
    guess_published(text)
    parse_question_time(text, published)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789/.-:, TZ+NovDecMayjanvierdeFriday"), max_size=40))
def test_random_date_like_strings_never_raise(value):
    result = parse_date(value, FRI)
    assert result is None or 1900 <= result.year <= 2100


def test_a_huge_text_is_read_in_linear_time():
    rng = random.Random(7)
    pieces = ["on Tuesday", "Nov. 5, 2024", "700 km", "in 2019", "said", "\u2603", "12:35 p.m.", "last week"]
    text = " ".join(rng.choice(pieces) for _ in range(100_000))  # ~1 MB
    began = time.perf_counter()
    mentions = find_time_mentions(text, FRI)
    assert time.perf_counter() - began < 10
    assert len(mentions) > 40_000


def test_non_strings_never_raise():
    assert find_time_mentions(None, FRI) == []  # type: ignore[arg-type]
    assert find_dateline(None) is None  # type: ignore[arg-type]
    assert guess_published(None) is None  # type: ignore[arg-type]
    assert parse_question_time(None, FRI) is None  # type: ignore[arg-type]


# --- parse_question_time -------------------------------------------------------------------------------


def asked(question: str, today: date = FRI) -> tuple[str, str | None, str | None, bool] | None:
    """(matched text, ISO range, order, year_known) of a question's constraint."""
    c = parse_question_time(question, today)
    return None if c is None else (c.text, None if c.range is None else c.range.iso(), c.order, c.year_known)


@pytest.mark.parametrize("question, expected", [
    # a day
    ("What did North Korea fire on Nov. 5, 2024?", ("on Nov. 5, 2024", "2024-11-05", None, True)),
    ("What happened on 7 November 2025?", ("on 7 November 2025", "2025-11-07", None, True)),
    ("What flew on 2024-11-05?", ("on 2024-11-05", "2024-11-05", None, True)),
    ("What was launched on 5/11/2024?", ("on 5/11/2024", "2024-05-11", None, True)),
    # a day without its year: the latest one on or before today, year_known False
    ("What happened on November 7?", ("on November 7", "2025-11-07", None, False)),
    ("What happened November 7th?", ("November 7th", "2025-11-07", None, False)),
    ("What happened on November 8?", ("on November 8", "2024-11-08", None, False)),
    ("What happened on December 25?", ("on December 25", "2024-12-25", None, False)),
    ("What happened on Feb. 29?", ("on Feb. 29", "2024-02-29", None, False)),
    # a month or a year
    ("What was fired in October 2024?", ("in October 2024", "2024-10", None, True)),
    ("How many tests in 2024?", ("in 2024", "2024", None, True)),
    ("What was launched during 2019?", ("during 2019", "2019", None, True)),
    ("What was fired in October?", ("in October", "2025-10", None, False)),
    ("What was fired in November?", ("in November", "2025-11", None, False)),
    ("What was fired in December?", ("in December", "2024-12", None, False)),
    # relative to today
    ("What was tested last year?", ("last year", "2024", None, True)),
    ("What was tested this year?", ("this year", "2025", None, True)),
    ("What was tested last month?", ("last month", "2025-10", None, True)),
    ("What happened this week?", ("this week", "2025-11-03/2025-11-09", None, True)),
    ("What happened last week?", ("last week", "2025-10-27/2025-11-02", None, True)),
    ("What happened yesterday?", ("yesterday", "2025-11-06", None, True)),
    ("What did Japan say today?", ("today", "2025-11-07", None, True)),
    ("What did it fire on Tuesday?", ("on Tuesday", "2025-11-04", None, True)),
    # ordering, alone or with a range
    ("What was the latest launch?", ("latest", None, "latest", True)),
    ("What was the most recent test?", ("most recent", None, "latest", True)),
    ("Which is the newest missile?", ("newest", None, "latest", True)),
    ("How far did the last launch fly?", ("last", None, "latest", True)),
    ("When did North Korea last fire an ICBM?", ("last", None, "latest", True)),
    ("When was the first launch in 2024?", ("first launch in 2024", "2024", "earliest", True)),
    ("Which was the earliest ICBM test?", ("earliest", None, "earliest", True)),
    ("How long did the outage on 2 October 2025 last?", ("on 2 October 2025", "2025-10-02", None, True)),
    ("What was the most recent launch last year?", ("most recent launch last year", "2024", "latest", True)),
    ("What happened in the first week of November?", ("in the first week of November", "2025-11", None, False)),
])
def test_question_constraints(question, expected):
    assert asked(question) == expected


@pytest.mark.parametrize("question", [
    "How far did the missile fly?",
    "How many 700 km missiles did it fire?",
    "Did it fly 1,000 kilometers in 70 minutes?",
    "Who spoke at last?",
    "What happened over the last two years?",
    "How long did the power outage last?",  # the verb
    "How many hours did it last, officials said?",
    "What happened in 1850?",
    "When did it launch, at 7:10 a.m.?",
    "",
])
def test_questions_without_a_time(question):
    assert parse_question_time(question, FRI) is None


def test_question_offsets_and_today_variants():
    q = "What was fired in October 2024?"
    c = parse_question_time(q, FRI)
    assert c == TimeConstraint("in October 2024", 15, 30, DateRange.of_month(2024, 10), None)
    assert q[c.start:c.end] == c.text
    assert asked("What happened on Feb. 29?", date(2029, 3, 1)) == ("on Feb. 29", "2028-02-29", None, False)
    assert asked("What happened yesterday?", datetime(2025, 1, 1, 8)) == ("yesterday", "2024-12-31", None, True)
    # without a usable today only absolute expressions count
    assert asked("What happened yesterday?", None) is None  # type: ignore[arg-type]
    assert asked("How many tests in 2024?", None) == ("in 2024", "2024", None, True)  # type: ignore[arg-type]
    assert asked("What was the latest launch on Tuesday?", None) == ("latest", None, "latest", True)  # type: ignore
