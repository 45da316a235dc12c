"""BM25 from term counts: the scores bm25s gives (the reference), however the counts were put together."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from index.lexical import LexicalIndex, bm25_tokens
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def passages() -> list[list[str]]:
    texts = [block for path in sorted(SEEDS.glob("*.txt")) for block in path.read_text(encoding="utf-8").split("\n\n")]
    return [bm25_tokens(t) for t in texts] + [[]]  # an empty passage counts in the statistics too


QUERIES = ["How far did the missile fly?", "Which aircraft carrier arrived in Busan?",
           "missile missile launch", "When did North Korea fire a ballistic missile from Pyongyang?", "zebra"]


def reference(tokens: list[list[str]], query: list[str]) -> np.ndarray:
    engine = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    engine.index(tokens, show_progress=False)
    return np.asarray(engine.get_scores(query), dtype=np.float64)


def test_scores_are_those_of_bm25s(passages):
    index = LexicalIndex.from_tokens(passages)
    for question in QUERIES:
        query = bm25_tokens(question)
        expected = reference(passages, [t for t in query if any(t in p for p in passages)] or ["zebra"])
        assert np.allclose(index.scores(query), expected, rtol=1e-5, atol=1e-6), question
    assert not index.scores(["zebra"]).any() and not index.rank("zebra", 5)


def test_rank_is_by_score_then_row_and_keeps_to_the_rows_given(passages):
    index = LexicalIndex.from_tokens(passages)
    scores = index.scores(bm25_tokens(QUERIES[0]))
    ranked = index.rank(QUERIES[0], 10)
    assert ranked == sorted(np.flatnonzero(scores > 0), key=lambda i: (-scores[i], i))[:10]
    rows = np.array(ranked[3:7])
    assert index.rank(QUERIES[0], 10, rows=rows) == ranked[3:7]


def test_counts_spliced_or_stacked_from_segments_give_the_same_index(passages):
    whole = LexicalIndex.from_tokens(passages)
    half, n = len(passages) // 2, len(passages)
    first, second = LexicalIndex.from_tokens(passages[:half]), LexicalIndex.from_tokens(passages[half:])
    # an update: ranges of a base's rows with new passages counted in between
    spliced = first.spliced([(0, 3), passages[half:half + 4], (3, half), passages[half + 4:]])
    expected_rows = passages[:3] + passages[half:half + 4] + passages[3:half] + passages[half + 4:]
    order = np.random.default_rng(3).permutation(n)
    stacked = LexicalIndex.from_segments([first.to_segment(np.arange(half)), second.to_segment(np.arange(n - half))],
                                         order)
    for index, rows in ((spliced, expected_rows), (stacked, [passages[i] for i in order])):
        assert [index.tokens_of(i) for i in range(n)] == [{t: p.count(t) for t in p} for p in rows]
        reference_index = LexicalIndex.from_tokens(rows)
        for question in QUERIES:
            query = bm25_tokens(question)
            assert np.allclose(index.scores(query), reference_index.scores(query))
            assert np.allclose(np.sort(index.scores(query)), np.sort(whole.scores(query)))
    # dropping rows: the statistics are those of the rows left
    fewer = whole.spliced([(1, n)])
    assert np.allclose(fewer.scores(["missile"]), LexicalIndex.from_tokens(passages[1:]).scores(["missile"]))


def test_the_top_rows_are_those_of_a_full_stable_sort():
    from index.lexical import top_rows

    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        scores = rng.integers(-1, 4, n).astype(np.float64)  # many ties, some non-positive
        depth = int(rng.integers(0, 12))
        positive = np.flatnonzero(scores > 0)
        expected = positive[np.argsort(-scores[positive], kind="stable")][:depth]
        assert top_rows(scores, depth).tolist() == expected.tolist()


def test_a_segment_stored_by_term_or_by_passage_gives_the_same_index(passages, tmp_path):
    """Format 4 stores a segment's counts by term (CSC, 16 bits; one segment is searched as it is read),
    format 3 by passage (CSR): both are read into the same index."""
    import io

    import scipy.sparse as sp

    from index.segments import _npz_bytes

    terms, counts = LexicalIndex.from_tokens(passages).to_segment(np.arange(len(passages)))
    stored = sp.load_npz(io.BytesIO(_npz_bytes(counts)))
    assert isinstance(stored, sp.csc_matrix) and stored.dtype == np.uint16
    by_term = LexicalIndex.from_segments([(terms, stored)])
    by_passage = LexicalIndex.from_segments([(terms, counts.tocsr())])
    for question in QUERIES:
        query = bm25_tokens(question)
        assert np.array_equal(by_term.scores(query), by_passage.scores(query))
        assert by_term.rank(question, 10) == by_passage.rank(question, 10)
    assert [by_term.tokens_of(i) for i in range(len(passages))] == [{t: p.count(t) for t in p} for p in passages]
