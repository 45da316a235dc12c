"""Question types for the report: F1 per type (who / when / how many / ...) shows where the reader fails.

The type comes from the first question word (what, which, who, whom, whose, when, where, why, how)
and the words after it: "at what time" → ``what time``, "how far" → ``how far/long/big``,
"in which year" → ``what year``. A question without one is ``other``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from eval.metrics import QuestionResult

_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b(?:\s+(\w+))?", re.IGNORECASE)
_MEASURE = {"far", "long", "deep", "high", "tall", "big", "large", "old", "fast", "wide", "heavy", "strong", "often"}
_TIME_NOUNS = {"time": "what time", "date": "what date", "day": "what date", "year": "what year",
               "month": "what date", "century": "what year", "decade": "what year", "period": "when"}
TYPES = ("who", "when", "what time", "what date", "what year", "how many", "how much", "how far/long/big",
         "where", "which/what <noun>", "what", "why", "how", "other")


def question_type(question: str) -> str:
    """One of ``TYPES``."""
    m = _WH.search(question)
    if m is None:
        return "other"
    word, after = m.group(1).lower(), (m.group(2) or "").lower()
    if word in ("who", "whom", "whose"):
        return "who"
    if word in ("when", "where", "why"):
        return word
    if word == "how":
        if after == "many":
            return "how many"
        if after == "much":
            return "how much"
        return "how far/long/big" if after in _MEASURE else "how"
    if after in _TIME_NOUNS:
        return _TIME_NOUNS[after]
    if word == "which" or after not in ("is", "was", "are", "were", "does", "did", "do", "has", "had", "can",
                                        "could", "would", "will", "should", "might", "a", "an", "the", "of", ""):
        return "which/what <noun>"
    return "what"


def by_type(results: Sequence[QuestionResult]) -> list[dict]:
    """Per question type, over answerable questions: count, EM, F1 (0-100), F1 never abstaining, abstained share."""
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        if r.answerable:
            groups[question_type(r.question)].append(r)
    rows = []
    for kind in TYPES:
        members = groups.get(kind)
        if not members:
            continue
        n = len(members)
        never = [r.best_span_f1 for r in members if r.best_span_f1 is not None]
        rows.append({"type": kind, "questions": n, "exact_match": round(100 * sum(r.exact_match for r in members) / n, 2),
                     "f1": round(100 * sum(r.f1 for r in members) / n, 2),
                     "f1_never_abstaining": round(100 * sum(never) / len(never), 2) if len(never) == n else None,
                     "abstained": round(sum(r.abstained for r in members) / n, 4)})
    return rows


def type_table(results: Sequence[QuestionResult]) -> list[str]:
    """Markdown lines of ``by_type``."""
    rows = by_type(results)
    if not rows:
        return []
    lines = ["| question type | questions | EM | F1 | F1 never abstaining | abstained |", "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        never = "n/a" if row["f1_never_abstaining"] is None else f"{row['f1_never_abstaining']:.2f}"
        lines.append(f"| {row['type']} | {row['questions']} | {row['exact_match']:.2f} | {row['f1']:.2f} | {never} | "
                     f"{row['abstained']:.3f} |")
    return lines
