"""Dates in article text: publication dates, datelines, and the time expressions of a passage.

Everything here is pure (no I/O) and never raises on any string. ``find_dateline`` and
``find_time_mentions`` read English only; ``parse_date`` also reads month names of other languages.

Conventions (each one is tested in tests/test_dates.py):

- Years outside 1900..2100 are not dates.
- Numeric dates: with ``/`` or ``-`` the first number is the month ("5/11/2024" is 11 May 2024, US order)
  unless it cannot be a month ("13/11/2024" is 13 November); with ``.`` the first number is the day
  ("7.11.2025" is 7 November, European order) unless it cannot be one. A two-digit year ``yy`` is
  ``20yy`` below 70 and ``19yy`` from 70. ``find_time_mentions`` only takes numeric dates with a year.
- A day or month without a year in an article is its latest occurrence no more than ``FUTURE_SLACK`` (~2 months)
  after the publication date: usually the publication year; the year before when that would lie further ahead
  ("Dec. 30" in an article of Jan. 3); the year after for early next-year dates in a November or December
  article ("Jan. 7" in one of Nov. 7). News looks back more than ahead. In an article without a publication
  date (wire copy datelined "May 20 (Reuters) -") it is kept as a month and day in ``NOMINAL_YEAR``, marked
  ``year_known=False``: only its month and day are ever compared, so it still tells "May 19" from "July 8".
- A weekday ("on Tuesday") is the most recent such day on or before the publication date; "last Tuesday"
  is the one before that if the article is from a Tuesday, "next Tuesday" the first one after.
- Anchor-less relative phrases ("two days later", "the next day", "the following week") are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dateparser
from dateutil import parser as dateutil_parser

GRANULARITIES = ("day", "week", "month", "year")
MIN_YEAR = 1900
MAX_YEAR = 2100
NOMINAL_YEAR = 2000  # the year of a year-less day in an undated article: a leap year, so that Feb. 29 exists
FUTURE_SLACK = timedelta(days=61)  # how far after publication a year-less date may fall (~2 months)
GUESS_HEAD_CHARS = 1500  # how much of an article guess_published reads for mentioned dates
MAX_DATE_STRING = 200  # longer strings are not publication dates

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun")
_MONTH_NUMBERS: dict[str, int] = {
    **{name.lower(): n for n, name in enumerate(_MONTH_NAMES, 1)},
    **{name[:3].lower(): n for n, name in enumerate(_MONTH_NAMES, 1)},
    "sept": 9,
}
_WEEKDAY_NUMBERS: dict[str, int] = {name.lower(): n for n, name in enumerate(_WEEKDAY_NAMES)}
_NUMBER_WORDS: dict[str, int] = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_STEP = {"last": -1, "this": 0, "next": 1}
_DAY_WORDS: dict[str, int] = {"yesterday": -1, "last night": -1, "today": 0, "tonight": 0,
                              "this morning": 0, "this afternoon": 0, "this evening": 0, "tomorrow": 1}
_DEFAULT_A = datetime(2000, 1, 1)  # two leap-year defaults that differ in every field: a field dateutil
_DEFAULT_B = datetime(2004, 2, 2)  # fills in from the default (not from the string) differs between them


@dataclass(frozen=True)
class DateRange:
    """A span of calendar days, both ends inclusive: one day, one ISO week (Monday to Sunday), one month
    or one year, as ``granularity`` says."""

    start: date
    end: date
    granularity: str  # "day" | "week" | "month" | "year"

    def __post_init__(self) -> None:
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {GRANULARITIES}, not {self.granularity!r}")
        if self.end < self.start:
            raise ValueError(f"a range cannot end ({self.end}) before it starts ({self.start})")

    @classmethod
    def of_day(cls, d: date) -> DateRange:
        return cls(d, d, "day")

    @classmethod
    def of_week(cls, d: date) -> DateRange:
        """The ISO week (Monday to Sunday) that contains ``d``."""
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=6), "week")

    @classmethod
    def of_month(cls, year: int, month: int) -> DateRange:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1), "month")

    @classmethod
    def of_year(cls, year: int) -> DateRange:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    def contains(self, d: date) -> bool:
        day = as_date(d)
        return day is not None and self.start <= day <= self.end

    def overlaps(self, other: DateRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def iso(self) -> str:
        """ISO 8601 text at the range's granularity: "2025-11-07", "2025-11-03/2025-11-09", "2025-11", "2025"."""
        if self.granularity == "day":
            return self.start.isoformat()
        if self.granularity == "week":
            return f"{self.start.isoformat()}/{self.end.isoformat()}"
        if self.granularity == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"


@dataclass(frozen=True)
class TimeMention:
    """A time expression found in a text, with the dates it stands for."""

    start: int  # character offsets of the expression in the text given
    end: int
    text: str  # == text[start:end]
    range: DateRange
    relative: bool  # resolved against the reference date ("on Tuesday", "yesterday", "last week")
    year_known: bool = True  # False for a day or month written without its year ("Nov. 7", "in October")


def as_date(value: object) -> date | None:
    """``value`` as a plain date (a datetime loses its time of day); None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


# ---------------------------------------------------------------------------------------------------
# Regular-expression pieces shared by the dateline and the mention patterns


def _alternation(words: tuple[str, ...]) -> str:
    """A regex alternation of ``words`` as written and in capitals, longest first (so "June" beats "Jun")."""
    forms = {form for word in words for form in (word, word.upper())}
    return "|".join(sorted(forms, key=len, reverse=True))


_SP = r"\s{1,4}"  # bounded, so that a run of whitespace never makes the engine backtrack far
_MONTH = rf"(?:{_alternation(_MONTH_NAMES + tuple(n[:3] for n in _MONTH_NAMES) + ('Sept',))})\b\.?"
_FULL_MONTH = rf"(?:{_alternation(_MONTH_NAMES)})\b"
_WEEKDAY = rf"(?:{_alternation(_WEEKDAY_NAMES)})\b"
_ANY_WEEKDAY = rf"(?:{_WEEKDAY}|(?:{_alternation(_WEEKDAY_ABBREVIATIONS)})\b\.?)"
_WEEKDAY_PREFIX = rf"(?:{_ANY_WEEKDAY},?{_SP})?"
_YEAR_SEP = r"(?:,\s{0,4}|\s{1,4})"


def _day(name: str) -> str:
    return rf"(?P<{name}>[0-3]?\d)(?:st|nd|rd|th)?(?!\d|:\d)"


def _year(name: str) -> str:
    return rf"(?P<{name}>\d{{4}})(?!\d|[.,:]\d|s\b)"


def _month_day(p: str) -> str:
    """ "November 7", "Nov. 7, 2025", "November 7th 2025" (groups p_m, p_d, p_y)."""
    return rf"(?P<{p}_m>{_MONTH}){_SP}{_day(p + '_d')}(?:{_YEAR_SEP}{_year(p + '_y')})?"


def _day_month(p: str) -> str:
    """ "7 November", "7th of November 2025", "the 7 Nov." (groups p_d, p_m, p_y)."""
    return (rf"(?:(?ai:the){_SP})?{_day(p + '_d')}(?:{_SP}of)?{_SP}(?P<{p}_m>{_MONTH})"
            rf"(?:{_YEAR_SEP}{_year(p + '_y')})?")


def _iso(p: str) -> str:
    """ "2024-11-05", "2024/11/05" (groups p_y, p_m, p_d)."""
    return (rf"(?<![\d.,:/-])(?P<{p}_y>\d{{4}})(?P<{p}_sep>[-/])(?P<{p}_m>\d{{1,2}})(?P={p}_sep)"
            rf"(?P<{p}_d>\d{{1,2}})(?!\d)")


_PERIOD_OF = (rf"(?:the{_SP})?(?:end|start|beginning|middle|(?:first|second|third|fourth|last|final){_SP}"
              rf"(?:week|half|days?)){_SP}of")  # "the end of 2024", "the first week of November": the month or year
_MONTH_TRIGGER = (rf"(?P<mo_trig>(?ai:in|during|since|until|till|through|throughout|before|after|early|late|"
                  rf"last|{_PERIOD_OF}))(?:{_SP})|(?ai:mid)-?\s{{0,4}}")
_YEAR_TRIGGER = (rf"(?ai:in|during|since|until|till|through|throughout|before|after|early|late|{_PERIOD_OF}|"
                 rf"(?:the{_SP})?year){_SP}|(?ai:mid)-\s{{0,4}}")
_NOT_A_QUANTITY = r"(?!\s{0,4}(?:%|(?ai:percent|km\b|kilomet|miles?\b|met(?:er|re)s?\b|feet\b|tons?\b|kg\b)))"

_MENTION = re.compile(
    r"(?<!\w)(?:(?ai:on|in|during)" + _SP + r")?(?:"
    + r"(?P<iso>" + _iso("iso") + r")"
    + r"|(?P<num>(?<![\d.,:/-])(?P<num_a>\d{1,2})(?P<num_sep>[/.])(?P<num_b>\d{1,2})(?P=num_sep)"
      r"(?P<num_y>\d{4})(?!\d|[.,]\d))"
    + r"|(?P<mdy>" + _WEEKDAY_PREFIX + _month_day("mdy") + r")"
    + r"|(?P<dmy>" + _WEEKDAY_PREFIX + r"(?<![\d.,:/-])" + _day_month("dmy") + r")"
    + r"|(?P<my>(?P<my_m>" + _MONTH + r")(?:" + _SP + r"of)?" + _YEAR_SEP + _year("my_y") + r")"
    + r"|(?P<mo>(?:" + _MONTH_TRIGGER + r")(?P<mo_m>" + _FULL_MONTH + r")(?:(?:" + _SP + r"of)?" + _YEAR_SEP
      + _year("mo_y") + r")?)"
    + r"|(?P<yr>(?:" + _YEAR_TRIGGER + r")" + _year("yr_y") + _NOT_A_QUANTITY + r")"
    + r"|(?P<wd>(?:(?P<wd_mod>(?ai:last|next|this))" + _SP + r")?(?P<wd_name>" + _WEEKDAY + r"))"
    + r"|(?P<ago>(?P<ago_n>\d{1,2}|(?ai:an|a|one|two|three|four|five|six|seven|eight|nine|ten))" + _SP
      + r"(?P<ago_unit>(?ai:day|week|month|year))(?ai:s)?" + _SP + r"(?ai:ago)\b)"
    + r"|(?P<rel>(?:(?ai:earlier|later|early|late)" + _SP + r")?(?P<rel_step>(?ai:last|this|next))" + _SP
      + r"(?P<rel_unit>(?ai:week|month|year))\b)"
    + r"|(?P<dayword>(?:(?ai:earlier|later)" + _SP + r")?(?P<dayword_w>(?ai:yesterday|today|tonight|tomorrow|"
      r"last" + _SP + r"night|this" + _SP + r"(?:morning|afternoon|evening)))\b)"
    + r")"
)
_MENTION_KINDS = ("iso", "num", "mdy", "dmy", "my", "mo", "yr", "wd", "ago", "rel", "dayword")

_DATELINE_LABEL = (r"(?:(?ai:published|updated|posted|last\s+updated|last\s+modified|first\s+published|dated|date)"
                   r"\b[^\S\n]*:?[^\S\n]*(?:(?ai:on)[^\S\n]+)?"
                   r"(?:\d{1,2}:\d{2}(?::\d{2})?[^\S\n]*(?:[AaPp]\.?[Mm]\.?)?[^\S\n]*(?:[A-Z]{2,5}\b)?"
                   r"[^\S\n]*,?[^\S\n]*)?)?")
_PLACE = rf"(?!{_ANY_WEEKDAY}|{_MONTH})[A-Z][\w.'’/-]*(?:[^\S\n][A-Z][\w.'’/-]*){{0,3}},[^\S\n]*"
_CAPITALS = r"[A-Z][A-Z.'’/-]*(?:[^\S\n][A-Z][A-Z.'’/-]*){0,3},[^\S\n]*"
# "SEOUL, ", "Seoul, ", or a place in capitals and its country or state: "ANTOFAGASTA, Chile, ", "NEW YORK, N.Y., "
# (two places only after capitals: "Apple, Google, March 3 deadline" is a headline)
_DATELINE_CITY = rf"(?:{_CAPITALS}(?:{_PLACE})?|{_PLACE})?"
# what follows a dateline without any year: a wire credit and its dash ("May 20 (Reuters) -") or nothing on the
# line; not a comma or a dash into words ("April 1, Fools' Day pranks", "March 3 - The company announces")
_YEARLESS_TAIL = re.compile(r"[^\S\n]*(?:\([^()\n]{1,40}\)[^\S\n]*[-–—]+|$)", re.MULTILINE)
_DATELINE = re.compile(
    r"^[^\S\n]*" + _DATELINE_LABEL + _DATELINE_CITY
    + r"(?P<date>" + _WEEKDAY_PREFIX + r"(?:" + _iso("dli") + "|" + _month_day("dlm") + "|" + _day_month("dld")
    + r"))(?=[^\S\n]*(?:$|[(\[|/,–—-]|T?\d{1,2}:\d{2}|(?ai:at)\b))",
    re.MULTILINE,
)
_NAME_BEFORE = re.compile(r"[A-Z][\w’'-]*[^\S\n]+$")  # a capitalised word, then spaces, at the end
_HEAD_YEAR = re.compile(r"(?<![\d.,])(?:19\d\d|20\d\d|2100)(?!\d|[.,]\d)")

_ISO_VALUE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]\d.*)?", re.DOTALL)
_NUMERIC_VALUE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?\.?")
_ENGLISH_MONTH = re.compile(r"(?<![^\W\d_])" + _MONTH)


# ---------------------------------------------------------------------------------------------------
# Small calendar helpers


def _checked_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when it does not exist (Feb 30, month 13) or its year is outside MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_range(year: int, month: int) -> DateRange | None:
    return DateRange.of_month(year, month) if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 else None


def _reference(value: object) -> date | None:
    """A usable reference date: a date within MIN_YEAR..MAX_YEAR (so no arithmetic on it can overflow)."""
    d = as_date(value)
    return d if d is not None and MIN_YEAR <= d.year <= MAX_YEAR else None


def _near_years(published: date) -> tuple[int, int, int]:
    """The years a year-less date may belong to, latest first."""
    return published.year + 1, published.year, published.year - 1


def _month_number(word: str) -> int:
    return _MONTH_NUMBERS[word.rstrip(".").lower()]


def _numeric_month_day(a: int, b: int, separator: str) -> tuple[int, int]:
    """(month, day) of a numeric date "a<sep>b": month first for "/" and "-", day first for ".", unless the
    preferred reading is impossible and the other is not."""
    if separator == ".":
        return (a, b) if b > 12 >= a else (b, a)
    return (b, a) if a > 12 >= b else (a, b)


def _full_year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 4:
        return year
    return 2000 + year if year < 70 else 1900 + year


def _yearless_day(month: int, day: int, published: date) -> date | None:
    """The latest such day at most FUTURE_SLACK after publication (next year's, this year's or last year's);
    None when none of them exists (Feb 29 far from a leap year)."""
    latest = published + FUTURE_SLACK
    candidates = (_checked_date(year, month, day) for year in _near_years(published))
    return next((d for d in candidates if d is not None and d <= latest), None)


def _yearless_month(month: int, published: date) -> DateRange | None:
    """The latest such month that starts at most FUTURE_SLACK after publication."""
    latest = published + FUTURE_SLACK
    year = next(y for y in _near_years(published) if date(y, month, 1) <= latest)
    return _month_range(year, month)


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _nearest_weekday(published: date, weekday: int, step: str) -> date:
    """The weekday nearest the publication date: on or before it; strictly before for "last"; strictly
    after for "next"."""
    if step == "next":
        return published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
    back = (published.weekday() - weekday) % 7
    return published - timedelta(days=back or (7 if step == "last" else 0))


def _unit_range(unit: str, published: date, by: int) -> DateRange | None:
    """The week, month or year ``by`` units away from the one containing the publication date."""
    if unit == "day":
        return DateRange.of_day(published + timedelta(days=by))
    if unit == "week":
        return DateRange.of_week(published + timedelta(weeks=by))
    if unit == "month":
        return _month_range(*_shift_month(published.year, published.month, by))
    year = published.year + by
    return DateRange.of_year(year) if MIN_YEAR <= year <= MAX_YEAR else None


# ---------------------------------------------------------------------------------------------------
# Resolving one matched candidate


@dataclass(frozen=True)
class _Resolved:
    """What one candidate stands for."""

    range: DateRange
    relative: bool = False
    year_known: bool = True


def _day_resolution(year: str | None, month: int, day: int, published: date | None) -> _Resolved | None:
    """A day written with its year, or without it (its year from the publication date, else unknown)."""
    if year is not None:
        d = _checked_date(int(year), month, day)
        return None if d is None else _Resolved(DateRange.of_day(d))
    d = _checked_date(NOMINAL_YEAR, month, day) if published is None else _yearless_day(month, day, published)
    return None if d is None else _Resolved(DateRange.of_day(d), year_known=False)


def _resolve_month_alone(m: re.Match[str], published: date | None) -> _Resolved | None:
    month = _month_number(m["mo_m"])
    if m["mo_y"] is not None:
        found = _month_range(int(m["mo_y"]), month)
        return None if found is None else _Resolved(found)
    if published is None:
        found = None if (m["mo_trig"] or "").lower() == "last" else _month_range(NOMINAL_YEAR, month)
        return None if found is None else _Resolved(found, year_known=False)
    if (m["mo_trig"] or "").lower() == "last":
        year = published.year if month < published.month else published.year - 1
        found = _month_range(year, month)
        return None if found is None else _Resolved(found, relative=True)
    found = _yearless_month(month, published)
    return None if found is None else _Resolved(found, year_known=False)


def _names_a_title(m: re.Match[str]) -> bool:
    """True for a capitalised day word right after a capitalised word on its line: "USA Today"."""
    return m["dayword"][0].isupper() and _NAME_BEFORE.search(m.string, max(0, m.start() - 40), m.start()) is not None


def _resolve_relative(m: re.Match[str], published: date | None) -> _Resolved | None:
    """The weekday, "N units ago", "this/last/next unit" and day-word candidates."""
    if published is None or (m["dayword"] is not None and _names_a_title(m)):
        return None
    if m["wd"] is not None:
        step = (m["wd_mod"] or "").lower()
        d = _nearest_weekday(published, _WEEKDAY_NUMBERS[m["wd_name"].lower()], step)
        return _Resolved(DateRange.of_day(d), relative=True)
    if m["ago"] is not None:
        count = m["ago_n"].lower()
        n = int(count) if count.isdigit() else _NUMBER_WORDS[count]
        found = _unit_range(m["ago_unit"].lower(), published, -n)
    elif m["rel"] is not None:
        found = _unit_range(m["rel_unit"].lower(), published, _STEP[m["rel_step"].lower()])
    else:
        found = _unit_range("day", published, _DAY_WORDS[" ".join(m["dayword_w"].lower().split())])
    return None if found is None else _Resolved(found, relative=True)


def _resolve(m: re.Match[str], published: date | None) -> _Resolved | None:
    """What a match of ``_MENTION`` stands for, or None when it is impossible or needs a missing reference."""
    kind = next(k for k in _MENTION_KINDS if m[k] is not None)
    if kind == "iso":
        return _day_resolution(m["iso_y"], int(m["iso_m"]), int(m["iso_d"]), published)
    if kind == "num":
        month, day = _numeric_month_day(int(m["num_a"]), int(m["num_b"]), m["num_sep"])
        return _day_resolution(m["num_y"], month, day, published)
    if kind in ("mdy", "dmy"):
        return _day_resolution(m[kind + "_y"], _month_number(m[kind + "_m"]), int(m[kind + "_d"]), published)
    if kind == "my":
        found = _month_range(int(m["my_y"]), _month_number(m["my_m"]))
        return None if found is None else _Resolved(found)
    if kind == "mo":
        return _resolve_month_alone(m, published)
    if kind == "yr":
        year = int(m["yr_y"])
        return _Resolved(DateRange.of_year(year)) if MIN_YEAR <= year <= MAX_YEAR else None
    return _resolve_relative(m, published)


# ---------------------------------------------------------------------------------------------------
# Public functions


def find_time_mentions(text: str, published: date | None) -> list[TimeMention]:
    """Every time expression in ``text`` (English), resolved against the publication date ``published``.

    Absolute: "Nov. 7", "November 7, 2025", "Friday, November 7, 2025", "7 November", "2024-11-05",
    "11/5/2024", "in October 2024", "December of 2023", "in 2019", "since 2019", "mid-2024", "since September".
    Relative (only with ``published``): weekdays ("on Tuesday", "last Friday", "Thursday's launch"),
    "yesterday", "today", "this morning", "last night", "tomorrow", "this/last/next week|month|year" (also
    with "earlier"/"late"), "last October", "two days ago", "a week ago". A day or month without a year takes
    its year from ``published``, or without it ``NOMINAL_YEAR`` (see the module's conventions), and is marked
    ``year_known=False``.
    A leading "on"/"in"/"during", or the word that marks a bare number as a year, is part of the mention.
    Not mentions: times of day, durations ("two days", "for 70 minutes"), plain numbers, numeric dates
    without a year ("5/11"), years outside 1900..2100, and anchor-less phrases ("two days later").
    Mentions come sorted by start and do not overlap. A candidate that names no real day (Feb 30) is dropped.
    """
    if not isinstance(text, str):
        return []
    reference = _reference(published)
    mentions = []
    for m in _MENTION.finditer(text):
        resolved = _resolve(m, reference)
        if resolved is not None:
            mentions.append(TimeMention(m.start(), m.end(), m.group(), resolved.range, resolved.relative,
                                        resolved.year_known))
    return mentions


def find_dateline(text: str, max_chars: int = 600) -> tuple[date, int, int] | None:
    """The publication date of a plain-text article, from a dateline line among its first ``max_chars``.

    A dateline is a line that starts with a date (after an optional "Published:"/"Updated 10:02 AM EST,"
    label or an optional place: "SEOUL,", "Seoul,", "ANTOFAGASTA, Chile,") and continues with nothing, a
    time, or punctuation such as "(Reuters) -": "Friday, November 7, 2025", "Nov. 5 (Reuters) -",
    "SEOUL, Nov. 5, 2024 (Yonhap) --", "Published: 2024-11-05", "Updated 10:02 AM EST, Tue November 5, 2024",
    "October 31, 2024".
    Returns (date, start, end): ``text[start:end]`` is the date's words (weekday included, label and place
    not). A dateline without a year takes the first other year in the head; with none it is skipped
    (``find_yearless_dateline`` gives its month and day). The first dateline line wins. None when there is none.
    """
    for found, start, end in _datelines(text, max_chars):
        if isinstance(found, date):
            return found, start, end
    return None


def is_yearless(published: str | None) -> bool:
    """True for a publication date known only by its month and day (``"--05-20"``, ``find_yearless_dateline``)."""
    return isinstance(published, str) and published.startswith("--")


def nominal_day(published: str | None) -> date | None:
    """A year-less date (``"--05-20"``) as that day in ``NOMINAL_YEAR``; None for anything else or no such day."""
    if not is_yearless(published) or len(published) != 7:
        return None
    try:
        return date.fromisoformat(f"{NOMINAL_YEAR}{published[1:]}")
    except ValueError:
        return None


def find_yearless_dateline(text: str, max_chars: int = 600) -> tuple[str, int, int] | None:
    """The month and day of a dateline that gives no year, when the head names no year either (wire copy:
    "ANTOFAGASTA, Chile, May 20 (Coastwire) -"), as ISO 8601's year-less ``"--05-20"``, with the date's
    offsets; None when there is a dated dateline or none at all. Without a year the date must end its line or
    be followed by a wire credit and its dash: "April 1, Fools' Day pranks go viral" is a headline."""
    for found, start, end in _datelines(text, max_chars):
        if isinstance(found, date):
            return None
        return found, start, end
    return None


def _datelines(text: str, max_chars: int) -> Iterator[tuple[date | str, int, int]]:
    """Each dateline of the head: its date, or "--MM-DD" when neither it nor the head gives a year."""
    if not isinstance(text, str) or not isinstance(max_chars, int):
        return
    head = text[:max(max_chars, 0)]
    for m in _DATELINE.finditer(head):
        if m["dli_y"] is not None:
            found = _checked_date(int(m["dli_y"]), int(m["dli_m"]), int(m["dli_d"]))
        else:
            p = "dlm" if m["dlm_m"] is not None else "dld"
            month, day = _month_number(m[p + "_m"]), int(m[p + "_d"])
            year = m[p + "_y"] or _other_year(head, m.start("date"), m.end("date"))
            if year is None:
                if _checked_date(NOMINAL_YEAR, month, day) is not None and _YEARLESS_TAIL.match(head, m.end("date")):
                    yield f"--{month:02d}-{day:02d}", m.start("date"), m.end("date")
                continue
            found = _checked_date(int(year), month, day)
        if found is not None:
            yield found, m.start("date"), m.end("date")


def _other_year(head: str, start: int, end: int) -> str | None:
    """The first year written in ``head`` outside ``head[start:end]``."""
    return next((y.group() for y in _HEAD_YEAR.finditer(head) if y.end() <= start or y.start() >= end), None)


def guess_published(text: str) -> tuple[date, str] | None:
    """A publication date for an article: its dateline ("dateline"), else the latest day written with its
    year among the first GUESS_HEAD_CHARS characters ("mentioned"; captions often carry it). None when
    neither exists: weekdays and year-less days alone do not give a date."""
    dateline = find_dateline(text)
    if dateline is not None:
        return dateline[0], "dateline"
    if not isinstance(text, str):
        return None
    days = [m.range.start for m in find_time_mentions(text[:GUESS_HEAD_CHARS], None)
            if m.range.granularity == "day" and m.year_known]
    return (max(days), "mentioned") if days else None


def parse_date(value: str, reference: date | None = None) -> date | None:
    """A publication date given as a string in any common format, or None.

    ISO 8601 ("2025-11-07", "2025-11-07T09:30:00+09:00": the date as written, not moved to UTC), RFC 2822
    ("Fri, 07 Nov 2025 09:30:00 GMT"), "Friday, November 7, 2025", "Nov. 7, 2025", "7 November 2025",
    numeric dates (see the module's conventions), and other languages' month names ("7. Dezember 2025",
    "7 novembre 2025", "7 de noviembre de 2025"). Without a year ("November 7", "5/11") the year is
    ``reference``'s, or None without a reference. None for impossible dates (Feb 30), for a year or month
    alone, for relative words ("yesterday"), for strings without a digit or longer than MAX_DATE_STRING,
    and for anything else that is not a day.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > MAX_DATE_STRING or not any(ch.isdigit() for ch in value):  # a day is written with digits
        return None
    ref = _reference(reference)
    iso = _ISO_VALUE.fullmatch(value)
    if iso is not None:
        return _checked_date(int(iso[1]), int(iso[2]), int(iso[3]))
    numeric = _NUMERIC_VALUE.fullmatch(value)
    if numeric is not None:
        month, day = _numeric_month_day(int(numeric[1]), int(numeric[3]), numeric[2])
        year = _full_year(numeric[4]) if numeric[4] else (ref.year if ref else None)
        return None if year is None else _checked_date(year, month, day)
    if _ENGLISH_MONTH.search(value):
        return _parse_english(value, ref)
    return _parse_any_language(value, ref)


def _parse_english(value: str, reference: date | None) -> date | None:
    """dateutil's reading, parsed against two defaults: a field that differs came from a default, not the text."""
    try:
        a = dateutil_parser.parse(value, default=_DEFAULT_A)
        b = dateutil_parser.parse(value, default=_DEFAULT_B)
    except Exception:  # dateutil raises ParserError, OverflowError and others on odd strings
        return None
    if (a.month, a.day) != (b.month, b.day):
        return None
    if a.year == b.year:
        return _checked_date(a.year, a.month, a.day)
    return None if reference is None else _checked_date(reference.year, a.month, a.day)


def _parse_any_language(value: str, reference: date | None) -> date | None:
    """dateparser's reading in any language, absolute dates only; a missing year is ``reference``'s."""
    full = _dateparser(value, {"PARSERS": ["absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"]})
    if full is not None:
        return _checked_date(full.year, full.month, full.day)
    if reference is None:
        return None
    base = datetime(reference.year, reference.month, reference.day)
    partial = _dateparser(value, {"PARSERS": ["absolute-time"], "REQUIRE_PARTS": ["day", "month"],
                                  "RELATIVE_BASE": base})
    return None if partial is None else _checked_date(reference.year, partial.month, partial.day)


def _dateparser(value: str, settings: dict[str, object]) -> datetime | None:
    try:
        return dateparser.parse(value, languages=None, settings=settings)
    except Exception:  # dateparser can raise on odd input; a string it cannot read is not a date
        return None
