"""The whole path on the real seed files and the real models: index → retrieve → read → cite."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.text import normalize_answer
from tests.conftest import GOLD_DEV, REPO, make_settings

pytestmark = pytest.mark.integration


def assert_citations_verifiable(result, corpus_dir):
    for answer in result.answers:
        assert 0.0 <= answer.score <= 1.0
        assert answer.citations, answer
        for c in answer.citations:
            original = (corpus_dir / c.file).read_bytes().decode("utf-8")
            assert original[c.start:c.end] == answer.text
            assert original[c.context_start:c.context_start + len(c.context)] == c.context
            assert c.context[c.start - c.context_start:c.end - c.context_start] == answer.text


def test_missile_distance_is_answered_and_cited_by_two_articles(service, settings):
    result = service.ask("How far did the missile fly on November 7?")
    assert result.answers, result.no_answer
    assert_citations_verifiable(result, settings.corpus_dir)
    distance = [a for a in result.answers if "700 kilomet" in normalize_answer(a.text)]
    assert distance, [a.text for a in result.answers]
    assert len({c.file for c in distance[0].citations}) >= 2


def test_every_dev_question_gets_verifiable_citations(service, settings):
    questions = [json.loads(line) for line in GOLD_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(questions) >= 20
    for q in questions:
        result = service.ask(q["question"])
        assert (result.no_answer is None) == bool(result.answers)
        assert_citations_verifiable(result, settings.corpus_dir)
        assert [p.id for p in result.passages] and len(result.passages) == settings.top_k


def test_answer_scores_are_the_fitted_scale_of_the_readers_evidence(service):
    """``ask`` scores with the reader's fitted ScoreScale (from citeqa.json), exactly as assemble does."""
    from qa.answers import assemble, relevance_weights
    from qa.calibration import ScoreScale
    from qa.timing import TimeScorer

    scale = service.reader.score_scale
    assert scale != ScoreScale() and service.threshold == service.reader.no_answer_threshold
    question = "How far did the missile fly?"  # no time named: the temporal signal only dates the answers
    result = service.ask(question)
    retrieved = service._retriever.retrieve(question, service.settings.top_k)
    readings = service.reader.read(question, [r.passage for r in retrieved])[:result.passages_read]
    weights = relevance_weights({r.passage.id: r.similarity for r in retrieved}, service.settings.relevance_temperature)
    judge = TimeScorer(None, service.settings.time_weight, [r.passage for r in retrieved]).judge
    expected, _ = assemble(readings, 0.0, service.settings.max_answers, weights, scale, judge=judge)
    # the same passages read in other batches (other padding) move the logits by ~1e-6
    assert [a.text for a in result.answers] == [a.text for a in expected]
    assert [a.score for a in result.answers] == pytest.approx([a.score for a in expected], abs=1e-5)
    unscaled, _ = assemble(readings, 0.0, 1, weights)
    assert unscaled[0].text == result.answers[0].text and unscaled[0].score != result.answers[0].score


def test_a_question_about_a_date_is_answered_from_the_event_of_that_date(service):
    result = service.ask("How far did the missile fly on November 7?")
    top = result.answers[0]
    assert (top.text, top.event_date, top.time_match) == ("700 kilometers", "2025-11-07", True)
    assert {c.file for c in top.citations} == {"000_b9218daaeae66024.txt", "001_3c090a879fdee27d.txt"}
    assert result.matched_time.text == "on November 7" and not result.matched_time.year_known
    assert result.other_events and all(a.time_match is False and a.event_date != "2025-11-07"
                                       for a in result.other_events)
    # the October 31, 2024 ICBM is shown as another event, cited from its own article
    icbm = next(a for a in result.other_events if a.text == "1,000 kilometers")
    assert icbm.event_date == "2024-10-31" and {c.file for c in icbm.citations} == {"004_caf35074ae88e316.txt"}
    # the same question without the date: every launch's distance, each dated by its event
    undated = service.ask("How far did the missile fly?", max_answers=10)
    assert {"2025-11-07", "2024-10-31"} <= {a.event_date for a in undated.answers}
    assert all(a.time_match is None for a in undated.answers)


def test_unrelated_question_gets_no_answer(service):
    result = service.ask("What is the boiling point of mercury in degrees Celsius?")
    assert result.answers == ()
    assert result.no_answer is not None and result.no_answer.score < result.no_answer.threshold


def test_top_k_is_respected_and_validated(service):
    from core.errors import InvalidRequest

    assert len(service.ask("Who is Kim Yo Jong?", top_k=2).passages) == 2
    for bad in (0, 51):
        with pytest.raises(InvalidRequest):
            service.ask("Who is Kim Yo Jong?", top_k=bad)
    for bad in ("", "   \n\t"):
        with pytest.raises(InvalidRequest, match="empty"):
            service.ask(bad)
    with pytest.raises(InvalidRequest, match="1000"):
        service.ask("why " * 300)


def test_hybrid_retrieval_finds_names_and_numbers(service):
    top = service.ask("What is the name of the uninhabited island targeted by the missile?").passages
    assert any("Alsom" in p.text for p in top[:3])
    top = service.ask("How many soldiers has Pyongyang sent to support Russia?").passages
    assert any("15,000" in p.text for p in top[:3])


def test_cli_index_and_ask_json(tmp_path, seed_corpus):
    settings = make_settings(seed_corpus, tmp_path / "index")
    env = {"CITEQA_CORPUS_DIR": str(settings.corpus_dir), "CITEQA_INDEX_DIR": str(settings.index_dir),
           "CITEQA_READER_MODEL": settings.reader_model, "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "cli"]
    built = subprocess.run(cli + ["index"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "files: 5" in built.stdout and "skipped: 0" in built.stdout and "seconds:" in built.stdout
    asked = subprocess.run(cli + ["ask", "How far did the missile fly on November 7?", "--json", "--top-k", "5"],
                           env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert asked.returncode == 0, asked.stderr
    payload = json.loads(asked.stdout)
    assert set(payload) == {"question", "answers", "no_answer", "matched_time", "other_events", "runner_up", "filters",
                            "timings_ms"}
    for answer in payload["answers"]:
        for c in answer["citations"]:
            original = (seed_corpus / c["file"]).read_bytes().decode("utf-8")
            assert original[c["start"]:c["end"]] == answer["text"]
    bad = subprocess.run(cli + ["ask", "   "], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "empty" in bad.stderr


def test_cli_refuses_a_mismatched_index(tmp_path, seed_corpus):
    env = {"CITEQA_CORPUS_DIR": str(seed_corpus), "CITEQA_INDEX_DIR": str(tmp_path / "index"),
           "CITEQA_READER_MODEL": make_settings(seed_corpus, tmp_path).reader_model, "HF_HUB_OFFLINE": "1",
           "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "cli"]
    assert subprocess.run(cli + ["index"], env=env, cwd=REPO, capture_output=True, timeout=300).returncode == 0
    env["CITEQA_CHUNK_TOKENS"] = "120"
    asked = subprocess.run(cli + ["ask", "Who fired the missile?"], env=env, cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    assert asked.returncode == 2
    assert "built differently" in asked.stderr and "citeqa index" in asked.stderr


def test_cli_check_reports_drift(tmp_path):
    import shutil

    from tests.conftest import SEEDS

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    env = {"CITEQA_CORPUS_DIR": str(corpus), "CITEQA_INDEX_DIR": str(tmp_path / "index"),
           "CITEQA_READER_MODEL": make_settings(corpus, tmp_path).reader_model, "HF_HUB_OFFLINE": "1",
           "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "cli"]
    assert subprocess.run(cli + ["index"], env=env, cwd=REPO, capture_output=True, timeout=300).returncode == 0
    ok = subprocess.run(cli + ["check"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and "agree" in ok.stdout
    first = sorted(corpus.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    (corpus / "added.txt").write_text("A new article about a bridge.\n", encoding="utf-8")
    drift = subprocess.run(cli + ["check"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert drift.returncode == 1
    assert f"{first.name}: changed on disk" in drift.stdout and "added.txt: in" in drift.stdout
    assert subprocess.run(cli + ["index"], env=env, cwd=REPO, capture_output=True, timeout=300).returncode == 0
    assert subprocess.run(cli + ["check"], env=env, cwd=REPO, capture_output=True, timeout=300).returncode == 0


def _undated_dev_questions() -> list[str]:
    from eval.goldsets import load_gold
    from qa.question_time import parse_question_time

    return [q.question for q in load_gold(GOLD_DEV).questions if q.answerable
            and parse_question_time(q.question, __import__("datetime").date(2026, 12, 1)) is None]


def test_reading_in_order_reads_less_and_answers_the_same(service, settings):
    """Against reading all top_k passages: the same top answer with at least as many citations, fewer
    passages read (the unread ones still cited by string search when they state the answer)."""
    from qa.service import QAService

    everything = QAService(settings.model_copy(update={"read_in_order": False, "answer_cache_size": 0}),
                           embedder=service.embedder, reader=service.reader)
    everything.reload()
    in_order = QAService(settings.model_copy(update={"answer_cache_size": 0}), embedder=service.embedder,
                         reader=service.reader)
    in_order.reload()
    read, questions = 0, _undated_dev_questions()
    assert len(questions) >= 15
    for q in questions:
        full, quick = everything.ask(q), in_order.ask(q)
        assert full.passages_read == len(full.passages) == settings.top_k
        assert [a.text for a in quick.answers[:1]] == [a.text for a in full.answers[:1]], q
        if full.answers:
            assert len(quick.answers[0].citations) >= len(full.answers[0].citations), q
            original = {c.file: (settings.corpus_dir / c.file).read_text(encoding="utf-8")
                        for c in quick.answers[0].citations}
            assert all(original[c.file][c.start:c.end] == quick.answers[0].text for c in quick.answers[0].citations)
        read += quick.passages_read
    assert read < 0.8 * settings.top_k * len(questions)


@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_the_int8_reader_agrees_with_fp32(service, settings, runtime):
    from qa.service import reader_for

    fp32, int8 = (reader_for(settings, precision=p, runtime=runtime) for p in ("fp32", "int8"))
    fp32.warm_up()
    int8.warm_up()
    assert service.reader.precision == ("int8" if settings.model_runtime == "onnx" else "fp32")  # the default
    same = 0
    questions = _undated_dev_questions()
    for q in questions:
        passages = list(service.ask(q).passages)
        best = lambda readings: max(((s.text, s.score) for r in readings for s in r.spans), key=lambda x: x[1],
                                    default=(None, 0.0))[0]
        same += best(fp32.read(q, passages)) == best(int8.read(q, passages))
    assert same >= 0.85 * len(questions), f"{same}/{len(questions)}"
