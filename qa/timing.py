"""Does an answer report the event the question asks about? A soft signal from dates.

A question's time (``qa.question_time``: "on November 7", "in October 2024", "latest") is compared
with the time of each candidate answer, which is dated by the first of:

1. a time expression in the same sentence as the answer, in its passage (``passage`` tags), unless it
   dates what the answer is compared with: one after "than in/on/last...", "compared with" or "up/down
   from" following the answer ("Turnout rose to 66.8 percent, higher than in the first round three weeks
   ago": the turnout is not three weeks old), or one right after "than", "since", "versus" ("Since 2019,
   staff grew to 500");
2. the article's publication date, taken as the window of the three days up to it (news reports
   what happened that day or the days before);
3. the nearest dated expression before the answer in its passage, or inherited from earlier in
   the article (``before`` tags).

A year in the answer's sentence that holds the publication date ("this year") dates it no better than
the article, which is used instead. A day written without its year ("on June 23") was resolved
against the publication date, so its year counts as known when it is compared with a question's; in
an article without a full date (undated, or wire copy known only as "--05-20") it stays unknown and
only its month and day are compared.

Agreement is +1 (the dates agree), -1 (they contradict) or 0 (nothing known, or a date too coarse
to tell). A candidate whose date contradicts the question's loses ``weight × |agreement|`` of its
evidence (log-odds against "no answer"): it falls behind the others and, far enough, below the
no-answer threshold. One that agrees gains ``weight × agreement × specificity``, where the
specificity of the question's time is 1 for a day or a week, 1/2 for a month or an ordering
("latest") and 0 for a year: agreeing on a day is strong evidence that the passage reports the event asked
about, agreeing on a year is not (a bonus for "in 2025" lifted unrelated words of every 2025
article above the threshold, answering an unanswerable question of the seed set).
A question that names a day or a week ("on November 7", "last week") is answered only from the event
of that day: an answer whose date contradicts it is never the answer, however confident the reader
(``TimeScorer.exclusive``; it is shown as another event). A month or a year stays a soft signal only.
A month, a year or an order lifts only passages about the question (``on_topic``: cosine similarity
within ``Settings.time_bonus_gap`` of the best retrieved passage's): agreeing on "July 2025" lifted a
missile headline as the answer to a question about a wildfire in July 2025.
For "latest"/"earliest" agreement runs from -1 (the oldest/newest among the retrieved passages)
to +1 (the newest/oldest). One weight, ``Settings.time_weight``, fitted on the generated temporal
set (``eval/temporal.py``), never on the gold questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from core.text import sentence_ends
from core.types import Passage, TimeTag
from index.dates import DateRange
from index.timeline import tag_range
from qa.question_time import TimeConstraint

NEWS_LAG_DAYS = 3  # an article reports events of its publication day or up to this many days before
SPECIFICITY = {"day": 1.0, "week": 1.0, "month": 0.5, "year": 0.0}  # how much agreeing on it is worth
ORDER_SPECIFICITY = 0.5  # the same for "latest" / "earliest" alone
EXCLUSIVE_GRANULARITIES = ("day", "week")  # a question naming one of these is answered from that event only
_GRAIN = {"day": 0, "week": 1, "month": 2, "year": 3}
@dataclass(frozen=True)
class Judgement:
    delta: float  # added to the candidate's evidence
    event_date: str | None  # ISO date (or range) of the event the answer reports
    match: bool | None  # True: agrees with the question's time; False: contradicts; None: not known / not asked


_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from the last sentence end before ``start`` to the first after
    ``end``, never across a paragraph break (a blank line): a dateline above the lead is not in its sentence."""
    before = sentence_ends(text, 0, start)
    after = sentence_ends(text, end)
    lo, hi = (before[-1] if before else 0), (after[0] if after else len(text))
    breaks = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, lo, start)]
    following = _PARAGRAPH_BREAK.search(text, end, hi)
    return (breaks[-1] if breaks else lo), (following.start() if following else hi)


# words after which a time dates what the answer is compared with, not the answer: anywhere between the answer
# and the time ("higher than in the first round three weeks ago"; not the quantifier "more than 300")...
_COMPARED_AFTER = re.compile(r"\b(?:than\s+(?:in|on|at|during|last|a\s+year|the\s+same|before|previously)\b|"
                             r"compared\s+(?:with|to)\b|(?:up|down)\s+from\b)", re.IGNORECASE)
# ... or right before the time, wherever it is ("since 2019", "than on May 10", "versus last year")
_REFERENCE_JUST_BEFORE = re.compile(r"\b(?:than|since|compared\s+(?:with|to)|(?:up|down)\s+from|versus|vs\.)"
                                    r"(?:\s+(?:in|on|at|during|the|a|an|its|their|that\s+of))*\s*$", re.IGNORECASE)


def _dates_a_comparison(text: str, end: int, tag_start: int, tag_text: str) -> bool:
    """True when the time ``tag_text`` at ``text[tag_start:]`` dates what the span ending at ``text[end]`` is
    compared with ("than in the first round three weeks ago", "up from 5 percent a year earlier", "since 2019")."""
    if tag_text.lower().startswith(("since ", "than ")):
        return True
    if tag_start >= end and _COMPARED_AFTER.search(text, end, tag_start):
        return True
    return bool(_REFERENCE_JUST_BEFORE.search(text, max(0, tag_start - 40), tag_start))


def dating_tag(passage: Passage, start: int, end: int) -> TimeTag | None:
    """The tag that best dates the span ``passage.text[start:end]`` (see the module docstring)."""
    lo, hi = _sentence_bounds(passage.text, start, end)
    at_start, at_end = passage.start + start, passage.start + end
    article = next((t for t in passage.times if t.source == "article"), None)
    local = [t for t in passage.times if t.source == "passage" and passage.start + lo <= t.start and
             t.end <= passage.start + hi and not (t.start < at_end and at_start < t.end)
             and not (article is not None and article.year_known and _only_the_year_of(t, article))
             and not _dates_a_comparison(passage.text, end, t.start - passage.start, t.text)]
    if local:
        return min(local, key=lambda t: min(abs(t.start - at_end), abs(at_start - t.end)))
    if article is not None:
        return article
    earlier = [t for t in passage.times if t.source == "passage" and t.end <= at_start]
    if earlier:
        return earlier[-1]
    return next((t for t in passage.times if t.source == "before"), None)


def _only_the_year_of(tag: TimeTag, article: TimeTag) -> bool:
    """A year ("this year", "in 2021") that holds the article's date says less than the article's date."""
    return tag.granularity == "year" and tag_range(tag).overlaps(tag_range(article))


def with_inferred_year(tag: TimeTag, passage: Passage) -> TimeTag:
    """``tag`` with its year counted as known when it was inferred from the article's date ("on June 23" in
    an article of July 2025 is June 23, 2025): only a tag resolved without a publication date lacks one."""
    if tag.year_known or tag.source == "article" or not any(t.source == "article" and t.year_known
                                                             for t in passage.times):
        return tag
    return replace(tag, year_known=True)


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
    told = [agreement(with_inferred_year(t, passage), constraint.range, constraint.year_known) for t in passage.times
            if t.source == "article" or (t.source == "passage" and _GRAIN[t.granularity] <= asked)]
    return max(told) if told else 0.0


def event_label(tag: TimeTag | None) -> str | None:
    """The ISO date (or month, week, year) of the event ``tag`` dates; a day or month whose year is unknown
    (an undated article's "May 20") in ISO 8601's year-less form: "--05-20", "--05"."""
    if tag is None:
        return None
    if not tag.year_known:
        return "--" + (tag.first[5:] if tag.granularity == "day" else tag.first[5:7])
    if tag.source == "article" or tag.granularity == "day":
        return tag.first
    return tag_range(tag).iso()


class TimeScorer:
    """Judges candidates of one question against its time constraint, over the passages retrieved for it."""

    def __init__(self, constraint: TimeConstraint | None, weight: float, passages: Sequence[Passage],
                 on_topic: Callable[[Passage], bool] | None = None) -> None:
        """``on_topic``: whether a passage is about the question; only those gain from agreeing (None: all)."""
        self.constraint = constraint
        self.weight = weight
        self.on_topic = on_topic
        self._order: tuple[date, date] | None = None
        # contradicting answers are ruled out, not only penalised (see the module docstring)
        self.exclusive = (weight > 0 and constraint is not None and constraint.range is not None
                          and constraint.range.granularity in EXCLUSIVE_GRANULARITIES)
        if constraint is not None and constraint.order is not None:
            days = [tag_range(t).start for p in passages for t in p.times if t.source == "article" and t.year_known]
            if days:
                self._order = (min(days), max(days))

    def judge(self, passage: Passage, start: int, end: int) -> Judgement:
        tag = dating_tag(passage, start, end)
        label = event_label(None if tag is None else with_inferred_year(tag, passage))
        c = self.constraint
        if c is None or tag is None or self.weight == 0:
            return Judgement(0.0, label, None)
        score = 0.0
        if c.range is not None:
            score = agreement(with_inferred_year(tag, passage), c.range, c.year_known)
        if c.order is not None and self._order is not None:
            article = next((t for t in passage.times if t.source == "article"), None)
            lo, hi = self._order
            if article is not None and article.year_known and hi > lo:
                position = (tag_range(article).start - lo).days / (hi - lo).days  # 0 oldest .. 1 newest
                ordered = 2 * position - 1 if c.order == "latest" else 1 - 2 * position
                score = ordered if c.range is None else (score + ordered) / 2
        match = None if score == 0 else score > 0
        specificity = SPECIFICITY[c.range.granularity] if c.range is not None else ORDER_SPECIFICITY
        gain = score * specificity if score > 0 else score
        if gain > 0 and not self.exclusive and self.on_topic is not None and not self.on_topic(passage):
            gain = 0.0  # a month or an order agrees, but the passage is about something else: no bonus
        return Judgement(self.weight * gain, label, match)
