"""Hybrid retrieval: dense (FAISS, cosine) and lexical (BM25) rankings fused by reciprocal rank.

News questions hinge on names and numbers, which a small embedding model blurs; BM25 keeps them.
Reciprocal rank fusion (Cormack et al., 2009) needs no score calibration between the two:
``score(p) = sum over rankings of 1 / (rrf_k + rank(p))``; higher is better. Both indexes belong
to the snapshot (built once per index version); a retriever only reads them.

When the question names a time, a third ranking joins the fusion: the candidates whose dates agree
with it (``qa.timing.passage_agreement``), in their fused order, so the article that reports the
event of that date is read even when another launch of the same kind reads more like the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.types import Passage
from index.embedding import Embedder
from index.store import IndexSnapshot


OTHER_EVENT_SLOTS = 2  # of top_k, when the question names a time: the best passages of other articles whose dates contradict it


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    similarity: float  # cosine similarity of question and passage embeddings, in [-1, 1]


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
        rows = None
        if documents is not None:
            rows = np.array([i for i, p in enumerate(self.snapshot.passages) if p.file in documents], dtype=np.int64)
        n = len(self.snapshot.passages) if rows is None else len(rows)
        if n == 0 or top_k < 1:
            return []
        depth = min(n, max(self.candidates, 4 * top_k))
        if query is None:
            query = self.embedder.embed_queries([question])
        _, dense_ids = self.snapshot.search(query, depth, rows=rows)
        dense = [int(i) for i in dense_ids[0] if i >= 0]
        lexical = self.snapshot.lexical.rank(question, depth, rows=rows)
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, i in enumerate(ranking, start=1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + rank)
        other_events: list[int] = []
        if agrees is not None:
            order = sorted(fused, key=lambda i: (-fused[i], i))
            agreement = {i: agrees(self.snapshot.passages[i]) for i in order}
            for rank, i in enumerate((i for i in order if agreement[i] > 0), start=1):
                fused[i] += 1.0 / (self.rrf_k + rank)
            if top_k >= 4:  # keep room for the passages of other events most like the question (one per article)
                seen: set[str] = set()
                for i in dense:
                    doc = self.snapshot.passages[i].file
                    if agreement[i] < 0 and doc not in seen and len(other_events) < OTHER_EVENT_SLOTS:
                        other_events.append(i)
                        seen.add(doc)
        ranked = sorted(fused, key=lambda i: (-fused[i], i))
        best = ranked[:top_k - len(other_events)]
        best += [i for i in other_events if i not in best]
        best += [i for i in ranked if i not in best][:top_k - len(best)]
        if extra > 0:
            chosen = set(best)
            best += [i for i in ranked if i not in chosen][:extra]
        similarity = self.snapshot.vectors[best] @ query[0] if best else []
        return [ScoredPassage(self.snapshot.passages[i], float(sim)) for i, sim in zip(best, similarity)]
