"""Faults on the write path, with a fake embedder (no models): a failed index write changes nothing,
malformed indexes are refused as corrupt, links out of the corpus folder are not followed."""

from __future__ import annotations

import errno
import json
import os

import pytest

import index.store
from core.errors import IndexCorrupt, StorageFailed
from core.settings import Settings
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


@pytest.mark.parametrize("manifest", [[], {"documents": [], "files": {}}, {"documents": {}, "files": []}, "text"])
def test_a_manifest_of_the_wrong_shape_is_corrupt(fake_service, manifest):
    store = FaissStore(fake_service.settings.index_dir)
    path = store.versions_dir / store.current_version() / "manifest.json"
    original = json.loads(path.read_text())
    if isinstance(manifest, dict):
        manifest = {**original, **manifest}
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt):
        store.load()


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
