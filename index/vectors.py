"""The vector index of a version: exact (FAISS flat) below a size, approximate (HNSW or IVF) above it.

``CITEQA_VECTOR_INDEX=auto|flat|hnsw|ivf``. ``auto`` keeps the exact flat index below
``AUTO_APPROXIMATE_FROM`` passages, where an exhaustive scan takes a few milliseconds, and builds an
IVF index (inverted lists over k-means cells, a quarter of the cells visited) from there on: at
100,000 SQuAD-like vectors (``bench.scale``) it kept recall@20 0.999 of flat at 2.1 ms a query,
where HNSW (M 32, efSearch 200) fell to 0.90 at 0.4 ms. The parameters chosen are stored in the version's manifest
(``vector_index``) and applied again when it is loaded; recall@k against flat at each size is
printed by ``python -m bench.scale``.

Searches restricted to some rows (a date or outlet filter) are exact whatever the index: the
inner products of those rows are computed directly, so a filter never loses recall to a graph
walk that a selector prunes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import faiss
import numpy as np

Kind = Literal["flat", "hnsw", "ivf"]
Setting = Literal["auto", "flat", "hnsw", "ivf"]
AUTO_APPROXIMATE_FROM = 200_000  # passages; flat below (an exhaustive scan of 100k x 384 took 13 ms here)
IVF_TRAINING_POINTS_PER_LIST = 39  # FAISS's minimum for k-means without a warning
IVF_TRAINING_SAMPLE_PER_LIST = 64  # k-means runs on at most this many vectors per cell (a fixed random sample)


@dataclass(frozen=True)
class VectorIndexParams:
    kind: Kind = "flat"
    hnsw_m: int = 32  # graph neighbours per node
    ef_construction: int = 80
    ef_search: int = 200  # recall@20 0.99 of flat at 10k SQuAD-like vectors, 0.90 at 100k (bench.scale)
    nlist: int = 0  # IVF lists (0: chosen from the size)
    nprobe: int = 0  # IVF lists visited per query (0: chosen from nlist)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict | None) -> VectorIndexParams:
        if not record:
            return cls()  # versions written before approximate search: flat
        params = cls(**record)
        if params.kind not in ("flat", "hnsw", "ivf"):
            raise ValueError(f"unknown vector index kind {params.kind!r}")
        return params


FLAT = VectorIndexParams()


def choose(n: int, setting: Setting) -> VectorIndexParams:
    """The index for ``n`` passages under the setting."""
    kind: Kind = ("flat" if n < AUTO_APPROXIMATE_FROM else "ivf") if setting == "auto" else setting
    if kind == "ivf":
        nlist = max(1, min(int(4 * math.sqrt(max(n, 1))), n // IVF_TRAINING_POINTS_PER_LIST))
        return VectorIndexParams(kind="ivf", nlist=nlist, nprobe=max(1, min(nlist, max(32, nlist // 4))))
    return VectorIndexParams(kind=kind)


def training_sample(vectors: np.ndarray, nlist: int, seed: int = 0) -> np.ndarray:
    """The vectors k-means trains IVF's cells on: all of them up to ``IVF_TRAINING_SAMPLE_PER_LIST`` per
    cell, else a fixed random sample of that size (at 1M passages, 4,000 cells: 256k vectors, not 1M)."""
    limit = max(nlist, 1) * IVF_TRAINING_SAMPLE_PER_LIST
    if len(vectors) <= limit:
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size=limit, replace=False))
    return np.ascontiguousarray(vectors[rows])


def build(vectors: np.ndarray, params: VectorIndexParams, centroids: np.ndarray | None = None) -> faiss.Index:
    """A FAISS inner-product index over ``vectors`` (rows in order: row i is id i). An IVF index is
    trained (k-means) unless the ``centroids`` of its cells are given (``centroids_of`` an earlier one)."""
    n, dim = vectors.shape
    if params.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params.ef_construction
    elif params.kind == "ivf" and (n or centroids is not None):
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, params.nlist, faiss.METRIC_INNER_PRODUCT)
        if centroids is not None and centroids.shape == (params.nlist, dim):
            quantizer.add(np.ascontiguousarray(centroids, dtype=np.float32))
            index.is_trained = True
        else:
            index.train(training_sample(vectors, params.nlist))
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(vectors)
    return configure(index, params)


class _Pinned:
    """Exposes the vectors a flat FAISS index holds as an array that keeps the index alive (its ``base``)."""

    def __init__(self, index: faiss.IndexFlat) -> None:
        self.index = index
        n, dim = index.ntotal, index.d
        address = faiss.rev_swig_ptr(index.get_xb(), n * dim).__array_interface__["data"][0] if n else 0
        self.__array_interface__ = {"data": (address, True), "shape": (n, dim), "typestr": "<f4", "version": 3}


def stored_vectors(index: faiss.Index) -> np.ndarray | None:
    """The vectors of a flat index, read-only and without a copy (``None`` for other kinds, or an empty one):
    a snapshot keeps one copy of its vectors, not one of its own and one in FAISS."""
    if not isinstance(index, faiss.IndexFlat) or index.ntotal == 0:
        return None
    return np.asarray(_Pinned(index))


def build_from_pieces(pieces: list[np.ndarray], dim: int, params: VectorIndexParams,
                      centroids: np.ndarray | None = None, cells: list[np.ndarray | None] | None = None
                      ) -> faiss.Index:
    """``build`` over the rows of ``pieces`` in order, copying each piece once into the index (no
    concatenated copy first) where the kind allows it: flat, or IVF with known ``centroids``. For IVF,
    ``cells`` gives, per piece, the cell of each of its vectors when known (``cells_of`` the index they
    come from: no distance to any centroid is computed for them; -1 or ``None``: not known)."""
    if params.kind == "flat":
        index = build(np.zeros((0, dim), np.float32), params)
        for piece in pieces:
            if len(piece):
                index.add(np.ascontiguousarray(piece, dtype=np.float32))
        return configure(index, params)
    if params.kind == "ivf" and centroids is not None and centroids.shape == (params.nlist, dim):
        index = build(np.zeros((0, dim), np.float32), params, centroids=centroids)
        for piece, known in zip(pieces, cells or [None] * len(pieces)):
            if len(piece):
                add_to_cells(index, np.ascontiguousarray(piece, dtype=np.float32), known)
        return configure(index, params)
    vectors = np.concatenate(pieces) if pieces else np.zeros((0, dim), np.float32)
    return build(np.ascontiguousarray(vectors, dtype=np.float32), params)


def add_to_cells(index: faiss.IndexIVF, vectors: np.ndarray, cells: np.ndarray | None = None) -> None:
    """Append ``vectors`` to an IVF index, each to its cell: ``cells`` where given (>= 0), else the nearest
    centroid (searched for those vectors only)."""
    cells = np.full(len(vectors), -1, np.int64) if cells is None else np.array(cells, dtype=np.int64)
    unknown = cells < 0
    if unknown.any():
        _, nearest = index.quantizer.search(np.ascontiguousarray(vectors[unknown]), 1)
        cells[unknown] = nearest.ravel()
    index.add_core(len(vectors), faiss.swig_ptr(vectors), None, faiss.swig_ptr(cells))


def cells_of(index: faiss.Index) -> np.ndarray | None:
    """The IVF cell of every vector of an IVF index, by row (``None`` for other kinds)."""
    if not isinstance(index, faiss.IndexIVF):
        return None
    cells = np.full(index.ntotal, -1, dtype=np.int64)
    lists = index.invlists
    for cell in range(index.nlist):
        size = lists.list_size(cell)
        if size:
            cells[faiss.rev_swig_ptr(lists.get_ids(cell), size)] = cell
    return cells


def still_fits(current: VectorIndexParams, wanted: VectorIndexParams) -> bool:
    """Whether an index of kind ``current`` can stay as it is where ``wanted`` is what the size calls for:
    the same kind, and for IVF a number of cells within a factor 2 of the wanted one (so an update does not
    train k-means again; the cells are trained again once the collection has grown or shrunk 4-fold)."""
    if current.kind != wanted.kind:
        return False
    if current.kind == "ivf":
        return wanted.nlist / 2 <= current.nlist <= wanted.nlist * 2
    return current == wanted


def centroids_of(index: faiss.Index) -> np.ndarray | None:
    """The cell centroids of an IVF index (what its training computed), else ``None``."""
    if not isinstance(index, faiss.IndexIVF):
        return None
    quantizer = faiss.downcast_index(index.quantizer)
    return quantizer.reconstruct_n(0, quantizer.ntotal)


def configure(index: faiss.Index, params: VectorIndexParams) -> faiss.Index:
    """Apply the search-time parameters (not kept by FAISS's serialization)."""
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = params.ef_search
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = params.nprobe
        index.make_direct_map()  # so that vectors can be read back (reconstruct)
    return index


def search(index: faiss.Index, params: VectorIndexParams, vectors: np.ndarray, queries: np.ndarray, k: int,
           rows: np.ndarray | None = None, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of each query (scores, ids), only among ``rows`` when given, never one of
    ``exclude`` (the cells an IVF search probes are the same either way)."""
    if exclude is not None and len(exclude):
        if rows is not None:
            rows = np.setdiff1d(rows, exclude)
        else:
            batch = faiss.IDSelectorBatch(np.ascontiguousarray(exclude, dtype=np.int64))
            selector = faiss.IDSelectorNot(batch)
            if params.kind == "ivf":
                options = faiss.SearchParametersIVF(sel=selector, nprobe=params.nprobe)
            elif params.kind == "hnsw":
                options = faiss.SearchParametersHNSW(sel=selector, efSearch=params.ef_search)
            else:
                options = faiss.SearchParameters(sel=selector)
            found = index.search(queries, k, params=options)
            del batch, selector  # kept alive until the search is done
            return found
    if rows is None:
        return index.search(queries, k)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if params.kind == "flat":
        return index.search(queries, k, params=faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows)))
    scores = queries @ vectors[rows].T  # exact among the rows
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, top, axis=1).astype(np.float32), rows[top]
