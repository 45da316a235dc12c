"""Read in order of promise, stop when decided.

The retrieved passages are read best-ranked first, a few at a time. After each batch the answers so
far are assembled; an unread passage can only change the outcome if one of its spans could score
above the current top answer (or, with no answer yet, reach the threshold). A passage's best
possible score is bounded by its relevance weight (known from retrieval, before reading) and
``EVIDENCE_CAP``, a bound on the evidence (log-odds against "no answer") its best span would carry:

    bound(p) = scale.score(EVIDENCE_CAP + log weight(p))

When every unread passage's bound is below ``max(top score, threshold)`` the rest is not read. A
question that names a time is read in full (the service decides): the passages of its other
events must be read to be shown, and the temporal signal moves scores by more than any cap.
The bound is statistical, not absolute: ``EVIDENCE_CAP`` and ``FIRST_BATCH`` were chosen on SQuAD
dev-public (the first half of its articles, 400 questions, open mode, top_k 8:
``python -m eval.early_stop``) as the setting reading the fewest tokens whose top answer differs
from reading everything on at most 0.5% of questions; on the second half it changes 0.2% of the
answers (F1 83.22 against 83.34 at threshold 0.18; 83.47 against 83.59 at 0.1459) and reads 4.78 passages instead of 8 (661 reader tokens instead
of 1,100). Reading the rest two at a time saves another 1% of tokens for 10% more reader calls:
not worth it. Report: ``eval/reports/early-stop``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qa.calibration import ScoreScale

FIRST_BATCH = 4  # passages read before the decision (then all the others, or none)
EVIDENCE_CAP = 4.0  # see the module docstring and eval/reports/early-stop


def best_possible(log_weight: float, scale: ScoreScale, cap: float = EVIDENCE_CAP) -> float:
    """The highest score a span of an unread passage with this relevance could reach."""
    return scale.score(cap + log_weight)


def decided(top_score: float, threshold: float, unread_log_weights: Sequence[float], scale: ScoreScale,
            cap: float = EVIDENCE_CAP) -> bool:
    """True when no unread passage could change the top answer or the no-answer verdict."""
    if not unread_log_weights:
        return True
    bar = max(top_score, threshold)
    return best_possible(max(unread_log_weights), scale, cap) < bar


def log_weight(weight: float | None) -> float:
    return math.log(max(weight if weight is not None else 1.0, 1e-300))
