"""Remember what the reader made of a (question, passage text) pair across index versions.

An index update invalidates every cached *answer* (answers are keyed by index version), but most
passages a question retrieves afterwards are the very texts it read before. Reading is the
expensive step (~15 ms per passage on two cores, retrieval is ~1 ms), so ``CachingReader`` reads
only the passages it has not seen with this question and rebuilds the others' spans from memory.

The reading of one passage depends only on the question and the passage text (batching pads and
masks; it does not mix passages), so a remembered reading is what the reader would produce again.
Spans are stored as offsets into the passage text and re-attached to the current ``Passage``,
which may sit at other offsets of a changed file; citations are computed from it as usual.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from qa.calibration import ScoreScale
from qa.reader import Reader
from core.types import Passage, PassageReading, Span

_Remembered = tuple[tuple[int, int, float, float], ...]  # spans: start, end, score, evidence


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class CachingReader:
    """A ``Reader`` that remembers up to ``capacity`` passage readings (LRU); thread-safe."""

    def __init__(self, reader: Reader, capacity: int = 50_000) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}")
        self.reader = reader
        self.capacity = capacity
        self._data: OrderedDict[tuple[str, bytes], _Remembered] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def no_answer_threshold(self) -> float:
        return self.reader.no_answer_threshold

    @property
    def score_scale(self) -> ScoreScale:
        return self.reader.score_scale

    def warm_up(self) -> None:
        self.reader.warm_up()

    def __len__(self) -> int:
        return len(self._data)

    def read(self, question: str, passages: list[Passage]) -> list[PassageReading]:
        keys = [(question, _text_key(p.text)) for p in passages]
        remembered: dict[int, _Remembered] = {}
        with self._lock:
            for i, key in enumerate(keys):
                if key in self._data:
                    self._data.move_to_end(key)
                    remembered[i] = self._data[key]
            self.hits += len(remembered)
            self.misses += len(passages) - len(remembered)
        missing = [i for i in range(len(passages)) if i not in remembered]
        fresh = dict(zip(missing, self.reader.read(question, [passages[i] for i in missing]))) if missing else {}
        if fresh and self.capacity:
            with self._lock:
                for i, reading in fresh.items():
                    self._data[keys[i]] = tuple((s.start, s.end, s.score, s.evidence) for s in reading.spans)
                while len(self._data) > self.capacity:
                    self._data.popitem(last=False)
        readings = []
        for i, passage in enumerate(passages):
            if i in fresh:
                readings.append(fresh[i])
            else:
                readings.append(PassageReading(passage, tuple(Span(passage, a, b, s, z)
                                                              for a, b, s, z in remembered[i])))
        return readings
