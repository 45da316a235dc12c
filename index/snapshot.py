"""One version of the index in memory: ``IndexSnapshot`` (its passages, their vectors and lexical
statistics, searchable as soon as it exists) and ``IndexSpec`` (what it must have been built with).
``index.store`` reads and writes them; ``index.layers`` and ``index.shards`` build on them."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar
from dataclasses import dataclass, field

import faiss
import numpy as np

from core.errors import IndexCorrupt
from core.types import Passage
from index.chunking import CLEANING_VERSION
from index.lexical import LexicalIndex
from index.passage_table import PassageTable, table_of
from index.segments import DocumentEntry
from index.vectors import FLAT, VectorIndexParams, build, cells_of, centroids_of, search, still_fits, stored_vectors

V = TypeVar("V")

FORMAT_VERSION = 4  # 4: segments whose passages are columns with byte offsets and a tags blob; 3: segments with
# character offsets and the time tags in one JSON list; 2: one folder per version with every passage (both still read)


@dataclass(frozen=True)
class IndexSpec:
    """What an index must have been built with to be usable by this process."""

    embedding_model_id: str
    dim: int
    max_tokens: int
    overlap_tokens: int
    cleaning_version: int = CLEANING_VERSION
    format_version: int = FORMAT_VERSION


@dataclass(frozen=True)
class IndexSnapshot:
    """One version of the index: passages, their vectors and lexical statistics, built once, never changed.

    ``version`` and ``built_at`` are empty until the store publishes it (``FaissStore.write`` returns
    the published copy). The FAISS and BM25 indexes are built here when not given, so a snapshot is
    searchable as soon as it exists, and each version builds them exactly once.
    """

    spec: IndexSpec
    passages: Sequence[Passage]  # a PassageTable when loaded from segments (no object per passage), else a list
    vectors: np.ndarray  # (n, dim) float32, L2-normalized, row i belongs to passages[i]
    documents: dict[str, DocumentEntry]
    texts: dict[str, str] = field(default_factory=dict, repr=False)  # extracted text of non-plain-text documents
    version: str = ""
    built_at: str = ""
    embedding_model_path: str = ""
    faiss_index: faiss.Index | None = field(default=None, repr=False)
    lexical: LexicalIndex | None = field(default=None, repr=False)
    vector_params: VectorIndexParams = FLAT  # what faiss_index is (index.vectors)
    segments: tuple[str, ...] = ()  # the segments of the published version, oldest first
    segment_of: Mapping[str, str] = field(default_factory=dict, repr=False)  # document -> segment holding it
    # (documents not in it are not written yet: the store writes them in a new segment)
    row_ranges: Mapping[str, tuple[int, int]] | None = field(default=None, repr=False, compare=False)
    # document -> range of its rows, when known (``document_rows`` computes it otherwise)
    source_documents: Mapping[str, frozenset[str]] | None = field(default=None, repr=False, compare=False)
    # source file -> the documents read from it, when known (``documents_by_source`` computes it otherwise)
    part: str = ""  # "" for a whole version; else which of its passages this snapshot holds ("shard 1 of 2",
    # "none"): every document's metadata, only some documents' passages (``FaissStore.load(holds=...)``)
    version_passages: int = -1  # passages of the whole version, for a part (-1: len(passages))
    row_cells: np.ndarray | None = field(default=None, repr=False, compare=False)  # IVF: ``cells()``
    sizes: Mapping[str, int] | None = field(default=None, repr=False, compare=False)  # ``document_sizes()``

    def __post_init__(self) -> None:
        if self.vectors.shape != (len(self.passages), self.spec.dim):
            raise IndexCorrupt(f"{len(self.passages)} passages but vectors of shape {self.vectors.shape}")
        if self.faiss_index is None:
            object.__setattr__(self, "faiss_index", build(self.vectors, self.vector_params))
        shared = stored_vectors(self.faiss_index)
        if shared is not None and shared.shape == self.vectors.shape:
            object.__setattr__(self, "vectors", shared)  # FAISS's own copy: one copy of the vectors, not two
        if self.lexical is None:
            object.__setattr__(self, "lexical", LexicalIndex.from_texts([p.text for p in self.passages]))
        elif len(self.lexical) != len(self.passages):
            raise IndexCorrupt(f"{len(self.passages)} passages but lexical statistics for {len(self.lexical)}")

    @property
    def passage_count(self) -> int:
        """Passages of the version (those of every part, for a part of it)."""
        return len(self.passages) if self.version_passages < 0 else self.version_passages

    def published(self, version: str, built_at: str, segments: tuple[str, ...] = (),
                  segment_of: Mapping[str, str] | None = None) -> IndexSnapshot:
        """This snapshot as the store published it (shares every array and index)."""
        return dataclasses.replace(self, version=version, built_at=built_at, segments=segments,
                                   segment_of=self.segment_of if segment_of is None else segment_of)

    def document_rows(self) -> Mapping[str, tuple[int, int]]:
        """Document -> the range of its rows (rows are sorted by document, so each document's are contiguous)."""
        if self.row_ranges is None and isinstance(self.passages, PassageTable):
            object.__setattr__(self, "row_ranges", self.passages.document_rows())
        if self.row_ranges is None:
            files = np.array([p.file for p in self.passages], dtype=object)
            starts = np.flatnonzero(np.concatenate([[True], files[1:] != files[:-1]])) if len(files) else []
            ends = [*starts[1:].tolist(), len(files)] if len(files) else []
            ranges: dict[str, tuple[int, int]] = {}
            for name, start, end in zip(files[starts].tolist() if len(files) else [], list(starts), ends):
                ranges[name] = (ranges.get(name, (int(start), 0))[0], end)  # (a document's rows are contiguous)
            object.__setattr__(self, "row_ranges", ranges)
        return self.row_ranges

    def file_of(self, row: int) -> str:
        """The document of a row (without making its passage, for a table)."""
        passages = self.passages
        return passages.file_of(row) if isinstance(passages, PassageTable) else passages[row].file

    def documents_by_source(self) -> Mapping[str, frozenset[str]]:
        """Source file -> the documents read from it."""
        if self.source_documents is None:
            object.__setattr__(self, "source_documents", sources_of(self.documents))
        return self.source_documents

    def with_vector_index(self, params: VectorIndexParams) -> IndexSnapshot:
        """This snapshot searched through a vector index of kind ``params`` (built now unless the one it has
        still fits, ``index.vectors.still_fits``)."""
        if still_fits(self.vector_params, params):
            return self
        return dataclasses.replace(self, vector_params=params, faiss_index=build(self.vectors, params), row_cells=None)

    def search(self, query_vectors: np.ndarray, k: int, rows: np.ndarray | None = None,
               exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest passages (inner product) of each query; only among ``rows`` if given, never one of
        ``exclude`` (sorted)."""
        if exclude is not None and len(exclude) and rows is not None:
            rows, exclude = np.setdiff1d(rows, exclude), None
        k = min(k, (len(self.passages) - (len(exclude) if exclude is not None else 0)) if rows is None else len(rows))
        queries = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if k <= 0:
            return np.zeros((len(query_vectors), 0), np.float32), np.zeros((len(query_vectors), 0), np.int64)
        return search(self.faiss_index, self.vector_params, self.vectors, queries, k, rows, exclude)

    def rows_of(self, names: Iterable[str]) -> np.ndarray:
        """The rows of the documents ``names`` (those it holds), in row order."""
        ranges = self.document_rows()
        spans = sorted(ranges[n] for n in names if n in ranges)
        return (np.concatenate([np.arange(a, b) for a, b in spans]).astype(np.int64) if spans
                else np.zeros(0, np.int64))

    def live_passages(self) -> Iterator[Passage]:
        """Every passage of the version, in row order."""
        return iter(self.passages)

    def document_sizes(self) -> dict[str, int]:
        """Document -> its passages (a new dict each time, computed once)."""
        if self.sizes is None:
            object.__setattr__(self, "sizes", {n: b - a for n, (a, b) in self.document_rows().items()})
        return dict(self.sizes)

    def centroids(self) -> np.ndarray | None:
        """IVF: the centroids of its cells (else ``None``)."""
        return centroids_of(self.faiss_index)

    def cells(self) -> np.ndarray | None:
        """IVF: the cell of every row (computed once per snapshot; else ``None``)."""
        if self.row_cells is None:
            object.__setattr__(self, "row_cells", cells_of(self.faiss_index))
        return self.row_cells

    def segment_rows(self, names: list[str]) -> tuple[PassageTable, np.ndarray, tuple[list[str], object],
                                                      np.ndarray | None]:
        """The passages of documents ``names`` (in row order), their vectors, term counts (``LexicalIndex.to_segment``)
        and IVF cells: what a segment of them stores."""
        take = self.rows_of(names)
        cells = self.cells()
        return (table_of(self.passages, take), self.vectors[take], self.lexical.to_segment(take),
                cells[take] if cells is not None else None)


def without(mapping: Mapping[str, V], names: Collection[str]) -> dict[str, V]:
    """A copy of ``mapping`` without the keys ``names`` (a dict copied whole, then the few keys dropped:
    a fraction of a comprehension's cost at 200,000 documents)."""
    copy = dict(mapping)
    for name in names:
        copy.pop(name, None)
    return copy


def sources_of(documents: Mapping[str, DocumentEntry]) -> dict[str, frozenset[str]]:
    """Source file -> the documents read from it (most documents are their own source file)."""
    by_source = {name: frozenset((name,)) for name, entry in documents.items() if not entry.source}
    shared: dict[str, set[str]] = {}
    for name, entry in documents.items():
        if entry.source:
            shared.setdefault(entry.source, set()).add(name)
    for source, names in shared.items():
        by_source[source] = by_source.get(source, frozenset()) | frozenset(names)
    return by_source
