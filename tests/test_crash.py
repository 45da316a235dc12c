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
from tests.crash_step import NEW_TEXT, STEPS
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
@pytest.mark.parametrize("layered", [False, True], ids=["whole", "layered"])
def test_killed_writer_leaves_old_or_new_version(tmp_path, layered):
    """Random kills of a writer that keeps replacing and removing documents; ``layered``: updates go to a
    delta (``index.layers``), folded now and then."""
    corpus, index, journal = tmp_path / "corpus", tmp_path / "index", tmp_path / "journal.jsonl"
    corpus.mkdir()
    rng = random.Random(7)
    writer = [sys.executable, str(REPO / "tests" / "crash_writer.py"), str(corpus), str(index), str(journal)]
    kills_mid_update = 0
    for attempt in range(KILLS):
        proc = subprocess.Popen(writer + [str(attempt)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env={**os.environ, "TEST_LAYERED_FROM": "2" if layered else ""})
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


OLD_PIER = "Harbor crews finished the pier on Monday.\n\nThe new pier is 310 meters long.\n"


@pytest.mark.slow
@pytest.mark.parametrize("change", ["add", "replace", "remove"])
@pytest.mark.parametrize("step", STEPS)
def test_a_writer_killed_at_each_step_of_a_change(tmp_path, change, step):
    """Killed between any two steps of one change, the folder and the index are each old or new, the
    index loads, and start-up reconciliation leaves them in line (``citeqa check`` clean)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "pier.txt").write_text(OLD_PIER, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=index, reader_model="unused")
    QAService(settings, embedder=HashEmbedder()).build_index()
    before = FaissStore(index).load()
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "crash_step.py"), str(corpus), str(index), change, step],
                          cwd=REPO, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]

    name = "bridge.txt" if change == "add" else "pier.txt"
    on_disk = (corpus / name).read_bytes() if (corpus / name).exists() else None
    old = OLD_PIER.encode() if change != "add" else None
    new = {"add": NEW_TEXT.replace(b"pier", b"bridge"), "replace": NEW_TEXT, "remove": None}[change]
    assert on_disk in (old, new)
    live = FaissStore(index).load()  # never corrupt, never half-written
    assert live.version == before.version or step in ("current_switched", "published")
    service = QAService(settings, embedder=HashEmbedder())
    service.build_index()  # what the server does at start-up
    assert not list(index.glob(".tmp-*"))
    assert check_consistency(settings) == []
    reconciled = service.store.load()
    if on_disk is None:
        assert name not in reconciled.documents
    else:
        passages = [p for p in reconciled.passages if p.file == name]
        text = on_disk.decode()
        assert passages and all(text[p.start:p.end] == p.text for p in passages)
