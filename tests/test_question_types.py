"""Question types of the evaluation report (``eval.question_types``): hand-worked cases. No models."""

from eval.metrics import QuestionResult
from eval.question_types import TYPES, by_type, question_type


def test_types_of_news_and_squad_questions():
    cases = {
        "Who is the head coach of the Broncos?": "who",
        "Whose idea was the wall?": "who",
        "When did the strike end?": "when",
        "At what time was the missile launched on Nov. 7?": "what time",
        "On what date did the storm make landfall?": "what date",
        "In which year was the treaty signed?": "what year",
        "How many people lived in Warsaw in 1939?": "how many",
        "How much did the repairs cost?": "how much",
        "How deep was the earthquake?": "how far/long/big",
        "How far did the missile fly?": "how far/long/big",
        "Where was the missile launched from?": "where",
        "Which aircraft carrier arrived in Busan?": "which/what <noun>",
        "What element makes up almost half of the earth's crust?": "which/what <noun>",
        "What is the name of the program?": "what",
        "Why did the talks fail?": "why",
        "How did the fire start?": "how",
        "The principle was developed 100 years before who?": "who",
        "Name the river.": "other",
        "": "other",
    }
    assert {q: question_type(q) for q in cases} == cases
    assert set(cases.values()) <= set(TYPES)


def result(question: str, em: float, f1: float, prediction: str | None, never: float) -> QuestionResult:
    return QuestionResult(id=question, question=question, gold_answers=["x"], gold_sources=[], prediction=prediction,
                          answers=[], exact_match=em, f1=f1, gold_rank=None, retrieved=[], latency_ms=1.0,
                          top_score=0.5, threshold=0.2, outcome="correct", best_span="x", best_span_f1=never)


def test_by_type_averages_answerable_questions_per_type():
    rows = by_type([result("Who won?", 1, 1, "x", 1), result("Who lost?", 0, 0.5, None, 0.5),
                    result("Where is it?", 0, 0, "y", 0),
                    QuestionResult(id="u", question="Who else?", gold_answers=[], gold_sources=[], prediction=None,
                                   answers=[], exact_match=1, f1=1, gold_rank=None, retrieved=[], latency_ms=1,
                                   top_score=0.1, threshold=0.2, outcome="correct abstention")])
    assert rows == [
        {"type": "who", "questions": 2, "exact_match": 50.0, "f1": 75.0, "f1_never_abstaining": 75.0, "abstained": 0.5},
        {"type": "where", "questions": 1, "exact_match": 0.0, "f1": 0.0, "f1_never_abstaining": 0.0, "abstained": 0.0}]
