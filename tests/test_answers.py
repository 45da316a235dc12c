"""Spans → answers: grouping facts, exact citations, thresholds (hand-made reader output)."""

from __future__ import annotations

import math

from qa.answers import answer_key, assemble, candidates_from, group_answers
from qa.reader import tidy_span
from core.types import Passage, PassageReading, Span


def passage(file: str, original: str, start: int, end: int) -> Passage:
    return Passage(f"{file}:{start}-{end}", file, start, end, original[start:end])


def reading(p: Passage, *spans: tuple[str, float], null: float = 1.0) -> PassageReading:
    """Spans with probabilities as if from one reader window: evidence = log(probability / null)."""
    out = []
    for text, score in spans:
        at = p.text.index(text)
        out.append(Span(p, at, at + len(text), score, math.log(score / null)))
    return PassageReading(p, tuple(out))


A = "Intro line.\nThe JCS said the missile flew roughly 700 kilometers (435 miles) before landing."
B = "Seoul said it flew about 700 kilometers (435 miles) into the sea."
C = "The missile travelled around 700 kilometres before landing in the sea."
D = "Another launch, in 2024, flew 400 km after lifting off."


def test_same_fact_in_several_files_is_one_answer_with_exact_citations():
    pa, pb, pc, pd = (passage("a.txt", A, 12, len(A)), passage("b.txt", B, 0, len(B)),
                      passage("c.txt", C, 0, len(C)), passage("d.txt", D, 0, len(D)))
    readings = [reading(pa, ("roughly 700 kilometers", 0.8)), reading(pb, ("700 kilometers", 0.7)),
                reading(pc, ("around 700 kilometres", 0.6)), reading(pd, ("400 km", 0.5))]
    answers, no_answer = assemble(readings, threshold=0.3, max_answers=5)
    assert no_answer is None
    top = answers[0]
    assert top.text == "700 kilometers"
    assert sorted(c.file for c in top.citations) == ["a.txt", "b.txt"]
    originals = {"a.txt": A, "b.txt": B, "c.txt": C, "d.txt": D}
    for answer in answers:
        for c in answer.citations:
            assert originals[c.file][c.start:c.end] == answer.text == c.text
            assert c.context == originals[c.file][c.context_start:c.context_start + len(c.context)]
    texts = [a.text for a in answers]
    # another spelling is not glued on as an inexact citation: it stays a separate, exact answer
    assert any("kilometres" in t for t in texts)
    # a different fact (another launch) is a different answer
    assert "400 km" in texts


def test_overlapping_spans_in_one_place_collapse_to_the_best():
    p1 = passage("a.txt", A, 0, 60)
    p2 = passage("a.txt", A, 12, len(A))
    readings = [reading(p2, ("roughly 700 kilometers", 0.8), ("700 kilometers (435 miles)", 0.4))]
    cands = candidates_from(readings)
    assert len(cands) == 1 and cands[0].text == "roughly 700 kilometers"
    assert all(A[c.start:c.end] == c.text for c in cands)
    assert p1.text == A[0:60]


def test_below_threshold_is_no_answer():
    pb = passage("b.txt", B, 0, len(B))
    answers, no_answer = assemble([reading(pb, ("700 kilometers", 0.2))], threshold=0.5, max_answers=3)
    assert answers == []
    # the score is the reader's preference for the span over "no answer": 0.2 / (0.2 + 1.0)
    assert no_answer is not None and abs(no_answer.score - 0.2 / 1.2) < 1e-9 and no_answer.threshold == 0.5
    answers, no_answer = assemble([], threshold=0.5, max_answers=3)
    assert answers == [] and no_answer.score == 0.0


def test_max_answers_and_ranking():
    pd = passage("d.txt", D, 0, len(D))
    answers, _ = assemble([reading(pd, ("400 km", 0.9), ("2024", 0.6), ("lifting off", 0.4))], 0.1, 2)
    assert [a.text for a in answers] == ["400 km", "2024"]
    assert answers[0].score >= answers[1].score


def test_answer_key_sets_hedges_and_spelling_aside():
    assert answer_key("roughly 700 kilometers") == answer_key("700 kilometres") == "700 kilometers"
    assert answer_key("The Iskander") == "iskander"
    assert answer_key("400 km") != answer_key("700 km")
    assert answer_key("12:35 p.m. local time") == answer_key("12:35 p.m.") != answer_key("12:35 a.m.")


def test_group_answers_keeps_every_citation_exact():
    pa, pb = passage("a.txt", A, 12, len(A)), passage("b.txt", B, 0, len(B))
    answers = group_answers(candidates_from([reading(pa, ("roughly 700 kilometers", 0.9)),
                                             reading(pb, ("about 700 kilometers", 0.8))]))
    assert len(answers) == 1 and answers[0].text == "700 kilometers" and len(answers[0].citations) == 2


def test_a_place_the_reader_scores_below_the_threshold_is_no_citation():
    """The same words read weakly elsewhere ("Beijing" in "Lee called on Beijing to ...") are not a second source
    of the answer, nor an answer of their own; read strongly, they are."""
    e = "Tokyo delivered a protest note to Pyongyang through its embassy in Beijing, officials said."
    f = "During the summit, Lee called on Beijing to play a stronger role."
    pe, pf = passage("e.txt", e, 0, len(e)), passage("f.txt", f, 0, len(f))
    weak = [reading(pe, ("Beijing", 0.9), null=0.1), reading(pf, ("Beijing", 0.002), ("Lee", 0.01), null=0.9)]
    answers, no_answer = assemble(weak, threshold=0.18, max_answers=5)
    assert no_answer is None and answers[0].text == "Beijing"
    assert [c.file for c in answers[0].citations] == ["e.txt"]
    assert [a.text for a in group_answers(candidates_from(weak), cite_floor=0.18)].count("Beijing") == 1
    assert [c.file for c in group_answers(candidates_from(weak))[0].citations] == ["e.txt", "f.txt"]  # no floor
    strong = [weak[0], reading(pf, ("Beijing", 0.8), null=0.1)]
    answers, _ = assemble(strong, threshold=0.18, max_answers=5)
    assert [c.file for c in answers[0].citations] == ["e.txt", "f.txt"]


def test_tidy_span_trims_punctuation_but_keeps_abbreviations():
    text = 'He said "Busan." at 12:35 p.m. in the U.S., (fine)'
    assert text[slice(*tidy_span(text, 8, 16))] == "Busan"
    at = text.index("12:35")
    assert text[slice(*tidy_span(text, at, at + len("12:35 p.m.")))] == "12:35 p.m."
    at = text.index("U.S.")
    assert text[slice(*tidy_span(text, at, at + 5))] == "U.S."
    at = text.index("(fine)")
    assert text[slice(*tidy_span(text, at, at + 6))] == "fine"
    assert text[slice(*tidy_span(text, at + 1, at + 6))] == "fine"
    assert tidy_span("  ", 0, 2)[0] == tidy_span("  ", 0, 2)[1]


def test_relevance_weights_discount_less_similar_passages():
    from qa.answers import relevance_weights

    weights = relevance_weights({"p1": 0.62, "p2": 0.52, "p3": 0.62}, temperature=0.1)
    assert weights["p1"] == weights["p3"] == 1.0
    assert abs(weights["p2"] - 0.3679) < 1e-3
    assert relevance_weights({"p1": 0.5}, temperature=0.0) == {}
    pa, pd = passage("a.txt", A, 12, len(A)), passage("d.txt", D, 0, len(D))
    readings = [reading(pa, ("roughly 700 kilometers", 0.5)), reading(pd, ("400 km", 0.6))]
    unweighted, _ = assemble(readings, 0.1, 3)
    assert unweighted[0].text == "400 km"
    weighted, _ = assemble(readings, 0.1, 3, {pa.id: 1.0, pd.id: 0.5})
    # the weight multiplies the odds: 0.6 * 0.5 = 0.3 against 1.0
    assert weighted[0].text == "roughly 700 kilometers" and abs(weighted[1].score - 0.3 / 1.3) < 1e-9


def test_answers_from_different_passages_are_ranked_by_evidence_not_probability():
    """A passage that does not answer still puts all its probability on some span of its own; its
    logits stay low. The confident span of the passage that answers wins, whatever the probabilities."""
    pa, pd = passage("a.txt", A, 12, len(A)), passage("d.txt", D, 0, len(D))
    confident = PassageReading(pa, (Span(pa, pa.text.index("700"), pa.text.index("700") + 14, 0.4, 10.0),))
    spread_out = PassageReading(pd, (Span(pd, D.index("400 km"), D.index("400 km") + 6, 0.9, 1.0),))
    answers, no_answer = assemble([spread_out, confident], 0.5, 3)
    assert no_answer is None and [a.text for a in answers] == ["700 kilometers", "400 km"]
    assert abs(answers[0].score - 1 / (1 + math.exp(-10.0))) < 1e-9
    assert abs(answers[1].score - 1 / (1 + math.exp(-1.0))) < 1e-9


def test_returned_spans_never_have_unbalanced_brackets_or_quotes():
    from qa.reader import balance_span
    from core.text import unbalanced

    text = 'Liftoff came at 9:24 p.m. ET (0224 GMT on March 3) from pad "39A" [a note] and "the Cat in the Hat'
    cut = lambda a, b: text[slice(*balance_span(text, a, b))]
    assert cut(text.index("9:24"), text.index("on March")) == "9:24 p.m. ET "  # then tidy_span trims the space
    assert cut(text.index("0224"), text.index(") from") + 6) == "0224 GMT on March 3"
    assert cut(text.index('"39A'), text.index("[a") + 3) == '"39A" '
    assert cut(text.index("the Cat"), len(text)) == "the Cat in the Hat"
    assert unbalanced("(0224 GMT") and unbalanced('say "no') and not unbalanced("(ok) [fine] \u201cquote\u201d")
    for a in range(0, len(text), 3):  # every span, made balanced
        for b in range(a, len(text) + 1, 4):
            s, e = balance_span(text, a, b)
            assert a <= s <= e <= b and not unbalanced(text[s:e]), (a, b, text[s:e])


def test_alternatives_only_when_they_are_close_and_the_rest_is_the_runner_up():
    from qa.answers import ALTERNATIVE_RELATIVE, assemble_all

    p1 = Passage("a:0-40", "a.txt", 0, 40, "The USS George Washington arrived in Busan")
    p2 = Passage("b:0-40", "b.txt", 0, 40, "U.S. officials said the carrier had come")

    def reading(p, text, evidence):
        at = p.text.index(text)
        return PassageReading(p, (Span(p, at, at + len(text), 0.9, evidence),))

    strong, weak = 3.0, math.log(ALTERNATIVE_RELATIVE) - 1.0  # identity scale: sigmoid(evidence)
    readings = [reading(p1, "USS George Washington", strong), reading(p2, "U.S.", weak)]
    answers, no_answer, others, runner_up = assemble_all(readings, 0.0, 3)
    assert [a.text for a in answers] == ["USS George Washington"] and no_answer is None and others == []
    assert runner_up is not None and runner_up.text == "U.S."
    close = [reading(p1, "USS George Washington", strong), reading(p2, "U.S.", strong - 0.1)]
    answers, _, _, runner_up = assemble_all(close, 0.0, 3)
    assert [a.text for a in answers] == ["USS George Washington", "U.S."] and runner_up is None
    # a clause is no second answer, however close: it is the runner-up
    p3 = Passage("c:0-60", "c.txt", 0, 60, "The maiden flight in April used the neighboring pad, they said")
    clause = "The maiden flight in April used the neighboring pad"
    answers, _, _, runner_up = assemble_all([reading(p1, "USS George Washington", strong),
                                             reading(p3, clause, strong - 0.1)], 0.0, 3)
    assert [a.text for a in answers] == ["USS George Washington"] and runner_up.text == clause
    # the first answer itself may be long: the cap is for alternatives
    assert assemble_all([reading(p3, clause, strong)], 0.0, 3)[0][0].text == clause


def spans_of(p: Passage):
    """A maker of reader spans of ``p`` by their words."""
    def span(words: str, score: float, evidence: float) -> Span:
        at = p.text.index(words)
        return Span(p, at, at + len(words), score, evidence)
    return span


def test_a_place_is_shown_by_a_span_inside_one_sentence():
    from qa.answers import located_spans

    text = "Turnout stood at 39.4 percent, low by any standard. Graham Rourke won with 7,992 votes, ahead of U.S. Rep. Lee."
    span = spans_of(passage("vote.txt", text, 0, len(text)))

    across = span("39.4 percent, low by any standard. Graham Rourke won with 7,992", 0.5, 2.0)
    inside = [span("7,992", 0.3, 1.5), span("39.4 percent", 0.1, 0.5)]
    p = across.passage
    (shown, evidence), = located_spans(PassageReading(p, (across, *inside)))
    assert shown.text == "7,992"  # the best span within one sentence stands for the place
    assert abs(evidence - math.log(math.exp(2.0) + math.exp(1.5) + math.exp(0.5))) < 1e-9  # all its mass counts
    alone = located_spans(PassageReading(p, (across,)))
    assert alone[0][0] is across  # nothing inside a sentence overlaps it: it stays
    titled = span("U.S. Rep. Lee", 0.4, 1.0)  # abbreviations end no sentence
    assert located_spans(PassageReading(p, (titled,)))[0][0] is titled


def test_a_parenthesis_inside_an_answer_is_part_of_it_and_typed_alternatives_must_have_the_type():
    from qa.answer_types import type_prior
    from qa.answers import assemble_all, located_spans

    text = "The missile flew 700 kilometers (435 miles) before landing outside the zone, officials said."
    p = passage("km.txt", text, 0, len(text))
    span = spans_of(p)

    spans = (span("700 kilometers", 0.5, 3.0), span("700 kilometers (435 miles)", 0.2, 2.0), span("435", 0.1, 1.0),
             span("before landing outside the zone", 0.15, 2.5))
    places = located_spans(PassageReading(p, spans))
    assert [s.text for s, _ in places] == ["700 kilometers", "before landing outside the zone"]
    assert abs(places[0][1] - math.log(math.exp(3.0) + math.exp(2.0) + math.exp(1.0))) < 1e-9
    untyped = assemble_all([PassageReading(p, spans)], 0.0, 3)[0]
    assert [a.text for a in untyped] == ["700 kilometers", "before landing outside the zone"]
    typed = assemble_all([PassageReading(p, spans)], 0.0, 3, prior=type_prior("How far did it fly?", 6.0))[0]
    assert [a.text for a in typed] == ["700 kilometers"]


def test_the_variant_of_the_expected_type_stands_for_the_place():
    from qa.answer_types import type_prior
    from qa.answers import assemble_all

    text = "The rocket flew about 435 miles before it fell into the sea."
    p = passage("mi.txt", text, 0, len(text))
    span = spans_of(p)
    variants = (span("435", 0.5, 3.0), span("435 miles", 0.3, 2.5))
    assert assemble_all([PassageReading(p, variants)], 0.0, 1)[0][0].text == "435"  # the reader stops short
    typed = assemble_all([PassageReading(p, variants)], 0.0, 1, prior=type_prior("How far did it fly?", 6.0))[0]
    assert typed[0].text == "435 miles"  # the quantity with its unit, at the place's full evidence
