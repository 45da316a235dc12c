"""Faults on the write path, with a fake embedder (no models): a failed index write changes nothing,
malformed indexes are refused as corrupt, links out of the corpus folder are not followed."""

from __future__ import annotations

import errno
import json
import os
import time

import pytest

import index.store
from core.errors import DocumentNotFound, DocumentOverBudget, IndexCorrupt, InvalidDocument, StorageFailed, WriteConflict
from core.settings import Settings
from index.budget import IndexingBudget
from index.consistency import check_consistency
from index.ingest import read_corpus
from index.store import FaissStore
from qa.service import QAService
from tests.hash_embedder import HashEmbedder

ARTICLE = "Harbor crews finished the pier on Monday.\n\nThe new pier is 310 meters long and cost 12 million euros.\n"


@pytest.fixture()
def fake_service(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pier.txt").write_text(ARTICLE, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", reader_model="unused")
    svc = QAService(settings, embedder=HashEmbedder())
    svc.build_index()
    svc.reload()
    return svc


def full_disk(monkeypatch):
    def refuse(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(index.store, "write_synced", refuse)


def assert_untouched(fake_service, before_files: dict[str, bytes], version: str) -> None:
    corpus = fake_service.settings.corpus_dir
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before_files
    assert fake_service.snapshot.version == version == fake_service.store.current_version()
    assert not list(fake_service.settings.index_dir.glob(".tmp-*"))
    assert check_consistency(fake_service.settings) == []


@pytest.mark.parametrize("change", ["add", "replace", "remove"])
def test_a_failed_index_write_changes_neither_the_folder_nor_the_index(fake_service, monkeypatch, change):
    corpus = fake_service.settings.corpus_dir
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    version = fake_service.snapshot.version
    full_disk(monkeypatch)
    with pytest.raises(StorageFailed, match="disk is full") as failed:
        if change == "add":
            fake_service.corpus.upsert("bridge.txt", ARTICLE.replace("pier", "bridge").encode())
        elif change == "replace":
            fake_service.corpus.upsert("pier.txt", ARTICLE.replace("310", "410").encode())
        else:
            fake_service.corpus.remove("pier.txt")
    assert failed.value.status == 507
    assert_untouched(fake_service, before, version)
    monkeypatch.undo()  # the disk has room again: the same change now goes through
    fake_service.corpus.upsert("pier.txt", ARTICLE.replace("310", "410").encode())
    assert "410" in (corpus / "pier.txt").read_text() and check_consistency(fake_service.settings) == []


@pytest.mark.parametrize("manifest", [[], {"segments": {}}, {"segments": [{"id": "../x"}]}, {"files": []},
                                      {"segments": [{"id": "gone", "digest": "0"}]}, "text"])
def test_a_manifest_of_the_wrong_shape_is_corrupt(fake_service, manifest):
    store = FaissStore(fake_service.settings.index_dir)
    path = store.versions_dir / store.current_version() / "manifest.json"
    original = json.loads(path.read_text())
    if isinstance(manifest, dict):
        manifest = {**original, **manifest}
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt):
        store.load()
    # start-up recovers: a warning, a rebuild from the corpus folder, a consistent index
    report = fake_service.build_index()
    assert report.changed and report.embedded_files == ["pier.txt"]
    assert store.load().version == report.version and check_consistency(fake_service.settings) == []


@pytest.mark.parametrize("err", [errno.EROFS, errno.EACCES])
def test_a_read_only_index_folder_is_a_503_that_changes_nothing(fake_service, monkeypatch, err):
    """(Root ignores file modes, so the refusal is injected where the index is written.)"""
    corpus = fake_service.settings.corpus_dir
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    version = fake_service.snapshot.version

    def refuse(path, data):
        raise OSError(err, os.strerror(err))
    monkeypatch.setattr(index.store, "write_synced", refuse)
    with pytest.raises(StorageFailed, match="permission denied") as failed:
        fake_service.corpus.upsert("pier.txt", ARTICLE.replace("310", "410").encode())
    assert failed.value.status == 503
    assert_untouched(fake_service, before, version)


def test_current_must_name_a_version_inside_the_index(fake_service, tmp_path):
    store = FaissStore(fake_service.settings.index_dir)
    (fake_service.settings.index_dir / "CURRENT").write_text("../../elsewhere/versions/V")
    with pytest.raises(IndexCorrupt, match="not a version inside"):
        store.load()


def test_links_out_of_the_corpus_folder_are_not_followed(fake_service, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is 4471.\n", encoding="utf-8")
    corpus = fake_service.settings.corpus_dir
    os.symlink(secret, corpus / "link.txt")
    sources, skipped = read_corpus(corpus)
    assert [s.name for s in sources] == ["pier.txt"]
    assert [(s.name, s.reason) for s in skipped] == [("link.txt", "a link to a file outside the corpus folder")]
    report = fake_service.build_index()
    assert "link.txt" not in fake_service.snapshot.documents and report.skipped
    with pytest.raises(DocumentNotFound):
        fake_service.corpus.read_text("link.txt", fake_service.snapshot)
    assert check_consistency(fake_service.settings) == []


def test_links_to_folders_outside_are_not_followed_and_links_inside_stay_inside(fake_service, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "leak.txt").write_text("Outside words.\n", encoding="utf-8")
    corpus = fake_service.settings.corpus_dir
    os.symlink(outside, corpus / "world")  # a folder link leading out
    os.symlink(corpus / "pier.txt", corpus / "pier-copy.txt")  # a file link that stays inside
    fake_service.build_index()
    names = set(fake_service.snapshot.documents)
    assert not any(n.startswith("world/") for n in names)
    assert "pier-copy.txt" in names and fake_service.corpus.read_text("pier-copy.txt", fake_service.snapshot) == ARTICLE
    with pytest.raises(InvalidDocument):  # nor can an upload write through the folder link
        fake_service.corpus.upsert("world/new.txt", b"Written through a link.\n")
    assert not (outside / "new.txt").exists()
    assert check_consistency(fake_service.settings) == []


# ---------------------------------------------------------------- bounded work per document
def one_line_article(size: int) -> bytes:
    words = ["The", "missile", "flew", "700", "kilometers", "before", "it", "fell", "into", "the", "sea."]
    text = " ".join(words[i % len(words)] for i in range(size // 4))
    return text.encode()[:size].rsplit(b" ", 1)[0] + b"\n"


def test_a_two_megabyte_line_is_refused_within_seconds(fake_service):
    fake_service.corpus.budget = IndexingBudget(seconds=8.0)  # the default
    corpus = fake_service.settings.corpus_dir
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    version = fake_service.snapshot.version
    started = time.monotonic()
    with pytest.raises(DocumentOverBudget) as refused:
        fake_service.corpus.upsert("long-line.txt", one_line_article(2_000_000))
    assert time.monotonic() - started < 10.0
    assert refused.value.status == 413 and "CITEQA_DOCUMENT_TIME_BUDGET_S" in refused.value.message
    assert_untouched(fake_service, before, version)


def test_without_a_budget_a_long_line_costs_time_in_proportion(fake_service):
    """Splitting is linear in the line's length: ten times the text, about ten times the time (it was
    quadratic: a 2 MB line took 20+ minutes)."""
    fake_service.corpus.budget = IndexingBudget(seconds=3600.0)
    seconds = {}
    for size in (200_000, 2_000_000):
        started = time.monotonic()
        change = fake_service.corpus.upsert(f"line-{size}.txt", one_line_article(size))
        seconds[size] = time.monotonic() - started
        assert change.passages > size // 2000
    assert seconds[2_000_000] < 25 * seconds[200_000] + 1.0, seconds
    assert check_consistency(fake_service.settings) == []


def test_an_upload_over_its_time_budget_changes_nothing(fake_service):
    fake_service.corpus.budget = IndexingBudget(seconds=0.05, chars_per_s=1e9, passages_per_s=1e9)
    slow = HashEmbedder()
    slow.embed_passages = lambda texts, show_progress=False: (time.sleep(0.03), HashEmbedder().embed_passages(texts))[1]
    fake_service.corpus.embedder = slow
    before = {p.name: p.read_bytes() for p in fake_service.settings.corpus_dir.iterdir()}
    version = fake_service.snapshot.version
    article = ("The pier is 310 meters long. " * 40 + "\n\n") * 200  # ~7 batches of passages, 30 ms each
    with pytest.raises(DocumentOverBudget, match="time budget"):
        fake_service.corpus.upsert("slow.txt", article.encode())
    assert_untouched(fake_service, before, version)


def test_the_estimate_refuses_a_document_before_any_work(fake_service):
    fake_service.corpus.budget = IndexingBudget(seconds=1.0, chars_per_s=1000.0)
    with pytest.raises(DocumentOverBudget, match="would take about 5 s more"):
        fake_service.corpus.upsert("big.txt", b"word " * 1000)


def test_embedding_happens_outside_the_writer_lock(fake_service):
    """While an upload is embedded, another writer can take the lock (and change another document)."""
    store = FaissStore(fake_service.settings.index_dir)
    held_elsewhere: list[bool] = []
    embed = HashEmbedder().embed_passages

    def embed_and_probe(texts, show_progress=False):
        try:
            with store.writer_lock(timeout_s=0):  # a second open file: conflicts with the editor's lock
                held_elsewhere.append(False)
        except WriteConflict:
            held_elsewhere.append(True)
        return embed(texts)

    fake_service.corpus.embedder.embed_passages = embed_and_probe
    fake_service.corpus.upsert("second.txt", b"A second pier opened on Friday.\n")
    assert held_elsewhere == [False]
    assert {"pier.txt", "second.txt"} <= set(fake_service.snapshot.documents)
    assert check_consistency(fake_service.settings) == []
