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


_WEEKDAY_SHORT = re.compile(r"(?:,\s*)?\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?,?\s*$", re.IGNORECASE)
_JOINED_BEFORE = re.compile(r"(?:[\s,]|\b(?:on|of|at|in)\b)+$", re.IGNORECASE)  # what joins a value to the next
_JOINED_AFTER = re.compile(r"(?:[\s,]|\bat\b(?=\s+\d))+", re.IGNORECASE)


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
        """``(start, end)`` of the answer inside ``text`` without a value of the ``apart`` kind that the span
        runs into, before or after it, nor the words that join them: "4:17 a.m." in "4:17 a.m. on Tuesday",
        "7:32 PM KST" in "7:32 PM KST, Sun July 6, 2025", "11:52 p.m." in "Tuesday at 11:52 p.m.". The
        whole text when nothing is apart from the answer (or it does not fit)."""
        own = self.given.search(text)
        if self.apart is None or own is None:
            return 0, len(text)
        start, end = 0, len(text)
        for m in self.apart.finditer(text):
            if m.start() >= own.end():
                end = min(end, m.start())
            elif m.end() <= own.start():
                start = max(start, m.end())
        if (start, end) == (0, len(text)):
            return start, end
        head = text[:end]
        head = head[:len(head) - len(_WEEKDAY_SHORT.search(head).group())] if _WEEKDAY_SHORT.search(head) else head
        joined = _JOINED_BEFORE.search(head)
        end = len(head) - (len(joined.group()) if joined else 0)
        lead = _JOINED_AFTER.match(text, start)
        start, end = balance_span(text, lead.end() if lead else start, end)
        while end > start and text[end - 1] in " ,;:":  # what a cut bracket leaves: "9:24 p.m. ET "
            end -= 1
        return (start, end) if start < end and self.fits(text[start:end]) else (0, len(text))


CLOCK_TIME = AnswerType(_CLOCK_QUESTION, _CLOCK, apart=_DAY)
LENGTH = AnswerType(_LENGTH_QUESTION, _LENGTH)
DAY = AnswerType(_DAY_QUESTION, _DAY)
TYPES = (CLOCK_TIME, LENGTH, DAY)  # the first whose form the question has counts

expects_clock_time, is_clock_time = CLOCK_TIME.expected_by, CLOCK_TIME.fits
expects_length, is_length = LENGTH.expected_by, LENGTH.fits
expects_day, is_day = DAY.expected_by, DAY.fits


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
