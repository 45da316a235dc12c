"""The team's news gold sets stay valid: every answer verbatim in a listed source, names as the indexer gives them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("check", [["eval/heldout3/check_answers.py"], ["eval/heldout4/check_answers.py", "--ingest"]])
def test_gold_set_checks_pass(check: list[str]) -> None:
    done = subprocess.run([sys.executable, *check], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problems" in done.stdout
