"""How long indexing one uploaded document may take, and the estimates that refuse it early.

An upload holds a request (and, while it is applied, the writer lock), so its work is bounded:
``IndexingBudget.start(chars)`` returns a ``BudgetClock`` that refuses the document with
``DocumentOverBudget`` (413) as soon as the work left is expected to overrun the budget — before
splitting when the text is too long to split in time, before embedding when its passages are too
many — and, as a safety net, when the deadline passes between batches. The rates it expects are
measured on the documents indexed so far (a moving average), starting from conservative
figures for a 2-core machine.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from core.errors import DocumentOverBudget

START_CHARS_PER_S = 150_000.0  # splitting, cleaning and dating text (measured ~200k/s on 2 cores)
START_PASSAGES_PER_S = 30.0  # embedding 160-token passages with all-MiniLM-L6-v2 on 2 cores
SMOOTHING = 0.3  # weight of the newest measurement in the moving averages


@dataclass
class IndexingBudget:
    seconds: float
    chars_per_s: float = START_CHARS_PER_S
    passages_per_s: float = START_PASSAGES_PER_S
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self, chars: int) -> BudgetClock:
        """A clock for one document of ``chars`` characters; refuses it now if splitting alone would overrun."""
        clock = BudgetClock(self, time.monotonic() + self.seconds)
        clock.expect(chars / self.chars_per_s, f"splitting {chars:,} characters into passages")
        return clock

    def observe(self, chars: int, split_s: float, passages: int, embed_s: float) -> None:
        """Fold one document's measured rates into the estimates (small documents say little; skipped)."""
        with self._lock:
            if chars >= 5_000 and split_s > 0:
                self.chars_per_s += SMOOTHING * (chars / split_s - self.chars_per_s)
            if passages >= 8 and embed_s > 0:
                self.passages_per_s += SMOOTHING * (passages / embed_s - self.passages_per_s)


@dataclass
class BudgetClock:
    budget: IndexingBudget
    deadline: float

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self) -> None:
        """``DocumentOverBudget`` once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise DocumentOverBudget(self._message("took longer to index"))

    def expect(self, seconds: float, what: str) -> None:
        """``DocumentOverBudget`` now when ``seconds`` more work would pass the deadline."""
        if seconds > self.remaining():
            raise DocumentOverBudget(self._message(f"would take about {seconds:.0f} s more ({what}), so it "
                                                   "would take longer to index"))

    def expect_passages(self, passages: int) -> None:
        self.expect(passages / self.budget.passages_per_s, f"embedding {passages:,} passages")

    def _message(self, what: str) -> str:
        return (f"the document {what} than its time budget of {self.budget.seconds:g} s "
                "(CITEQA_DOCUMENT_TIME_BUDGET_S); split it into smaller articles")
