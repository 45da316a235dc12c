"""Index build rate: passages per second of a build from scratch, and of its embedding step alone.

    python -m bench.build [--paragraphs 600] [--precisions fp32 int8] [--repeats 2]

Writes ``--paragraphs`` SQuAD 1.1 train paragraphs (a fixed random sample, one article file each)
into a temporary corpus folder and, for each embedder precision, builds the index from scratch
with the product's builder (``QAService.build_index``: clean, chunk, date, embed, lexical counts,
vector index, durable write), after the models are loaded. It prints JSON per precision:
passages, the build's passages/s (best of ``--repeats``, a fresh index folder each time), and the
passages/s of ``embed_passages`` alone on the same passages. The issue's target is 300 passages/s
on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def squad_paragraphs(squad_file: Path, n: int, seed: int = 0) -> list[str]:
    """``n`` paragraphs of a SQuAD 1.1 file (gzipped JSON), a fixed random sample."""
    with gzip.open(squad_file, "rt", encoding="utf-8") as fh:
        articles = json.load(fh)["data"]
    paragraphs = [p["context"] for article in articles for p in article["paragraphs"]]
    random.Random(seed).shuffle(paragraphs)
    return paragraphs[:n]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--paragraphs", type=int, default=600)
    p.add_argument("--precisions", nargs="+", default=["fp32", "int8"], choices=["fp32", "int8"])
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--squad", type=Path, default=REPO.parent / "shared" / "data" / "squad" / "train-v1.1.json.gz")
    args = p.parse_args(argv)

    from core.settings import Settings
    from qa.service import QAService

    tmp = Path(tempfile.mkdtemp(prefix="citeqa-bench-build-"))
    try:
        corpus = tmp / "corpus"
        corpus.mkdir()
        for i, text in enumerate(squad_paragraphs(args.squad, args.paragraphs)):
            (corpus / f"squad-{i:05d}.txt").write_text(text + "\n", encoding="utf-8")
        rows = []
        for precision in args.precisions:
            best = None
            passages = 0
            for run in range(args.repeats):
                settings = Settings(corpus_dir=str(corpus), index_dir=str(tmp / f"index-{precision}-{run}"),
                                    embedder_precision=precision)
                service = QAService(settings)
                service.embedder.warm_up()
                report = service.build_index()
                passages = report.passages
                best = min(best or report.seconds, report.seconds)
            texts = [passage.text for passage in service.store.load().passages]
            started = time.perf_counter()
            service.embedder.embed_passages(texts)
            embed_s = time.perf_counter() - started
            rows.append({"precision": precision, "paragraphs": args.paragraphs, "passages": passages,
                         "build_s": round(best, 2), "build_passages_per_s": round(passages / best, 1),
                         "embed_passages_per_s": round(len(texts) / embed_s, 1),
                         "mean_words": round(sum(len(t.split()) for t in texts) / max(len(texts), 1), 1)})
            print(json.dumps(rows[-1]), flush=True)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
