"""Latency against answers, in one table: each way of reading, on the seeds and on SQuAD open mode.

    python -m bench.latency [--squad-sample 200] [--repeats 2] [--out bench/results/latency]

For every configuration — the default (onnxruntime, smoothed int8 reader, reading in order of promise,
top_k 8), top_k 5, top_k 8 reading every passage, the fp32 and the plain (not smoothed) int8 reader, and
the torch runtime's precisions — it prints ``ask`` p50/p95 (warm,
answer and reading caches off, one question at a time, the configurations interleaved question by question), reader tokens read per question and the F1
of the top answer: on the seed articles (``eval/gold/dev.jsonl``, each question ``--repeats``
times) and on SQuAD dev-public open mode (``--squad-sample`` questions over its 1,048 paragraphs,
the index the evaluation built under ``.citeqa/eval-cache``). Also one 256-token paragraph read
alone, per runtime and precision. Writes ``latency.json`` and ``latency.png`` (p50 against F1) into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PLAIN_INT8 = "<the reader without its int8 calibration>"  # a copy made at run time (see main)

CONFIGS: dict[str, dict[str, Any]] = {
    "default (onnx int8 smoothed, in order, top_k 8)": {},
    "top_k 5": {"top_k": 5},
    "top_k 8, read all": {"read_in_order": False},
    "onnx fp32": {"reader_precision": "fp32"},
    "onnx int8, not smoothed": {"reader_precision": "int8", "reader_model": PLAIN_INT8},
    "torch fp32": {"model_runtime": "torch"},
    "torch int8 (attention)": {"model_runtime": "torch", "reader_precision": "int8"},
    "torch bf16": {"model_runtime": "torch", "reader_precision": "bf16"},
}
READERS = (("onnx", "fp32"), ("onnx", "int8"), ("torch", "fp32"), ("torch", "int8"), ("torch", "bf16"))
SQUAD = Path("../shared/data/squad/dev-public-v1.1.json.gz")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(services: dict[str, Any], questions, repeats: int, counter) -> dict[str, dict[str, float]]:
    """Every service asked every question ``repeats`` times, interleaved question by question (this VM's speed
    drifts by tens of percent over minutes: configurations measured one after another were not comparable)."""
    from core.text import f1_score, metric_max_over_ground_truths

    times: dict[str, list[float]] = {name: [] for name in services}
    tokens: dict[str, list[int]] = {name: [] for name in services}
    f1s: dict[str, list[float]] = {name: [] for name in services}
    for _ in range(repeats):
        for q in questions:
            for name, service in services.items():
                t = time.perf_counter()
                result = service.ask(q.question)
                times[name].append((time.perf_counter() - t) * 1000)
                read = list(result.passages[:result.passages_read])
                tokens[name].append(counter.encode(q.question, read).tokens if read else 0)  # reader windows' tokens
                if q.answerable:
                    prediction = result.answers[0].text if result.answers else None
                    f1s[name].append(metric_max_over_ground_truths(f1_score, prediction, q.answers) if prediction else 0.0)
    return {name: {"p50_ms": round(statistics.median(times[name]), 1), "p95_ms": round(percentile(times[name], 0.95), 1),
                   "tokens_read": round(statistics.mean(tokens[name]), 1),
                   "f1": round(100 * statistics.mean(f1s[name]), 2) if f1s[name] else None,
                   "questions": len(questions)} for name in services}


def one_paragraph_ms(reader, text: str, repeats: int = 30) -> float:
    from core.types import Passage

    question = "How far did the missile fly on November 7?"
    first = reader.encode(question, [Passage("bench:0", "bench.txt", 0, len(text), text)])
    paragraph = text[:first.offsets[0][int(first.contexts[0][-1])][1]]  # what the first 256-token window holds
    passage = Passage("bench:0", "bench.txt", 0, len(paragraph), paragraph)
    reader.read(question, [passage])
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        reader.read(question, [passage])
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def plot(path: Path, rows: dict[str, dict[str, dict[str, float]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, corpus in zip(axes, ("seeds", "squad_open")):
        for name, by_corpus in rows.items():
            r = by_corpus.get(corpus)
            if r and r["f1"] is not None:
                ax.scatter(r["p50_ms"], r["f1"])
                ax.annotate(name, (r["p50_ms"], r["f1"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_title(corpus)
        ax.set_xlabel("ask p50 (ms)")
        ax.set_ylabel("F1 of the top answer")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", type=Path, default=Path("seeds"))
    p.add_argument("--gold", type=Path, default=Path("eval/gold/dev.jsonl"))
    p.add_argument("--squad-sample", type=int, default=200, help="SQuAD open-mode questions (0: skip SQuAD)")
    p.add_argument("--repeats", type=int, default=2, help="times each seed question is asked")
    p.add_argument("--out", type=Path, default=Path("bench/results/latency"))
    p.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS), metavar="NAME",
                   help="a subset of the configurations")
    args = p.parse_args(argv)

    from core.int8 import CALIBRATION_FILE
    from core.settings import Settings
    from eval.goldsets import load_gold, spread
    from eval.run import _squad_cache
    from qa.service import QAService, embedder_for, reader_for

    base = Settings(answer_cache_size=0, reading_cache_size=0)
    readers: dict[tuple[str, str, str], Any] = {}
    embedders: dict[str, Any] = {}

    tmp = tempfile.TemporaryDirectory()
    plain = Path(tmp.name) / "reader-without-int8-calibration"  # the same weights, int8 without smoothing
    plain.mkdir()
    for item in Path(base.reader_model).iterdir():
        if item.name != CALIBRATION_FILE:
            (plain / item.name).symlink_to(item.resolve())

    def reader(runtime: str, precision: str, model: str | None = None):
        model = str(plain) if model == PLAIN_INT8 else (model or base.reader_model)
        if (runtime, precision, model) not in readers:
            readers[runtime, precision, model] = reader_for(base, runtime=runtime, precision=precision, model=model)
            readers[runtime, precision, model].warm_up()
        return readers[runtime, precision, model]

    def embedder(runtime: str):
        if runtime not in embedders:
            embedders[runtime] = embedder_for(base.model_copy(update={"model_runtime": runtime}))
            embedders[runtime].warm_up()
        return embedders[runtime]

    counter = reader("onnx", "fp32")  # counts the tokens read, in the default reader's windows

    corpora: dict[str, tuple[Path, Path, list]] = {}
    corpora["seeds"] = (args.corpus, Path(tmp.name) / "index", list(load_gold(args.gold).questions))
    if args.squad_sample > 0:
        if not SQUAD.is_file():
            print(f"warning: {SQUAD} not found; SQuAD open mode skipped", file=sys.stderr)
        else:
            gold = load_gold(SQUAD)
            cache = _squad_cache(gold, base, Path(".citeqa/eval-cache"))
            if (cache / "index").is_dir():
                questions = spread([q for q in gold.questions if q.answerable], args.squad_sample)
                corpora["squad_open"] = (cache / "corpus", cache / "index", questions)
            else:
                print("warning: no SQuAD open-mode index yet (python -m eval.run --gold ... builds it); skipped",
                      file=sys.stderr)

    rows: dict[str, dict[str, dict[str, float]]] = {name: {} for name in args.configs}
    for corpus, (folder, index, questions) in corpora.items():
        services = {}
        for name in args.configs:
            overrides = CONFIGS[name]
            settings = base.model_copy(update={"corpus_dir": folder, "index_dir": index,
                                               **{k: v for k, v in overrides.items() if k != "reader_model"}})
            service = QAService(settings, embedder=embedder(settings.model_runtime),
                                reader=reader(settings.model_runtime, settings.reader_precision,
                                              overrides.get("reader_model")))
            service.build_index()
            service.reload()
            for q in questions[:3]:  # warm
                service.ask(q.question)
            services[name] = service
        measured = measure(services, questions, args.repeats if corpus == "seeds" else 1, counter)
        for name, figures in measured.items():
            rows[name][corpus] = figures
            print(f"{name:36s} {corpus:10s} {json.dumps(figures)}", file=sys.stderr, flush=True)

    seed_text = " ".join(p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.txt")))
    paragraph = {f"{runtime} {precision}": one_paragraph_ms(reader(runtime, precision), seed_text)
                 for runtime, precision in READERS}
    paragraph["onnx int8, not smoothed"] = one_paragraph_ms(reader("onnx", "int8", PLAIN_INT8), seed_text)
    tmp.cleanup()
    record = {"configs": rows, "reader_one_256_token_paragraph_ms": paragraph, "cpu_threads": os.cpu_count(),
              "squad_sample": args.squad_sample, "seed_repeats": args.repeats}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latency.json").write_text(json.dumps(record, indent=2) + "\n")
    plot(args.out / "latency.png", rows)
    lines = ["| configuration | seeds p50 / p95 ms | seeds tokens read | seeds F1 | SQuAD open p50 / p95 ms | "
             "SQuAD tokens read | SQuAD F1 |", "|---|---|---|---|---|---|---|"]
    for name, by_corpus in rows.items():
        cells = []
        for corpus in ("seeds", "squad_open"):
            r = by_corpus.get(corpus)
            cells += ([f"{r['p50_ms']} / {r['p95_ms']}", str(r["tokens_read"]), str(r["f1"])] if r else ["-"] * 3)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("reader, one 256-token paragraph, p50 ms: " + ", ".join(f"{k} {v}" for k, v in paragraph.items()))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
