"""A large version in memory as two layers, so that an update costs what it changes, not what the archive holds.

A whole ``IndexSnapshot`` keeps every passage in one sorted table, one vector index and one matrix of
term counts; changing one article there means copying all of them (10-17 s at a million passages). A
``LayeredSnapshot`` is instead

* its **base**: a whole snapshot, never changed, shared with the versions before it;
* the documents of the base it **deleted** (removed, or replaced by a newer copy);
* its **delta**: a small whole snapshot of the documents added or replaced since the base (IVF: in the
  base's cells, under the base's centroids).

An update builds a new delta from the previous one (``index.builder.merge``) and adds to the deleted
set: no copy of the base. Questions search both layers, the base without its deleted rows, and the two
rankings are gathered as the shards of a sharded index are (``index.shards``: BM25 with the statistics
of the live passages of both layers, ties by (document, start)), so a layered version retrieves exactly
what the whole version would. Once the delta holds more than ``fold_limit`` passages the next update
folds the layers into one whole snapshot again (the cost of one update of a whole snapshot, once per
many updates). Small indexes (under ``LAYERED_FROM`` passages) stay whole: an update there is cheap.

Anything else asked of a layered snapshot (its ``passages`` as one list, its ``vectors``...) is answered
by the whole snapshot it stands for, built on first use (``whole``): tests and tools work unchanged,
and the question and update paths never need it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from core.types import Passage
from index.lexical import Deleted, LexicalIndex
from index.passage_table import PassageTable, joined, table_of
from index.segments import DocumentEntry
from index.snapshot import IndexSnapshot, IndexSpec, sources_of, without
from index.vectors import VectorIndexParams, build, build_from_pieces, centroids_of, still_fits

LAYERED_FROM = 100_000  # passages: a base at least this large is updated in layers
FOLD_FRACTION = 0.05  # the layers are folded into one once the delta holds this share of the base ...
FOLD_MIN = 20_000  # ... or this many passages, whichever is more


def fold_limit(base_passages: int) -> int:
    return max(FOLD_MIN, int(FOLD_FRACTION * base_passages))


def layerable(snapshot: IndexSnapshot) -> bool:
    """Whether updates of ``snapshot`` go to a delta layer (large enough, and a vector index a delta can
    share: flat, or IVF with its centroids; an HNSW graph is rebuilt whole)."""
    return snapshot.passage_count >= LAYERED_FROM and snapshot.vector_params.kind in ("flat", "ivf")


def empty_delta(base: IndexSnapshot) -> IndexSnapshot:
    """A snapshot of no passages whose vector index is the base's kind (IVF: the base's centroids)."""
    empty = np.zeros((0, base.spec.dim), np.float32)
    index = build(empty, base.vector_params, centroids=centroids_of(base.faiss_index))
    return IndexSnapshot(spec=base.spec, passages=[], vectors=empty, documents={}, faiss_index=index,
                         vector_params=base.vector_params, embedding_model_path=base.embedding_model_path)


@dataclass(frozen=True, eq=False)
class LayeredSnapshot:
    """One version: ``base`` minus the documents ``deleted`` plus ``delta``; see the module docstring."""

    base: IndexSnapshot
    deleted: frozenset[str]  # documents of the base that are not in this version
    delta: IndexSnapshot
    documents: dict[str, DocumentEntry]  # of this version: the base's live ones and the delta's
    texts: dict[str, str] = field(default_factory=dict, repr=False)
    version: str = ""
    built_at: str = ""
    embedding_model_path: str = ""
    segments: tuple[str, ...] = ()
    segment_of: Mapping[str, str] = field(default_factory=dict, repr=False)
    source_documents: Mapping[str, frozenset[str]] | None = field(default=None, repr=False)
    part: str = ""  # a whole version (writable), held in layers

    # ------------------------------------------------------------------ what the layers are
    @property
    def spec(self) -> IndexSpec:
        return self.base.spec

    @property
    def vector_params(self) -> VectorIndexParams:
        return self.base.vector_params

    @cached_property
    def dead(self) -> Deleted:
        """The base's rows of deleted documents (what its searches leave out)."""
        return self.base.lexical.deleted(self.base.rows_of(self.deleted))

    def centroids(self) -> np.ndarray | None:
        return self.base.centroids()

    @property
    def passage_count(self) -> int:
        return len(self.base.passages) - len(self.dead.rows) + len(self.delta.passages)

    def live_passages(self) -> Iterator[Passage]:
        """Every passage of the version: the base's live ones, then the delta's (not one sorted list)."""
        yield from (p for p in self.base.passages if p.file not in self.deleted)
        yield from self.delta.passages

    def document_sizes(self) -> dict[str, int]:
        """Document -> its passages in this version."""
        sizes = without(self.base.document_sizes(), self.deleted)
        sizes.update(self.delta.document_sizes())
        return sizes

    def documents_by_source(self) -> Mapping[str, frozenset[str]]:
        if self.source_documents is None:
            object.__setattr__(self, "source_documents", sources_of(self.documents))
        return self.source_documents

    def layers(self) -> list[tuple[IndexSnapshot, Deleted | None]]:
        """What a question searches: the base without its deleted rows, and the delta."""
        return [(self.base, self.dead if len(self.dead.rows) else None), (self.delta, None)]

    # ------------------------------------------------------------------ rows, for writing and folding
    def segment_rows(self, names: list[str]) -> tuple[PassageTable, np.ndarray, tuple[list[str], object],
                                                      np.ndarray | None]:
        """The passages of documents ``names`` from both layers, sorted by (document, start), with their vectors,
        term counts (``LexicalIndex.to_segment``) and IVF cells: what a segment of them stores."""
        passages, vectors, lexical, cells = self._rows(names)
        return passages, vectors, lexical.to_segment(np.arange(len(passages))), cells

    def _rows(self, names: list[str]) -> tuple[PassageTable, np.ndarray, LexicalIndex, np.ndarray | None]:
        parts = []
        for layer, dead_names in ((self.base, self.deleted), (self.delta, frozenset())):
            parts.append((layer, layer.rows_of(n for n in names if n not in dead_names)))
        passages = joined([table_of(layer.passages, rows) for layer, rows in parts])
        rank, start = passages.sort_keys()
        order = np.lexsort((start, rank))  # by (document, start), as a whole snapshot holds them
        passages = passages.take(order)
        vectors = np.concatenate([layer.vectors[rows] for layer, rows in parts])[order]
        lexical = LexicalIndex.from_segments([layer.lexical.to_segment(rows) for layer, rows in parts], order)
        cells = None
        if self.vector_params.kind == "ivf":
            cells = np.concatenate([layer.cells()[rows] for layer, rows in parts])[order]
        return passages, vectors, lexical, cells

    def whole(self) -> IndexSnapshot:
        """The whole snapshot this version stands for (built once; the cost of folding the layers)."""
        return self._whole

    @cached_property
    def _whole(self) -> IndexSnapshot:
        names = sorted(self.document_sizes())
        passages, vectors, lexical, cells = self._rows(names)
        index = build_from_pieces([vectors], self.spec.dim, self.vector_params, centroids_of(self.base.faiss_index),
                                  [cells] if cells is not None else None)
        ranges = passages.document_rows()
        return IndexSnapshot(spec=self.spec, passages=passages, vectors=vectors, documents=self.documents,
                             texts=self.texts, version=self.version, built_at=self.built_at,
                             embedding_model_path=self.embedding_model_path, faiss_index=index, lexical=lexical,
                             vector_params=self.vector_params, segments=self.segments, segment_of=self.segment_of,
                             row_ranges=ranges, source_documents=self.source_documents, row_cells=cells)

    # ------------------------------------------------------------------ as a version
    def published(self, version: str, built_at: str, segments: tuple[str, ...] = (),
                  segment_of: Mapping[str, str] | None = None) -> LayeredSnapshot:
        return dataclasses.replace(self, version=version, built_at=built_at, segments=segments,
                                   segment_of=self.segment_of if segment_of is None else segment_of)

    def with_vector_index(self, params: VectorIndexParams) -> IndexSnapshot | LayeredSnapshot:
        """This version under a vector index of kind ``params``: itself while the base's still fits, else
        the whole snapshot, re-indexed."""
        if still_fits(self.vector_params, params):
            return self
        return self.whole().with_vector_index(params)

    def __getattr__(self, name: str):
        # anything else (passages, vectors, lexical, faiss_index, search, document_rows...): the whole snapshot's
        if name.startswith("_") or name in {f.name for f in dataclasses.fields(LayeredSnapshot)}:
            raise AttributeError(name)
        return getattr(self.whole(), name)
