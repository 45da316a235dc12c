"""SIGKILL a writer at random points, many times: the index always loads, old or new, never a mix."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.consistency import check_consistency
from index.store import FaissStore
from qa.service import QAService
from core.settings import Settings
from tests.conftest import REPO
from tests.hash_embedder import HashEmbedder

KILLS = 25


def journal_states(journal: Path) -> tuple[list[list[str]], list[str] | None]:
    """(documents of every committed state, documents of the last pending update or None)."""
    committed: list[list[str]] = [[]]
    pending = None
    if journal.exists():
        for line in journal.read_text().splitlines():
            record = json.loads(line)
            if record["event"] == "pending":
                pending = record["documents"]
            else:
                committed.append(record["documents"])
                pending = None
    return committed, pending


@pytest.mark.slow
def test_killed_writer_leaves_old_or_new_version(tmp_path):
    corpus, index, journal = tmp_path / "corpus", tmp_path / "index", tmp_path / "journal.jsonl"
    corpus.mkdir()
    rng = random.Random(7)
    writer = [sys.executable, str(REPO / "tests" / "crash_writer.py"), str(corpus), str(index), str(journal)]
    kills_mid_update = 0
    for attempt in range(KILLS):
        proc = subprocess.Popen(writer + [str(attempt)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # let it start (import + reconcile) and then run some updates before the kill
        deadline = time.monotonic() + 60
        start_lines = len(journal.read_text().splitlines()) if journal.exists() else 0
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and len(journal.read_text().splitlines()) > start_lines:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

        committed, pending = journal_states(journal)
        kills_mid_update += pending is not None
        store = FaissStore(index)
        snapshot = store.load()  # never corrupt, never half-written
        live = sorted(snapshot.documents)
        allowed = [committed[-1]] + ([pending] if pending is not None else [])
        assert live in allowed, (live, allowed)
        # internally whole: every passage belongs to a listed document, counts agree
        per_file: dict[str, int] = {}
        for p in snapshot.passages:
            per_file[p.file] = per_file.get(p.file, 0) + 1
        assert per_file == {n: e.passages for n, e in snapshot.documents.items() if e.passages}
        if pending is not None:  # the update never completed: forget it so the next run's journal is clean
            with open(journal, "a") as f:
                f.write(json.dumps({"event": "committed", "documents": live}) + "\n")

    assert kills_mid_update >= 3, "the kills never landed inside an update"
    # start-up reconciliation brings folder and index back in line, leftovers are gone
    service = QAService(Settings(corpus_dir=corpus, index_dir=index, reader_model="unused"), embedder=HashEmbedder())
    service.build_index()
    assert not list(index.glob(".tmp-*"))
    assert check_consistency(service.settings) == []
