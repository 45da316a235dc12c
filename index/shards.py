"""An index version held in shards: each shard keeps the passages of some documents, and a question is
answered from all of them (scatter) merged into the one ranking a whole index gives (gather).

A document belongs to shard ``shard_of(name, count)``: a stable hash of its name, so every process
agrees without asking. An ``IndexShard`` loads, from the shared index folder, every document's metadata
but only its own documents' passages, vectors and term counts (``FaissStore.load(holds=...)``), and
answers three calls for one pinned version:

* ``first_pass``: its best passages by vector (flat: exact; IVF: the version's own centroids and each
  vector's stored cell, so the cells a question probes hold the same vectors across the shards as in
  the whole index), its BM25 statistics for the question's terms, and how many passages it searched;
* ``lexical``: its best passages by BM25, scored with the statistics of the whole collection (the sum
  of every shard's, ``index.lexical.CollectionStats``): each passage gets the score the whole index
  gives it;
* both return every passage they rank with its cosine similarity to the question.

Rankings are merged by score, ties by (document, start): the order of rows in a whole index, whose
passages are sorted that way. So a sharded index retrieves exactly what the whole one does
(``qa.retrieve.ShardedRetriever``; tested against ``HybridRetriever``). ``LocalShards`` holds shards in
this process (for tests and for one machine); ``index.distributed.RayShards`` holds them in Ray actors.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from core.types import Passage
from index.lexical import CollectionStats, Deleted
from index.store import FaissStore, IndexSnapshot, IndexSpec
from index.vectors import Setting

Key = tuple[str, int]  # (document, start): a passage's place in the order of a whole index's rows
KEEP_VERSIONS = 2  # versions a shard keeps loaded: the live one and the one questions in flight may still use


def shard_of(document: str, count: int) -> int:
    """The shard (0 .. count-1) that holds ``document``'s passages."""
    return zlib.crc32(document.encode("utf-8")) % count


def key_of(passage: Passage) -> Key:
    return passage.file, passage.start


@dataclass(frozen=True)
class ShardHits:
    """One shard's answer to one ranking: (score, key) best first, and every ranked passage with its
    cosine similarity to the question."""

    ranked: list[tuple[float, Key]]
    passages: dict[Key, tuple[Passage, float]]
    searched: int = 0  # passages the shard searched (all it holds, or those of the documents asked for)
    statistics: CollectionStats | None = None


def merged(parts: list[ShardHits], depth: int) -> list[Key]:
    """The shards' rankings as one: by score, ties by key (row order in a whole index), at most ``depth``."""
    hits = [hit for part in parts for hit in part.ranked]
    hits.sort(key=lambda hit: (-hit[0], hit[1]))
    return [key for _, key in hits[:depth]]


class IndexShard:
    """Part ``number`` of ``count`` of the versions of the index in ``index_dir``."""

    def __init__(self, index_dir: str | Path, number: int, count: int, spec: IndexSpec | None = None,
                 vector_index: Setting = "auto") -> None:
        if not 0 <= number < count:
            raise ValueError(f"shard {number} of {count} does not exist")
        self.number, self.count, self.spec = number, count, spec
        self.store = FaissStore(Path(index_dir), vector_index)
        self._versions: OrderedDict[str, IndexSnapshot] = OrderedDict()
        self._lock = threading.Lock()  # guards _versions
        self._loading = threading.Lock()  # one load at a time

    @property
    def label(self) -> str:
        return f"shard {self.number + 1} of {self.count}"

    def holds(self, document: str) -> bool:
        return shard_of(document, self.count) == self.number

    def load(self, version: str | None = None) -> dict:
        """Load ``version`` (default: the live one) unless it is loaded; what this shard holds of it."""
        snapshot = self._snapshot(version or self.store.current_version() or "")
        return {"version": snapshot.version, "shard": self.label, "passages": len(snapshot.passages),
                "documents": len(snapshot.document_rows())}

    def node(self) -> str:
        """The Ray node this shard runs on ("" outside Ray)."""
        try:
            import ray

            return ray.get_runtime_context().get_node_id() if ray.is_initialized() else ""
        except ImportError:
            return ""

    def _snapshot(self, version: str) -> IndexSnapshot:
        """The part of ``version`` this shard holds; a version not loaded (yet, or any more) is loaded, one
        load at a time, while questions on the versions already loaded go on."""
        with self._lock:
            snapshot = self._versions.get(version)
        if snapshot is not None:
            return snapshot
        with self._loading:
            with self._lock:
                snapshot = self._versions.get(version)
            if snapshot is None:
                snapshot = self.store.load(self.spec, version=version or None, holds=self.holds, part=self.label)
            with self._lock:
                self._versions[snapshot.version] = snapshot
                self._versions.move_to_end(snapshot.version)
                while len(self._versions) > KEEP_VERSIONS:
                    self._versions.popitem(last=False)
            return snapshot

    def first_pass(self, version: str, query: np.ndarray, depth: int, tokens: list[str],
                   documents: frozenset[str] | None = None) -> ShardHits:
        """The ``depth`` best passages by vector, and this shard's BM25 statistics for ``tokens``."""
        return first_pass(self._snapshot(version), query, depth, tokens, documents)

    def lexical(self, version: str, query: np.ndarray, tokens: list[str], depth: int, collection: CollectionStats,
                documents: frozenset[str] | None = None) -> ShardHits:
        """The ``depth`` best passages by BM25, scored with the whole ``collection``'s statistics."""
        return lexical_pass(self._snapshot(version), query, tokens, depth, collection, documents)


def _rows(snapshot: IndexSnapshot, documents: frozenset[str] | None, dead: Deleted | None) -> np.ndarray | None:
    """The rows of ``documents`` (None: every row), without the ``dead`` ones."""
    if documents is None:
        return None
    rows = snapshot.rows_of(documents)
    return rows[~dead.mask[rows]] if dead is not None else rows


def _hits(snapshot: IndexSnapshot, rows: list[int], scores: list[float], query: np.ndarray, **extra) -> ShardHits:
    similarity = snapshot.vectors[rows] @ query[0] if rows else []
    passages = [snapshot.passages[i] for i in rows]
    return ShardHits(ranked=[(float(s), key_of(p)) for s, p in zip(scores, passages)],
                     passages={key_of(p): (p, float(sim)) for p, sim in zip(passages, similarity)}, **extra)


def first_pass(snapshot: IndexSnapshot, query: np.ndarray, depth: int, tokens: list[str],
               documents: frozenset[str] | None = None, dead: Deleted | None = None) -> ShardHits:
    """The ``depth`` best passages of ``snapshot`` by vector (never a ``dead`` row, nor one outside
    ``documents``), and its BM25 statistics for ``tokens``."""
    rows = _rows(snapshot, documents, dead)
    searched = (len(snapshot.passages) - (len(dead.rows) if dead is not None else 0)) if rows is None else len(rows)
    statistics = snapshot.lexical.statistics(tokens, dead)
    scores, ids = snapshot.search(query, depth, rows=rows, exclude=dead.rows if dead is not None and rows is None
                                  else None)
    found = [(float(s), int(i)) for s, i in zip(scores[0], ids[0]) if i >= 0]
    return _hits(snapshot, [i for _, i in found], [s for s, _ in found], query, searched=searched,
                 statistics=statistics)


def lexical_pass(snapshot: IndexSnapshot, query: np.ndarray, tokens: list[str], depth: int,
                 collection: CollectionStats, documents: frozenset[str] | None = None,
                 dead: Deleted | None = None) -> ShardHits:
    """The ``depth`` best passages of ``snapshot`` by BM25, scored with the whole ``collection``'s statistics."""
    rows, scores = snapshot.lexical.ranked(tokens, depth, _rows(snapshot, documents, dead), collection, dead)
    return _hits(snapshot, [int(i) for i in rows], [float(s) for s in scores], query)


class Shards(Protocol):
    """The shards of an index, wherever they are held."""

    count: int

    def call(self, method: str, *args) -> list: ...  # ``method`` of every shard, results in shard order

    def load(self, version: str) -> list[dict]: ...


class LocalShards:
    """Shards held in this process (one machine; and what tests compare the Ray actors with)."""

    def __init__(self, index_dir: str | Path, count: int, spec: IndexSpec | None = None,
                 vector_index: Setting = "auto") -> None:
        self.shards = [IndexShard(index_dir, k, count, spec, vector_index) for k in range(count)]
        self.count = count

    def call(self, method: str, *args) -> list:
        return [getattr(shard, method)(*args) for shard in self.shards]

    def load(self, version: str) -> list[dict]:
        return self.call("load", version)


ShardsFactory = Callable[[IndexSpec], Shards]


class LayerParts:
    """The two layers of a ``index.layers.LayeredSnapshot`` as shards of one process (the base without its
    deleted rows, and the delta): what ``qa.retrieve.ShardedRetriever`` searches for a layered version."""

    def __init__(self, layered) -> None:
        self.layers = layered.layers()
        self.count = len(self.layers)

    def call(self, method: str, version: str, *args) -> list:
        search = {"first_pass": first_pass, "lexical": lexical_pass}[method]
        return [search(layer, *args, dead=dead) for layer, dead in self.layers]

    def load(self, version: str) -> list[dict]:
        return []
