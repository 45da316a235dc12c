"""Corroboration without reading: once an answer is chosen, the other passages that state it.

The reader reads only as many passages as the decision needs (``qa.reading_order``), so the
other sources of the chosen (first) answer are found by string search instead — for it alone: a
weak alternative such as "U.S." would be "found" in every passage that mentions the country — the answer's exact text, as a
whole word sequence, in the retrieved passages that were not read and in the next ones of the
retrieval ranking. A passage corroborates only when it is about the question — its similarity to
the question is within ``MAX_SIMILARITY_GAP`` of the best retrieved passage's — and, when dates are
known, it reports the same event (the temporal judge does not contradict the question's time, and
its event is within ``SAME_EVENT_DAYS`` of the answer's). Every citation added quotes the answer
exactly: ``original[start:end] == answer.text``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from core.types import Answer, Citation, Passage
from qa.answers import Judge, far_apart

# cosine similarity a corroborating passage may lie below the best retrieved passage: the spread of
# the top_k passages that are read anyway (SQuAD dev-public open mode, 800 questions: median gap
# between the best and the 8th retrieved passage 0.205), so a corroborating passage is as much
# "about the question" as a read one
MAX_SIMILARITY_GAP = 0.2


def _occurrences(text: str, quote: str) -> list[int]:
    """Where ``quote`` occurs in ``text`` as whole words (not inside a longer word, nor a longer number:
    "700" is not in "1,700" or "700.5")."""
    if not quote:
        return []
    left = r"(?<![\w])(?<!\d[,.])" if quote[0].isalnum() else ""
    right = r"(?![\w])(?![,.]\d)" if quote[-1].isalnum() else ""
    return [m.start() for m in re.finditer(left + re.escape(quote) + right, text)]


def corroborate(answers: Sequence[Answer], pool: Sequence[tuple[Passage, float]], best_similarity: float,
                max_citations: int, judge: Judge | None = None) -> list[Answer]:
    """``answers`` with citations added from ``pool`` (passages with their similarity, unread), at most
    ``max_citations`` per answer."""
    out: list[Answer] = []
    for answer in answers:
        citations = list(answer.citations)
        for passage, similarity in pool:
            if len(citations) >= max_citations:
                break
            if similarity < best_similarity - MAX_SIMILARITY_GAP:
                continue
            for at in _occurrences(passage.text, answer.text):
                start = passage.start + at
                end = start + len(answer.text)
                if any(c.file == passage.file and c.start < end and start < c.end for c in citations):
                    continue
                if judge is not None:
                    verdict = judge(passage, at, at + len(answer.text))
                    if verdict.match is False:
                        continue
                    if far_apart(answer.event_date, verdict.event_date):
                        continue
                citations.append(Citation(file=passage.file, start=start, end=end, passage_id=passage.id,
                                          context=passage.text, context_start=passage.start, text=answer.text))
                break
        citations.sort(key=lambda c: (c.file, c.start))
        out.append(replace(answer, citations=tuple(citations)) if len(citations) != len(answer.citations) else answer)
    return out
