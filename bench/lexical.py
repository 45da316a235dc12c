"""Lexical engines at scale: citeqa's term counts (``index.lexical``, today's) against bm25s (sparse
matrices, scores precomputed) and rank_bm25 (pure Python), on real text.

    python -m bench.lexical [--passages 100000] [--queries 200]

Passages are windows of two sentences of SQuAD 1.1 train + dev paragraphs (``../shared/data/squad``,
about 21k paragraphs; repeated with a suffix when more are asked for), tokenized by
``index.lexical.bm25_tokens``; queries are SQuAD dev questions. Prints, per engine: build time,
query latency p50 / p95 (scores of every passage plus the top 50), the cost of one update
(bm25s and rank_bm25 rebuild from the token lists: neither supports adding a document in place;
the term counts keep every row but the first and count one new passage: ``LexicalIndex.spliced``),
RSS growth, and whether they rank alike (overlap of the top 10 with bm25s).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import statistics
import time
from pathlib import Path

import numpy as np

SQUAD = Path("../shared/data/squad")


def passages(n: int) -> list[str]:
    out: list[str] = []
    for name in ("train-v1.1.json.gz", "dev-public-v1.1.json.gz"):
        data = json.loads(gzip.open(SQUAD / name).read())
        for article in data["data"]:
            for paragraph in article["paragraphs"]:
                sentences = re.split(r"(?<=[.!?])\s+", paragraph["context"])
                out += [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
    base = len(out)
    while len(out) < n:
        out.append(out[len(out) % base] + f" copy{len(out) // base}")
    return out[:n]


def questions(k: int) -> list[str]:
    data = json.loads(gzip.open(SQUAD / "dev-public-v1.1.json.gz").read())
    qs = [q["question"] for a in data["data"] for p in a["paragraphs"] for q in p["qas"]]
    return [qs[i * len(qs) // k] for i in range(k)]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.lexical", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--passages", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    args = p.parse_args(argv)

    import bm25s
    from rank_bm25 import BM25Okapi

    from index.lexical import LexicalIndex, bm25_tokens

    texts = passages(args.passages)
    t = time.perf_counter()
    tokens = [bm25_tokens(x) for x in texts]
    tokenize_s = time.perf_counter() - t
    queries = [bm25_tokens(q) for q in questions(args.queries)]
    results: dict[str, dict] = {}
    tops: dict[str, list[np.ndarray]] = {}

    def build_rank_bm25():
        return BM25Okapi(tokens)

    def build_bm25s():
        engine = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        engine.index(tokens, show_progress=False)
        return engine

    def build_term_counts():
        return LexicalIndex.from_tokens(tokens)

    updates = {"rank_bm25": build_rank_bm25, "bm25s": build_bm25s,
               "term_counts": lambda: engine.spliced([(1, len(tokens)), [tokens[0]]])}
    for name, build in (("rank_bm25", build_rank_bm25), ("bm25s", build_bm25s), ("term_counts", build_term_counts)):
        before = rss_mb()
        t = time.perf_counter()
        engine = build()
        build_s = time.perf_counter() - t
        grown = rss_mb() - before
        times, top = [], []
        for q in queries:
            t = time.perf_counter()
            scores = np.asarray(engine.get_scores(q) if name != "term_counts" else engine.scores(q))
            best = np.argpartition(-scores, 50)[:50]
            best = best[np.argsort(-scores[best])]
            times.append((time.perf_counter() - t) * 1000)
            top.append(best[:10])
        t = time.perf_counter()
        updates[name]()  # an update
        update_s = time.perf_counter() - t
        results[name] = {"build_s": round(build_s, 2), "query_p50_ms": round(statistics.median(times), 2),
                         "query_p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
                         "update_s": round(update_s, 2), "rss_growth_mb": round(grown, 1)}
        tops[name] = top
        del engine
    overlap = {name: round(statistics.mean(len(set(a) & set(b)) / 10 for a, b in zip(tops[name], tops["bm25s"])), 3)
               for name in ("rank_bm25", "term_counts")}
    print(json.dumps({"passages": len(texts), "tokenize_s": round(tokenize_s, 1), "engines": results,
                      "top10_overlap_with_bm25s": overlap}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
