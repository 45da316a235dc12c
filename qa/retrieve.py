"""Hybrid retrieval: dense (FAISS, cosine) and lexical (BM25) rankings fused by reciprocal rank.

News questions hinge on names and numbers, which a small embedding model blurs; BM25 keeps them.
Reciprocal rank fusion (Cormack et al., 2009) needs no score calibration between the two:
``score(p) = sum over rankings of 1 / (rrf_k + rank(p))``; higher is better.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from index.embedding import Embedder
from index.store import IndexSnapshot
from qa.types import Passage

_TOKEN = re.compile(r"[\w]+(?:[.'’-][\w]+)*")
_STOPWORDS = frozenset(
    "a an and are as at be been by did do does for from had has have how in is it its of on or that the this "
    "to was were what when where which who whom whose why will with".split()
)


def bm25_tokens(text: str) -> list[str]:
    return [t for t in (m.group().lower().replace("’", "'") for m in _TOKEN.finditer(text)) if t not in _STOPWORDS]


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float  # fused RRF score, higher is better
    dense_rank: int | None
    lexical_rank: int | None
    similarity: float = 0.0  # cosine similarity of question and passage embeddings, in [-1, 1]


class HybridRetriever:
    """Retrieves from one immutable ``IndexSnapshot``; build a new retriever for a new snapshot."""

    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, rrf_k: int = 60, candidates: int = 50) -> None:
        if rrf_k < 1 or candidates < 1:
            raise ValueError(f"rrf_k and candidates must be positive, got {rrf_k}, {candidates}")
        self.snapshot = snapshot
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates
        corpus = [bm25_tokens(p.text) for p in snapshot.passages]
        self._bm25 = BM25Okapi(corpus) if corpus and any(corpus) else None

    def retrieve(self, question: str, top_k: int, query: np.ndarray | None = None) -> list[ScoredPassage]:
        """The ``top_k`` best passages; ``query`` is the question's embedding (1 x dim) if already known."""
        n = len(self.snapshot.passages)
        if n == 0 or top_k < 1:
            return []
        depth = min(n, max(self.candidates, 4 * top_k))
        if query is None:
            query = self.embedder.embed_queries([question])
        _, dense_ids = self.snapshot.search(query, depth)
        dense = [int(i) for i in dense_ids[0] if i >= 0]
        lexical: list[int] = []
        tokens = bm25_tokens(question)
        if self._bm25 is not None and tokens:
            scores = self._bm25.get_scores(tokens)
            lexical = [int(i) for i in np.argsort(-scores)[:depth] if scores[i] > 0]
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, i in enumerate(ranking, start=1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + rank)
        dense_rank = {i: r for r, i in enumerate(dense, start=1)}
        lexical_rank = {i: r for r, i in enumerate(lexical, start=1)}
        best = sorted(fused, key=lambda i: (-fused[i], i))[:top_k]
        similarity = self.snapshot.vectors[best] @ query[0] if best else []
        return [ScoredPassage(self.snapshot.passages[i], fused[i], dense_rank.get(i), lexical_rank.get(i), float(sim))
                for i, sim in zip(best, similarity)]
