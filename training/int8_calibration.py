"""Measure the reader's activation ranges for smoothed int8 (``core.int8``) and write them into its folder.

    python -m training.int8_calibration [--model models/reader] [--squad ../shared/data/squad/train-v1.1.json.gz]

Runs the reader's fp32 ONNX graph (exported and cached as for serving) over ``--windows`` reader
windows of SQuAD *train* questions with their paragraphs (a fixed random sample: never the dev set
the figures are reported on), records the largest |input| of every input channel of every weighted
matrix product, and writes them with ``--alpha`` to ``<model>/int8_calibration.json``. Serving with
``CITEQA_READER_PRECISION=int8`` then smooths the graph with them before quantizing it (the cached
int8 file is named after this file's digest, so new ranges give a new export). Seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from core.int8 import CALIBRATION_FILE, DEFAULT_ALPHA, Int8Calibration, activation_ranges
from core.onnx_models import cached_onnx, padded, weights_digest
from qa.windows import WindowTokenizer


def calibration_feeds(squad_file: Path, tokenizer: WindowTokenizer, windows: int, seed: int):
    """The first reader window of ``windows`` (question, paragraph) pairs drawn from a SQuAD file."""
    from training.train import load_squad

    pairs = [(qa["question"], paragraph["context"]) for article in load_squad(squad_file)
             for paragraph in article["paragraphs"] for qa in paragraph["qas"]]
    random.Random(seed).shuffle(pairs)
    for question, context in pairs[:windows]:
        encoded = tokenizer.encode(question, [context])
        ids, mask, types = padded(encoded.input_ids[:1], encoded.type_ids[:1])
        yield {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.int8_calibration", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="models/reader", help="reader checkpoint folder")
    p.add_argument("--out", default=None, help="where to write the ranges (default: <model>/int8_calibration.json)")
    p.add_argument("--squad", default="../shared/data/squad/train-v1.1.json.gz", help="SQuAD 1.1 train file")
    p.add_argument("--windows", type=int, default=256, help="calibration windows (question + paragraph)")
    p.add_argument("--alpha", type=float, default=DEFAULT_ALPHA,
                   help="migration strength: 0 leaves the activations as they are, 1 gives every channel range 1")
    p.add_argument("--fp32", nargs="*", default=[], metavar="MODULE",
                   help="products kept in fp32, by module (bert.encoder.layer.0.output.dense)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache-dir", default=".citeqa/models", help="where the fp32 ONNX export is cached")
    args = p.parse_args(argv)
    model = Path(args.model)
    squad = Path(args.squad)
    if not squad.is_file():
        p.error(f"SQuAD file not found: {squad}")
    if not 0.0 <= args.alpha <= 1.0:
        p.error("--alpha must be in [0, 1]")
    tokenizer = WindowTokenizer(model / "tokenizer.json", max_seq_len=256, doc_stride=128, max_query_len=64)
    graph = cached_onnx(model, "reader", int8=False, cache_dir=args.cache_dir)
    ranges = activation_ranges(graph, calibration_feeds(squad, tokenizer, args.windows, args.seed))
    unknown = set(args.fp32) - set(ranges)
    if unknown:
        p.error(f"--fp32: no such product in the reader: {', '.join(sorted(unknown))}")
    target = Path(args.out) if args.out else model / CALIBRATION_FILE
    Int8Calibration(ranges, args.alpha, measured_on=f"{squad.name}: {args.windows} reader windows (question + "
                    f"paragraph, first window) drawn with seed {args.seed}; python -m training.int8_calibration",
                    weights=weights_digest(model),
                    notes={"rule": "s = max|x| ** alpha / max|w| ** (1 - alpha), per input channel (core/int8.py)"},
                    fp32_modules=tuple(args.fp32)).save(target)
    print(f"wrote {target}: {len(ranges)} products, alpha {args.alpha}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
