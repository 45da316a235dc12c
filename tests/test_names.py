"""The one naming rule (core.names): what the indexer accepts, the API can read, replace and delete."""

from __future__ import annotations

import unicodedata

import pytest

from core.errors import InvalidDocument
from core.names import name_problem, normalize_name, validate_document_name
from core.settings import Settings
from index.ingest import read_corpus
from qa.service import QAService
from tests.hash_embedder import HashEmbedder

NFC = unicodedata.normalize("NFC", "café.txt")
NFD = unicodedata.normalize("NFD", "café.txt")


@pytest.mark.parametrize("name", ["a.txt", "world/korea.html", "my article 2.txt", NFC, "서울 속보.txt", "Ελλάδα/αθήνα.txt",
                                  "under_score.rss", "x" * 196 + ".txt"])
def test_valid_names(name):
    assert name_problem(name) is None and validate_document_name(name) == name


@pytest.mark.parametrize("name", ["", ".hidden.txt", "../up.txt", "a/../b.txt", "/abs.txt", "a.exe", "100%.txt",
                                  "a\u202etxt.exe.txt", "zero\u200bwidth.txt", " lead.txt", "a.txt.meta.json", NFD,
                                  "_under.txt", "a\\b.txt", "tab\t.txt", "x" * 197 + ".txt", None, 3])
def test_invalid_names_say_why(name):
    problem = name_problem(name)
    assert problem
    with pytest.raises(InvalidDocument):
        validate_document_name(name)


def test_nfd_names_are_refused_with_the_reason_and_normalised_by_the_api():
    assert "NFC" in name_problem(NFD)
    assert normalize_name(NFD) == NFC and normalize_name(NFC) == NFC
    assert normalize_name(None) is None


@pytest.fixture()
def fake_service(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pier.txt").write_text("The new pier is 310 meters long.\n", encoding="utf-8")
    svc = QAService(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", reader_model="unused"),
                    embedder=HashEmbedder())
    svc.build_index()
    svc.reload()
    return svc


def test_one_document_whichever_form_the_name_is_given_in(fake_service):
    corpus = fake_service.settings.corpus_dir
    created = fake_service.corpus.upsert(NFD, "The café opened on Monday.\n".encode())
    assert created.name == NFC and created.created
    assert [p.name for p in corpus.iterdir() if p.name.startswith("caf")] == [NFC]
    replaced = fake_service.corpus.upsert(NFC, "The café opened on Tuesday.\n".encode())
    assert not replaced.created
    assert "Tuesday" in fake_service.corpus.read_text(NFD, fake_service.snapshot)
    fake_service.corpus.remove(NFD)
    assert not (corpus / NFC).exists() and NFC not in fake_service.snapshot.documents


def test_the_indexer_skips_names_the_api_could_not_serve(fake_service):
    corpus = fake_service.settings.corpus_dir
    (corpus / NFD).write_text("Decomposed name.\n", encoding="utf-8")
    (corpus / "100%.txt").write_text("Percent name.\n", encoding="utf-8")
    sources, skipped = read_corpus(corpus)
    assert [s.name for s in sources] == ["pier.txt"]
    reasons = {s.name: s.reason for s in skipped}
    assert "NFC" in reasons[NFD] and "invalid name" in reasons["100%.txt"]
