"""The on-disk index: atomic versions, manifest checks, incremental rebuilds (real embedder)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from index.builder import build_index
from index.chunking import ChunkingParams
from index.store import FaissStore, IndexSpec
from core.errors import IndexCorrupt, IndexMismatch, IndexNotReady
from tests.conftest import SEEDS


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture()
def built(corpus, tmp_path, embedder):
    index_dir = tmp_path / "index"
    report = build_index(corpus, index_dir, embedder, ChunkingParams())
    return index_dir, report


def spec_of(embedder, params=ChunkingParams()):
    return IndexSpec(embedding_model_id=embedder.model_id, dim=embedder.dim, max_tokens=params.max_tokens,
                     overlap_tokens=params.overlap_tokens)


def test_build_writes_manifest_and_loads(built, embedder, corpus):
    index_dir, report = built
    assert report.files == 5 and report.passages > 20 and report.changed
    store = FaissStore(index_dir)
    manifest = store.read_manifest()
    assert manifest["embedding_model"]["dim"] == 384
    assert manifest["chunking"] == {"max_tokens": 160, "overlap_tokens": 40, "cleaning_version": 3}
    assert manifest["format_version"] == 4 and manifest["built_at"]
    assert [s["passages"] for s in manifest["segments"]] == [report.passages]  # a first build: one segment
    snap = store.load(spec_of(embedder))
    assert set(snap.documents) == {p.name for p in corpus.glob("*.txt")}
    for name, entry in snap.documents.items():
        import hashlib

        assert entry.sha256 == hashlib.sha256((corpus / name).read_bytes()).hexdigest()
    assert len(snap.passages) == report.passages == snap.faiss_index.ntotal
    from index.passage_table import PassageTable

    assert isinstance(snap.passages, PassageTable)  # columns, no Python object per passage
    for p in snap.passages:  # each passage made on demand is the file's own text
        assert (corpus / p.file).read_text(encoding="utf-8")[p.start:p.end] == p.text
    assert [(p.file, p.start) for p in snap.passages] == sorted((p.file, p.start) for p in snap.passages)
    # vectors are normalized: a passage is its own nearest neighbour
    _, ids = snap.search(snap.vectors[:3], 1)
    assert list(ids[:, 0]) == [0, 1, 2]


def test_missing_index_is_not_ready(tmp_path):
    with pytest.raises(IndexNotReady, match="citeqa index"):
        FaissStore(tmp_path / "nothing").load()


def test_manifest_mismatch_is_refused(built, embedder):
    index_dir, _ = built
    with pytest.raises(IndexMismatch, match="max_tokens"):
        FaissStore(index_dir).load(spec_of(embedder, ChunkingParams(max_tokens=100, overlap_tokens=20)))
    other_model = IndexSpec(embedding_model_id="another-model", dim=384, max_tokens=160, overlap_tokens=40)
    with pytest.raises(IndexMismatch, match="embedding_model_id"):
        FaissStore(index_dir).load(other_model)


def _live_folder(index_dir):
    store = FaissStore(index_dir)
    return store.versions_dir / store.current_version()


def _live_segment(index_dir):
    store = FaissStore(index_dir)
    return store.segments_dir / store.read_manifest()["segments"][-1]["id"]


def test_truncated_index_is_refused(built, embedder):
    index_dir, _ = built
    vectors = _live_segment(index_dir) / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])
    with pytest.raises(IndexCorrupt, match="corrupt or truncated"):
        FaissStore(index_dir).load(spec_of(embedder))


def test_missing_file_and_garbled_manifest_are_refused(built, embedder):
    index_dir, _ = built
    (_live_segment(index_dir) / "passages.txt").unlink()
    with pytest.raises(IndexCorrupt, match="passages.txt is missing"):
        FaissStore(index_dir).load(spec_of(embedder))
    (_live_segment(index_dir) / "segment.json").write_text("{}")
    with pytest.raises(IndexCorrupt, match="not the one the manifest names"):
        FaissStore(index_dir).load(spec_of(embedder))
    (_live_folder(index_dir) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt, match="manifest"):
        FaissStore(index_dir).load(spec_of(embedder))


def test_format_version_mismatch_is_refused(built, embedder):
    index_dir, _ = built
    manifest_path = _live_folder(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="format_version"):
        FaissStore(index_dir).load(spec_of(embedder))


def test_rebuild_reembeds_only_changed_files(built, corpus, embedder, tmp_path):
    index_dir, first = built
    again = build_index(corpus, index_dir, embedder, ChunkingParams())
    assert again.embedded_files == [] and not again.changed and again.version == first.version

    changed = sorted(corpus.glob("*.txt"))[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new closing sentence about Busan.\n", encoding="utf-8")
    removed = sorted(corpus.glob("*.txt"))[2]
    removed.unlink()
    (corpus / "new.txt").write_text("Seoul opened a 2.4-kilometer bridge on Monday.\n", encoding="utf-8")
    third = build_index(corpus, index_dir, embedder, ChunkingParams())
    assert sorted(third.embedded_files) == sorted([changed.name, "new.txt"])
    assert third.removed_files == [removed.name]
    assert third.reused_files == 3 and third.files == 5
    snap = FaissStore(index_dir).load(spec_of(embedder))
    assert removed.name not in {p.file for p in snap.passages}
    assert any(p.file == "new.txt" for p in snap.passages)
    # reused vectors are the same as freshly computed ones
    fresh = embedder.embed_passages([snap.passages[0].text])
    assert float(fresh[0] @ snap.vectors[0]) > 0.999


def test_leftover_temp_folders_are_cleaned(built, embedder, corpus):
    index_dir, _ = built
    junk = index_dir / ".tmp-20990101T000000000000Z-dead00"
    junk.mkdir()
    (junk / "vectors.faiss").write_bytes(b"half written")
    (index_dir / ".tmp-CURRENT-x").write_text("garbage")
    FaissStore(index_dir).clean_leftovers()
    assert not junk.exists() and not (index_dir / ".tmp-CURRENT-x").exists()
    FaissStore(index_dir).load(spec_of(embedder))


def test_one_writer_at_a_time(tmp_path):
    import threading

    from core.errors import WriteConflict

    store = FaissStore(tmp_path / "index")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.writer_lock():
            holding.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    holding.wait(5)
    with pytest.raises(WriteConflict, match="another process"):
        with FaissStore(tmp_path / "index").writer_lock(timeout_s=0.2):
            pass
    release.set()
    t.join()
    with store.writer_lock(timeout_s=1):  # free again: a waiting writer gets in
        pass


def test_passages_cut_while_earlier_ones_are_embedded_get_their_own_vectors(settings, monkeypatch):
    """Without a budget, ``prepare`` embeds the passages cut so far while it cuts the next sources (groups of
    ``EMBED_GROUP``); every source gets the passages and vectors of preparing it alone, in order (the
    product's ONNX embedder: a passage's vector does not depend on the passages embedded with it)."""
    from index import builder
    from index.budget import IndexingBudget
    from index.builder import prepare
    from qa.service import embedder_for

    embedder = embedder_for(settings)
    embedder.warm_up()

    monkeypatch.setattr(builder, "EMBED_GROUP", 32)
    from index.ingest import read_source

    articles = [f.read_bytes() for f in sorted(SEEDS.glob("*.txt"))]
    sources = [read_source(f"copy-{i:03d}.txt", articles[i % len(articles)] + f"\nCopy {i}.\n".encode())
               for i in range(40)]
    overlapped = prepare(sources, embedder, ChunkingParams())
    assert sum(len(p.passages) for p in overlapped) > 8 * 32  # several groups, cut while others embed
    one_by_one = [prepare([s], embedder, ChunkingParams(), clock=IndexingBudget(3600).start(10**6))[0]
                  for s in sources]
    assert [p.source.name for p in overlapped] == [s.name for s in sources]
    for mine, alone in zip(overlapped, one_by_one):
        assert [q.text for q in mine.passages] == [q.text for q in alone.passages]
        assert mine.counts == alone.counts and mine.tokens == alone.tokens
        assert np.array_equal(mine.vectors, alone.vectors)


def test_a_source_that_fails_to_cut_stops_preparing_and_raises(monkeypatch):
    """A failure while cutting (here the third source) reaches the caller at once; embeddings already queued
    are cancelled rather than waited for, and nothing is returned half-prepared."""
    from index import builder
    from index.builder import prepare
    from index.ingest import read_source
    from tests.hash_embedder import HashEmbedder

    articles = [f.read_bytes() for f in sorted(SEEDS.glob("*.txt"))]
    sources = [read_source(f"copy-{i:03d}.txt", articles[i % len(articles)]) for i in range(12)]
    monkeypatch.setattr(builder, "EMBED_GROUP", 4)
    real_cut = builder.cut_source

    def cut(source, *args, **kwargs):
        if source.name == "copy-002.txt":
            raise ValueError("cannot cut copy-002.txt")
        return real_cut(source, *args, **kwargs)

    monkeypatch.setattr(builder, "cut_source", cut)
    with pytest.raises(ValueError, match="copy-002"):
        prepare(sources, HashEmbedder(), ChunkingParams())
