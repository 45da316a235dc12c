"""Reading in order of promise (qa.reading_order) and corroboration without reading (qa.corroborate)."""

from __future__ import annotations

import math

from core.types import Answer, Citation, Passage, TimeTag
from qa.calibration import ScoreScale
from qa.corroborate import MAX_SIMILARITY_GAP, corroborate
from qa.reading_order import EVIDENCE_CAP, best_possible, decided
from qa.timing import Judgement

SCALE = ScoreScale(scale=0.25, offset=-1.0)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_the_bound_is_the_score_of_the_cap_plus_the_relevance():
    # hand-worked: 0.25 * (4 - 2) - 1 = -0.5
    assert math.isclose(best_possible(-2.0, SCALE, cap=4.0), sigmoid(-0.5))
    assert best_possible(0.0, SCALE) > best_possible(-3.0, SCALE)


def test_stop_only_when_no_unread_passage_could_win():
    strong = sigmoid(0.25 * EVIDENCE_CAP - 1.0)  # what an unread passage as relevant as the best could reach
    assert decided(strong + 0.01, 0.1, [0.0, -1.0], SCALE)
    assert not decided(strong - 0.01, 0.1, [0.0, -1.0], SCALE)
    # the less relevant the unread passages, the earlier the decision
    assert decided(0.4, 0.1, [-6.0, -8.0], SCALE) and not decided(0.4, 0.1, [-1.0, -8.0], SCALE)


def test_with_no_answer_yet_the_threshold_is_the_bar():
    low_bound = best_possible(-10.0, SCALE)
    assert decided(0.0, low_bound + 0.01, [-10.0], SCALE)  # nothing unread could reach the threshold
    assert not decided(0.0, low_bound - 0.01, [-10.0], SCALE)
    assert decided(0.0, 0.5, [], SCALE)  # nothing left to read


def passage(file: str, text: str, start: int = 0, times: tuple[TimeTag, ...] = ()) -> Passage:
    return Passage(f"{file}:{start}-{start + len(text)}", file, start, start + len(text), text, times=times)


def answer_from(p: Passage, quote: str) -> Answer:
    at = p.text.index(quote)
    c = Citation(p.file, p.start + at, p.start + at + len(quote), p.id, p.text, p.start, quote)
    return Answer(text=quote, score=0.8, citations=(c,))


def test_corroborating_citations_quote_the_answer_exactly():
    read = passage("a.txt", "The missile flew 700 kilometers before it fell.")
    other = passage("b.txt", "Officials said it flew 700 kilometers, into the sea.", start=120)
    longer = passage("c.txt", "It flew 1,700 kilometers and 700 kilometersX.")  # only inside longer words
    far = passage("d.txt", "A reporter wrote 700 kilometers in another story.")
    [answer] = corroborate([answer_from(read, "700 kilometers")],
                           [(other, 0.70), (longer, 0.70), (far, 0.70 - MAX_SIMILARITY_GAP - 0.01)],
                           best_similarity=0.70, max_citations=8)
    assert [c.file for c in answer.citations] == ["a.txt", "b.txt"]
    b = answer.citations[1]
    original_b = " " * 120 + other.text  # b.txt as a whole file: the passage starts at offset 120
    assert original_b[b.start:b.end] == "700 kilometers" == b.text and b.context_start == 120


def test_no_citation_twice_and_at_most_max():
    read = passage("a.txt", "It flew 700 kilometers. Again: 700 kilometers.")
    pool = [(read, 0.9)] + [(passage(f"p{i}.txt", "It flew 700 kilometers."), 0.9) for i in range(5)]
    [answer] = corroborate([answer_from(read, "700 kilometers")], pool, 0.9, max_citations=3)
    assert len(answer.citations) == 3
    starts = [(c.file, c.start) for c in answer.citations]
    assert len(set(starts)) == 3 and ("a.txt", 8) in starts  # the read one kept; a second place in a.txt may join


def test_another_event_does_not_corroborate():
    read = passage("a.txt", "On Nov. 7 the missile flew 700 kilometers.")
    older = passage("b.txt", "In 2024 the missile flew 700 kilometers.")

    def judge(p: Passage, start: int, end: int) -> Judgement:
        return Judgement(0.0, "2025-11-07", True) if p.file == "a.txt" else Judgement(-12.0, "2024-10-31", False)

    base = answer_from(read, "700 kilometers")
    [answer] = corroborate([Answer(base.text, base.score, base.citations, event_date="2025-11-07")],
                           [(older, 0.9)], 0.9, 8, judge=judge)
    assert [c.file for c in answer.citations] == ["a.txt"]

    def undated_question(p: Passage, start: int, end: int) -> Judgement:  # no time asked: dates still differ
        return Judgement(0.0, "2025-11-07" if p.file == "a.txt" else "2024-10-31", None)

    [answer] = corroborate([Answer(base.text, base.score, base.citations, event_date="2025-11-07")],
                           [(older, 0.9)], 0.9, 8, judge=undated_question)
    assert [c.file for c in answer.citations] == ["a.txt"]
