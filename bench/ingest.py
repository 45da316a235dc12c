"""Speed of the ingest steps that run on every article: format extraction and time expressions.

    python -m bench.ingest [--repeats 20]

Prints JSON: the median extraction time of each fixture page, feed and export
(``tests/fixtures/news``), and the mean time to find the time expressions of a ~160-token passage
of the seed articles (``index.dates.find_time_mentions``, run on every passage at index time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "news"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    from index.dates import find_time_mentions
    from index.formats import format_for
    import_s = time.perf_counter() - t0

    extraction: dict[str, dict[str, float]] = {}
    for path in sorted(FIXTURES.iterdir()):
        data = path.read_bytes()
        fmt = format_for(path.name, data)
        if fmt is None:
            continue
        try:
            first = time.perf_counter()
            fmt.extract(path.name, data)  # the first use loads trafilatura's and htmldate's data
        except Exception:  # the refused fixtures (no article, broken feed) are not timed
            continue
        first_ms = (time.perf_counter() - first) * 1000
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            fmt.extract(path.name, data)
            times.append((time.perf_counter() - t) * 1000)
        extraction[path.name] = {"bytes": len(data), "median_ms": round(statistics.median(times), 2),
                                 "first_ms": round(first_ms, 2)}

    words = " ".join(f.read_text(encoding="utf-8") for f in sorted((REPO / "seeds").glob("*.txt"))).split()
    passages = [" ".join(words[i:i + 120]) for i in range(0, len(words), 120)]  # ~160 tokens each
    t = time.perf_counter()
    for _ in range(args.repeats):
        for passage in passages:
            find_time_mentions(passage, date(2025, 11, 7))
    per_passage = (time.perf_counter() - t) * 1000 / (args.repeats * len(passages))
    print(json.dumps({"import_formats_s": round(import_s, 3), "extraction": extraction,
                      "time_mentions_ms_per_passage": round(per_passage, 3), "passages": len(passages),
                      "repeats": args.repeats}, indent=2))


if __name__ == "__main__":
    main()
