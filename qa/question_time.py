"""What time a question asks about: a day, week, month or year ("on November 7", "in 2024", "last week"),
an ordering ("the latest launch", "the first test"), or both ("the first launch in 2024").

Relative words are resolved against ``today`` (the request's ``as_of``, or the current date). A day or
month asked without its year ("on November 7", "in October") is not forced to a year: the constraint
holds the most recent such day or month on or before ``today`` and says ``year_known=False``, so that
callers can match on month and day only. English only, as ``index.dates.find_time_mentions``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from index.dates import DateRange, TimeMention, find_time_mentions

_NOT_ORDERING_AFTER = (  # "last week", "first half", "the last two years", "last Tuesday" are not orderings
    r"(?!\s+(?:\d|(?:few|several|couple|two|three|four|five|six|seven|eight|nine|ten|half|quarter)\b|"
    r"(?:day|night|week|weekend|month|year|hour|minute)s?\b|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december)\b))"
)
_ORDERING = re.compile(
    r"(?<![\w-])(?:(?P<latest>latest|most\s+recent(?:ly)?|newest|(?<!\bat\s)last(?!\s*(?:[?!.,;]|$)))|"
    r"(?P<earliest>earliest|first))\b"
    + _NOT_ORDERING_AFTER,
    re.IGNORECASE,
)


# a weekday alone in a question ("the Saturday farmers market") names a kind of thing, not the time
# asked about; "on Saturday", "last Saturday" do
_BARE_WEEKDAY = re.compile(r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?", re.IGNORECASE)


@dataclass(frozen=True)
class TimeConstraint:
    """The time a question asks about. ``question[start:end] == text`` covers every matched word (the
    ordering word and the time expression, and what lies between them)."""

    text: str  # e.g. "on November 7", "in 2024", "latest", "first launch in 2024"
    start: int  # offsets in the question
    end: int
    range: DateRange | None  # None for a pure ordering question ("What was the latest ...")
    order: str | None  # "latest" | "earliest" | None
    year_known: bool = True  # False when the question gave a day or month without its year


def parse_question_time(question: str, today: date) -> TimeConstraint | None:
    """The time constraint of ``question``, or None when it names no time and no ordering.

    The first time expression counts (see ``find_time_mentions`` for what is one; plain numbers such as
    "700 km" are not), and the first ordering word that is not part of it: "latest", "most recent",
    "newest", "last" (not "last week", "at last", "the last two", nor the verb: "how long did it last?")
    → "latest"; "first", "earliest" → "earliest".
    Never raises: a ``today`` that is not a date leaves only absolute expressions.
    """
    if not isinstance(question, str):
        return None
    reference = today.date() if isinstance(today, datetime) else today if isinstance(today, date) else None
    mentions = [m for m in find_time_mentions(question, reference) if not _BARE_WEEKDAY.fullmatch(m.text)]
    mention = mentions[0] if mentions else None
    ordering = next((m for m in _ORDERING.finditer(question) if mention is None or not _overlaps(m, mention)), None)
    if mention is None and ordering is None:
        return None
    spans = [ordering.span()] if ordering is not None else []
    if mention is not None:
        spans.append((mention.start, mention.end))
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    time_range = None if mention is None else _asked_range(mention, reference)
    order = None if ordering is None else ("latest" if ordering["latest"] else "earliest")
    return TimeConstraint(question[start:end], start, end, time_range, order,
                          year_known=mention is None or mention.year_known)


def _overlaps(ordering: re.Match[str], mention: TimeMention) -> bool:
    return ordering.start() < mention.end and mention.start < ordering.end()


def _asked_range(mention: TimeMention, today: date | None) -> DateRange:
    """The mention's range; a day or month without its year moves to its latest occurrence on or before today
    (without ``today`` it stays in ``index.dates.NOMINAL_YEAR``, its year unknown: matched on month and day)."""
    if mention.year_known or today is None:
        return mention.range
    month = mention.range.start.month
    if mention.range.granularity == "month":
        return DateRange.of_month(today.year if month <= today.month else today.year - 1, month)
    return DateRange.of_day(_latest_day_on_or_before(month, mention.range.start.day, today))


def _latest_day_on_or_before(month: int, day: int, today: date) -> date:
    """The most recent ``month``/``day`` on or before ``today`` (for Feb 29, the last leap year's)."""
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    while (month, day) == (2, 29) and not calendar.isleap(year):
        year -= 1
    return date(year, month, day)


STRIPPED_GRANULARITIES = ("day", "week")  # a year or month stays: "in 2014" still tells the reader which paragraph


def reader_question(question: str, constraint: TimeConstraint | None, keep_time: bool) -> str:
    """The question as the reader reads it: without the words naming its time ("on November 7") unless
    ``keep_time``; the temporal signal judges the dates, and the reader answers the bare question
    better (it is trained on questions about one paragraph)."""
    if keep_time or constraint is None or not constraint.text or constraint.range is None:
        return question
    if constraint.range.granularity not in STRIPPED_GRANULARITIES:
        return question
    at = question.lower().find(constraint.text.lower())
    if at < 0:
        return question
    bare = " ".join((question[:at] + question[at + len(constraint.text):]).split())
    bare = bare.replace(" ?", "?").replace(" ,", ",")
    return bare if len(bare.split()) >= 3 else question
