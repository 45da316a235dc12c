"""Hybrid retrieval: dense (FAISS, cosine) and lexical (BM25) rankings fused by reciprocal rank.

News questions hinge on names and numbers, which a small embedding model blurs; BM25 keeps them.
Reciprocal rank fusion (Cormack et al., 2009) needs no score calibration between the two:
``score(p) = sum over rankings of 1 / (rrf_k + rank(p))``; higher is better. Both indexes belong
to the snapshot (built once per index version); a retriever only reads them.

When the question names a time, a third ranking joins the fusion: the candidates whose dates agree
with it (``qa.timing.passage_agreement``), in their fused order, so the article that reports the
event of that date is read even when another launch of the same kind reads more like the question.

``HybridRetriever`` retrieves from a whole snapshot in memory; ``ShardedRetriever`` from an index held in
shards (``index.shards``), gathering each shard's best passages into the same two rankings, so it
retrieves exactly what a ``HybridRetriever`` over the whole version does. Both fuse with ``fuse``:
passages are named by keys that sort like the rows of a whole index (row numbers, or (document, start)).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from core.types import Passage
from index.embedding import Embedder
from index.lexical import CollectionStats, bm25_tokens
from index.shards import Key, Shards, merged
from index.store import IndexSnapshot


K = TypeVar("K", bound=Hashable)  # a passage's name in a ranking: it sorts like the rows of a whole index
OTHER_EVENT_SLOTS = 2  # of top_k, when the question names a time: the best passages of other articles whose dates contradict it


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    similarity: float  # cosine similarity of question and passage embeddings, in [-1, 1]



def depth_for(passages: int, top_k: int, candidates: int) -> int:
    """How deep each ranking goes for ``top_k`` passages out of ``passages``."""
    return min(passages, max(candidates, 4 * top_k))


def fuse(dense: Sequence[K], lexical: Sequence[K], top_k: int, rrf_k: int, document_of: Callable[[K], str],
         agreement: Callable[[K], float] | None = None, extra: int = 0) -> list[K]:
    """The ``top_k`` (+ ``extra``) passages of the two rankings fused by reciprocal rank, ties by key;
    ``agreement`` (> 0: the passage's dates agree with the question's time) adds the temporal ranking and
    keeps room for the best passages of other events (``OTHER_EVENT_SLOTS``)."""
    fused: dict[K, float] = {}
    for ranking in (dense, lexical):
        for rank, i in enumerate(ranking, start=1):
            fused[i] = fused.get(i, 0.0) + 1.0 / (rrf_k + rank)
    other_events: list[K] = []
    if agreement is not None:
        order = sorted(fused, key=lambda i: (-fused[i], i))
        agrees = {i: agreement(i) for i in order}
        for rank, i in enumerate((i for i in order if agrees[i] > 0), start=1):
            fused[i] += 1.0 / (rrf_k + rank)
        if top_k >= 4:  # keep room for the passages of other events most like the question (one per article)
            seen: set[str] = set()
            for i in dense:
                doc = document_of(i)
                if agrees[i] < 0 and doc not in seen and len(other_events) < OTHER_EVENT_SLOTS:
                    other_events.append(i)
                    seen.add(doc)
    ranked = sorted(fused, key=lambda i: (-fused[i], i))
    best = ranked[:top_k - len(other_events)]
    best += [i for i in other_events if i not in best]
    best += [i for i in ranked if i not in best][:top_k - len(best)]
    if extra > 0:
        chosen = set(best)
        best += [i for i in ranked if i not in chosen][:extra]
    return best


class HybridRetriever:
    """Retrieves from one immutable ``IndexSnapshot``; build a new retriever for a new snapshot."""

    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, rrf_k: int = 60, candidates: int = 50) -> None:
        if rrf_k < 1 or candidates < 1:
            raise ValueError(f"rrf_k and candidates must be positive, got {rrf_k}, {candidates}")
        self.snapshot = snapshot
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates

    def retrieve(self, question: str, top_k: int, query: np.ndarray | None = None,
                 documents: frozenset[str] | None = None,
                 agrees: Callable[[Passage], float] | None = None, extra: int = 0) -> list[ScoredPassage]:
        """The ``top_k`` best passages, best first; ``query`` is the question's embedding (1 x dim) if known;
        ``documents`` restricts the search to the passages of those documents; ``agrees`` (> 0 for a
        passage whose dates agree with the question's time) adds the temporal ranking. With ``extra``,
        the next ``extra`` passages of the fused ranking follow the ``top_k`` (for corroborating
        citations; the first ``top_k`` are the same either way)."""
        passages = self.snapshot.passages
        rows = self.snapshot.rows_of(documents) if documents is not None else None
        n = len(passages) if rows is None else len(rows)
        if n == 0 or top_k < 1:
            return []
        depth = depth_for(n, top_k, self.candidates)
        if query is None:
            query = self.embedder.embed_queries([question])
        scores, dense_ids = self.snapshot.search(query, depth, rows=rows)
        dense = [i for _, i in sorted((-float(s), int(i)) for s, i in zip(scores[0], dense_ids[0]) if i >= 0)]
        lexical = self.snapshot.lexical.rank(question, depth, rows=rows)
        best = fuse(dense, lexical, top_k, self.rrf_k, self.snapshot.file_of,
                    (lambda i: agrees(passages[i])) if agrees is not None else None, extra)
        similarity = self.snapshot.vectors[best] @ query[0] if best else []
        return [ScoredPassage(passages[i], float(sim)) for i, sim in zip(best, similarity)]


class ShardedRetriever:
    """Retrieves from an index version held in ``shards``; ``snapshot`` is the version's catalog (every
    document's metadata, no passages: ``FaissStore.load(holds=...)``). Two rounds per question: every
    shard's best passages by vector with its BM25 statistics, then every shard's best by BM25 under the
    whole collection's statistics."""

    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, shards: Shards, rrf_k: int = 60,
                 candidates: int = 50) -> None:
        if rrf_k < 1 or candidates < 1:
            raise ValueError(f"rrf_k and candidates must be positive, got {rrf_k}, {candidates}")
        self.snapshot = snapshot
        self.embedder = embedder
        self.shards = shards
        self.rrf_k = rrf_k
        self.candidates = candidates

    def retrieve(self, question: str, top_k: int, query: np.ndarray | None = None,
                 documents: frozenset[str] | None = None,
                 agrees: Callable[[Passage], float] | None = None, extra: int = 0) -> list[ScoredPassage]:
        """What ``HybridRetriever.retrieve`` returns over the whole version."""
        if top_k < 1 or (documents is not None and not documents):
            return []
        if query is None:
            query = self.embedder.embed_queries([question])
        version, tokens = self.snapshot.version, bm25_tokens(question)
        most = max(self.candidates, 4 * top_k)
        first = self.shards.call("first_pass", version, query, most, tokens, documents)
        n = sum(part.searched for part in first)
        if n == 0:
            return []
        depth = depth_for(n, top_k, self.candidates)
        collection = CollectionStats.total([part.statistics for part in first])
        second = self.shards.call("lexical", version, query, tokens, depth, collection, documents)
        found: dict[Key, tuple[Passage, float]] = {}
        for part in (*first, *second):
            found.update(part.passages)
        best = fuse(merged(first, depth), merged(second, depth), top_k, self.rrf_k, lambda key: key[0],
                    (lambda key: agrees(found[key][0])) if agrees is not None else None, extra)
        return [ScoredPassage(*found[key]) for key in best]
