"""An index held in shards retrieves, and answers, exactly what the whole index does (``index.shards``,
``qa.retrieve.ShardedRetriever``), here with the shards in this process; ``tests/test_ray.py`` does the
same with the shards in Ray actors on a 2-node cluster."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from core.errors import ReadOnlyIndex
from core.types import DocumentFilter
from index.lexical import CollectionStats, LexicalIndex, bm25_tokens
from index.shards import LocalShards, shard_of
from index.store import FaissStore
from qa.question_time import parse_question_time
from qa.retrieve import HybridRetriever, ShardedRetriever
from qa.service import QAService
from qa.timing import passage_agreement
from tests.conftest import SEEDS, make_settings, squad_file

QUESTIONS = ["How far did the missile fly on November 7?", "Which aircraft carrier arrived in Busan?",
             "Where was the missile launched from?", "What is the population of Pyongyang?"]


def squad_articles(count: int) -> tuple[dict[str, str], list[str]]:
    """``count`` documents of three SQuAD dev paragraphs each, and one question of each paragraph."""
    data = json.loads(gzip.decompress(squad_file("dev-public-v1.1.json.gz").read_bytes()))["data"]
    documents, questions = {}, []
    for article in data[:count]:
        paragraphs = article["paragraphs"][:3]
        documents[f"squad-{re.sub(r'[^A-Za-z0-9_-]', '_', article['title'][:40])}.txt"] = "\n\n".join(p["context"] for p in paragraphs) + "\n"
        questions += [p["qas"][0]["question"] for p in paragraphs]
    return documents, questions


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("sharded-corpus")
    for f in SEEDS.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)
    documents, questions = squad_articles(24)
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder, QUESTIONS + questions[::2]


def built(corpus: Path, index: Path, embedder, **settings) -> QAService:
    service = QAService(make_settings(corpus, index, **settings), embedder=embedder)
    service.build_index()
    service.reload()
    return service


def same_retrieval(whole: HybridRetriever, sharded: ShardedRetriever, question: str, query: np.ndarray, **kwargs):
    expected = whole.retrieve(question, query=query, **kwargs)
    got = sharded.retrieve(question, query=query, **kwargs)
    assert [r.passage for r in got] == [r.passage for r in expected], question
    assert np.allclose([r.similarity for r in got], [r.similarity for r in expected], atol=1e-6)
    return got


@pytest.mark.parametrize("vector_index", ["flat", "ivf"])
def test_shards_retrieve_what_the_whole_index_retrieves(corpus, tmp_path, embedder, vector_index):
    folder, questions = corpus
    service = built(folder, tmp_path / "index", embedder, vector_index=vector_index)
    whole = service.snapshot
    assert whole.vector_params.kind == vector_index
    for count in (2, 3):
        shards = LocalShards(service.store.index_dir, count)
        held = shards.load(whole.version)
        assert sum(h["passages"] for h in held) == len(whole.passages)
        assert all(h["passages"] for h in held)  # every shard holds some of the corpus
        catalog = service.store.load(version=whole.version, holds=lambda _: False, part="catalog")
        assert not catalog.passages and catalog.documents == whole.documents
        assert catalog.passage_count == len(whole.passages)
        sharded = ShardedRetriever(catalog, embedder, shards)
        hybrid = HybridRetriever(whole, embedder)
        queries = embedder.embed_queries(questions)
        for question, query in zip(questions, queries):
            for top_k, extra in ((8, 8), (3, 0)):
                same_retrieval(hybrid, sharded, question, query[None, :], top_k=top_k, extra=extra)
        # a question naming a day (the temporal ranking) and one restricted to some documents
        constraint = parse_question_time(QUESTIONS[0], date(2026, 1, 1))
        same_retrieval(hybrid, sharded, QUESTIONS[0], embedder.embed_queries([QUESTIONS[0]]), top_k=8,
                       agrees=lambda p: passage_agreement(p, constraint))
        some = frozenset(sorted(whole.documents)[::3])
        got = same_retrieval(hybrid, sharded, questions[5], embedder.embed_queries([questions[5]]), top_k=8,
                             documents=some)
        assert got and {r.passage.file for r in got} <= some
        assert sharded.retrieve(questions[5], 8, documents=frozenset()) == []


def test_bm25_from_the_shards_statistics_is_the_whole_collections(corpus):
    folder, questions = corpus
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    passages = [t for text in texts for t in text.split("\n\n") if t.strip()]
    whole = LexicalIndex.from_texts(passages)
    parts = [[t for i, t in enumerate(passages) if i % 3 == k] for k in range(3)]
    shards = [LexicalIndex.from_texts(part) for part in parts]
    for question in questions[:12]:
        tokens = bm25_tokens(question + " " + question.split()[-1])  # a repeated word counts twice
        collection = CollectionStats.total([s.statistics(tokens) for s in shards])
        assert collection == whole.statistics(tokens)
        expected = whole.scores(tokens)
        for k, shard in enumerate(shards):
            assert np.array_equal(shard.scores(tokens, collection), expected[k::3])  # the same bits
        # a shard scored with its own statistics would rank differently: the test can fail
    assert any(not np.array_equal(shards[0].scores(bm25_tokens(q)), whole.scores(bm25_tokens(q))[0::3])
               for q in questions[:12])


def test_a_sharded_service_answers_like_the_whole_one_and_refuses_writes(corpus, tmp_path, embedder):
    folder, questions = corpus
    service = built(folder, tmp_path / "index", embedder)
    service.warm_up()
    sharded = QAService(service.settings, embedder=embedder, reader=service.reader,
                        shards=LocalShards(service.store.index_dir, 2))
    sharded.warm_up()
    assert sharded.sharded and sharded.snapshot.part == "catalog"
    for question in QUESTIONS[:3] + questions[4:10]:
        expected, got = service.ask(question), sharded.ask(question)
        assert [(a.text, round(a.score, 6), [(c.file, c.start, c.end) for c in a.citations]) for a in got.answers] == [
            (a.text, round(a.score, 6), [(c.file, c.start, c.end) for c in a.citations]) for a in expected.answers]
        assert (got.no_answer is None) == (expected.no_answer is None)
        assert got.documents == expected.documents
    only = DocumentFilter(published_after="2025-11-01")  # the dated seed articles
    assert 0 < len([e for e in service.snapshot.documents.values() if e.published]) < len(service.snapshot.documents)
    assert [a.text for a in sharded.ask(QUESTIONS[1], filters=only).answers] == [
        a.text for a in service.ask(QUESTIONS[1], filters=only).answers]
    with pytest.raises(ReadOnlyIndex):
        sharded.corpus.upsert("new.txt", b"Harbor crews in Busan finished pier 9 on Monday.\n")
    with pytest.raises(ReadOnlyIndex):
        sharded.corpus.remove(sorted(folder.glob("*.txt"))[0].name)
    with pytest.raises(ReadOnlyIndex):
        sharded.build_index()
    assert not (folder / "new.txt").exists()
    with pytest.raises(ValueError):
        FaissStore(tmp_path / "other").write(sharded.snapshot)  # a catalog is not a version


def test_shards_follow_a_new_version(corpus, tmp_path, embedder):
    folder, questions = corpus
    mine = tmp_path / "corpus"
    shutil.copytree(folder, mine)
    service = built(mine, tmp_path / "index", embedder)
    shards = LocalShards(service.store.index_dir, 2)
    sharded = QAService(service.settings, embedder=embedder, reader=service.reader, shards=shards)
    sharded.reload()
    first, before = sharded.snapshot.version, sharded._retriever
    gone = sorted(mine.glob("squad-*.txt"))[0].name
    service.corpus.remove(gone)
    service.corpus.upsert("pier.txt", b"Harbor crews in Busan finished pier 9 on Monday.\n\nThe pier is 412 meters "
                                      b"long.\n")
    assert sharded.reload() and sharded.snapshot.version == service.snapshot.version != first
    assert gone not in sharded.snapshot.documents and "pier.txt" in sharded.snapshot.documents
    holder = shard_of("pier.txt", 2)
    assert "pier.txt" in shards.shards[holder]._snapshot(sharded.snapshot.version).document_rows()
    query = embedder.embed_queries(["How long is pier 9?"])
    hybrid, retriever = HybridRetriever(service.snapshot, embedder), sharded._retriever
    got = same_retrieval(hybrid, retriever, "How long is pier 9?", query, top_k=8)
    assert got[0].passage.file == "pier.txt"
    for question in questions[4:8]:
        same_retrieval(hybrid, retriever, question, embedder.embed_queries([question]), top_k=8)
    # a question pinned to the first version (in flight during the update) is answered from it
    about_gone = (folder / gone).read_text(encoding="utf-8").split(".")[0]
    assert before.retrieve(about_gone, 8)[0].passage.file == gone
    assert gone not in {r.passage.file for r in retriever.retrieve(about_gone, 8)}
