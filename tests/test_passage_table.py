"""The passages of a segment as columns (index/passage_table.py): what comes back is what went in,
rows are made on demand, and segments written in format 3 (character offsets, tags in one JSON list)
are still read."""

import io
import json
from dataclasses import asdict

import numpy as np
import pytest

from core.types import Passage, TimeTag
from index.passage_table import PassageTable, concat, joined
from index.segments import passage_columns, passages_from_columns

DAY = TimeTag(first="2025-11-07", last="2025-11-07", granularity="day", text="Nov. 7", source="passage", start=3,
              end=9, year_known=False)
MONTH = TimeTag(first="2025-11-01", last="2025-11-30", granularity="month", text="", source="article")


def passages() -> list[Passage]:
    texts = ["Seoul, Nov. 7 —", "a 😀 in the middle", "700 kilometers (435 miles)", "", "“quoted” é"]
    rows = [Passage(id=f"a.txt:{i * 20}-{i * 20 + len(t)}", file="a.txt", start=i * 20, end=i * 20 + len(t), text=t,
                    times=((DAY,), (), (DAY, MONTH), (MONTH,), ())[i]) for i, t in enumerate(texts)]
    return rows + [Passage(id="custom", file="b/c.html", start=5, end=9, text="ab\ncd", times=(MONTH,))]


def format_3_blobs(rows: list[Passage]) -> dict[str, bytes]:
    """What a format-3 segment stored: character ends of the texts, the tags in passages.json."""
    names: dict[str, int] = {}
    doc = np.array([names.setdefault(p.file, len(names)) for p in rows], dtype=np.int32)
    buffer = io.BytesIO()
    np.savez(buffer, start=np.array([p.start for p in rows], np.int64), end=np.array([p.end for p in rows], np.int64),
             document=doc, text_end=np.cumsum([len(p.text) for p in rows]).astype(np.int64))
    record = {"documents": list(names), "times": [[list(asdict(t).values()) for t in p.times] for p in rows],
              "ids": [p.id for p in rows]}
    return {"passages.npz": buffer.getvalue(), "passages.txt": "".join(p.text for p in rows).encode("utf-8"),
            "passages.json": json.dumps(record).encode("utf-8")}


def test_a_table_gives_back_the_passages_it_was_made_of():
    rows = passages()
    table = PassageTable.of(rows)
    assert len(table) == len(rows) and list(table) == rows and table == rows
    assert table[0] == rows[0] and table[-1] == rows[-1] and table[1:4] == rows[1:4]
    assert table.compact and isinstance(table.text, bytes)
    assert table.document_rows() == {"a.txt": (0, 5), "b/c.html": (5, 6)}
    assert table.files().tolist() == [p.file for p in rows]
    assert table.documents_held() == {"a.txt", "b/c.html"}
    with pytest.raises(IndexError):
        table[len(rows)]


def test_rows_taken_and_joined_keep_their_text_and_tags():
    rows = passages()
    table = PassageTable.of(rows)
    view = table.take([5, 1, 2])
    assert list(view) == [rows[5], rows[1], rows[2]] and not view.compact
    assert passages_from_columns(passage_columns(view)) == [rows[5], rows[1], rows[2]]  # written compact
    both = concat([table.take([0, 1]), PassageTable.of(rows[4:]), table.take([2])])
    assert list(both) == [rows[0], rows[1], rows[4], rows[5], rows[2]] and both.compact
    assert joined([]) == [] and concat([table]) is table


def test_segment_columns_round_trip_without_a_passage_object():
    rows = passages()
    blobs = passage_columns(rows)
    assert set(blobs) == {"passages.npz", "passages.txt", "passages.tags", "passages.json"}
    table = passages_from_columns(blobs)
    assert isinstance(table, PassageTable) and table.times_list is None and table == rows
    assert isinstance(table.text, bytes)  # kept as UTF-8: an emoji does not widen every other text


def test_a_format_3_segment_is_still_read():
    rows = passages()
    table = passages_from_columns(format_3_blobs(rows))
    assert table == rows and table.times_list is not None
    # taken, joined with format-4 rows and written again, it comes back the same
    mixed = concat([table.take([2, 1]), PassageTable.of(rows[:1])])
    assert list(mixed) == [rows[2], rows[1], rows[0]] and mixed.compact and mixed.times_list is None
    assert passages_from_columns(passage_columns(mixed)) == [rows[2], rows[1], rows[0]]


def test_columns_that_disagree_are_refused():
    blobs = passage_columns(passages())
    with pytest.raises(ValueError, match="texts end"):
        passages_from_columns({**blobs, "passages.txt": blobs["passages.txt"][:-3]})
    with pytest.raises(ValueError, match="time tags end"):
        passages_from_columns({**blobs, "passages.tags": blobs["passages.tags"] + b"[]"})
    with pytest.raises(ValueError, match="different lengths"):
        PassageTable(["a"], np.zeros(2, np.int32), np.zeros(2), np.zeros(1), b"", np.zeros(2), np.zeros(2), b"",
                     np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="does not list"):
        PassageTable(["a"], np.ones(1, np.int32), np.zeros(1), np.zeros(1), b"", np.zeros(1), np.zeros(1), b"",
                     np.zeros(1), np.zeros(1))
