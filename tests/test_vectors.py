"""Vector indexes: the kind chosen by size, approximate search close to exact, filters exact, the kind kept on disk."""

from __future__ import annotations

import json

import faiss
import numpy as np
import pytest

from core.types import Passage
from index.store import FaissStore, IndexSnapshot, IndexSpec
from index.vectors import AUTO_APPROXIMATE_FROM, FLAT, VectorIndexParams, build, choose, search

DIM = 32


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    """Normalised vectors around 50 topics (sentence embeddings cluster by subject; uniform random
    vectors, the worst case of any index, do not)."""
    rng = np.random.default_rng(seed)
    topics = np.random.default_rng(99).standard_normal((50, DIM))
    v = (topics[rng.integers(0, 50, n)] + 0.6 * rng.standard_normal((n, DIM))).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)]))


def test_auto_is_exact_below_the_size_and_approximate_above():
    assert choose(10, "auto") == FLAT
    assert choose(AUTO_APPROXIMATE_FROM - 1, "auto").kind == "flat"
    assert choose(AUTO_APPROXIMATE_FROM, "auto").kind == "ivf"
    assert choose(10, "hnsw").kind == "hnsw"
    small, big = choose(100, "ivf"), choose(1_000_000, "ivf")
    assert small.nlist == 2 and 1 <= small.nprobe <= small.nlist  # never more lists than k-means can train
    assert big.nlist == 4000 and big.nprobe == 1000
    with pytest.raises(ValueError):
        VectorIndexParams.from_json({"kind": "lsh"})
    assert VectorIndexParams.from_json(None) == FLAT


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_search_finds_what_exact_search_finds(kind):
    vectors, queries = unit_vectors(8000), unit_vectors(200, seed=1)
    params = choose(len(vectors), kind)
    exact = build(vectors, FLAT).search(queries, 20)[1]
    scores, found = search(build(vectors, params), params, vectors, queries, 20)
    assert recall(found, exact) >= 0.95
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_a_filtered_search_is_exact_among_its_rows(kind):
    vectors, queries = unit_vectors(3000), unit_vectors(20, seed=2)
    rows = np.arange(0, 3000, 7)
    params = choose(len(vectors), kind)
    scores, ids = search(build(vectors, params), params, vectors, queries, 10, rows=rows)
    inner = queries @ vectors[rows].T
    expected = rows[np.argsort(-inner, axis=1, kind="stable")[:, :10]]
    assert np.array_equal(ids, expected)
    assert set(ids.ravel()) <= set(rows)
    assert np.allclose(scores, np.take_along_axis(queries @ vectors.T, ids, axis=1), atol=1e-5)


def snapshot_of(n: int) -> IndexSnapshot:
    passages = [Passage(id=f"a.txt:{i}-{i + 1}", file="a.txt", start=i, end=i + 1, text=f"word{i} common")
                for i in range(n)]
    spec = IndexSpec(embedding_model_id="test", dim=DIM, max_tokens=160, overlap_tokens=40)
    return IndexSnapshot(spec=spec, passages=passages, vectors=unit_vectors(n), documents={})


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_the_store_writes_the_kind_it_is_told_and_loads_it_back(tmp_path, kind):
    store = FaissStore(tmp_path / "index", vector_index=kind)
    snapshot = snapshot_of(2000)
    with store.writer_lock():
        written = store.write(snapshot)
    assert written.vector_params.kind == kind
    manifest = store.read_manifest()
    assert manifest["vector_index"]["kind"] == kind
    loaded = FaissStore(tmp_path / "index").load(snapshot.spec)
    assert loaded.vector_params == written.vector_params
    assert isinstance(loaded.faiss_index, faiss.IndexHNSW if kind == "hnsw" else faiss.IndexIVF)
    assert np.allclose(loaded.vectors, snapshot.vectors)
    queries = unit_vectors(30, seed=3)
    assert np.array_equal(loaded.search(queries, 10)[1], written.search(queries, 10)[1])


def test_a_version_written_before_vector_index_kinds_loads_as_flat(tmp_path):
    store = FaissStore(tmp_path / "index")
    snapshot = snapshot_of(50)
    with store.writer_lock():
        store.write(snapshot)
    path = store.versions_dir / store.current_version() / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest.pop("vector_index") == FLAT.to_json()
    path.write_text(json.dumps(manifest))
    loaded = store.load(snapshot.spec)
    assert loaded.vector_params == FLAT and isinstance(loaded.faiss_index, faiss.IndexFlatIP)
