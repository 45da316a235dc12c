"""End-to-end runs of ``eval.run.main`` on the real models: our gold JSONL and a tiny SQuAD file.

The reader may be an early snapshot (``CITEQA_TEST_READER``), so only structure and the
correctness of what is measured are asserted, never quality numbers.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path

import pytest

from eval.metrics import METRIC_KEYS, NEGATIVE_KEYS, OUTCOMES
from eval.run import main
from tests.conftest import GOLD_DEV, SEEDS, reader_model_path

PREDICTION_FIELDS = {"id", "question", "gold_answers", "gold_sources", "prediction", "answers", "exact_match", "f1",
                     "gold_rank", "retrieved", "latency_ms", "top_score", "threshold", "outcome"}

TINY_SQUAD = {"version": "1.1", "data": [
    {"title": "Riverton", "paragraphs": [
        {"context": "Riverton is a market town on the river Alde. It was founded in 1207 by Bishop Walter "
                    "Grey, who built the first stone bridge across the river.",
         "qas": [{"id": "riv-0-0", "question": "When was Riverton founded?",
                  "answers": [{"text": "1207"}, {"text": "in 1207"}]},
                 {"id": "riv-0-1", "question": "Who built the first stone bridge in Riverton?",
                  "answers": [{"text": "Bishop Walter Grey"}]}]},
        {"context": "The town's weekly market is held every Thursday in the square in front of St Mary's "
                    "church. About 12,000 people live in Riverton today.",
         "qas": [{"id": "riv-1-0", "question": "On which day is the Riverton market held?",
                  "answers": [{"text": "Thursday"}]},
                 {"id": "riv-1-1", "question": "How many people live in Riverton?",
                  "answers": [{"text": "About 12,000"}, {"text": "12,000"}]}]},
    ]},
    {"title": "Glass (material)", "paragraphs": [
        {"context": "Glass is an amorphous solid made mostly of silica, which melts at about 1,700 degrees "
                    "Celsius. Soda-lime glass is the most common kind and is used for windows and bottles.",
         "qas": [{"id": "gl-0-0", "question": "What is glass mostly made of?",
                  "answers": [{"text": "silica"}]},
                 {"id": "gl-0-1", "question": "Who invented the telephone?", "answers": [],
                  "is_impossible": True}]},  # SQuAD 2.0 style: loads as unanswerable
    ]},
]}


def _set_offsets(data: dict) -> None:
    """``answer_start`` as in the official files: where the answer text is in its context."""
    for article in data["data"]:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                for a in qa["answers"]:
                    a["answer_start"] = p["context"].index(a["text"])


@pytest.fixture(scope="module")
def tiny_squad(tmp_path_factory) -> tuple[Path, Path]:
    """The same tiny SQuAD file, plain and gzipped."""
    data = copy.deepcopy(TINY_SQUAD)
    _set_offsets(data)
    folder = tmp_path_factory.mktemp("squad")
    plain, zipped = folder / "tiny-v1.1.json", folder / "tiny-v1.1.json.gz"
    plain.write_text(json.dumps(data), encoding="utf-8")
    zipped.write_bytes(gzip.compress(json.dumps(data).encode("utf-8")))
    return plain, zipped


def _contexts() -> dict[str, str]:
    from eval.goldsets import parse_squad

    paragraphs, _ = parse_squad(TINY_SQUAD)
    return {p.doc: p.text for p in paragraphs}


def _check_outputs(out: Path, n: int, extra_keys: tuple[str, ...] = ()) -> tuple[dict, list[dict]]:
    for name in ("metrics.json", "predictions.jsonl", "report.md"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert tuple(metrics) == METRIC_KEYS + extra_keys
    assert metrics["n"] == n == metrics["n_answerable"] + metrics["n_unanswerable"]
    assert set(metrics["latency_ms"]) == {"p50", "p95"} and metrics["latency_ms"]["p50"] > 0
    for key in ("exact_match", "f1", "has_ans_exact_match", "has_ans_f1"):
        assert 0.0 <= metrics[key] <= 100.0
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == n
    for row in rows:
        assert PREDICTION_FIELDS <= set(row)
        assert row["outcome"] in OUTCOMES
        assert (row["prediction"] is None) == (not row["answers"])
    n_citations = sum(len(a["citations"]) for r in rows for a in r["answers"])
    if n_citations:
        assert metrics["citations_valid"] == 1.0
    else:
        assert metrics["citations_valid"] is None
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| metric | value | target | status |" in report
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", report)
    assert images and all((out / image).is_file() and (out / image).stat().st_size > 1000 for image in images)
    return metrics, rows


def _verify_citations(rows: list[dict], original) -> None:
    """Independently of the run: every cited range of every answer is the answer's text."""
    for row in rows:
        for answer in row["answers"]:
            for c in answer["citations"]:
                assert c["valid"] and original(c["file"])[c["start"]:c["end"]] == answer["text"]


@pytest.mark.integration
def test_gold_jsonl_open_mode(tmp_path, capsys):
    out = tmp_path / "dev"
    assert main(["--gold", str(GOLD_DEV), "--out", str(out), "--limit", "5", "--corpus", str(SEEDS),
                 "--reader", reader_model_path()]) == 0
    metrics, rows = _check_outputs(out, 5)
    from core.settings import Settings

    default_top_k = Settings().top_k
    assert (metrics["mode"], metrics["top_k"]) == ("open", default_top_k)
    assert metrics["recall_at_k"] is not None and 0.0 <= metrics["mrr"] <= metrics["recall_at_k"] <= 1.0
    assert [r["id"] for r in rows] == ["d01", "d02", "d03", "d04", "d05"]  # the first five, in file order
    assert all(len(r["retrieved"]) == default_top_k for r in rows)
    _verify_citations(rows, lambda name: (SEEDS / name).read_text(encoding="utf-8"))
    assert "EM=" in capsys.readouterr().out


@pytest.mark.integration
def test_squad_open_mode_indexes_paragraphs_once(tmp_path, tiny_squad):
    plain, _ = tiny_squad
    cache = tmp_path / "cache"
    args = ["--gold", str(plain), "--reader", reader_model_path(), "--cache-dir", str(cache), "--top-k", "2"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    metrics, rows = _check_outputs(tmp_path / "a", 6)
    assert (metrics["mode"], metrics["top_k"]) == ("open", 2)
    assert (metrics["n_answerable"], metrics["n_unanswerable"]) == (5, 1)
    assert metrics["recall_at_k"] is not None and metrics["no_ans_accuracy"] in (0.0, 1.0)
    assert all(0 < len(r["retrieved"]) <= 2 for r in rows)
    contexts = _contexts()
    _verify_citations(rows, contexts.__getitem__)
    (folder,) = cache.iterdir()
    assert sorted(p.name for p in (folder / "corpus").iterdir()) == sorted(contexts)
    assert sorted(contexts) == ["Glass_material-000.txt", "Riverton-000.txt", "Riverton-001.txt"]
    version = (folder / "index" / "CURRENT").read_text()
    # a second run reuses the cached corpus and index (same version, nothing re-embedded)
    assert main(args + ["--out", str(tmp_path / "b"), "--limit", "1"]) == 0
    assert (folder / "index" / "CURRENT").read_text() == version
    _check_outputs(tmp_path / "b", 1)


@pytest.mark.integration
def test_squad_reader_mode_with_and_without_negatives(tmp_path, tiny_squad):
    _, zipped = tiny_squad
    base = ["--gold", str(zipped), "--mode", "reader", "--reader", reader_model_path()]
    assert main(base + ["--out", str(tmp_path / "plain")]) == 0
    metrics, rows = _check_outputs(tmp_path / "plain", 6)
    assert (metrics["mode"], metrics["top_k"], metrics["recall_at_k"], metrics["mrr"]) == ("reader", None, None, None)
    _verify_citations(rows, _contexts().__getitem__)

    assert main(base + ["--out", str(tmp_path / "neg"), "--negatives"]) == 0
    metrics, rows = _check_outputs(tmp_path / "neg", 6, NEGATIVE_KEYS)
    assert 0.0 <= metrics["negatives_abstain_rate"] <= 1.0
    assert metrics["has_ans_f1"] <= metrics["has_ans_f1_no_threshold"]  # a threshold only removes answers
    for row in rows:  # the negative paragraph comes from the other article
        own_article = "Riverton" if row["id"].startswith("riv") else "Glass_material"
        assert row["negative"]["doc"].split("-")[0] != own_article
        hard = row["hard_negative"]
        if hard is not None:  # its own paragraph, minus the answer's sentence
            assert hard["doc"].split("-")[0] == own_article and hard["doc"].endswith("-cut.txt")
        mined = row["mined_negative"]
        if mined is not None:  # another paragraph of its own article, without any reference answer
            assert mined["doc"].split("-")[0] == own_article and mined["doc"] not in row["gold_sources"]
            assert not any(a.lower() in _contexts()[mined["doc"]].lower() for a in row["gold_answers"])
    for key in ("hard_negatives_abstain_rate", "mined_negatives_abstain_rate"):
        assert metrics[key] is None or 0.0 <= metrics[key] <= 1.0
    assert any(row["mined_negative"] is not None for row in rows)

    assert main(base + ["--out", str(tmp_path / "sample"), "--sample", "3"]) == 0
    _, rows = _check_outputs(tmp_path / "sample", 3)
    assert [r["id"] for r in rows] == ["riv-0-0", "riv-1-0", "gl-0-0"]  # evenly spaced, in file order


def test_help_and_usage_errors(tmp_path, capsys):
    assert main(["--help"]) == 0
    assert "--gold" in capsys.readouterr().out
    # reader mode needs SQuAD paragraphs; --negatives needs reader mode: refused before any model loads
    assert main(["--gold", str(GOLD_DEV), "--out", str(tmp_path), "--mode", "reader"]) == 2
    assert main(["--gold", str(GOLD_DEV), "--out", str(tmp_path), "--negatives"]) == 2
    assert main(["--gold", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path)]) == 2
    assert main(["--gold", str(GOLD_DEV), "--out", str(tmp_path), "--limit", "0"]) == 2
    assert main(["--gold", str(GOLD_DEV), "--out", str(tmp_path), "--limit", "2", "--sample", "2"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "metrics.json").exists()


def test_citations_are_checked_against_each_formats_text():
    """A citation of a web page or of one article of a feed indexes into the extracted text, so the
    evaluation reads that text again from the original file, never the raw markup."""
    from eval.run import CorpusTexts

    news = Path(__file__).parent / "fixtures" / "news"
    texts = CorpusTexts(news)
    page = texts("harbor-bridge.html")
    raw = (news / "harbor-bridge.html").read_text(encoding="utf-8")
    assert page is not None and "$212 million" in page and "<p" not in page and page != raw
    assert "Accept all cookies" not in page  # the page's boilerplate is not part of the text
    item = texts("wire.rss#hw-2025-0414-fog")
    assert item is not None and "<item" not in item and item != texts("wire.rss#hw-2025-0412-strike")
    assert texts("wire.rss#no-such-item") is None and texts("missing.html") is None
    assert texts("broken.rss") is None  # a feed that does not parse has no text to cite
    seed = next(SEEDS.glob("*.txt"))
    assert CorpusTexts(SEEDS)(seed.name) == seed.read_text(encoding="utf-8")
