"""Lexical statistics of one index version: BM25 over the passages' tokens, kept as term counts.

News questions hinge on names and numbers, which a small embedding model blurs; BM25 keeps them.
A ``LexicalIndex`` holds the term counts of every passage of a snapshot (a sparse passages x terms
matrix) and scores a question at query time from them with the snapshot's own statistics (number of
passages, document frequencies, mean length): Lucene's BM25 (k1 1.5, b 0.75), the scores ``bm25s``
gives over the same tokens (a test checks them against it). ``bm25s`` itself precomputes every score
with the whole collection's idf baked in, so any change to the collection means indexing all of it
again: 3.4 s at 100,000 passages, on every update and every load. Term counts do not depend on
the rest of the collection, so each index segment stores its passages' counts (``to_segment``), a
load stacks them (``from_segments``) instead of tokenizing every passage again, and an update keeps
the rows of the passages it keeps (``spliced``) and counts only its new passages.

Scores are deterministic: the same passages give the same statistics whatever segments they came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_TOKEN = re.compile(r"[\w]+(?:[.'’-][\w]+)*")
_STOPWORDS = frozenset(
    "a an and are as at be been by did do does for from had has have how in is it its of on or that the this "
    "to was were what when where which who whom whose why will with".split()
)
K1, B = 1.5, 0.75


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased words (keeping "U.S.", "Kim's", "long-range" whole), stop words dropped."""
    return [t for t in (m.group().lower().replace("’", "'") for m in _TOKEN.finditer(text)) if t not in _STOPWORDS]


COUNT_MAX = 65535  # term counts are held in 16 bits (a passage repeating a term more often counts 65,535)
BLOCK = 10_000  # passages counted between two conversions to arrays (bounds the Python lists' size)


def _counts(tokens: Iterable[list[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """Term counts of token lists (rows) over ``vocabulary`` (extended in place with new terms); the lists
    are counted one at a time, so a generator never holds more than one."""
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    columns: list[int] = []
    values: list[int] = []
    lengths: list[int] = []

    def flush() -> None:
        blocks.append((np.asarray(values, np.int32), np.asarray(columns, np.int32), np.asarray(lengths, np.int64)))
        columns.clear()
        values.clear()
        lengths.clear()

    for passage in tokens:
        counted: dict[int, int] = {}
        for term in passage:
            j = vocabulary.setdefault(term, len(vocabulary))
            counted[j] = counted.get(j, 0) + 1
        columns += counted
        values += counted.values()
        lengths.append(len(counted))
        if len(lengths) == BLOCK:
            flush()
    flush()
    data, indices, per_row = (np.concatenate(parts) for parts in zip(*blocks))
    indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(per_row), len(vocabulary)))


def _widened(counts: sp.spmatrix, width: int) -> sp.spmatrix:
    """``counts`` with columns added up to ``width`` (terms it does not hold)."""
    if isinstance(counts, sp.csc_matrix):
        indptr = np.concatenate([counts.indptr, np.full(width - counts.shape[1], counts.indptr[-1], counts.indptr.dtype)])
        return sp.csc_matrix((counts.data, counts.indices, indptr), shape=(counts.shape[0], width))
    counts = counts.tocsr()
    return sp.csr_matrix((counts.data, counts.indices, counts.indptr), shape=(counts.shape[0], width))


@dataclass(frozen=True)
class CollectionStats:
    """The statistics BM25 scores a question with: how many passages, their total length in tokens, and how
    many passages hold each of the question's terms. An index shard holds part of a collection: scored
    with the statistics of the whole (the sum of its shards', ``CollectionStats.total``), it gives each of
    its passages the score the whole collection would."""

    passages: int
    tokens: float  # total length of the passages (a whole number, exact in float64)
    frequencies: tuple[int, ...]  # passages holding each query term, in the query's order

    @staticmethod
    def total(parts: Sequence[CollectionStats]) -> CollectionStats:
        return CollectionStats(passages=sum(p.passages for p in parts), tokens=float(sum(p.tokens for p in parts)),
                               frequencies=tuple(int(sum(f)) for f in zip(*(p.frequencies for p in parts))))


@dataclass(frozen=True, eq=False)
class Deleted:
    """Rows of an index that are not part of the collection any more (``LexicalIndex.deleted``)."""

    rows: np.ndarray  # sorted
    mask: np.ndarray  # bool, one per row of the index
    tokens: float  # their total length


class LexicalIndex:
    """BM25 over a fixed set of passages; row ``i`` is passage ``i`` of the snapshot."""

    def __init__(self, counts: sp.spmatrix, vocabulary: dict[str, int]) -> None:
        n = counts.shape[0]
        if counts.shape[1] < len(vocabulary):  # columns for terms no passage here holds
            counts = _widened(counts, len(vocabulary))
        by_term = counts.tocsc() if not isinstance(counts, sp.csc_matrix) else counts
        # one copy of the counts, by term (what a query reads; rows are taken from it too), 16-bit counts
        data = by_term.data if by_term.data.dtype == np.uint16 else np.minimum(by_term.data, COUNT_MAX).astype(np.uint16)
        self._by_term = sp.csc_matrix((data,
                                       by_term.indices.astype(np.int32, copy=False), by_term.indptr),
                                      shape=by_term.shape)
        self.vocabulary = vocabulary  # term -> column (may hold terms no passage here has any more)
        self._term_list: list[str] | None = None
        # tokens of each passage: a sparse product (bincount with weights took 10x longer at 60M counts)
        self._lengths = self._by_term @ np.ones(self._by_term.shape[1], dtype=np.float64) if n else np.zeros(0)
        self._frequencies = np.diff(self._by_term.indptr)  # passages holding each term
        self._idf = _idf(n, self._frequencies)
        self._norm = _norm(self._lengths, self._lengths.sum(), n)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_tokens(cls, tokens: Iterable[list[str]]) -> LexicalIndex:
        vocabulary: dict[str, int] = {}
        return cls(_counts(tokens, vocabulary), vocabulary)

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> LexicalIndex:
        return cls.from_tokens(bm25_tokens(t) for t in texts)

    def spliced(self, pieces: Sequence[tuple[int, int] | Sequence[list[str]]]) -> LexicalIndex:
        """A new index whose rows are, in order, the pieces: ``(start, end)`` a range of this index's
        rows, anything else the token lists of new passages (counted now): what an update makes of its
        base. Costs one pass over the counts kept, none over their text."""
        vocabulary = dict(self.vocabulary)
        blocks = [self._by_term[piece[0]:piece[1]] if isinstance(piece, tuple) else _counts(piece, vocabulary)
                  for piece in pieces]
        width = len(vocabulary)
        blocks = [b if b.shape[1] == width else _widened(b, width) for b in blocks]
        stacked = sp.vstack(blocks, format="csc") if blocks else sp.csc_matrix((0, width), dtype=np.uint16)
        return LexicalIndex(stacked, vocabulary)

    def to_segment(self, rows: np.ndarray) -> tuple[list[str], sp.csr_matrix]:
        """The counts of ``rows`` over their own small vocabulary: what a segment stores."""
        part = self._by_term[np.asarray(rows, dtype=np.int64)].tocsr()
        used = np.unique(part.indices)
        local = np.full(max(part.shape[1], 1), -1, dtype=np.int32)
        local[used] = np.arange(len(used), dtype=np.int32)
        terms = self._terms()
        counts = sp.csr_matrix((part.data, local[part.indices], part.indptr), shape=(part.shape[0], len(used)))
        return [terms[j] for j in used], counts

    def _terms(self) -> list[str]:
        """Column -> term (built once per index, when first needed)."""
        if self._term_list is None:
            terms = [""] * len(self.vocabulary)
            for term, j in self.vocabulary.items():
                terms[j] = term
            self._term_list = terms
        return self._term_list

    @classmethod
    def from_segments(cls, parts: Sequence[tuple[list[str], sp.csr_matrix]], order: np.ndarray | None = None
                      ) -> LexicalIndex:
        """Stack segments' counts (each over its own vocabulary) into one index, rows permuted by ``order``."""
        if len(parts) == 1 and order is None and isinstance(parts[0][1], sp.csc_matrix):
            terms, counts = parts[0]  # one segment, stored by term: searched as it is
            return cls(counts, {t: j for j, t in enumerate(terms)})
        vocabulary: dict[str, int] = {}
        blocks = []
        for terms, counts in parts:
            counts = counts.tocsr()
            mapping = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), dtype=np.int32,
                                  count=len(terms))
            blocks.append((counts, mapping))
        width = len(vocabulary)
        matrices = [sp.csr_matrix((c.data, mapping[c.indices] if len(mapping) else c.indices, c.indptr),
                                  shape=(c.shape[0], width)) for c, mapping in blocks]
        stacked = sp.vstack(matrices, format="csr", dtype=np.int32) if matrices else sp.csr_matrix((0, width),
                                                                                                   dtype=np.int32)
        if order is not None:
            stacked = stacked[np.asarray(order, dtype=np.int64)]
        return cls(stacked, vocabulary)

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return self._by_term.shape[0]

    def tokens_of(self, row: int) -> dict[str, int]:
        """The term counts of one passage (for tests and debugging)."""
        terms = self._terms()
        counts = self._by_term[[row]].tocsr()
        return {terms[int(j)]: int(c) for j, c in zip(counts.indices, counts.data)}

    def deleted(self, rows: np.ndarray) -> Deleted:
        """``rows`` as rows left out of the collection (by ``statistics`` and ``ranked``)."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        mask = np.zeros(len(self), dtype=bool)
        mask[rows] = True
        return Deleted(rows=rows, mask=mask, tokens=float(self._lengths[rows].sum()))

    def statistics(self, query_tokens: list[str], deleted: Deleted | None = None) -> CollectionStats:
        """This index's statistics for the query (to add to those of the other shards of a collection),
        without the ``deleted`` rows."""
        frequencies = []
        for term in query_tokens:
            j = self.vocabulary.get(term)
            if j is None or j >= len(self._frequencies):
                frequencies.append(0)
                continue
            found = int(self._frequencies[j])
            if deleted is not None and found:
                found -= int(deleted.mask[self._by_term.indices[self._by_term.indptr[j]:self._by_term.indptr[j + 1]]].sum())
            frequencies.append(found)
        dead = (len(deleted.rows), deleted.tokens) if deleted is not None else (0, 0.0)
        return CollectionStats(passages=len(self) - dead[0], tokens=float(self._lengths.sum()) - dead[1],
                               frequencies=tuple(frequencies))

    def scores(self, query_tokens: list[str], collection: CollectionStats | None = None) -> np.ndarray:
        """BM25 score of every row for the query (each occurrence of a query term counts), with this index's
        own statistics or, for a shard, those of its whole ``collection`` (``CollectionStats.total``)."""
        scores = np.zeros(len(self))
        indptr, rows, counts = self._by_term.indptr, self._by_term.indices, self._by_term.data
        for i, term in enumerate(query_tokens):
            j = self.vocabulary.get(term)
            if j is None or j >= len(self._idf):
                continue
            start, end = indptr[j], indptr[j + 1]
            if start == end:
                continue
            idf = self._idf[j] if collection is None else _idf(collection.passages,
                                                               np.float64(collection.frequencies[i]))
            r, tf = rows[start:end], counts[start:end].astype(np.float64)
            norm = self._norm[r] if collection is None else _norm(self._lengths[r], collection.tokens,
                                                                   collection.passages)
            scores[r] += idf * tf / (norm + tf)
        return scores

    def rank(self, question: str, depth: int, rows: np.ndarray | None = None,
             collection: CollectionStats | None = None) -> list[int]:
        """Rows with a positive score for ``question``, best first, at most ``depth``; only ``rows`` if given;
        ``collection``: scored with the statistics of the collection this index is a shard of."""
        return [int(i) for i in self.ranked(bm25_tokens(question), depth, rows, collection)[0]]

    def ranked(self, query_tokens: list[str], depth: int, rows: np.ndarray | None = None,
               collection: CollectionStats | None = None, deleted: Deleted | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """``rank``'s rows and their scores, for tokens already split; never a ``deleted`` row."""
        scores = self.scores(query_tokens, collection)
        if deleted is not None:
            scores[deleted.rows] = 0.0
        if rows is not None:
            kept = np.full(len(scores), -np.inf)
            kept[rows] = scores[rows]
            scores = kept
        top = top_rows(scores, depth)
        return top, scores[top]


def _idf(passages: int, frequencies: np.ndarray) -> np.ndarray:
    return np.log(1.0 + (passages - frequencies + 0.5) / (frequencies + 0.5))


def _norm(lengths: np.ndarray, total: float, passages: int) -> np.ndarray:
    """Per passage: k1 (1 - b + b |d| / avgdl)."""
    mean = total / passages if passages and total else 1.0
    return K1 * ((1.0 - B) + B * lengths / mean)


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """The rows of the ``depth`` highest positive scores, best first, ties in row order (the earlier row
    first): what a full stable sort gives, at the cost of a partition (a question's words can match
    most of a large archive)."""
    matched = np.flatnonzero(scores > 0)
    if depth <= 0 or not len(matched):
        return matched[:0]
    values = scores[matched]
    if len(matched) > depth:
        kth = np.partition(values, len(values) - depth)[len(values) - depth]  # the depth-th highest score
        above, tied = matched[values > kth], matched[values == kth]
        matched = np.sort(np.concatenate([above, tied[:depth - len(above)]]))  # row order: the sort below
        values = scores[matched]  # then breaks ties by row
    return matched[np.argsort(-values, kind="stable")][:depth]
