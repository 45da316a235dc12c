"""Load test: concurrent askers plus a writer adding and deleting articles, against a live server.

    python -m bench.load [--clients 32] [--questions 2000] [--updates 50] [--max-seconds 600]

Starts its own server (``citeqa serve``) on 127.0.0.1 over a temporary copy of the corpus, unless
``--url`` points at a running one (it must be on 127.0.0.1). Every citation of every answer is
checked against the text of the file version it was answered from: the bench keeps every version
of every article it wrote, so a citation must match one of them exactly. Prints requests/s,
p50/p95/p99 latency, errors and wrong citations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "How far did the missile fly on November 7?",
    "What time was the missile launched?",
    "Which missile model do officials believe was fired?",
    "Who is the vice director of the General Political Bureau?",
    "How many soldiers has North Korea sent to Russia?",
    "Where did the aircraft carrier arrive?",
    "What altitude did the missiles reach?",
    "Who condemned the joint drills?",
    "How long is the new harbour bridge?",
    "When did the harbour bridge open?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def article(rev: int) -> str:
    length = 1.5 + rev / 10
    return (f"Harbour bridge opens in Busan\n\nThe new harbour bridge in Busan opened on Monday, revision {rev}. "
            f"The bridge is {length:.1f} kilometers long and took six years to build.\n\n"
            "Officials said traffic would start on Tuesday morning after a ceremony.\n")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def run(url: str, corpus: Path, clients: int, n_questions: int, n_updates: int, key: str, max_seconds: float) -> int:
    versions: dict[str, set[str]] = {p.name: {p.read_bytes().decode("utf-8")} for p in corpus.glob("*.txt")}
    latencies: list[float] = []
    errors: list[str] = []
    wrong: list[str] = []
    remaining = iter(range(n_questions))
    deadline = time.monotonic() + max_seconds
    rng = random.Random(0)

    async def asker(client: httpx.AsyncClient) -> None:
        for i in remaining:
            if time.monotonic() > deadline:
                return
            t0 = time.perf_counter()
            try:
                r = await client.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(f"{r.status_code}: {r.text[:200]}")
                continue
            for answer in r.json()["answers"]:
                for c in answer["citations"]:
                    texts = versions.get(c["file"], set())
                    if not any(t[c["start"]:c["end"]] == answer["text"] for t in texts):
                        wrong.append(f"{c['file']}[{c['start']}:{c['end']}] != {answer['text']!r}")

    async def writer(client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        for n in range(n_updates):
            if time.monotonic() > deadline:
                return
            name = f"bench-bridge-{n % 3}.txt"
            if n % 4 == 3:
                r = await client.delete(f"/v1/documents/bench-bridge-{rng.randrange(3)}.txt", headers=headers)
                ok = r.status_code in (200, 404)
            else:
                text = article(n)
                versions.setdefault(name, set()).add(text)  # known before the server can cite it
                r = await client.post("/v1/documents", json={"name": name, "text": text}, headers=headers)
                ok = r.status_code in (200, 201)
            if not ok:
                errors.append(f"update {r.status_code}: {r.text[:200]}")
            await asyncio.sleep(0.2)

    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        t0 = time.perf_counter()
        await asyncio.gather(writer(client), *(asker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    report = {
        "clients": clients, "questions": len(latencies), "updates": n_updates, "seconds": round(elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "latency_ms": {f"p{q}": round(percentile(latencies, q) * 1000) for q in (50, 95, 99)},
        "errors": len(errors), "wrong_citations": len(wrong),
    }
    print(json.dumps(report, indent=2))
    for line in (errors + wrong)[:10]:
        print("  ", line, file=sys.stderr)
    return 1 if errors or wrong else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--questions", type=int, default=2000)
    p.add_argument("--updates", type=int, default=50)
    p.add_argument("--max-seconds", type=float, default=900, help="stop asking after this long")
    p.add_argument("--url", default=None, help="a running server on 127.0.0.1 (default: start one)")
    p.add_argument("--corpus", default="seeds", help="corpus copied for the server it starts")
    args = p.parse_args(argv)
    key = os.environ.get("CITEQA_API_KEY", "bench-key")
    server = None
    tmp = Path(tempfile.mkdtemp(prefix="citeqa-load-"))
    try:
        if args.url:
            if urlparse(args.url).hostname not in ("127.0.0.1", "localhost"):
                p.error("--url must point at 127.0.0.1")
            url, corpus = args.url, Path(args.corpus)
        else:
            corpus = tmp / "corpus"
            shutil.copytree(args.corpus, corpus)
            port = free_port()
            env = dict(os.environ, CITEQA_CORPUS_DIR=str(corpus), CITEQA_INDEX_DIR=str(tmp / "index"),
                       CITEQA_API_KEY=key, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
            server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], env=env,
                                      cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            else:
                print("server did not become ready", file=sys.stderr)
                return 2
        return asyncio.run(run(url, corpus, args.clients, args.questions, args.updates, key, args.max_seconds))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
