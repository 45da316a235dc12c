"""A large index is updated in layers (``index.layers``): the base is left as it is, the change goes to a
small delta. Whatever the sequence of updates, a layered version retrieves what a whole snapshot of the
same corpus retrieves, is written as segments like any version, and loads back as the same index.
(``LAYERED_FROM`` is lowered here so that a small corpus is "large".)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import index.layers as layers
from index.layers import LayeredSnapshot
from index.store import IndexSnapshot
from qa.retrieve import HybridRetriever, ShardedRetriever
from tests.hash_embedder import HashEmbedder
from tests.test_segments import TOWNS, article, same_index, service_for

QUESTIONS = ["How long is the bridge in Busan?", "What did officials in Daegu say?", "bridge cost billion won",
             "Which town opened a harbor bridge on Monday?", "traffic would double", "Yeosu Mokpo Andong"]


@pytest.fixture()
def layered(monkeypatch):
    monkeypatch.setattr(layers, "LAYERED_FROM", 2)  # passages: every test corpus here is layered


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for town in TOWNS[:8]:
        (folder / f"{town.lower()}.txt").write_text(article(town), encoding="utf-8")
    return folder


def same_retrieval(live, whole: IndexSnapshot, retriever) -> None:
    embedder = HashEmbedder()
    reference = HybridRetriever(whole, embedder)
    for question in QUESTIONS:
        for top_k, extra in ((8, 8), (3, 0), (20, 0)):
            expected = reference.retrieve(question, top_k, extra=extra)
            got = retriever.retrieve(question, top_k, extra=extra)
            assert [r.passage for r in got] == [r.passage for r in expected], (question, top_k)
            assert np.allclose([r.similarity for r in got], [r.similarity for r in expected], atol=1e-6)
    some = frozenset(sorted(live.documents)[::2])
    expected = reference.retrieve(QUESTIONS[0], 8, documents=some)
    assert [r.passage for r in retriever.retrieve(QUESTIONS[0], 8, documents=some)] == [r.passage for r in expected]


def scratch(corpus: Path, index: Path, **settings):
    service = service_for(corpus, index)
    if settings:
        service.settings = service.settings.model_copy(update=settings)
        service.store.vector_index = settings.get("vector_index", "auto")
    service.build_index()
    service.reload()
    return service


@pytest.mark.parametrize("vector_index", ["flat", "ivf"])
def test_updates_go_to_a_delta_and_retrieve_what_a_whole_index_does(layered, corpus, tmp_path, vector_index):
    service = scratch(corpus, tmp_path / "index", vector_index=vector_index)
    base = service.snapshot
    assert isinstance(base, IndexSnapshot) and base.vector_params.kind == vector_index
    steps = [("upsert", "ulsan.txt", article("Ulsan")), ("upsert", "busan.txt", article("Busan", " A tunnel too.")),
             ("remove", "daegu.txt", None), ("upsert", "mokpo.txt", article("Mokpo")),
             ("upsert", "ulsan.txt", article("Ulsan", " Ulsan's bridge is the longest.")), ("remove", "mokpo.txt", None),
             ("upsert", "yeosu.txt", article("Yeosu"))]
    for kind, name, text in steps:
        if kind == "upsert":
            service.corpus.upsert(name, text.encode())
            (corpus / name).write_text(text, encoding="utf-8")
        else:
            service.corpus.remove(name)
        live = service.snapshot
        assert isinstance(live, LayeredSnapshot) and live.base is base  # the base is never copied
        assert isinstance(service._retriever, ShardedRetriever)  # the two layers, gathered
        whole = live.whole()
        assert live.passage_count == len(whole.passages) and live.documents == whole.documents
        if vector_index == "flat":  # the same corpus indexed from scratch
            fresh = scratch(corpus, tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}").snapshot
            same_index(whole, fresh)
            same_retrieval(live, fresh, service._retriever)
        else:  # IVF: the base's cells and centroids (a build from scratch trains its own)
            same_retrieval(live, whole, service._retriever)
            assert np.array_equal(whole.centroids(), base.centroids())
        # written as segments: a fresh process loads the same index
        loaded = service.store.load()
        same_index(loaded, whole)
    assert "daegu.txt" in live.deleted and "daegu.txt" not in live.documents
    assert len(live.delta.passages) < len(base.passages)
    assert service.store.read_manifest()["n_passages"] == live.passage_count
    # a process started now loads the version in two layers too: the largest segment as it is on disk
    restarted = service_for(corpus, tmp_path / "index")
    restarted.store.vector_index = vector_index
    restarted.reload()
    assert isinstance(restarted.snapshot, LayeredSnapshot)
    same_retrieval(restarted.snapshot, live.whole(), restarted._retriever)
    restarted.corpus.upsert("gimhae.txt", article("Gimhae").encode())  # and updates it as a layered one
    assert restarted.snapshot.base is not None and "gimhae.txt" in restarted.snapshot.delta.documents


def test_a_large_delta_is_folded_into_a_whole_snapshot(layered, corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "FOLD_MIN", 2)  # passages
    service = scratch(corpus, tmp_path / "index")
    kinds = []
    for town in TOWNS[8:]:
        service.corpus.upsert(f"{town.lower()}.txt", article(town).encode())
        (corpus / f"{town.lower()}.txt").write_text(article(town), encoding="utf-8")
        kinds.append(type(service.snapshot).__name__)
    assert "LayeredSnapshot" in kinds and "IndexSnapshot" in kinds[1:]  # folded, then layered again
    fresh = scratch(corpus, tmp_path / "fresh").snapshot
    live = service.snapshot
    same_index(live.whole() if isinstance(live, LayeredSnapshot) else live, fresh)
    same_index(service.store.load(), fresh)


def test_an_index_below_the_size_stays_whole(corpus, tmp_path):
    service = scratch(corpus, tmp_path / "index")
    service.corpus.upsert("ulsan.txt", article("Ulsan").encode())
    assert isinstance(service.snapshot, IndexSnapshot)  # LAYERED_FROM is 100,000 passages


def test_citeqa_check_reads_a_layered_version(layered, corpus, tmp_path):
    from index.consistency import check_consistency

    service = scratch(corpus, tmp_path / "index")
    service.corpus.upsert("ulsan.txt", article("Ulsan").encode())
    service.corpus.remove("daegu.txt")
    assert isinstance(service.store.load(), LayeredSnapshot)
    assert check_consistency(service.settings) == []
    (corpus / "busan.txt").write_text(article("Busan", " Changed."), encoding="utf-8")
    assert any("busan.txt" in problem for problem in check_consistency(service.settings))
