"""Speed figures on this machine: index build, warm `ask` latency, reader latency per paragraph.

    python -m bench.latency [--corpus seeds] [--reader models/reader] [--repeats 30]

Prints JSON. The reader figure is the issue's yardstick: one question against one paragraph of
~256 tokens (question included), warm, median over repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

QUESTIONS = [
    "How far did the missile fly on November 7?", "Which missile model do officials believe was fired?",
    "What time was the missile launched?", "Where did the USS George Washington arrive?",
    "How many soldiers has Pyongyang sent to Russia?", "Who met Russian military officials in Pyongyang?",
]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default="seeds")
    p.add_argument("--reader", default=None, help="reader checkpoint (default: settings)")
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args(argv)

    from qa.service import QAService
    from core.settings import Settings
    from core.types import Passage

    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"reader_model": args.reader} if args.reader else {}
        settings = Settings(corpus_dir=Path(args.corpus), index_dir=Path(tmp) / "index", answer_cache_size=0,
                            reading_cache_size=0, **overrides)  # every ask computed in full
        service = QAService(settings)
        t0 = time.perf_counter()
        service.warm_up(load_index=False)
        load_s = time.perf_counter() - t0
        report = service.build_index()
        service.reload()

        ask_ms = []
        for i in range(args.repeats):
            t = time.perf_counter()
            service.ask(QUESTIONS[i % len(QUESTIONS)])
            ask_ms.append((time.perf_counter() - t) * 1000)

        tokenizer = service.reader._tokenizer
        text = " ".join(p.text for p in service.snapshot.passages[:4])
        ids = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        question = QUESTIONS[0]
        budget = 256 - 3 - len(tokenizer(question, add_special_tokens=False)["input_ids"])
        paragraph = text[:ids["offset_mapping"][budget - 1][1]]
        passage = Passage("bench:0", "bench.txt", 0, len(paragraph), paragraph)
        service.reader.read(question, [passage])
        read_ms = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            service.reader.read(question, [passage])
            read_ms.append((time.perf_counter() - t) * 1000)

    print(json.dumps({
        "models_load_s": round(load_s, 2),
        "index_build_s": round(report.seconds, 2), "files": report.files, "passages": report.passages,
        "ask_ms": {"p50": round(statistics.median(ask_ms), 1), "p95": round(sorted(ask_ms)[int(0.95 * (len(ask_ms) - 1))], 1)},
        "reader_one_256_token_paragraph_ms": {"p50": round(statistics.median(read_ms), 1), "min": round(min(read_ms), 1)},
        "top_k": settings.top_k, "repeats": args.repeats,
    }, indent=2))


if __name__ == "__main__":
    main()
