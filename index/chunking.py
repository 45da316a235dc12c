"""Cut an article into sentence-aware, overlapping passages that keep their original offsets.

Pure functions: ``chunk_document`` takes the original text, the ranges of its content lines
(``index.cleaning.content_lines``) and a token counter, and returns ``Passage`` objects with
``original[p.start:p.end] == p.text``. A passage never crosses removed page furniture: content
lines separated only by blank lines form one *segment*; passages are packed from whole sentences
of one segment up to ``max_tokens``, and the next passage repeats the trailing sentences of the
previous one (up to ``overlap_tokens``), so an answer near a boundary is whole in one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.types import Passage

# what passages look like: bump when index.cleaning or this module changes them (an index built with
# another value is refused and rebuilt, see index.store.IndexSpec)
# 2: passages carry when they happened (index.timeline); 3: an undated article's days keep their month and day
CLEANING_VERSION = 3

TokenCounter = Callable[[str], int]
Check = Callable[[], None]  # called between pieces of work; raises to stop (``index.budget.BudgetClock.check``)

# the sentence splitter (pysbd) is quadratic in the length of what it is given; a longer line is first
# cut at its last sentence-like end (else a space) before this many characters, so splitting stays linear
SEGMENTER_MAX_CHARS = 2000
_SENTENCE_END = re.compile(r"[.!?][\"')\]\u201d\u2019]*\s+")


@dataclass(frozen=True)
class ChunkingParams:
    max_tokens: int = 160
    overlap_tokens: int = 40

    def __post_init__(self) -> None:
        if self.max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ValueError(f"overlap_tokens must be in [0, max_tokens), got {self.overlap_tokens}")


def segments(text: str, lines: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge content lines separated only by whitespace into contiguous segments."""
    out: list[tuple[int, int]] = []
    for start, end in lines:
        if out and not text[out[-1][1]:start].strip():
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    # pysbd's own patterns (~900 on SQuAD text) are more than the last 512 compiled that Python 3.11's `re`
    # keeps, so they were compiled again and again (room for 4,096, with ``pysbd_sentences``: see there)
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 0), 4096)
    return pysbd.Segmenter(language="en", clean=False)


def pysbd_sentences(text: str) -> list[str]:
    """What pysbd 0.3.4's ``Segmenter(language="en", clean=False).segment(text)`` returns: its sentences as
    they stand in ``text``, each with the whitespace after it.

    pysbd finds each sentence it made back in the text with a regular expression built from the sentence
    (``re.escape(sentence) + r"\s*"``, the first match ending after the previous one): one compilation per
    sentence, about half of its time. The same search is done here with ``str.find`` (``\s`` is
    ``str.isspace``; a match resumes after the previous one, as ``re.finditer`` does). Sentence splitting of
    SQuAD paragraphs, with the larger pattern cache: 422 -> 675 paragraphs/s (session 17); the same sentences
    as pysbd's on every text tried: all 63,746 SQuAD paragraphs, questions and news lines and files of the
    project (``tests/test_ingest_chunking.py`` keeps a part of them)."""
    if not text:
        return []
    found: list[str] = []
    prior_end = 0
    for sentence in _segmenter().processor(text).process():
        if not sentence:  # pysbd's own search: an empty pattern matches everywhere
            match = next((m for m in re.finditer(r"\s*", text) if m.end() > prior_end), None)
            if match is not None:
                found.append(match.group())
                prior_end = match.end()
            continue
        position = 0
        while (start := text.find(sentence, position)) >= 0:
            end = start + len(sentence)
            while end < len(text) and text[end].isspace():
                end += 1
            if end > prior_end:
                found.append(text[start:end])
                prior_end = end
                break
            position = end
    return found


def bounded_pieces(line: str, limit: int = SEGMENTER_MAX_CHARS) -> list[tuple[int, int]]:
    """``line`` cut into consecutive ranges of at most ``limit`` characters, each ending after a
    sentence-like end (``. ``, ``?" ``) where there is one, else after a space, else at the limit."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(line) - start > limit:
        window = line[start:start + limit]
        cut = 0
        for m in _SENTENCE_END.finditer(window):
            cut = m.end()
        if cut == 0:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, len(line)))
    return pieces


def sentence_spans(text: str, start: int, end: int, check: Check | None = None) -> list[tuple[int, int]]:
    """Sentence ranges inside ``text[start:end]``: whitespace-trimmed, in order, never across a newline.

    Linear in the length of the text (see ``SEGMENTER_MAX_CHARS``); ``check`` is called before each piece."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        for piece_start, piece_end in bounded_pieces(line.group()):
            if check is not None:
                check()
            spans.extend(_segment(text, start + line.start() + piece_start, line.group()[piece_start:piece_end]))
    return [s for s in spans if s[1] > s[0]]


def _segment(text: str, line_start: int, line_text: str) -> list[tuple[int, int]]:
    """The sentences pysbd finds in one bounded piece of a line, as ranges of ``text``."""
    spans: list[tuple[int, int]] = []
    local = 0
    for sentence in pysbd_sentences(line_text):
        piece = sentence.strip()
        found = line_text.find(piece, local) if piece else -1
        if found < 0:
            if not piece:
                continue
            # the segmenter altered the text: the rest of the piece becomes one sentence
            rest = line_text[local:]
            found, piece = local + len(rest) - len(rest.lstrip()), rest.strip()
        spans.append((line_start + found, line_start + found + len(piece)))
        local = found + len(piece)
        if local >= len(line_text.rstrip()):
            break
    return spans


def _split_long(text: str, span: tuple[int, int], max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Split one over-long sentence at word boundaries into pieces of at most ``max_tokens``.

    Words are counted one at a time (a word-piece tokenizer never joins two whitespace-separated
    words, so a piece's count is the sum of its words'), which keeps this linear in the sentence."""
    words = [(span[0] + m.start(), span[0] + m.end()) for m in re.finditer(r"\S+", text[span[0]:span[1]])]
    pieces: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j, total = i, 0
        while j < len(words):
            n = count(text[words[j][0]:words[j][1]])
            if j > i and total + n > max_tokens:
                break
            total += n
            j += 1
        pieces.append((words[i][0], words[j - 1][1]))
        i = j
    return pieces


def passage_id(file: str, start: int, end: int) -> str:
    return f"{file}:{start}-{end}"


def chunk_document(file: str, text: str, lines: Sequence[tuple[int, int]], count: TokenCounter,
                   params: ChunkingParams = ChunkingParams(), check: Check | None = None) -> list[Passage]:
    """The passages of one article; ``check`` is called between pieces of work (it may raise to stop)."""
    passages: list[Passage] = []
    for seg_start, seg_end in segments(text, lines):
        sentences: list[tuple[int, int]] = []
        for span in sentence_spans(text, seg_start, seg_end, check):
            n = count(text[span[0]:span[1]])
            if n > params.max_tokens:
                sentences.extend(_split_long(text, span, params.max_tokens, count))
            else:
                sentences.append(span)
        sizes = [count(text[a:b]) for a, b in sentences]
        i = 0
        while i < len(sentences):
            j, total = i, 0
            while j < len(sentences) and (j == i or total + sizes[j] <= params.max_tokens):
                total += sizes[j]
                j += 1
            start, end = sentences[i][0], sentences[j - 1][1]
            passages.append(Passage(passage_id(file, start, end), file, start, end, text[start:end]))
            if j >= len(sentences):
                break
            # the next passage starts with the trailing sentences that fit in the overlap budget
            k, overlap = j, 0
            while k - 1 > i and overlap + sizes[k - 1] <= params.overlap_tokens:
                overlap += sizes[k - 1]
                k -= 1
            i = k
    return passages
