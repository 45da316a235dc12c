"""Hard negatives: passages on the question's topic that do not answer it.

* A question's own paragraph with the sentence that answers it cut out. Same topic, same names,
  only the fact asked for is gone: the case a newsroom corpus presents when it covers a story but
  not the detail asked about. Used to train the reader to abstain and to check that it does
  (``eval.calibrate``).
* The paragraph of the question's article that BM25 ranks highest for the question among those
  without the answer: what the retriever hands the reader when the corpus mentions the question's
  names but not the fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rank_bm25 import BM25Okapi

from index.lexical import bm25_tokens

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def without_answer_sentence(context: str, answer_start: int, answer_end: int, answers: set[str]) -> str | None:
    """``context`` minus the sentence(s) overlapping ``[answer_start, answer_end)``.

    ``None`` when any of ``answers`` (lower-cased) would remain, or when less than one other
    sentence (100 characters) is left.
    """
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(context)] + [len(context)]
    kept = [context[a:b] for a, b in zip(bounds, bounds[1:]) if b <= answer_start or a >= answer_end]
    rest = "".join(kept).strip()
    if len(kept) < 2 or len(rest) < 100 or any(t in rest.lower() for t in answers):
        return None
    return rest


class ArticleNegativeMiner:
    """Ranks one article's paragraphs for a question with BM25 (the retriever's lexical side)."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self._paragraphs = list(paragraphs)
        tokens = [bm25_tokens(p) for p in self._paragraphs]
        self._tokens = [set(t) for t in tokens]
        self._bm25 = BM25Okapi(tokens) if len(tokens) > 1 and any(tokens) else None

    def closest_without_answer(self, question: str, own: int, answers: set[str]) -> str | None:
        """The text of the paragraph ``closest_index`` picks (``None``: none)."""
        j = self.closest_index(question, own, answers)
        return None if j is None else self._paragraphs[j]

    def closest_index(self, question: str, own: int, answers: set[str]) -> int | None:
        """The best-ranked paragraph other than ``own`` that shares a word with the question and contains
        none of ``answers`` (lower-cased). BM25 scores can be zero or negative for words most paragraphs
        share (rank_bm25's idf), so sharing a word, not a positive score, is what makes a paragraph a match."""
        if self._bm25 is None:
            return None
        q = bm25_tokens(question)
        if not q:
            return None
        scores = self._bm25.get_scores(q)
        for j in sorted(range(len(scores)), key=lambda i: -scores[i]):
            if j != own and self._tokens[j].intersection(q) and \
                    not any(t in self._paragraphs[j].lower() for t in answers):
                return j
        return None
