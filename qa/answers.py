"""From reader spans to answers with citations: one answer per fact, each citation exact.

* Spans are moved from passage offsets to ORIGINAL file offsets (a passage is a slice of its file,
  so ``original[c.start:c.end] == passage.text[span]`` holds by construction).
* Overlapping spans at the same place in a file (overlapping passages, alternative boundaries)
  are one candidate: the best-scoring one is kept.
* A candidate's evidence is how strongly the reader prefers it to "no answer here":
  ``log(sum(P(variant) / P(null)))`` over its boundary variants, from the raw logits of one reader
  window, plus the log of the passage's relevance weight. Its score is
  ``sigmoid(scale * evidence + offset)`` with the reader's fitted ``ScoreScale``: for the top
  answer, an estimate of the chance that it is exactly right. Evidence ranks answers from
  different passages far better than probabilities normalized inside each passage (SQuAD dev
  open mode, top_k 5: F1 73.0 against 70.2, never abstaining).
* Candidates that state the same thing (same SQuAD-normalized text once leading hedges such as
  "about"/"roughly" and a trailing "local time" are set aside) form one answer. Its text is the quote
  found verbatim in the most candidates, and each of those candidates cites exactly that quote, so
  every citation of an answer satisfies ``original[start:end] == answer.text``. A candidate that does
  not contain the quote verbatim (another spelling) becomes an answer of its own rather than a loose
  citation.
* Answers scoring below the threshold are withheld; if none is left the result is "no answer".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from collections.abc import Callable
from datetime import date

from core.text import in_wire_dateline, normalize_answer, sentence_ends, with_abbreviation_period, with_unit
from core.types import Answer, Citation, NoAnswer, Passage, PassageReading, Span
from index.dates import NOMINAL_YEAR, nominal_day
from qa.answer_types import TypePrior
from qa.calibration import ScoreScale
from qa.timing import Judgement

_HEDGE = re.compile(
    r"^(?:about|around|roughly|approximately|approx\.|nearly|almost|some|over|under|just|only|"
    r"more than|less than|fewer than|up to|at least|at most|as many as|as much as|an estimated|estimated)\s+",
    re.IGNORECASE,
)
_SPELLING = ((re.compile(r"(\w)tres\b"), r"\1ters"), (re.compile(r"(\w)tre\b"), r"\1ter"),
             (re.compile(r"(\w)ise(d|s)?\b"), r"\1ize\2"), (re.compile(r"(\w)our\b"), r"\1or"))


@dataclass(frozen=True)
class Candidate:
    file: str
    start: int  # ORIGINAL file offsets
    end: int
    text: str
    score: float
    passage_id: str
    context: str
    context_start: int
    event_date: str | None = None  # when the event it reports happened (qa.timing), if known
    time_match: bool | None = None  # agrees (True) / contradicts (False) the question's time; None: unknown
    reader_score: float | None = None  # the score before the temporal signal (None: same as ``score``)


Judge = Callable[[Passage, int, int], Judgement]  # (passage, span start, span end) -> temporal judgement
Prior = Callable[[str], float]  # span text -> evidence added for its answer type


_QUALIFIER = re.compile(r",?\s+(?:local\s+time|\(local(?:\s+time)?\))$", re.IGNORECASE)


def strip_hedge(text: str) -> str:
    """``text`` without a leading hedge ("about 700 km") or a trailing "local time" ("12:35 p.m. local time"):
    the same fact as the bare value."""
    return _QUALIFIER.sub("", _HEDGE.sub("", text, count=1), count=1)


def answer_key(text: str) -> str:
    """What two answers must share to be the same fact."""
    key = normalize_answer(strip_hedge(text))
    for pattern, repl in _SPELLING:
        key = pattern.sub(repl, key)
    return key


def relevance_weights(similarities: dict[str, float], temperature: float) -> dict[str, float]:
    """Per passage, ``exp((sim - best_sim) / temperature)``: 1 for the passage most similar to the
    question, less for the others; no weighting when ``temperature`` is 0."""
    if temperature <= 0 or not similarities:
        return {}
    best = max(similarities.values())
    return {pid: math.exp((sim - best) / temperature) for pid, sim in similarities.items()}


def _log_sum_exp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def _in_parenthesis_of(span: Span, variant: Span) -> bool:
    """``span`` lies inside a parenthesis that ``variant`` holds whole: "435" in "700 kilometers (435 miles)"."""
    text = span.passage.text
    opening = text.rfind("(", variant.start, span.start)
    closing = text.find(")", span.end, variant.end)
    return (opening >= 0 and closing >= 0 and ")" not in text[opening + 1:span.start]
            and "(" not in text[span.end:closing])


def shown_text(span: Span) -> str:
    """The span's text as an answer would show it: with a dotted abbreviation's last period and the unit a number
    needs ("6:52 a.m.", "47.3 percent" where the reader stopped at "47.3"); what its answer type is judged on."""
    text = span.passage.text
    return text[span.start:with_unit(text, span.start, with_abbreviation_period(text, span.start, span.end))]


def located_spans(reading: PassageReading, prefer: Callable[[str], bool] | None = None) -> list[tuple[Span, float]]:
    """The reader's best span at each place in a passage, with the log-odds of the place against "no answer".

    Spans that overlap ("700 kilometers", "roughly 700 kilometers", "700 kilometers (435 miles)")
    are one answer with uncertain boundaries: the most probable of them that stays inside one sentence
    stands for the place (a span running on into the next sentence -- "39.4 percent, low even by the
    standards of special elections. Graham Rourke finished first with 7,992" -- is never shown while
    one inside a sentence overlaps it; its probability still counts for the place). A parenthesis
    inside one of those variants is part of the place too ("435 miles" in "700 kilometers (435 miles)";
    any span inside a variant merged lists, and lost 30 of 72 right alternatives on SQuAD open), and
    the place's evidence is ``log(sum(exp(span.evidence)))`` over all of them, i.e.
    ``log(P(place) / P(no answer))``. Unlike probabilities normalized inside each passage, it can
    be compared between passages: a passage that does not answer the question still spreads all
    its probability over its own spans, but their logits stay low against its null. With ``prefer``
    (the answer type, ``qa.answer_types``) the best variant of the expected type stands for the place:
    "435 miles" rather than "435" for "how far".
    """
    remaining = sorted(reading.spans, key=lambda s: -s.score)
    located: list[tuple[Span, float]] = []
    while remaining:
        best = remaining[0]
        overlapping = [s for s in remaining if s.start < best.end and best.start < s.end]
        within = [s for s in overlapping if not sentence_ends(s.passage.text, s.start, s.end)]
        # a parenthesis inside a variant of the place is part of it: "435 miles" in "700 kilometers (435 miles)"
        overlapping += [s for s in remaining if s not in overlapping
                        and any(v.start < s.start and s.end < v.end and _in_parenthesis_of(s, v) for v in within)]
        shown = next((v for v in within if prefer is None or prefer(shown_text(v))), within[0] if within else best)
        located.append((shown, _log_sum_exp([s.evidence for s in overlapping])))
        remaining = [s for s in remaining if s not in overlapping]
    return located


def candidates_from(readings: list[PassageReading], weights: dict[str, float] | None = None,
                    scale: ScoreScale = ScoreScale(), judge: Judge | None = None,
                    prior: Prior | None = None) -> list[Candidate]:
    """All spans as file-level candidates, best first, one per place in a file.

    A candidate's score is ``scale.score(evidence)`` (see ``located_spans``), in [0, 1]; with
    ``weights`` the odds are multiplied by the passage's relevance weight first; with ``judge``
    (``qa.timing.TimeScorer.judge``) its evidence moves by the temporal judgement and it carries
    the date of the event it reports; with ``prior`` (``qa.answer_types.type_prior``) its evidence moves
    by what its text is (a clock time for "at what time"), and a typed answer is shown without another
    kind of value it runs into ("4:17 a.m." for "4:17 a.m. on Tuesday", ``AnswerType.tightened``); a
    dotted abbreviation keeps its last period ("2:47 p.m.", ``core.text.with_abbreviation_period``) and a number
    the unit it needs ("6:52 a.m.", "38.6 percent", ``core.text.with_unit``). A span inside a wire dateline
    ("DESSAN, Lusmarra (Northsea Wire) -") is no candidate: it says where the story was filed from.
    None of this changes the reader's evidence; the span shown is the one dated (a clock time, by the day it
    ran into).
    """
    weights = weights or {}
    raw: list[Candidate] = []
    for r in readings:
        log_weight = math.log(max(weights.get(r.passage.id, 1.0), 1e-300))
        for s, evidence in located_spans(r, None if prior is None else (lambda text: prior(text) == 0)):
            if isinstance(prior, TypePrior):  # a clock time without the day it runs into
                lo, hi = prior.tightened(s.text)
                s = replace(s, start=s.start + lo, end=s.start + hi)
            if in_wire_dateline(r.passage.text, s.start, s.end):  # "DESSAN, Lusmarra (Wire) -": where it was filed
                continue
            # "2:47 p.m." (a dotted abbreviation's last period), "6:52 a.m.", "38.6 percent" (a number's unit)
            s = replace(s, end=with_unit(r.passage.text, s.start,
                                         with_abbreviation_period(r.passage.text, s.start, s.end)))
            if prior is not None:
                evidence += prior(s.text)
            j = judge(r.passage, s.start, s.end) if judge is not None else Judgement(0.0, None, None)
            raw.append(Candidate(r.passage.file, r.passage.start + s.start, r.passage.start + s.end, s.text,
                                 scale.score(evidence + log_weight + j.delta), r.passage.id, r.passage.text,
                                 r.passage.start, j.event_date, j.match,
                                 scale.score(evidence + log_weight) if j.delta else None))
    raw.sort(key=lambda c: -c.score)
    kept: list[Candidate] = []
    for c in raw:
        if any(k.file == c.file and k.start < c.end and c.start < k.end for k in kept):
            continue
        kept.append(c)
    return kept


def _cite(c: Candidate, quote: str) -> Citation | None:
    """A citation of ``quote`` inside candidate ``c`` (exact), or ``None`` if it is not there."""
    at = c.text.find(quote)
    if at < 0:
        return None
    start = c.start + at
    return Citation(file=c.file, start=start, end=start + len(quote), passage_id=c.passage_id,
                    context=c.context, context_start=c.context_start, text=quote)


def _best_quote(members: list[Candidate]) -> str:
    """The verbatim text shared by most members (ties: higher score, then the member's own text)."""
    options: list[str] = []
    for m in members:
        for text in (m.text, strip_hedge(m.text)):
            if text and text not in options:
                options.append(text)

    def rank(text: str) -> tuple[int, float, int]:
        holders = [m for m in members if text in m.text]
        return len(holders), max(m.score for m in holders), len(text)

    return max(options, key=rank)


# a second or third answer is returned only when it scores at least this share of the first: chosen
# on SQuAD dev-public open mode (first half of the articles, 400 q, top_k 8): of the alternatives above
# the threshold 81 % were wrong; at 0.5 40 % fewer are shown and 35 of the 39 that held the right
# answer under a wrong first one stay (held-out half: 43 % fewer shown, 19 of 21 kept)
ALTERNATIVE_RELATIVE = 0.5
# ... and only when it is a short phrase: on the same study (session 13, top_k 5, 1,000 q), no alternative of more
# than this many words was right on the first half (56 of 411 shown, 0 of 39 right where the first was wrong: the
# smallest such cap); on the second half 53 of 243 fewer are shown and 3 of 22 such rescues are lost. A clause
# ("The maiden Skerry-1 flight in April used the neighboring pad") is the reader's runner-up, not a second answer
ALTERNATIVE_MAX_WORDS = 5
OTHER_EVENT_RELATIVE = 0.5  # an answer of another event is shown when its reader score is at least this share of the top answer's
SAME_EVENT_DAYS = 3  # candidates of one answer text whose event dates are this close report one event


def _day(label: str | None) -> date | None:
    try:
        return date.fromisoformat(label[:10]) if label and len(label) >= 10 else None
    except ValueError:
        return None


def days_apart(one: str | None, other: str | None) -> int | None:
    """Days between two event dates; on month and day alone (the nearer way round the year) when either is
    year-less; None when either is unknown."""
    a, b = _day(one), _day(other)
    if a is not None and b is not None:
        return abs((a - b).days)
    a = nominal_day(one) or (a.replace(year=NOMINAL_YEAR) if a is not None else None)  # a leap year: Feb 29 exists
    b = nominal_day(other) or (b.replace(year=NOMINAL_YEAR) if b is not None else None)
    if a is None or b is None:
        return None
    d = abs((a - b).days)
    return min(d, 366 - d)


def split_by_event(members: list[Candidate]) -> list[list[Candidate]]:
    """Candidates with the same text, split where their event dates are more than ``SAME_EVENT_DAYS``
    apart (two launches that both flew 700 km are two answers); a year-less date ("--05-20") joins the
    group it is that close to on month and day, else makes its own; undated ones join the best group."""
    dated = sorted((c for c in members if _day(c.event_date) is not None), key=lambda c: _day(c.event_date))
    clusters: list[list[Candidate]] = []
    for c in dated:
        if clusters and (_day(c.event_date) - _day(clusters[-1][-1].event_date)).days <= SAME_EVENT_DAYS:
            clusters[-1].append(c)
        else:
            clusters.append([c])
    yearless = sorted((c for c in members if nominal_day(c.event_date) is not None), key=lambda c: nominal_day(c.event_date))
    for c in yearless:
        near = next((g for g in clusters if any(not far_apart(c.event_date, m.event_date) for m in g)), None)
        if near is not None:
            near.append(c)
        else:
            clusters.append([c])
    undated = [c for c in members if _day(c.event_date) is None and nominal_day(c.event_date) is None]
    if not clusters:
        return [members]
    best = max(clusters, key=lambda g: max(m.score for m in g))
    best.extend(undated)
    return [sorted(g, key=lambda c: -c.score) for g in clusters]


def group_answers(candidates: list[Candidate], cite_floor: float = 0.0) -> list[Answer]:
    """Candidates (best first) grouped into answers, best first: one answer per fact and event.

    A place that holds the answer's words is cited only where the reader's candidate there scores at least
    ``cite_floor`` (the no-answer threshold, from ``assemble_all``), or it is the answer's best: "Beijing"
    read at 0.003 in "Lee called on Beijing to play a stronger role" is not a second source for "through its
    embassy in Beijing" (0.84). Such a place is dropped, not made an answer of its own; a passage about the
    question can still be cited by string search (``qa.corroborate``)."""
    by_text: dict[str, list[Candidate]] = {}
    for c in candidates:
        key = answer_key(c.text)
        if key:
            by_text.setdefault(key, []).append(c)
    groups = [group for members in by_text.values() for group in split_by_event(members)]
    answers: list[Answer] = []
    for members in groups:
        remaining = list(members)
        while remaining:
            quote = _best_quote(remaining)
            cited = [(m, _cite(m, quote)) for m in remaining]
            top = max((m for m, cit in cited if cit is not None), key=lambda m: m.score)
            kept = [(m, cit) for m, cit in cited if cit is not None and (m is top or m.score >= cite_floor)]
            citations = tuple(sorted((cit for _, cit in kept), key=lambda x: (x.file, x.start)))
            holders = [m for m, _ in kept]
            answers.append(Answer(text=quote, score=top.score, citations=citations, event_date=top.event_date,
                                  time_match=top.time_match, reader_score=max(
                                      m.score if m.reader_score is None else m.reader_score for m in holders)))
            remaining = [m for m, cit in cited if cit is None]
    answers.sort(key=lambda a: (-a.score, -len(a.citations)))
    return answers


def far_apart(one: str | None, other: str | None) -> bool:
    """True when both event dates are known (a year-less one by month and day) and more than
    ``SAME_EVENT_DAYS`` apart: two events."""
    apart = days_apart(one, other)
    return apart is not None and apart > SAME_EVENT_DAYS


def assemble(readings: list[PassageReading], threshold: float, max_answers: int,
             weights: dict[str, float] | None = None, scale: ScoreScale = ScoreScale(),
             judge: Judge | None = None, prior: Prior | None = None) -> tuple[list[Answer], NoAnswer | None]:
    """Answers at or above ``threshold`` (at most ``max_answers``), or the "no answer" verdict."""
    answers, no_answer, _, _ = assemble_all(readings, threshold, max_answers, weights, scale, judge, prior=prior)
    return answers, no_answer


def assemble_with_events(readings: list[PassageReading], threshold: float, max_answers: int,
                         weights: dict[str, float] | None = None, scale: ScoreScale = ScoreScale(),
                         judge: Judge | None = None, prior: Prior | None = None,
                         ) -> tuple[list[Answer], NoAnswer | None, list[Answer]]:
    """Like ``assemble``, plus the answers of other events (see ``assemble_all``)."""
    answers, no_answer, others, _ = assemble_all(readings, threshold, max_answers, weights, scale, judge, prior=prior)
    return answers, no_answer, others


def assemble_all(readings: list[PassageReading], threshold: float, max_answers: int,
                 weights: dict[str, float] | None = None, scale: ScoreScale = ScoreScale(),
                 judge: Judge | None = None, exclusive: bool = False, prior: Prior | None = None,
                 ) -> tuple[list[Answer], NoAnswer | None, list[Answer], Answer | None]:
    """(answers, no-answer verdict, other events, runner-up).

    Answers: the best one at or above ``threshold``, and after it only short ones (at most
    ``ALTERNATIVE_MAX_WORDS`` words) scoring at least ``ALTERNATIVE_RELATIVE`` of it or reporting another
    event (dated more than ``SAME_EVENT_DAYS`` from it: two launches are two answers), at most
    ``max_answers``; with ``prior``, an alternative must
    also be of the expected type (no "before landing outside Japan's zone" under "how far"). The type
    counts only when some span read has it.
    Other events: the answers the question's date ruled out (``time_match`` False) that the reader
    alone is confident of, scored by the reader alone, so that "700 km on 7 Nov" can be shown beside
    "1,000 km on 31 Oct (another event)".
    Runner-up: the best answer left out (for transparency, shown folded), if any.
    ``exclusive`` (the question names a day, ``qa.timing.TimeScorer.exclusive``): an answer whose date
    contradicts the question's is never an answer, only another event."""
    if prior is not None and not any(prior(shown_text(sp)) == 0 for r in readings for sp in r.spans):
        prior = None  # no span of the expected type was read: the type reorders, it never silences an answer
    ranked = group_answers(candidates_from(readings, weights, scale, judge, prior), cite_floor=threshold)
    eligible = [a for a in ranked if not (exclusive and a.time_match is False)]
    passing = [a for a in eligible if a.score >= threshold]
    confident = [a for a in passing if a is passing[0] or (prior is None or prior(a.text) == 0)
                 and len(a.text.split()) <= ALTERNATIVE_MAX_WORDS and (
                 a.score >= ALTERNATIVE_RELATIVE * passing[0].score or far_apart(a.event_date, passing[0].event_date))
                 ][:max_answers]
    if prior is not None and len(confident) > 1 and prior(confident[0].text) != 0:
        # the first answer is not of the expected type but a confident alternative is ("Thursday", then "6:52 a.m."
        # for "At what time ..."): the alternative, of the same event, comes first
        typed = next((a for a in confident[1:] if not far_apart(a.event_date, confident[0].event_date)), None)
        if typed is not None:
            confident = [typed] + [a for a in confident if a is not typed]
    floor = max(threshold, OTHER_EVENT_RELATIVE * confident[0].score if confident else threshold)
    others = sorted((replace(a, score=a.reader_score) for a in ranked if a.time_match is False
                     and a not in confident and a.reader_score is not None and a.reader_score >= floor),
                    key=lambda a: -a.score)[:max_answers]
    shown = set(map(id, confident)) | {id(a) for a in ranked if a.time_match is False}
    runner_up = next((a for a in ranked if id(a) not in shown), None) if confident else None
    if confident:
        return confident, None, others, runner_up
    best = eligible[0].score if eligible else 0.0
    return [], NoAnswer(score=best, threshold=threshold), others, None
