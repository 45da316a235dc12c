"""The answer cache: LRU eviction and one computation for concurrent identical questions."""

from __future__ import annotations

import threading
import time

from qa.cache import SingleFlightCache


def test_lru_eviction_and_hits():
    cache: SingleFlightCache[int] = SingleFlightCache(2)
    assert cache.get_or_compute("a", lambda: 1) == (1, False)
    assert cache.get_or_compute("a", lambda: 99) == (1, True)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("c", lambda: 3)  # evicts "a", the least recently used
    assert cache.get_or_compute("a", lambda: 4) == (4, False)


def test_concurrent_callers_share_one_computation():
    cache: SingleFlightCache[int] = SingleFlightCache(8)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("q", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert sorted(r[0] for r in results) == [42] * 8


def test_failed_computation_is_not_cached():
    cache: SingleFlightCache[int] = SingleFlightCache(8)

    def boom() -> int:
        raise RuntimeError("reader failed")

    try:
        cache.get_or_compute("q", boom)
    except RuntimeError:
        pass
    assert cache.get_or_compute("q", lambda: 7) == (7, False)


def test_zero_capacity_disables_caching():
    cache: SingleFlightCache[int] = SingleFlightCache(0)
    cache.get_or_compute("q", lambda: 1)
    assert cache.get_or_compute("q", lambda: 2) == (2, False)
