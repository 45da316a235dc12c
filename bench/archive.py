"""The whole index at archive sizes: build, load, memory, retrieval, full ``ask`` and one-article updates.

    python -m bench.archive [--sizes 1000 10000 100000] [--questions 40] [--out bench/results/archive]

For each size a corpus folder and its index are made under ``.citeqa/bench-archive/<n>/`` (never
committed; reused by later runs): documents of five passages each, the passages being SQuAD 1.1
paragraphs (train then dev, cycled beyond the ~21k there are) and their vectors the cached real
embeddings of ``bench.scale`` with Gaussian noise beyond them (``bench.scale.collection``), so no
embedding is spent on the archive itself. The index is written by the product's store, in one
segment, as ``citeqa index`` writes it. Then, in a fresh process per size (so the memory figure is
the process's own), it measures:

* load: ``FaissStore.load`` of the live version (seconds) and the process RSS after it;
* retrieval: ``HybridRetriever.retrieve`` (embedding the question included), p50 / p95;
* ask: the full ``QAService.ask`` with the answer and reading caches off, p50 / p95;
* update: adding one new article through ``CorpusEditor.upsert`` (chunk, embed, merge, write a
  segment, publish) until it is answerable, and deleting it again, split into the in-memory merge
  and the disk write.

Questions: SQuAD dev questions (their answers are in the archive's first paragraphs only at sizes
where those are real; the figures are timings, not accuracy).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(".citeqa/bench-archive")
PER_DOCUMENT = 5
NEW_ARTICLE = ("Harbor officials in Mokpo opened a 2.4-kilometer bridge on Monday, the longest in the province.\n\n"
               "The bridge cost 310 billion won and took six years to build, the ministry said.\n")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def make_archive(n: int, folder: Path) -> dict:
    """Corpus and index of ``n`` passages in ``folder`` (made once); returns what building it took."""
    done = folder / "built.json"
    if done.is_file():
        return json.loads(done.read_text())
    from bench.scale import collection, embedded, squad_texts
    from core.settings import Settings
    from core.types import Passage
    from index.builder import index_spec
    from index.chunking import ChunkingParams
    from index.store import DocumentEntry, FaissStore, IndexSnapshot
    from qa.service import embedder_for

    settings = Settings(corpus_dir=folder / "corpus", index_dir=folder / "index")
    embedder = embedder_for(settings)
    embedder.warm_up()
    spec = index_spec(embedder, ChunkingParams(max_tokens=settings.chunk_tokens,
                                               overlap_tokens=settings.chunk_overlap_tokens))
    real, _ = embedded(2000, 200)
    vectors = collection(real, n)
    paragraphs, _ = squad_texts(30_000)
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    passages: list[Passage] = []
    documents: dict[str, DocumentEntry] = {}
    for d in range(0, n, PER_DOCUMENT):
        name = f"doc{d // PER_DOCUMENT:07d}.txt"
        texts = [" ".join(paragraphs[i % len(paragraphs)].split()) for i in range(d, min(n, d + PER_DOCUMENT))]
        body, offset = "", 0
        for text in texts:
            passages.append(Passage(id=f"{name}:{offset}-{offset + len(text)}", file=name, start=offset,
                                    end=offset + len(text), text=text))
            body += text + "\n\n"
            offset = len(body)
        data = body.encode("utf-8")
        (corpus / name).write_bytes(data)
        documents[name] = DocumentEntry(sha256=hashlib.sha256(data).hexdigest(), size=len(data), passages=len(texts))
    started = time.perf_counter()
    snapshot = IndexSnapshot(spec=spec, passages=passages, vectors=vectors, documents=documents,
                             embedding_model_path=settings.embedding_model_path())
    searchable_s = time.perf_counter() - started
    store = FaissStore(settings.index_dir, settings.vector_index)
    with store.writer_lock():
        store.write(snapshot)
    built = {"n": n, "build_s": round(time.perf_counter() - started, 2), "searchable_s": round(searchable_s, 2),
             "index_mb": round(sum(p.stat().st_size for p in settings.index_dir.rglob("*") if p.is_file()) / 2**20, 1)}
    done.write_text(json.dumps(built))
    return built


def measure(folder: Path, questions: list[str]) -> dict:
    """Run in a fresh process: load, memory, retrieval, ask and update figures of one archive."""
    from core.settings import Settings
    from qa.service import QAService

    settings = Settings(corpus_dir=folder / "corpus", index_dir=folder / "index", answer_cache_size=0,
                        reading_cache_size=0)
    service = QAService(settings)  # (models not loaded yet)
    base_rss = rss_mb()
    started = time.perf_counter()
    snapshot = service.store.load()  # through the service's own store, as `citeqa serve` loads (it keeps
    load_s = time.perf_counter() - started  # what it read of the segments for the next write)
    index_rss = rss_mb() - base_rss
    service.warm_up(load_index=False)
    service.use_snapshot(snapshot)
    retrieve_ms, ask_ms = [], []
    for q in questions:
        t = time.perf_counter()
        service._retriever.retrieve(q, settings.top_k)
        retrieve_ms.append((time.perf_counter() - t) * 1000)
    for q in questions:
        t = time.perf_counter()
        service.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)
    import index.corpus as corpus_module

    phases: dict[str, float] = {}
    real_merge, real_write = corpus_module.merge, service.store.write

    def timed_merge(*a, **k):
        t = time.perf_counter()
        out = real_merge(*a, **k)
        phases["merge_s"] = time.perf_counter() - t
        return out

    def timed_write(*a, **k):
        t = time.perf_counter()
        out = real_write(*a, **k)
        phases["write_s"] = time.perf_counter() - t
        return out

    corpus_module.merge, service.store.write = timed_merge, timed_write
    t = time.perf_counter()
    service.corpus.upsert("zz-new-bridge.txt", NEW_ARTICLE.encode())
    add_s = time.perf_counter() - t
    added = dict(phases)
    answer = service.ask("How long is the bridge opened in Mokpo?")
    layered_ms = []  # retrieval from the version the update made (index.layers: a base and a delta, at size)
    for q in questions:
        t = time.perf_counter()
        service._retriever.retrieve(q, settings.top_k)
        layered_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    service.corpus.remove("zz-new-bridge.txt")
    delete_s = time.perf_counter() - t
    removed = dict(phases)
    t = time.perf_counter()  # a second article: what the first update after a load computed once is kept
    service.corpus.upsert("zz-new-bridge-2.txt", NEW_ARTICLE.replace("Mokpo", "Yeosu").encode())
    add_again_s = time.perf_counter() - t
    service.corpus.remove("zz-new-bridge-2.txt")
    t = time.perf_counter()  # an article of the base replaced: its old passages deleted from the base
    first = sorted(service.snapshot.documents)[0]
    original = (settings.corpus_dir / first).read_bytes()
    service.corpus.upsert(first, NEW_ARTICLE.encode())
    replace_s = time.perf_counter() - t
    replaced = dict(phases)
    service.corpus.upsert(first, original)  # the archive as it was, for the next run
    return {"passages": snapshot.passage_count, "load_s": round(load_s, 2), "index_rss_mb": round(index_rss),
            "rss_mb": round(rss_mb()),
            "retrieve_p50_ms": round(statistics.median(retrieve_ms), 1),
            "retrieve_p95_ms": round(percentile(retrieve_ms, 0.95), 1),
            "ask_p50_ms": round(statistics.median(ask_ms), 1), "ask_p95_ms": round(percentile(ask_ms, 0.95), 1),
            "add_s": round(add_s, 3), "add_merge_s": round(added.get("merge_s", 0), 3),
            "add_write_s": round(added.get("write_s", 0), 3), "delete_s": round(delete_s, 3),
            "delete_merge_s": round(removed.get("merge_s", 0), 3), "delete_write_s": round(removed.get("write_s", 0), 3),
            "add_again_s": round(add_again_s, 3), "replace_s": round(replace_s, 3), "replace_merge_s": round(replaced.get("merge_s", 0), 3),
            "replace_write_s": round(replaced.get("write_s", 0), 3),
            "retrieve_after_update_p50_ms": round(statistics.median(layered_ms), 1),
            "live_after_update": type(service.snapshot).__name__,
            "new_article_answered": answer.answers[0].text if answer.answers else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    p.add_argument("--questions", type=int, default=40)
    p.add_argument("--out", type=Path, default=Path("bench/results/archive"))
    p.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: the child process
    args = p.parse_args(argv)
    from bench.scale import squad_texts

    if args.measure is not None:
        _, questions = squad_texts(0)
        print(json.dumps(measure(args.measure, questions[:: max(1, len(questions) // args.questions)]
                                 [: args.questions])))
        return 0
    rows = []
    for n in args.sizes:
        folder = ROOT / str(n)
        print(f"archive of {n:,} passages in {folder} ...", file=sys.stderr, flush=True)
        built = make_archive(n, folder)
        child = subprocess.run([sys.executable, "-m", "bench.archive", "--measure", str(folder),
                                "--questions", str(args.questions)], capture_output=True, text=True)
        if child.returncode != 0:
            print(child.stderr[-3000:], file=sys.stderr)
            return 1
        row = {**built, **json.loads(child.stdout.strip().splitlines()[-1])}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "archive.json").write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    lines = ["| passages | write index s | index MB | load s | index RSS MB | retrieve p50 / p95 ms | ask p50 / p95 ms "
             "| add article s (merge / write) | delete s (merge / write) | replace one s (merge / write) "
             "| retrieve p50 ms after the update |",
             "|---:|---:|---:|---:|---:|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['build_s']} | {r['index_mb']} | {r['load_s']} | {r['index_rss_mb']} | "
                     f"{r['retrieve_p50_ms']} / {r['retrieve_p95_ms']} | {r['ask_p50_ms']} / {r['ask_p95_ms']} | "
                     f"{r['add_s']} ({r['add_merge_s']} / {r['add_write_s']}); again {r.get('add_again_s')} | "
                     f"{r['delete_s']} ({r['delete_merge_s']} / {r['delete_write_s']}) | "
                     f"{r.get('replace_s')} ({r.get('replace_merge_s')} / {r.get('replace_write_s')}) | "
                     f"{r.get('retrieve_after_update_p50_ms')} |")
    print("\n".join(lines))
    (args.out / "archive.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
