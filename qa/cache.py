"""A small LRU cache with single-flight: concurrent callers of one key share one computation.

Answers depend on the question, the parameters and the index version, so keys include the
version and an index update invalidates them naturally.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class SingleFlightCache(Generic[V]):
    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}")
        self.capacity = capacity
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._inflight: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> tuple[V, bool]:
        """The cached value and True, or a freshly computed one and False."""
        if self.capacity == 0:
            return compute(), False
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key], True
            event = self._inflight.get(key)
            owner = event is None
            if owner:
                event = self._inflight[key] = threading.Event()
        if not owner:
            event.wait()
            with self._lock:
                if key in self._data:
                    return self._data[key], True
            return compute(), False  # the owner failed: try on our own
        try:
            value = compute()
            with self._lock:
                self._data[key] = value
                while len(self._data) > self.capacity:
                    self._data.popitem(last=False)
            return value, False
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            event.set()
