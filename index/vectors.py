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
            index.train(vectors)
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(vectors)
    return configure(index, params)


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
           rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of each query (scores, ids), only among ``rows`` when given."""
    if rows is None:
        return index.search(queries, k)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if params.kind == "flat":
        return index.search(queries, k, params=faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows)))
    scores = queries @ vectors[rows].T  # exact among the rows
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, top, axis=1).astype(np.float32), rows[top]
