"""The passages of a segment as columns: ``PassageTable``, a ``Sequence[Passage]`` that makes a
``Passage`` only when one is asked for.

At a million passages, one Python object per passage (its id, its text, its time tags as objects)
cost about a gigabyte and several seconds of every load. A table holds instead a few numpy columns
(offsets into the original file, the document of each row, where its text lies in one shared string,
where its time tags lie in one shared UTF-8 blob), the document names once, one string with every
text and one bytes object with every passage's time tags as a line of JSON. ``table[i]`` builds the
passage (its tags parsed then); ``take(rows)`` is a table of some rows that shares the text and the
tags; ``concat`` joins tables.

The texts are kept as UTF-8 bytes with byte offsets: one Python string holding them all would take
four bytes per character for every passage as soon as one passage holds an emoji.

Segments written before (format 3) carry the tags as one JSON list and character offsets of the
texts: a table read from them holds that list (``times_list``) and the texts as one string.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import astuple
from typing import overload

import numpy as np

from core.types import Passage, TimeTag


def tags_line(times: Sequence[TimeTag]) -> bytes:
    """One passage's time tags as the line of JSON the tags blob holds (``[]`` for none)."""
    return json.dumps([list(astuple(t)) for t in times], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def tags_of(line: bytes | list) -> tuple[TimeTag, ...]:
    rows = json.loads(line) if isinstance(line, bytes) else line
    return tuple(TimeTag(*row) for row in rows)


class PassageTable(Sequence[Passage]):
    """Passages as columns (see the module docstring); rows are in the order they were written."""

    __slots__ = ("names", "document", "start", "end", "text", "text_begin", "text_end", "tags", "tag_begin",
                 "tag_end", "times_list", "ids")

    def __init__(self, names: Sequence[str], document: np.ndarray, start: np.ndarray, end: np.ndarray,
                 text: bytes | str,
                 text_begin: np.ndarray, text_end: np.ndarray, tags: bytes = b"",
                 tag_begin: np.ndarray | None = None, tag_end: np.ndarray | None = None,
                 times_list: list | None = None, ids: list[str] | None = None) -> None:
        n = len(document)
        columns = (start, end, text_begin, text_end, *((tag_begin, tag_end) if times_list is None else ()))
        if any(c is None or len(c) != n for c in columns) or (times_list is not None and len(times_list) != n) or (
                ids is not None and len(ids) != n):
            raise ValueError(f"passage columns of different lengths (document column: {n} rows)")
        if n and (int(document.min()) < 0 or int(document.max()) >= len(names)):
            raise ValueError("a passage names a document the table does not list")
        self.names = list(names)
        self.document = np.asarray(document, dtype=np.int32)
        self.start, self.end = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
        self.text, self.text_begin, self.text_end = text, np.asarray(text_begin, np.int64), np.asarray(text_end, np.int64)
        self.tags, self.tag_begin, self.tag_end = tags, tag_begin, tag_end
        self.times_list, self.ids = times_list, ids

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> PassageTable:
        """A table of these passages as a segment stores them: texts and tags in bytes, each row's right
        after the previous one's (a table that is not is copied so)."""
        if isinstance(passages, PassageTable):
            return passages if passages.compact else joined([passages])
        codes: dict[str, int] = {}
        document = np.fromiter((codes.setdefault(p.file, len(codes)) for p in passages), np.int32, len(passages))
        encoded = [p.text.encode("utf-8") for p in passages]
        lengths = np.fromiter((len(b) for b in encoded), np.int64, len(encoded))
        lines = [tags_line(p.times) for p in passages]
        tag_lengths = np.fromiter((len(b) for b in lines), np.int64, len(lines))
        text_end, tag_end = np.cumsum(lengths), np.cumsum(tag_lengths)
        ids = [p.id for p in passages]
        own = all(i == f"{p.file}:{p.start}-{p.end}" for i, p in zip(ids, passages))
        return cls(list(codes), document, np.fromiter((p.start for p in passages), np.int64, len(passages)),
                   np.fromiter((p.end for p in passages), np.int64, len(passages)), b"".join(encoded),
                   text_end - lengths, text_end, b"".join(lines), tag_end - tag_lengths, tag_end,
                   ids=None if own else ids)

    # ------------------------------------------------------------------ Sequence
    def __len__(self) -> int:
        return len(self.document)

    @overload
    def __getitem__(self, index: int) -> Passage: ...
    @overload
    def __getitem__(self, index: slice) -> list[Passage]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        i = int(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"passage row {index} of {len(self)}")
        return self._row(i)

    def __iter__(self) -> Iterator[Passage]:
        return (self._row(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, compared by content

    def __repr__(self) -> str:
        return f"PassageTable({len(self)} passages of {len(set(self.document.tolist()))} documents)"

    def _row(self, i: int) -> Passage:
        name, start, end = self.names[self.document[i]], int(self.start[i]), int(self.end[i])
        if self.times_list is not None:
            times = tags_of(self.times_list[i])
        else:
            a, b = int(self.tag_begin[i]), int(self.tag_end[i])
            times = tags_of(self.tags[a:b]) if b - a > 2 else ()  # "[]": no tags
        return Passage(id=self.ids[i] if self.ids is not None else f"{name}:{start}-{end}", file=name, start=start,
                       end=end, text=self.text_of(i), times=times)

    def text_of(self, i: int) -> str:
        piece = self.text[self.text_begin[i]:self.text_end[i]]
        return piece.decode("utf-8") if isinstance(piece, bytes) else piece

    # ------------------------------------------------------------------ columns
    @property
    def compact(self) -> bool:
        """Texts and tags in bytes, holding exactly these rows in order."""
        def packed(blob, begin, end) -> bool:
            return (len(end) == 0 and len(blob) == 0) or (int(begin[0]) == 0 and int(end[-1]) == len(blob)
                                                          and bool((begin[1:] == end[:-1]).all()))
        return (isinstance(self.text, bytes) and self.times_list is None and packed(self.text, self.text_begin, self.text_end)
                and packed(self.tags, self.tag_begin, self.tag_end))

    def file_of(self, i: int) -> str:
        return self.names[self.document[i]]

    def files(self) -> np.ndarray:
        """The document of every row (object array of names)."""
        return np.asarray(self.names, dtype=object)[self.document] if len(self) else np.zeros(0, dtype=object)

    def documents_held(self) -> set[str]:
        return {self.names[c] for c in np.unique(self.document).tolist()}

    def document_rows(self) -> dict[str, tuple[int, int]]:
        """Document -> its range of rows (a table's rows are grouped by document)."""
        if not len(self):
            return {}
        starts = np.flatnonzero(np.concatenate([[True], self.document[1:] != self.document[:-1]]))
        ends = [*starts[1:].tolist(), len(self)]
        ranges: dict[str, tuple[int, int]] = {}
        for code, a, b in zip(self.document[starts].tolist(), starts.tolist(), ends):
            name = self.names[code]
            ranges[name] = (ranges.get(name, (a, 0))[0], b)
        return ranges

    def take(self, rows: np.ndarray | Sequence[int]) -> PassageTable:
        """The table of ``rows`` (in that order), sharing this table's text and tags."""
        r = np.asarray(rows, dtype=np.int64)
        return PassageTable(self.names, self.document[r], self.start[r], self.end[r], self.text, self.text_begin[r],
                            self.text_end[r], self.tags,
                            None if self.tag_begin is None else self.tag_begin[r],
                            None if self.tag_end is None else self.tag_end[r],
                            None if self.times_list is None else [self.times_list[i] for i in r.tolist()],
                            None if self.ids is None else [self.ids[i] for i in r.tolist()])

    def sort_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(rank of each row's document name among all names, start): rows ordered by (document, start)."""
        order = sorted(range(len(self.names)), key=self.names.__getitem__)
        rank = np.empty(len(self.names), dtype=np.int64)
        rank[order] = np.arange(len(self.names))
        return rank[self.document], self.start


def table_of(passages: Sequence[Passage], rows: np.ndarray) -> PassageTable:
    """The rows ``rows`` of ``passages`` as a table (a view of it when ``passages`` is a table)."""
    if isinstance(passages, PassageTable):
        return passages.take(rows)
    return PassageTable.of([passages[i] for i in np.asarray(rows, dtype=np.int64).tolist()])


def concat(tables: Sequence[PassageTable]) -> PassageTable:
    """One table of the rows of ``tables`` in turn (a single table is returned as it is)."""
    return tables[0] if len(tables) == 1 else joined(tables)


def joined(tables: Sequence[PassageTable]) -> PassageTable:
    """A new compact table of the rows of ``tables`` in turn (only the text and tags they use)."""
    if not tables:
        return PassageTable.of([])
    names: dict[str, int] = {}
    documents, texts, tag_blobs = [], [], []
    text_offset = tag_offset = 0
    begins, ends, tag_begins, tag_ends = [], [], [], []
    with_ids = any(t.ids is not None for t in tables)
    ids: list[str] | None = [] if with_ids else None
    for t in tables:
        remap = np.array([names.setdefault(n, len(names)) for n in t.names], dtype=np.int32)
        documents.append(remap[t.document] if len(t) else np.zeros(0, np.int32))
        # only the text and tags the rows use are carried over (a table may be a few rows of a big segment)
        piece, begin, end = _used(t.text, t.text_begin, t.text_end)
        piece = piece.encode("utf-8") if isinstance(piece, str) else piece
        if isinstance(t.text, str):  # format 3: character offsets; measured again in bytes
            lengths = np.fromiter((len(t.text[a:b].encode("utf-8")) for a, b in zip(t.text_begin.tolist(),
                                                                                      t.text_end.tolist())), np.int64, len(t))
            end = np.cumsum(lengths)
            begin = end - lengths
        texts.append(piece)
        begins.append(begin + text_offset), ends.append(end + text_offset)
        text_offset += len(piece)
        if t.times_list is not None:  # format 3: the tags as lists, written as lines now
            lines = [json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for row in t.times_list]
            lengths = np.fromiter((len(b) for b in lines), np.int64, len(lines))
            piece, end = b"".join(lines), np.cumsum(lengths)
            begin = end - lengths
        else:
            piece, begin, end = _used(t.tags, t.tag_begin, t.tag_end)
        tag_blobs.append(piece), tag_begins.append(begin + tag_offset), tag_ends.append(end + tag_offset)
        tag_offset += len(piece)
        if ids is not None:
            ids += t.ids if t.ids is not None else [f"{t.names[d]}:{a}-{b}" for d, a, b in
                                                    zip(t.document.tolist(), t.start.tolist(), t.end.tolist())]
    return PassageTable(list(names), np.concatenate(documents), np.concatenate([t.start for t in tables]),
                        np.concatenate([t.end for t in tables]), b"".join(texts), np.concatenate(begins),
                        np.concatenate(ends), b"".join(tag_blobs), np.concatenate(tag_begins),
                        np.concatenate(tag_ends), None, ids)


def _used(blob: bytes | str, begin: np.ndarray, end: np.ndarray) -> tuple[bytes | str, np.ndarray, np.ndarray]:
    """The part of ``blob`` the rows ``begin``-``end`` use, and their offsets in it: one slice when the
    rows follow one another in the blob (a range of a segment), else the rows' pieces joined."""
    if not len(begin):
        return blob[:0], begin, end
    if (begin[1:] == end[:-1]).all():
        first = int(begin[0])
        return blob[first:int(end[-1])], begin - first, end - first
    lengths = end - begin
    pieces = [blob[a:b] for a, b in zip(begin.tolist(), end.tolist())]
    new_end = np.cumsum(lengths)
    return blob[:0].join(pieces), new_end - lengths, new_end
