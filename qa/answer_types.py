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
("Christmas Eve"), not "two days".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class AnswerType:
    """A question form (``asked``) and what its answer must contain (``given``)."""

    asked: re.Pattern[str]
    given: re.Pattern[str]

    def expected_by(self, question: str) -> bool:
        return bool(self.asked.search(question))

    def fits(self, text: str) -> bool:
        return bool(self.given.search(text))


CLOCK_TIME = AnswerType(_CLOCK_QUESTION, _CLOCK)
LENGTH = AnswerType(_LENGTH_QUESTION, _LENGTH)
DAY = AnswerType(_DAY_QUESTION, _DAY)
TYPES = (CLOCK_TIME, LENGTH, DAY)  # the first whose form the question has counts

expects_clock_time, is_clock_time = CLOCK_TIME.expected_by, CLOCK_TIME.fits
expects_length, is_length = LENGTH.expected_by, LENGTH.fits
expects_day, is_day = DAY.expected_by, DAY.fits


def type_prior(question: str, weight: float) -> Callable[[str], float] | None:
    """Evidence to add to a candidate span of ``question`` by its text (0 or ``-weight``), or None when
    the question's form expects no recognisable type (or ``weight`` is 0)."""
    kind = next((t for t in TYPES if t.expected_by(question)), None) if weight > 0 else None
    if kind is None:
        return None
    return lambda text: 0.0 if kind.fits(text) else -weight
