"""Scoring: one question at a time, then the whole run.

EM and F1 are the official SQuAD v1.1 definitions (``core.text``: lower-case, strip ASCII
punctuation and the articles a/an/the, collapse whitespace; max over the reference answers),
reported on a 0-100 scale for the run. Abstaining is a real prediction (``None``): an
unanswerable question scores EM = F1 = 1 iff the system abstained, an answerable one scores 0 if
it did. Retrieval is scored by the rank of the first passage from a gold source.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from core.text import exact_match_score, f1_score, metric_max_over_ground_truths, unbalanced

# metrics.json has exactly these keys (``--negatives`` adds NEGATIVE_KEYS)
METRIC_KEYS = ("n", "n_answerable", "n_unanswerable", "exact_match", "f1", "has_ans_exact_match", "has_ans_f1",
               "no_ans_accuracy", "recall_at_k", "mrr", "citations_valid", "unbalanced_spans", "latency_ms", "top_k",
               "mode", "git_commit")
NEGATIVE_KEYS = ("negatives_abstain_rate", "hard_negatives_abstain_rate", "mined_negatives_abstain_rate",
                 "has_ans_f1_no_threshold")

# what happened to a question (report.md groups the failures by these)
CORRECT = "correct"
CORRECT_ABSTENTION = "correct abstention"
RETRIEVAL_MISS = "retrieval miss"
WRONG_SPAN = "wrong span"
FALSE_ABSTENTION = "false abstention"
FALSE_ANSWER = "false answer"
OUTCOMES = (CORRECT, CORRECT_ABSTENTION, RETRIEVAL_MISS, WRONG_SPAN, FALSE_ABSTENTION, FALSE_ANSWER)


def score_answer(prediction: str | None, references: Sequence[str]) -> tuple[float, float]:
    """(EM, F1) in [0, 1] of one prediction; ``None`` = the system abstained, no references = unanswerable."""
    if not references:
        correct = float(prediction is None)
        return correct, correct
    if prediction is None:
        return 0.0, 0.0
    refs = list(references)
    return (metric_max_over_ground_truths(exact_match_score, prediction, refs),
            metric_max_over_ground_truths(f1_score, prediction, refs))


def first_gold_rank(retrieved_files: Sequence[str], sources: Collection[str]) -> int | None:
    """1-based rank of the first retrieved passage that comes from a gold source, ``None`` if none does."""
    for rank, file in enumerate(retrieved_files, start=1):
        if file in sources:
            return rank
    return None


def recall_and_mrr(ranks: Sequence[int | None]) -> tuple[float | None, float | None]:
    """Recall@k (a gold source among the k retrieved) and mean reciprocal rank; ``None`` for no questions."""
    if not ranks:
        return None, None
    return (sum(r is not None for r in ranks) / len(ranks),
            sum(1.0 / r for r in ranks if r is not None) / len(ranks))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(position), math.ceil(position)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)


def classify(answerable: bool, abstained: bool, exact: float, gold_rank: int | None, retrieval_scored: bool) -> str:
    """One of ``OUTCOMES``. A wrong result is blamed on retrieval first when no gold source was retrieved."""
    if not answerable:
        return CORRECT_ABSTENTION if abstained else FALSE_ANSWER
    if exact == 1.0:
        return CORRECT
    if retrieval_scored and gold_rank is None:
        return RETRIEVAL_MISS
    return FALSE_ABSTENTION if abstained else WRONG_SPAN


@dataclass
class CitationCheck:
    file: str
    start: int
    end: int
    valid: bool  # original(file)[start:end] == the answer text


@dataclass
class ReturnedAnswer:
    text: str
    score: float
    citations: list[CitationCheck]


@dataclass
class NegativeResult:
    """The same question read against a paragraph of another article (reader mode, ``--negatives``)."""

    doc: str
    top_score: float
    abstained: bool


@dataclass
class QuestionResult:
    """Everything scored about one question (one line of predictions.jsonl)."""

    id: str
    question: str
    gold_answers: list[str]
    gold_sources: list[str]
    prediction: str | None  # the top answer's text; None = abstained
    answers: list[ReturnedAnswer]
    exact_match: float  # 0 or 1
    f1: float  # in [0, 1]
    gold_rank: int | None  # rank of the first gold source among the retrieved passages (None: not retrieved)
    retrieved: list[str]  # files of the retrieved passages, best first
    latency_ms: float
    top_score: float  # best candidate's score, returned or withheld
    threshold: float
    outcome: str
    best_span: str | None = None  # the best candidate whatever the threshold (None: unknown or no candidate)
    best_span_em: float | None = None
    best_span_f1: float | None = None
    negative: NegativeResult | None = None
    hard_negative: NegativeResult | None = None  # own paragraph with the answer's sentence cut (when possible)
    mined_negative: NegativeResult | None = None  # own article's BM25-closest paragraph without the answer

    @property
    def answerable(self) -> bool:
        return bool(self.gold_answers)

    @property
    def abstained(self) -> bool:
        return self.prediction is None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 2)


def _frac(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def aggregate(results: Sequence[QuestionResult], mode: str, top_k: int | None, git_commit: str | None,
              retrieval_scored: bool, negatives: bool = False) -> dict[str, Any]:
    """metrics.json: exactly ``METRIC_KEYS`` (plus ``NEGATIVE_KEYS`` when ``negatives``)."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    ranks = [r.gold_rank for r in answerable if r.gold_sources]
    recall, mrr = recall_and_mrr(ranks) if retrieval_scored else (None, None)
    citations = [c for r in results for a in r.answers for c in a.citations]
    latencies = [r.latency_ms for r in results]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    metrics: dict[str, Any] = {
        "n": len(results),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "exact_match": _pct(_mean([r.exact_match for r in results])),
        "f1": _pct(_mean([r.f1 for r in results])),
        "has_ans_exact_match": _pct(_mean([r.exact_match for r in answerable])),
        "has_ans_f1": _pct(_mean([r.f1 for r in answerable])),
        "no_ans_accuracy": _frac(_mean([float(r.abstained) for r in unanswerable])),
        "recall_at_k": _frac(recall),
        "mrr": _frac(mrr),
        "citations_valid": _mean([float(c.valid) for c in citations]),  # not rounded: 1.0 means every one
        # returned answers with a bracket or double quote missing its partner (qa.reader.balance_span: never)
        "unbalanced_spans": sum(unbalanced(a.text) for r in results for a in r.answers),
        "latency_ms": {"p50": None if p50 is None else round(p50, 1), "p95": None if p95 is None else round(p95, 1)},
        "top_k": top_k,
        "mode": mode,
        "git_commit": git_commit,
    }
    if negatives:
        read = [r.negative for r in results if r.negative is not None]
        metrics["negatives_abstain_rate"] = _frac(_mean([float(n.abstained) for n in read]))
        hard = [r.hard_negative for r in results if r.hard_negative is not None]
        metrics["hard_negatives_abstain_rate"] = _frac(_mean([float(n.abstained) for n in hard]))
        mined = [r.mined_negative for r in results if r.mined_negative is not None]
        metrics["mined_negatives_abstain_rate"] = _frac(_mean([float(n.abstained) for n in mined]))
        metrics["has_ans_f1_no_threshold"] = _pct(_mean([r.best_span_f1 or 0.0 for r in answerable]))
    return metrics
