"""The team's news gold sets stay valid: every answer verbatim in a listed source, names as the indexer gives them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval.gold_check import problems

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("check", ["eval/heldout3/check_answers.py", "eval/heldout4/check_answers.py"])
def test_gold_set_checks_pass(check: str) -> None:
    done = subprocess.run([sys.executable, check, "--ingest"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problems" in done.stdout


def test_the_check_finds_a_bad_gold(tmp_path: Path) -> None:
    docs = {"a.txt": "The ferry left Brannock at 6:40 a.m. on Tuesday with 212 passengers aboard."}
    rows = [
        {"id": "ok", "question": "When did the ferry leave?", "answers": ["6:40 a.m."], "sources": ["a.txt"], "kind": "answerable"},
        {"id": "typo", "question": "How many passengers?", "answers": ["221"], "sources": ["a.txt"], "kind": "answerable"},
        {"id": "copy", "question": "Who left Brannock at 6:40 a.m. on Tuesday?", "answers": ["The ferry"], "sources": ["a.txt"], "kind": "answerable"},
        {"id": "undated", "question": "When did it leave?", "answers": ["6:40 a.m."], "sources": ["a.txt"], "kind": "dated"},
        {"id": "u", "question": "Who was captain?", "answers": ["Tuesday"], "sources": ["a.txt"], "kind": "unanswerable"},
        {"id": "gone", "question": "Where to?", "answers": ["Skerra"], "sources": ["b.txt"], "kind": "answerable"},
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found, kinds = problems(gold, docs)
    flagged = {p.split(":")[0] for p in found}
    assert flagged == {"typo", "copy", "undated", "u", "gone"}
    assert kinds[("answerable", True)] == 4
