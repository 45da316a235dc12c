"""Subprocess for tests/test_crash.py: updates the index forever until it is SIGKILLed.

Before each update it appends the state it is about to commit to ``journal`` ("pending ..."),
and after the update returns it appends "committed ..." — both fsynced — so the test knows
which versions may legitimately be live after a kill.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.service import QAService  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.hash_embedder import HashEmbedder  # noqa: E402


def log(journal: Path, record: dict) -> None:
    with open(journal, "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def main(corpus: str, index: str, journal: str, seed: int) -> None:
    if os.environ.get("TEST_LAYERED_FROM"):  # updates in layers (index.layers) from this many passages
        from index import layers

        layers.LAYERED_FROM = int(os.environ["TEST_LAYERED_FROM"])
        layers.FOLD_MIN = 3  # and folded now and then
    rng = random.Random(seed)
    service = QAService(Settings(corpus_dir=corpus, index_dir=index, reader_model="unused"), embedder=HashEmbedder())
    service.build_index()  # reconcile with the folder, as the server does at start-up
    service.reload()
    journal_path = Path(journal)
    log(journal_path, {"event": "committed", "documents": sorted(service.snapshot.documents), "reconciled": True})
    while True:
        docs = dict(service.snapshot.documents)
        name = f"doc{rng.randrange(6)}.txt"
        if name in docs and rng.random() < 0.4:
            after = sorted(set(docs) - {name})
            log(journal_path, {"event": "pending", "documents": after})
            service.corpus.remove(name)
        else:
            words = " ".join(rng.choice(["missile", "Seoul", "launch", "bridge", "700", "km"]) for _ in range(400))
            text = f"Article {name} revision {rng.random():.6f}.\n\n" + ". ".join(words[i:i + 80] for i in range(0, len(words), 80))
            after = sorted(set(docs) | {name})
            log(journal_path, {"event": "pending", "documents": after})
            service.corpus.upsert(name, text.encode())
        log(journal_path, {"event": "committed", "documents": after, "version": service.snapshot.version})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
