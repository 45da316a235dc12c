"""A real 2-node Ray cluster on this machine: the corpus is chunked and embedded through it
(``citeqa index --ray``), and the index it writes is the one a single process writes; questions asked
through Ray Serve replicas (``citeqa serve --ray``) get the single-process service's answers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import numpy as np
import pytest

from core.settings import Settings
from index.store import FaissStore
from qa.retrieve import HybridRetriever
from qa.service import QAService
from tests.conftest import REPO, SEEDS, make_settings

pytestmark = pytest.mark.slow
RAY = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_under(marker: str) -> list[int]:
    """PIDs of the processes whose command line names ``marker`` (the cluster's own temp folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture(scope="module")
def cluster():
    """A head and a second node, 127.0.0.1 only, one CPU and 80 MB of object store each; stopped by PID."""
    temp = Path(tempfile.mkdtemp(prefix="rq", dir="/tmp"))  # short: Ray's socket paths have a length limit
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(REPO)}
    common = ["--num-cpus", "1", "--object-store-memory", str(80 * 2**20), "--disable-usage-stats"]
    started = []
    try:
        for args in (["--head", "--port", str(port), "--node-ip-address", "127.0.0.1", "--include-dashboard=false",
                      "--temp-dir", str(temp)],
                     ["--address", f"127.0.0.1:{port}", "--node-ip-address", "127.0.0.1"]):
            proc = subprocess.run([str(RAY), "start", *args, *common], env=env, capture_output=True, text=True,
                                  timeout=120)
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
            started.append(args[0])
        yield f"127.0.0.1:{port}"
    finally:
        for pid in processes_under(str(temp)):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        while processes_under(str(temp)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in processes_under(str(temp)):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def test_an_index_built_on_a_two_node_cluster_is_the_single_process_one(cluster, tmp_path):
    import ray

    ray.init(address=cluster, logging_level="ERROR", log_to_driver=False)
    try:
        nodes = [n for n in ray.nodes() if n["Alive"]]
    finally:
        ray.shutdown()
    assert len(nodes) == 2 and sum(n["Resources"].get("CPU", 0) for n in nodes) == 2

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for i in range(3):  # more files than one batch per node
        (corpus / f"extra-{i}.txt").write_text(f"Harbor crews in Busan finished pier {i} on Monday.\n\n"
                                              f"The pier is {300 + i} meters long.\n", encoding="utf-8")
    local = QAService(Settings(corpus_dir=corpus, index_dir=tmp_path / "local"))
    local.build_index()
    embedder = local.embedder
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "ray")
    on_ray = QAService(settings)
    report = on_ray.build_index(ray_address=cluster)
    assert report.ray_tasks >= 2 and report.changed
    a, b = local.store.load(), FaissStore(settings.index_dir).load()
    assert a.passages == b.passages and a.documents == b.documents
    assert np.allclose(a.vectors, b.vectors, atol=1e-5)
    assert not (settings.index_dir / ".ray-prepared").exists()  # the finished batches are dropped once written
    for question in ("How far did the missile fly?", "How long is pier 2?", "Which aircraft carrier arrived in Busan?"):
        ranked = [[s.passage.id for s in HybridRetriever(snap, embedder).retrieve(question, 8)] for snap in (a, b)]
        assert ranked[0] == ranked[1]


@pytest.mark.parametrize("command", ["index", "serve"])
def test_a_cluster_that_is_not_there_is_a_clear_error(tmp_path, command):
    proc = subprocess.run([sys.executable, "-m", "cli", command, "--corpus", str(SEEDS), "--index",
                           str(tmp_path / "index"), "--ray", f"127.0.0.1:{free_port()}"],
                          cwd=REPO, capture_output=True, text=True, timeout=180,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    assert proc.returncode == 2 and "no Ray cluster at" in proc.stderr, proc.stderr[-2000:]


def test_batches_finished_before_an_interruption_are_not_sent_again(tmp_path):
    """The cache of finished batches (what lets an interrupted ``--ray`` run resume), without a cluster: every
    batch is already there, so nothing is sent (the address leads nowhere)."""
    import pickle

    from index.builder import prepare
    from index.chunking import ChunkingParams
    from index.distributed import RayPreparer
    from index.ingest import read_corpus
    from tests.hash_embedder import HashEmbedder

    sources, _ = read_corpus(SEEDS)
    preparer = RayPreparer("127.0.0.1:9", HashEmbedder, ChunkingParams(), spec_key="hash", cache_dir=tmp_path / "c",
                           batch_files=2)
    expected = prepare(sources, HashEmbedder(), ChunkingParams())
    (tmp_path / "c").mkdir()
    for i in range(0, len(sources), 2):
        batch = sources[i:i + 2]
        (tmp_path / "c" / f"{preparer._key(batch)}.pkl").write_bytes(
            pickle.dumps(prepare(batch, HashEmbedder(), ChunkingParams())))
    got = preparer(sources)
    assert preparer.tasks_sent == 0
    assert [p.passages for p in got] == [p.passages for p in expected]
    assert all(np.allclose(a.vectors, b.vectors) for a, b in zip(got, expected))
    preparer.forget()
    assert not (tmp_path / "c").exists()


def test_questions_asked_through_ray_serve_replicas_get_the_single_process_answers(cluster, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    service = QAService(make_settings(corpus, tmp_path / "index"))
    service.warm_up(load_index=False)
    service.build_index()
    service.reload()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--ray", cluster, "--replicas", "2",
                             "--port", str(port), "--corpus", str(corpus), "--index", str(tmp_path / "index")],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0",
                                 "CITEQA_READER_MODEL": service.settings.reader_model})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc, 6)  # both replicas ready: several /readyz in a row, spread over them by the proxy
        assert httpx.get(f"{url}/", timeout=10).status_code == 200  # the chat page
        for question in ("How far did the missile fly on November 7?", "Which aircraft carrier arrived in Busan?",
                         "What is the population of Pyongyang?"):
            expected = service.ask(question)
            for _ in range(2):  # twice: each replica, most likely
                got = httpx.post(f"{url}/v1/ask", json={"question": question}, timeout=60).json()
                assert [a["text"] for a in got["answers"]] == [a.text for a in expected.answers]
                assert [[(c["file"], c["start"], c["end"]) for c in a["citations"]] for a in got["answers"]] == [
                    [(c.file, c.start, c.end) for c in a.citations] for a in expected.answers]
                assert (got["no_answer"] is None) == (expected.no_answer is None)
        assert httpx.post(f"{url}/v1/ask", json={"question": ""}, timeout=10).status_code == 400
    finally:
        interrupt(proc)


def interrupt(proc: subprocess.Popen) -> None:
    """Stop a `citeqa serve --ray` as Ctrl-C would (it undeploys), killing it if it takes too long."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_ready(url: str, proc: subprocess.Popen, times: int, timeout_s: float = 150) -> None:
    """Until ``/readyz`` has answered 200 ``times`` in a row (several replicas: each, most likely)."""
    deadline, ready = time.monotonic() + timeout_s, 0
    while ready < times:
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "the server never became ready"
        try:
            ready = ready + 1 if httpx.get(f"{url}/readyz", timeout=5).status_code == 200 else 0
        except httpx.HTTPError:
            ready = 0
        time.sleep(0.3)


def test_an_index_held_in_shards_by_ray_actors_answers_like_one_process(cluster, tmp_path):
    """``serve --ray --shards 2``: two shard actors, one on each node, every question scattered to both and
    gathered into one ranking; the answers are the single-process service's, writes are refused, and a
    version written by `citeqa index` is served once it is live."""
    import ray

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for i in range(4):
        (corpus / f"pier-{i}.txt").write_text(f"Harbor crews in Mokpo finished pier {i} on Monday.\n\n"
                                             f"The pier is {410 + i} meters long.\n", encoding="utf-8")
    service = QAService(make_settings(corpus, tmp_path / "index"))
    service.warm_up(load_index=False)
    service.build_index()
    service.reload()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--ray", cluster, "--replicas", "1", "--shards", "2",
                             "--port", str(port), "--corpus", str(corpus), "--index", str(tmp_path / "index")],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "CITEQA_API_KEY": "k",
                                 "CITEQA_READER_MODEL": service.settings.reader_model})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc, 2)
        ray.init(address=cluster, logging_level="ERROR", log_to_driver=False)
        try:
            shards = [ray.get_actor(f"citeqa-shard-{k}", namespace="citeqa") for k in range(2)]
            nodes = ray.get([s.node.remote() for s in shards])
            held = ray.get([s.load.remote(service.snapshot.version) for s in shards])
        finally:
            ray.shutdown()
        assert len(set(nodes)) == 2  # one shard on each node
        assert sum(h["passages"] for h in held) == len(service.snapshot.passages) and all(h["passages"] for h in held)
        questions = ["How far did the missile fly on November 7?", "Which aircraft carrier arrived in Busan?",
                     "How long is pier 2?", "What is the population of Pyongyang?"]
        for question in questions:
            expected = service.ask(question)
            got = httpx.post(f"{url}/v1/ask", json={"question": question}, timeout=60).json()
            assert [a["text"] for a in got["answers"]] == [a.text for a in expected.answers]
            assert [[(c["file"], c["start"], c["end"]) for c in a["citations"]] for a in got["answers"]] == [
                [(c.file, c.start, c.end) for c in a.citations] for a in expected.answers]
            assert (got["no_answer"] is None) == (expected.no_answer is None)
        refused = httpx.post(f"{url}/v1/documents", json={"name": "x.txt", "text": "Pier 9 opened on Monday."},
                             headers={"X-API-Key": "k"}, timeout=30)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "read_only", refused.text
        assert not (corpus / "x.txt").exists()
        # a new version, written by another process (`citeqa index`): the shards serve it once it is live
        (corpus / "pier-9.txt").write_text("Harbor crews in Mokpo finished pier 9 on Monday.\n\nThe pier is "
                                           "977 meters long.\n", encoding="utf-8")
        service.build_index()
        question = "How long is pier 9?"
        expected = service.ask(question)
        assert expected.answers and "977" in expected.answers[0].text
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/readyz", timeout=5).json().get("index_version") != service.snapshot.version:
            assert time.monotonic() < deadline, "the new version never went live"
            time.sleep(0.5)
        got = httpx.post(f"{url}/v1/ask", json={"question": question}, timeout=60).json()
        assert [a["text"] for a in got["answers"]] == [a.text for a in expected.answers]
    finally:
        interrupt(proc)


def test_replicas_get_the_api_key_itself():
    from api.ray_serve import settings_json

    given = Settings(api_key="s3cret")
    assert Settings.model_validate_json(settings_json(given)).api_key.get_secret_value() == "s3cret"
    assert Settings.model_validate_json(settings_json(Settings())).api_key is None
