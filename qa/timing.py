"""Does an answer report the event the question asks about? A soft signal from dates.

A question's time (``qa.question_time``: "on November 7", "in October 2024", "latest") is compared
with the time of each candidate answer, which is dated by the first of:

1. a time expression in the same sentence as the answer, in its passage (``passage`` tags);
2. the article's publication date, taken as the window of the three days up to it (news reports
   what happened that day or the days before);
3. the nearest dated expression before the answer in its passage, or inherited from earlier in
   the article (``before`` tags).

Agreement is +1 (the dates agree), -1 (they contradict) or 0 (nothing known, or a date too coarse
to tell). A candidate whose date contradicts the question's loses ``weight × |agreement|`` of its
evidence (log-odds against "no answer"): it falls behind the others and, far enough, below the
no-answer threshold. One that agrees gains ``weight × agreement × specificity``, where the
specificity of the question's time is 1 for a day or a week, 1/2 for a month or an ordering
("latest") and 0 for a year: agreeing on a day is strong evidence that the passage reports the event asked
about, agreeing on a year is not (a bonus for "in 2025" lifted unrelated words of every 2025
article above the threshold, answering an unanswerable question of the seed set).
For "latest"/"earliest" agreement runs from -1 (the oldest/newest among the retrieved passages)
to +1 (the newest/oldest). One weight, ``Settings.time_weight``, fitted on the generated temporal
set (``eval/temporal.py``), never on the gold questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.types import Passage, TimeTag
from index.dates import DateRange
from index.timeline import tag_range
from qa.question_time import TimeConstraint

NEWS_LAG_DAYS = 3  # an article reports events of its publication day or up to this many days before
SPECIFICITY = {"day": 1.0, "week": 1.0, "month": 0.5, "year": 0.0}  # how much agreeing on it is worth
ORDER_SPECIFICITY = 0.5  # the same for "latest" / "earliest" alone
_GRAIN = {"day": 0, "week": 1, "month": 2, "year": 3}
# a sentence ends at . ! ? (and closing quotes) before a space, unless the word is an abbreviation
# ("Oct. 22", "Gen. Kim", "U.S.", "a.m.")
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})(?<!\b[A-Z][a-z]{3})(?<!\b[A-Z])(?<!\.[a-zA-Z])(?<!\bNo)"
    r"[.!?][\"'”’)]*\s+")


@dataclass(frozen=True)
class Judgement:
    delta: float  # added to the candidate's evidence
    event_date: str | None  # ISO date (or range) of the event the answer reports
    match: bool | None  # True: agrees with the question's time; False: contradicts; None: not known / not asked


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        lo = m.end()
    m = _SENTENCE_END.search(text, end)
    return lo, (m.start() + 1 if m else len(text))


def dating_tag(passage: Passage, start: int, end: int) -> TimeTag | None:
    """The tag that best dates the span ``passage.text[start:end]`` (see the module docstring)."""
    lo, hi = _sentence_bounds(passage.text, start, end)
    at_start, at_end = passage.start + start, passage.start + end
    local = [t for t in passage.times if t.source == "passage" and passage.start + lo <= t.start and
             t.end <= passage.start + hi and not (t.start < at_end and at_start < t.end)]
    if local:
        return min(local, key=lambda t: min(abs(t.start - at_end), abs(at_start - t.end)))
    article = next((t for t in passage.times if t.source == "article"), None)
    if article is not None:
        return article
    earlier = [t for t in passage.times if t.source == "passage" and t.end <= at_start]
    if earlier:
        return earlier[-1]
    return next((t for t in passage.times if t.source == "before"), None)


def _event_range(tag: TimeTag) -> DateRange:
    r = tag_range(tag)
    if tag.source == "article":
        return DateRange(r.start - timedelta(days=NEWS_LAG_DAYS), r.end, "day")
    return r


def _month_days(r: DateRange) -> set[tuple[int, int]] | None:
    if (r.end - r.start).days > 62:
        return None
    return {((r.start + timedelta(days=k)).month, (r.start + timedelta(days=k)).day)
            for k in range((r.end - r.start).days + 1)}


def agreement(tag: TimeTag, asked: DateRange, year_known: bool) -> float:
    """+1, -1 or 0: does the event ``tag`` dates fall in ``asked``?"""
    event = _event_range(tag)
    coarser = _GRAIN[tag.granularity] > _GRAIN[asked.granularity] and tag.source != "article"
    if year_known and tag.year_known:
        if event.overlaps(asked):
            return 0.0 if coarser else 1.0
        return -1.0
    # a year is missing on one side: compare months and days only
    if asked.granularity == "day":
        days = _month_days(event)
        if days is None:
            return 0.0
        return 1.0 if (asked.start.month, asked.start.day) in days else -1.0
    if asked.granularity == "month":
        months = {m for m, _ in _month_days(event) or ()}
        if not months:
            return 0.0
        return 1.0 if asked.start.month in months else -1.0
    return 0.0


def passage_agreement(passage: Passage, constraint: TimeConstraint | None) -> float:
    """How well a whole passage agrees with the question's time, for retrieval: the best agreement of
    its own time expressions and its article's date, leaving out expressions coarser than the time
    asked ("this year" says nothing about "on November 7"); 0 when the question names no range."""
    if constraint is None or constraint.range is None:
        return 0.0
    asked = _GRAIN[constraint.range.granularity]
    told = [agreement(t, constraint.range, constraint.year_known) for t in passage.times
            if t.source == "article" or (t.source == "passage" and _GRAIN[t.granularity] <= asked)]
    return max(told) if told else 0.0


def event_label(tag: TimeTag | None) -> str | None:
    if tag is None:
        return None
    if tag.source == "article" or tag.granularity == "day":
        return tag.first
    return tag_range(tag).iso()


class TimeScorer:
    """Judges candidates of one question against its time constraint, over the passages retrieved for it."""

    def __init__(self, constraint: TimeConstraint | None, weight: float, passages: Sequence[Passage]) -> None:
        self.constraint = constraint
        self.weight = weight
        self._order: tuple[date, date] | None = None
        if constraint is not None and constraint.order is not None:
            days = [tag_range(t).start for p in passages for t in p.times if t.source == "article"]
            if days:
                self._order = (min(days), max(days))

    def judge(self, passage: Passage, start: int, end: int) -> Judgement:
        tag = dating_tag(passage, start, end)
        label = event_label(tag)
        c = self.constraint
        if c is None or tag is None or self.weight == 0:
            return Judgement(0.0, label, None)
        score = 0.0
        if c.range is not None:
            score = agreement(tag, c.range, c.year_known)
        if c.order is not None and self._order is not None:
            article = next((t for t in passage.times if t.source == "article"), None)
            lo, hi = self._order
            if article is not None and hi > lo:
                position = (tag_range(article).start - lo).days / (hi - lo).days  # 0 oldest .. 1 newest
                ordered = 2 * position - 1 if c.order == "latest" else 1 - 2 * position
                score = ordered if c.range is None else (score + ordered) / 2
        match = None if score == 0 else score > 0
        specificity = SPECIFICITY[c.range.granularity] if c.range is not None else ORDER_SPECIFICITY
        gain = score * specificity if score > 0 else score
        return Judgement(self.weight * gain, label, match)
