"""Vector search at archive sizes: flat against HNSW and IVF, by corpus size.

    python -m bench.scale [--sizes 1000 10000 100000] [--real 4000] [--queries 200] [--k 20]

Vectors: the embeddings (all-MiniLM-L6-v2, the product's embedder) of ``--real`` SQuAD 1.1
paragraphs (train then dev, ``../shared/data/squad``), embedded once and cached in
``.citeqa/bench-scale/`` (never committed). Beyond them, generated vectors: a real vector plus
Gaussian noise (sigma 0.05 per dimension), renormalised, so the collection keeps the topical
clusters of real text. Queries: embeddings of SQuAD dev questions. For every size and index kind
(``index.vectors``, with the parameters ``choose`` picks for that size) it prints build rate,
search p50 / p95 (k nearest, one query at a time), recall@k against flat, the index's size in
memory (serialized bytes), and the time to load it back from bytes; a table, and a figure
(``--out``/scale.png: search p50 and recall against size).

The whole index at these sizes (build, load, RSS, retrieval and full ``ask`` latency, one-article
updates) is ``python -m bench.archive``; ``--archive`` runs it after this one, for the same sizes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SQUAD = Path("../shared/data/squad")
CACHE = Path(".citeqa/bench-scale")
NOISE = 0.05


def squad_texts(limit: int) -> tuple[list[str], list[str]]:
    paragraphs, questions = [], []
    for name in ("train-v1.1.json.gz", "dev-public-v1.1.json.gz"):
        for article in json.loads(gzip.open(SQUAD / name).read())["data"]:
            for paragraph in article["paragraphs"]:
                paragraphs.append(paragraph["context"])
                if name.startswith("dev"):
                    questions += [qa["question"] for qa in paragraph["qas"][:1]]
    return paragraphs[:limit], questions


def embedded(real: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph vectors, question vectors), embedded once and cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"squad-{real}-{queries}.npz"
    if path.is_file():
        data = np.load(path)
        return data["passages"], data["queries"]
    from core.settings import Settings
    from qa.service import embedder_for

    embedder = embedder_for(Settings())
    embedder.warm_up()
    paragraphs, questions = squad_texts(real)
    step = max(1, len(questions) // queries)
    print(f"embedding {len(paragraphs)} SQuAD paragraphs and {queries} questions (once) ...", file=sys.stderr)
    p = embedder.embed_passages(paragraphs, show_progress=True)
    q = embedder.embed_queries(questions[::step][:queries])
    np.savez(path, passages=p, queries=q)
    return p, q


def collection(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    if n <= len(real):
        return real[:n]
    rng = np.random.default_rng(seed)
    extra = real[rng.integers(0, len(real), n - len(real))] + rng.normal(0, NOISE, (n - len(real), real.shape[1]))
    extra = (extra / np.linalg.norm(extra, axis=1, keepdims=True)).astype(np.float32)
    return np.concatenate([real, extra])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(vectors: np.ndarray, queries: np.ndarray, kind: str, k: int, exact: np.ndarray | None) -> dict:
    import faiss

    from index.vectors import build, choose, configure, search

    params = choose(len(vectors), kind)
    started = time.perf_counter()
    index = build(vectors, params)
    build_s = time.perf_counter() - started
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = search(index, params, vectors, q[None, :], k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    blob = faiss.serialize_index(index)
    started = time.perf_counter()
    configure(faiss.deserialize_index(blob), params)
    load_s = time.perf_counter() - started
    found_arr = np.array(found)
    rec = 1.0 if exact is None else float(np.mean([len(set(f) & set(e)) / k for f, e in zip(found_arr, exact)]))
    return {"kind": kind, "params": params.to_json(), "build_s": round(build_s, 2),
            "build_per_s": round(len(vectors) / max(build_s, 1e-9)), "p50_ms": round(statistics.median(times), 3),
            "p95_ms": round(percentile(times, 0.95), 3), f"recall@{k}": round(rec, 4),
            "index_mb": round(blob.nbytes / 2**20, 1), "load_s": round(load_s, 2), "_ids": found_arr}


def plot(path: Path, rows: list[dict], k: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for kind in sorted({r["kind"] for r in rows}):
        sub = [r for r in rows if r["kind"] == kind]
        a.plot([r["n"] for r in sub], [r["p50_ms"] for r in sub], marker="o", label=kind)
        b.plot([r["n"] for r in sub], [r[f"recall@{k}"] for r in sub], marker="o", label=kind)
    for ax, label in ((a, "search p50 (ms)"), (b, f"recall@{k} vs flat")):
        ax.set_xscale("log")
        ax.set_xlabel("passages")
        ax.set_ylabel(label)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    p.add_argument("--real", type=int, default=4000, help="SQuAD paragraphs embedded (the rest is generated)")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--k", type=int, default=20)
    p.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf"])
    p.add_argument("--threads", type=int, default=0, help="FAISS threads (0: all cores)")
    p.add_argument("--out", type=Path, default=Path("bench/results/scale"))
    p.add_argument("--archive", action="store_true", help="then the whole index at the same sizes (bench.archive)")
    args = p.parse_args(argv)
    if not (SQUAD / "train-v1.1.json.gz").is_file():
        p.error(f"SQuAD not found in {SQUAD}")
    import faiss

    if args.threads:
        faiss.omp_set_num_threads(args.threads)
    real, queries = embedded(args.real, args.queries)
    rows = []
    for n in args.sizes:
        vectors = collection(real, n)
        exact = None
        for kind in ["flat"] + [k for k in args.kinds if k != "flat"]:
            row = measure(vectors, queries, kind, args.k, exact)
            if kind == "flat":
                exact = row["_ids"]
            row.pop("_ids")
            row["n"] = n
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps({"rows": rows, "real_vectors": len(real), "noise": NOISE,
                                                     "k": args.k, "queries": len(queries)}, indent=2) + "\n")
    plot(args.out / "scale.png", rows, args.k)
    lines = [f"| passages | index | build /s | search p50 / p95 ms | recall@{args.k} vs flat | size MB | load s |",
             "|---:|---|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['kind']} | {r['build_per_s']:,} | {r['p50_ms']} / {r['p95_ms']} | "
                     f"{r[f'recall@{args.k}']} | {r['index_mb']} | {r['load_s']} |")
    print("\n".join(lines))
    if args.archive:  # its own process: its memory figures are then its own
        import subprocess

        return subprocess.run([sys.executable, "-m", "bench.archive", "--sizes", *map(str, args.sizes)]).returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
