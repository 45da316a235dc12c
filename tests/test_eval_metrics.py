"""Unit tests of the evaluation metrics: SQuAD v1.1 scoring checked against hand-worked cases (no models)."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

from eval.calibrate import Sample, choose_threshold, curve_point
from eval.goldsets import (GoldFormatError, MinedNegatives, cut_paragraph, document_name, negative_paragraph, parse_jsonl, parse_squad,
                       spread)
from eval.metrics import (
    CORRECT, CORRECT_ABSTENTION, FALSE_ABSTENTION, FALSE_ANSWER, METRIC_KEYS, NEGATIVE_KEYS, RETRIEVAL_MISS,
    WRONG_SPAN, CitationCheck, NegativeResult, QuestionResult, ReturnedAnswer, aggregate, classify, first_gold_rank,
    percentile, recall_and_mrr, score_answer,
)
from qa.answers import assemble
from qa.calibration import ScoreScale
from core.types import Passage, PassageReading, Span


# --- hand-made cases: (prediction, references, expected EM, expected F1) ------------------------------
CASES = [
    ("Denver Broncos", ["Denver Broncos"], 1.0, 1.0),
    ("the Denver Broncos", ["Denver Broncos"], 1.0, 1.0),  # articles dropped
    ("An apple", ["apple"], 1.0, 1.0),
    ("theory", ["the ory"], 0.0, 0.0),  # "the" only as a whole word
    ("Santa Clara, California.", ["Santa Clara California"], 1.0, 1.0),  # ASCII punctuation dropped
    ('"Super Bowl L"', ["Super Bowl L"], 1.0, 1.0),  # ASCII quotes are punctuation
    ("\u201cSuper Bowl L\u201d", ["Super Bowl L"], 0.0, 1 / 3),  # curly quotes are NOT: "“super" != "super"
    ("24\u201310", ["24-10"], 0.0, 0.0),  # en dash kept, ASCII hyphen removed: "24–10" vs "2410"
    ("state-of-the-art", ["state of the art"], 0.0, 0.0),  # "stateoftheart" vs "state of art"
    ("Kim Jong Un\u2018s sister", ["Kim Jong Un's sister"], 0.0, 0.75),  # "un‘s" vs "uns"
    ("Denver", ["Denver Broncos", "Broncos"], 0.0, 2 / 3),  # max over references
    ("Broncos", ["Denver Broncos", "Broncos"], 1.0, 1.0),
    ("the the cat cat", ["cat"], 0.0, 2 / 3),  # token counts are clipped
    ("  Carolina   Panthers ", ["carolina panthers"], 1.0, 1.0),  # case and whitespace
    ("Caf\u00e9 M\u00fcller", ["caf\u00e9 m\u00fcller"], 1.0, 1.0),  # unicode letters lower-cased
    ("", ["Denver"], 0.0, 0.0),  # an empty answer is wrong
    ("", ["the"], 1.0, 0.0),  # official quirk: both normalize to "", EM 1 but F1 0
    ("a", ["an"], 1.0, 0.0),
    ("seven", ["7", "seven", "a minimum of seven"], 1.0, 1.0),
    ("at least seven", ["seven"], 0.0, 0.5),  # precision 1/3, recall 1
]


@pytest.mark.parametrize("prediction,references,em,f1", CASES)
def test_score_answer_hand_made(prediction, references, em, f1):
    got_em, got_f1 = score_answer(prediction, references)
    assert got_em == em
    assert got_f1 == pytest.approx(f1)


NORMALIZATION = [  # SQuAD v1.1 rules, worked by hand: lower, drop ASCII punctuation, drop a/an/the, squeeze spaces
    ("The  U.S. Navy's", "us navys"),
    ("An (early) start!", "early start"),
    ("theatre of the absurd", "theatre of absurd"),
    ("\u201cQuoted\u201d", "\u201cquoted\u201d"),  # curly quotes are not ASCII punctuation
    ("A-B", "ab"),
    ("\tTabs\nand\u00a0spaces ", "tabs and spaces"),  # every Unicode space splits words
    ("", ""),
]


@pytest.mark.parametrize("text,expected", NORMALIZATION)
def test_normalize_answer_rules(text, expected):
    from core.text import normalize_answer

    assert normalize_answer(text) == expected
    assert normalize_answer(expected) == expected  # idempotent


def test_metric_invariants_on_random_strings():
    rng = random.Random(7)
    vocab = ["the", "a", "An", "Denver", "denver,", "Broncos.", "\u201cquote\u201d", "'s", "-", "24\u201310",
             "caf\u00e9", "(1)", "x", "X!", "  ", "\u00a0", "\u03a9"]
    for _ in range(500):
        pred = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 5)))
        ref = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 4)))
        em, f1 = score_answer(pred, [ref])
        assert 0.0 <= f1 <= 1.0 and em in (0.0, 1.0)
        assert f1 == pytest.approx(score_answer(ref, [pred])[1])  # F1 is symmetric
        assert score_answer(pred, [ref, pred])[0] == 1.0  # the max over references
        if em and normalize(pred):
            assert f1 == 1.0


def normalize(text: str) -> str:
    from core.text import normalize_answer

    return normalize_answer(text)


def test_unanswerable_and_abstention_scoring():
    assert score_answer(None, []) == (1.0, 1.0)  # abstained on an unanswerable question: right
    assert score_answer("Pyongyang", []) == (0.0, 0.0)  # answered it: wrong
    assert score_answer(None, ["Denver"]) == (0.0, 0.0)  # abstained on an answerable question: wrong
    assert score_answer("", []) == (0.0, 0.0)  # an empty answer is still an answer, not an abstention


# --- retrieval -----------------------------------------------------------------------------------
def test_first_gold_rank():
    files = ["a.txt", "b.txt", "a.txt", "c.txt"]
    assert first_gold_rank(files, {"b.txt"}) == 2
    assert first_gold_rank(files, {"c.txt", "a.txt"}) == 1
    assert first_gold_rank(files, {"z.txt"}) is None
    assert first_gold_rank([], {"a.txt"}) is None


def test_recall_and_mrr():
    recall, mrr = recall_and_mrr([1, 3, None, 2])
    assert recall == pytest.approx(0.75)
    assert mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert recall_and_mrr([None, None]) == (0.0, 0.0)
    assert recall_and_mrr([]) == (None, None)


# --- latency percentiles ------------------------------------------------------------------------
def test_percentile_hand_made():
    assert percentile([100.0], 50) == 100.0
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([4, 1, 3, 2], 0) == 1 and percentile([4, 1, 3, 2], 100) == 4
    assert percentile(list(range(1, 21)), 95) == pytest.approx(19.05)
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_percentile_matches_numpy_linear():
    rng = random.Random(3)
    for n in (1, 2, 5, 17, 100):
        values = [rng.uniform(1, 2000) for _ in range(n)]
        for q in (50, 95, 99):
            assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


# --- outcomes and aggregation ----------------------------------------------------------------------
def test_classify():
    assert classify(False, True, 1.0, None, True) == CORRECT_ABSTENTION
    assert classify(False, False, 0.0, None, True) == FALSE_ANSWER
    assert classify(True, False, 1.0, 4, True) == CORRECT
    assert classify(True, False, 0.0, None, True) == RETRIEVAL_MISS
    assert classify(True, True, 0.0, None, True) == RETRIEVAL_MISS  # the root cause is retrieval
    assert classify(True, True, 0.0, 2, True) == FALSE_ABSTENTION
    assert classify(True, False, 0.0, 1, True) == WRONG_SPAN
    assert classify(True, False, 0.0, None, False) == WRONG_SPAN  # reader mode: no retrieval to blame


def _result(qid, answers, prediction, rank=1, latency=100.0, citations=(True,), negative=None, best_f1=None):
    em, f1 = score_answer(prediction, answers)
    returned = [] if prediction is None else [
        ReturnedAnswer(prediction, 0.5, [CitationCheck("a.txt", 0, len(prediction), ok) for ok in citations])]
    return QuestionResult(id=qid, question="q?", gold_answers=list(answers), gold_sources=["a.txt"] if answers else [],
                          prediction=prediction, answers=returned, exact_match=em, f1=f1, gold_rank=rank,
                          retrieved=["a.txt"], latency_ms=latency, top_score=0.5, threshold=0.1,
                          outcome=classify(bool(answers), prediction is None, em, rank, True),
                          best_span_f1=best_f1 if best_f1 is not None else (f1 if answers else None), negative=negative)


def test_aggregate_exact_keys_and_values():
    results = [
        _result("1", ["Denver Broncos"], "Denver Broncos", rank=1, latency=10),
        _result("2", ["Denver Broncos"], "Denver", rank=2, latency=20, citations=(True, False)),
        _result("3", ["seven"], None, rank=None, latency=30),
        _result("4", [], None, rank=None, latency=40),
        _result("5", [], "Pyongyang", rank=None, latency=50),
    ]
    m = aggregate(results, "open", 5, "abc123", retrieval_scored=True)
    assert tuple(m) == METRIC_KEYS
    assert (m["n"], m["n_answerable"], m["n_unanswerable"]) == (5, 3, 2)
    assert m["exact_match"] == pytest.approx(100 * (1 + 0 + 0 + 1 + 0) / 5)
    assert m["f1"] == pytest.approx(round(100 * (1 + 2 / 3 + 0 + 1 + 0) / 5, 2))
    assert m["has_ans_exact_match"] == pytest.approx(round(100 / 3, 2))
    assert m["has_ans_f1"] == pytest.approx(round(100 * (1 + 2 / 3) / 3, 2))
    assert m["no_ans_accuracy"] == 0.5
    assert m["recall_at_k"] == pytest.approx(round(2 / 3, 4))
    assert m["mrr"] == pytest.approx(round((1 + 0.5) / 3, 4))
    assert m["citations_valid"] == 0.75  # 4 citations returned (questions 1, 2, 2, 5), one wrong
    assert m["latency_ms"] == {"p50": 30.0, "p95": 48.0}
    assert (m["top_k"], m["mode"], m["git_commit"]) == (5, "open", "abc123")


def test_aggregate_reader_mode_and_negatives():
    neg = [NegativeResult("x.txt", 0.05, True), NegativeResult("y.txt", 0.4, False)]
    results = [_result("1", ["seven"], "seven", negative=neg[0]), _result("2", ["eight"], None, negative=neg[1],
                                                                          best_f1=1.0)]
    plain = aggregate(results, "reader", None, None, retrieval_scored=False)
    assert tuple(plain) == METRIC_KEYS
    assert plain["recall_at_k"] is None and plain["mrr"] is None and plain["no_ans_accuracy"] is None
    with_neg = aggregate(results, "reader", None, None, retrieval_scored=False, negatives=True)
    assert tuple(with_neg) == METRIC_KEYS + NEGATIVE_KEYS
    assert with_neg["negatives_abstain_rate"] == 0.5
    assert with_neg["has_ans_f1"] == 50.0  # the abstention costs the second question
    assert with_neg["has_ans_f1_no_threshold"] == 100.0  # its best span was right


def test_aggregate_without_citations_is_null():
    m = aggregate([_result("1", [], None)], "open", 5, None, retrieval_scored=True)
    assert m["citations_valid"] is None and m["recall_at_k"] is None and m["no_ans_accuracy"] == 1.0


# --- gold files ----------------------------------------------------------------------------------
def test_parse_jsonl_and_errors():
    qs = parse_jsonl('{"id": "a", "question": "Q?", "answers": ["x"], "sources": ["f.txt"]}\n\n'
                     '{"id": "b", "question": "R?", "answers": [], "sources": []}\n')
    assert [q.answerable for q in qs] == [True, False]
    for bad in ('{"id": "a", "question": "Q?", "answers": "x", "sources": []}',
                '{"id": "a", "question": "", "answers": [], "sources": []}',
                '{"id": "a", "question": "Q?", "answers": ["x"], "sources": []}',
                '{"id": "a", "question": "Q?", "answers": [], "sources": []}\n' * 2,
                "not json"):
        with pytest.raises(GoldFormatError):
            parse_jsonl(bad)


def test_parse_squad_names_and_negatives():
    doc = {"data": [
        {"title": "Sky_(United_Kingdom)", "paragraphs": [
            {"context": "Sky is a broadcaster.", "qas": [{"id": "q1", "question": "What is Sky?",
                                                          "answers": [{"text": "a broadcaster", "answer_start": 7}]}]},
            {"context": "It is British.", "qas": [{"id": "q2", "question": "Is it?", "answers": [],
                                                   "is_impossible": True}]}]},
        {"title": "Other", "paragraphs": [{"context": "Nothing here.", "qas": []}]},
    ]}
    paragraphs, questions = parse_squad(doc)
    assert [p.doc for p in paragraphs] == ["Sky__United_Kingdom-000.txt", "Sky__United_Kingdom-001.txt",
                                           "Other-000.txt"]
    assert questions[0].sources == ("Sky__United_Kingdom-000.txt",) and not questions[1].answerable
    neg = negative_paragraph(questions[0], paragraphs[0], paragraphs)
    assert neg.article != paragraphs[0].article
    assert neg == negative_paragraph(questions[0], paragraphs[0], paragraphs)  # deterministic
    assert document_name("Super_Bowl_50", 3) == "Super_Bowl_50-003.txt"
    with pytest.raises(GoldFormatError):
        parse_squad({"version": "1.1"})


# --- calibration -------------------------------------------------------------------------------
def _reading(scores: list[float]) -> PassageReading:
    text = "alpha beta gamma delta epsilon"
    p = Passage("f.txt:0-30", "f.txt", 0, len(text), text)
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    spans = tuple(Span(p, a, b, s, math.log(s / 0.1)) for (a, b), s in zip(words, scores))
    return PassageReading(p, spans)


@pytest.mark.parametrize("scale", [ScoreScale(), ScoreScale(0.26, -1.75)])
@pytest.mark.parametrize("scores", [[0.3, 0.2], [0.05], [0.1, 0.1, 0.09], []])
def test_assemble_answers_iff_best_score_reaches_threshold(scores, scale):
    """What the calibration assumes about ``qa.answers.assemble``, whatever the score scale."""
    readings = [_reading(scores)]
    best, _ = assemble(readings, 0.0, 1, scale=scale)
    for t in (0.0, 0.05, 0.0999, 0.1, 0.15, 0.25, 0.3, 0.31, 0.5, 1.0):
        answers, no_answer = assemble(readings, t, 1, scale=scale)
        assert bool(answers) == bool(best and best[0].score >= t)
        assert (no_answer is None) == bool(answers)


def test_curve_point_and_choose_threshold():
    samples = [Sample(0.9, 1.0, 1.0, 0.01), Sample(0.5, 0.0, 0.5, 0.02), Sample(0.2, 1.0, 1.0, 0.3),
               Sample(0.05, 0.0, 0.0, 0.04), Sample(0.6, 1.0, 1.0, 0.05)]
    p = curve_point(samples, 0.0)
    assert (p.negatives_abstain_rate, p.has_ans_f1, p.answered_rate) == (0.0, pytest.approx(70.0), 1.0)
    p = curve_point(samples, 0.25)
    assert p.negatives_abstain_rate == 0.8 and p.has_ans_f1 == pytest.approx(50.0)
    chosen = choose_threshold(samples, 0.8)  # 4 of 5 negatives must fall below: just above 0.05
    assert chosen.threshold == pytest.approx(0.0501) and chosen.negatives_abstain_rate == 0.8
    assert chosen.has_ans_f1 == pytest.approx(70.0)
    assert choose_threshold(samples, 1.0).threshold == pytest.approx(0.3001)
    assert choose_threshold(samples, 0.0).threshold == 0.0
    # the lowest feasible threshold is the best one: nothing lower reaches the rate, nothing higher has more F1
    for t in [i / 1000 for i in range(1001)]:
        q = curve_point(samples, t)
        if q.negatives_abstain_rate >= 0.8:
            assert t >= chosen.threshold - 1e-4 and q.has_ans_f1 <= chosen.has_ans_f1 + 1e-9


def test_choose_threshold_spends_an_f1_budget_on_abstaining():
    samples = [Sample(0.9, 1.0, 1.0, 0.01), Sample(0.5, 0.0, 0.5, 0.02), Sample(0.2, 1.0, 1.0, 0.3),
               Sample(0.05, 0.0, 0.0, 0.04), Sample(0.6, 1.0, 1.0, 0.05)]
    # no threshold: F1 70. Dropping 0.05 (F1 0) is free; dropping 0.2 costs 20 points, 0.5 another 10.
    assert choose_threshold(samples, 0.8, max_f1_loss=0.0).threshold == pytest.approx(0.2)
    assert choose_threshold(samples, 0.8, max_f1_loss=20.0).threshold == pytest.approx(0.5)
    assert choose_threshold(samples, 0.8, max_f1_loss=30.0).threshold == pytest.approx(0.6)
    for loss in (0.0, 5.0, 20.0, 30.0, 100.0):
        chosen = choose_threshold(samples, 0.8, max_f1_loss=loss)
        assert chosen.has_ans_f1 >= 70.0 - loss - 1e-9 and chosen.negatives_abstain_rate >= 0.8
        # nothing higher keeps the F1 budget
        higher = curve_point(samples, chosen.threshold + 1e-4)
        assert higher.has_ans_f1 < 70.0 - loss - 1e-9 or chosen.threshold >= 0.9
    # the abstain constraint wins over the budget
    assert choose_threshold(samples, 1.0, max_f1_loss=0.0).threshold == pytest.approx(0.3001)
    with pytest.raises(ValueError):
        choose_threshold(samples, 0.8, max_f1_loss=-1.0)


def test_cut_paragraph_is_a_hard_negative():
    text = ("The station opened in 1902 under the name Victoria Road. It was rebuilt after a fire in 1961. "
            "Today it serves two lines and about 9,000 passengers a day.")
    doc = {"version": "1.1", "data": [{"title": "Station", "paragraphs": [{"context": text, "qas": [
        {"id": "q1", "question": "When was it rebuilt?", "answers": [{"text": "1961", "answer_start": 87}]},
        {"id": "q2", "question": "What was it called?", "answers": [{"text": "Victoria Road", "answer_start": 42}]},
        {"id": "q3", "question": "What is it?", "answers": [{"text": "station", "answer_start": 4}]}]}]}]}
    paragraphs, questions = parse_squad(doc)
    cut = cut_paragraph(questions[0], paragraphs[0])
    assert cut is not None and "1961" not in cut.text and "fire" not in cut.text
    assert cut.text.startswith("The station opened in 1902") and cut.text.endswith("passengers a day.")
    assert cut.doc != paragraphs[0].doc and cut.article == paragraphs[0].article
    assert cut_paragraph(questions[1], paragraphs[0]) is None  # fewer than 100 characters would be left
    assert cut_paragraph(questions[2], paragraphs[0]) is None  # "station" is in the other sentences too


def test_mined_negative_is_the_closest_paragraph_of_the_article_without_the_answer():
    contexts = ["The station opened in 1902 under the name Victoria Road.",
                "The station was rebuilt after a fire; its new hall opened in 1965.",
                "A market is held in the square every Saturday.",
                "Victoria Road station had been planned since 1890.",
                "The council meets on Tuesdays in the town hall.", "Rain is expected over the weekend.",
                "The river flooded the lower fields twice last year."]
    doc = {"version": "1.1", "data": [
        {"title": "Station", "paragraphs": [{"context": c, "qas": [] if i else [
            {"id": "q1", "question": "When was the station opened?", "answers": [{"text": "1902", "answer_start": 23}]},
            {"id": "q2", "question": "What was the station called?",
             "answers": [{"text": "Victoria Road", "answer_start": 42}]},
            {"id": "q3", "question": "Who sells fish?", "answers": [{"text": "1902", "answer_start": 23}]}]}
            for i, c in enumerate(contexts)]},
        {"title": "Other", "paragraphs": [{"context": "The station opened in 1903 and closed in 1950.", "qas": []}]}]}
    paragraphs, questions = parse_squad(doc)
    mined = MinedNegatives(paragraphs)
    own = paragraphs[0]
    # the closest paragraph of the same article (never another article's, never its own)
    assert mined.for_question(questions[0], own).text == contexts[1]
    # a paragraph holding a reference answer is skipped, however close (the shorter paragraph 3 ranks first)
    assert mined.for_question(questions[1], own).text == contexts[1]
    assert "Victoria Road" in contexts[3]
    assert mined.for_question(questions[2], own) is None  # no paragraph shares a word with the question


def test_curve_point_reports_the_hard_negatives():
    samples = [Sample(0.9, 1.0, 1.0, 0.01, 0.5), Sample(0.5, 0.0, 0.5, 0.02, None), Sample(0.2, 1.0, 1.0, 0.3, 0.1)]
    assert curve_point(samples, 0.3).hard_abstain_rate == 0.5
    assert curve_point(samples, 0.6).hard_abstain_rate == 1.0
    assert curve_point(samples[1:2], 0.6).hard_abstain_rate is None


def test_spread_is_even_and_deterministic():
    items = list(range(10))
    assert spread(items, 5) == [0, 2, 4, 6, 8]
    assert spread(items, 3) == [0, 3, 6]
    assert spread(items, None) == items and spread(items, 50) == items


# --- answer scores: fitted so that a score estimates the chance of an exact match ---------------
def test_fit_scale_recovers_a_known_logistic_relation():
    from eval.fit_scores import expected_calibration_error, fit_scale

    rng = random.Random(7)
    evidence = [rng.uniform(-4, 16) for _ in range(4000)]
    exact = [rng.random() < 1 / (1 + math.exp(-(0.3 * e - 2.0))) for e in evidence]
    scale = fit_scale(evidence, exact)
    assert scale.scale == pytest.approx(0.3, abs=0.05) and scale.offset == pytest.approx(-2.0, abs=0.3)
    fitted = [scale.score(e) for e in evidence]
    assert expected_calibration_error(fitted, exact) < 0.03
    # the identity scale is far off for the same data
    assert expected_calibration_error([1 / (1 + math.exp(-e)) for e in evidence], exact) > 0.1


def test_fit_scale_refuses_data_it_cannot_fit():
    from eval.fit_scores import fit_scale

    with pytest.raises(ValueError):
        fit_scale([1.0, 2.0, 3.0], [True, True, True])
    with pytest.raises(ValueError):  # higher evidence, fewer exact matches: not a usable scale
        fit_scale([float(i) for i in range(100)], [i < 50 for i in range(100)])


def test_reliability_bins_cover_every_score():
    from eval.fit_scores import reliability

    rows = reliability([0.05, 0.65, 0.69, 1.0], [False, True, False, True])
    assert sum(r["n"] for r in rows) == 4
    assert rows[0] == {"bin": "[0.0, 0.2)", "n": 1, "mean_score": 0.05, "exact_rate": 0.0}
    assert rows[3]["n"] == 2 and rows[3]["exact_rate"] == 0.5 and rows[-1]["n"] == 1


def test_score_scale_is_monotone_and_validated():
    from qa.calibration import ScoreScale

    s = ScoreScale(0.25, -1.5)
    assert s.score(-50) < s.score(0) < s.score(6) < s.score(50) <= 1.0
    assert s.score(6) == pytest.approx(0.5)
    assert ScoreScale().score(0.0) == 0.5
    for bad in ((0.0, 0.0), (-1.0, 0.0), (float("nan"), 0.0), (1.0, float("inf"))):
        with pytest.raises(ValueError):
            ScoreScale(*bad)


def test_reader_takes_its_score_scale_from_citeqa_json(tmp_path):
    import json

    from qa.calibration import ScoreScale
    from qa.reader import TransformersReader

    (tmp_path / "citeqa.json").write_text(json.dumps({"no_answer_threshold": 0.2,
                                                      "score_scale": {"scale": 0.26, "offset": -1.7}}))
    reader = TransformersReader(str(tmp_path))
    assert reader.no_answer_threshold == 0.2 and reader.score_scale == ScoreScale(0.26, -1.7)
    (tmp_path / "citeqa.json").write_text(json.dumps({"no_answer_threshold": 0.05}))
    assert TransformersReader(str(tmp_path)).score_scale == ScoreScale()
    for broken in ('{"no_answer_threshold": 0.05, "score_scale": {"scale": 0.3}}', '{"score_scale": 1}', "not json",
                   '{"no_answer_threshold": 0.1, "score_scale": {"scale": -1, "offset": 0}}'):
        (tmp_path / "citeqa.json").write_text(broken)
        with pytest.raises(ValueError, match="not a valid reader calibration"):
            TransformersReader(str(tmp_path))


def test_fit_scores_refuses_the_training_file_and_bad_options(tmp_path, capsys):
    from eval.fit_scores import main

    assert main(["--squad", str(tmp_path / "train-v1.1.json"), "--out", str(tmp_path / "o")]) == 2
    assert "never on the training file" in capsys.readouterr().err
    assert main(["--squad", str(tmp_path / "dev.json"), "--top-k", "0", "--out", str(tmp_path / "o")]) == 2
    assert "--top-k" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
