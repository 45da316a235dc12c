"""Subprocess for tests/test_crash.py: make one corpus change and SIGKILL itself at a named step of it.

    python tests/crash_step.py CORPUS INDEX CHANGE STEP

CHANGE is add | replace | remove; STEP is one of ``STEPS`` (in the order a change takes them).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import index.corpus  # noqa: E402
import index.segments  # noqa: E402
import index.store  # noqa: E402
from core.settings import Settings  # noqa: E402
from qa.service import QAService  # noqa: E402
from tests.hash_embedder import HashEmbedder  # noqa: E402

STEPS = ("prepared", "file_written", "version_half_written", "version_written", "current_switched", "published")
NEW_TEXT = b"The pier reopened on Friday.\n\nThe new pier is 410 meters long.\n"


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(step: str, service: QAService) -> None:
    if step == "prepared":  # embedded, before the writer lock and any write
        index.corpus.merge = lambda *a, **k: die()
    elif step == "file_written":  # the corpus file is written (or deleted), the index not yet
        write, unlink = index.corpus.write_atomically, Path.unlink

        def write_then_die(path, data):
            write(path, data)
            die()

        def unlink_then_die(self, *a, **k):
            unlink(self, *a, **k)
            if self.parent == service.settings.corpus_dir:
                die()

        index.corpus.write_atomically = write_then_die
        Path.unlink = unlink_then_die
    elif step == "version_half_written":  # inside the new segment's (or version's) temporary folder
        synced = index.store.write_synced

        def first_write_then_die(path, data):  # a removal writes no segment, only the manifest
            synced(path, data)
            die()

        index.store.write_synced = index.segments.write_synced = first_write_then_die
    elif step in ("version_written", "current_switched"):  # around the switch of CURRENT
        atomic = index.store.write_atomically

        def around_current(path, data):
            if Path(path).name == "CURRENT" and step == "version_written":
                die()
            atomic(path, data)
            if Path(path).name == "CURRENT":
                die()

        index.store.write_atomically = around_current
    elif step == "published":  # the version is live on disk, not yet in memory
        service.corpus._publish = lambda snapshot: die()
    else:
        raise SystemExit(f"unknown step {step!r}")


def main(corpus: str, index_dir: str, change: str, step: str) -> None:
    service = QAService(Settings(corpus_dir=corpus, index_dir=index_dir, reader_model="unused"), embedder=HashEmbedder())
    service.reload()
    arm(step, service)
    if change == "add":
        service.corpus.upsert("bridge.txt", NEW_TEXT.replace(b"pier", b"bridge"))
    elif change == "replace":
        service.corpus.upsert("pier.txt", NEW_TEXT)
    else:
        service.corpus.remove("pier.txt")
    raise SystemExit("the change finished without reaching its kill step")


if __name__ == "__main__":
    main(*sys.argv[1:5])
