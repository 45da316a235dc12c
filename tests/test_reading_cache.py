"""CachingReader: remembered readings equal fresh ones, and only changed passages are read again."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qa.reading_cache import CachingReader

QUESTION = "How far did the missile fly?"


@pytest.fixture()
def passages(service):
    return list(service.snapshot.passages[:6])


def as_tuples(readings):
    return [[(s.passage.id, s.start, s.end, s.text) for s in r.spans] for r in readings]


def test_remembered_readings_equal_fresh_ones(service, passages):
    cache = CachingReader(service.reader)
    first = cache.read(QUESTION, passages)
    assert (cache.hits, cache.misses) == (0, len(passages))
    again = cache.read(QUESTION, passages)
    assert (cache.hits, cache.misses) == (len(passages), len(passages))
    fresh = service.reader.read(QUESTION, passages)
    assert as_tuples(again) == as_tuples(first) == as_tuples(fresh)
    for a, b in zip(again, fresh):
        assert [s.score for s in a.spans] == pytest.approx([s.score for s in b.spans], abs=1e-3)
        # the evidence answers are ranked by survives the cache too
        assert [s.evidence for s in a.spans] == pytest.approx([s.evidence for s in b.spans], abs=0.05)


def test_only_changed_passages_are_read_again(service, passages):
    cache = CachingReader(service.reader)
    cache.read(QUESTION, passages)
    changed = replace(passages[2], text=passages[2].text + " The missile flew 900 kilometers.")
    moved = replace(passages[3], file="moved.txt", start=passages[3].start + 50, end=passages[3].end + 50,
                    id="moved.txt:x")
    readings = cache.read(QUESTION, [passages[0], changed, moved])
    assert cache.misses == len(passages) + 1  # only the changed text was read
    assert readings[1].passage is changed and any("900" in s.text for s in readings[1].spans)
    # a remembered reading is re-attached to the passage it is asked about (its file and offsets)
    assert all(s.passage is moved for s in readings[2].spans)
    assert [s.text for s in readings[2].spans] == [s.text for s in cache.read(QUESTION, [passages[3]])[0].spans]


def test_another_question_is_not_served_from_the_cache(service, passages):
    cache = CachingReader(service.reader)
    cache.read(QUESTION, passages[:2])
    cache.read("Who denounced the joint drills?", passages[:2])
    assert cache.hits == 0 and cache.misses == 4


def test_capacity_bounds_the_cache(service, passages):
    cache = CachingReader(service.reader, capacity=3)
    cache.read(QUESTION, passages)
    assert len(cache) == 3
    assert len(CachingReader(service.reader, capacity=0).read(QUESTION, passages)) == len(passages)


def test_service_answers_are_unchanged_by_an_unrelated_update(service):
    question = "Which missile model do officials believe was fired on November 7?"
    before = service.ask(question)
    hits = service._reading.hits
    service.corpus.upsert("zz_unrelated_cache_test.txt",
                            b"Local bakery wins prize\n\nA bakery in Busan won a national bread prize on Friday.\n")
    try:
        after = service.ask(question)
        assert after.index_version != before.index_version
        assert service._reading.hits > hits
        assert [(a.text, [(c.file, c.start, c.end) for c in a.citations]) for a in after.answers] == \
               [(a.text, [(c.file, c.start, c.end) for c in a.citations]) for a in before.answers]
    finally:
        service.corpus.remove("zz_unrelated_cache_test.txt")
