"""Hard negatives: a question's own paragraph with the sentence that answers it cut out.

Same topic, same names, only the fact asked for is gone: the case a newsroom corpus presents
when it covers a story but not the detail asked about. Used to train the reader to abstain and to
check that it does (``eval.calibrate``).
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def without_answer_sentence(context: str, answer_start: int, answer_end: int, answers: set[str]) -> str | None:
    """``context`` minus the sentence(s) overlapping ``[answer_start, answer_end)``.

    ``None`` when any of ``answers`` (lower-cased) would remain, or when less than one other
    sentence (100 characters) is left.
    """
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(context)] + [len(context)]
    kept = [context[a:b] for a, b in zip(bounds, bounds[1:]) if b <= answer_start or a >= answer_end]
    rest = "".join(kept).strip()
    if len(kept) < 2 or len(rest) < 100 or any(t in rest.lower() for t in answers):
        return None
    return rest
