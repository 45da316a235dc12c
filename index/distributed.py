"""The model work of a (re)index spread over a Ray cluster: ``citeqa index --ray ADDRESS``.

What costs time in indexing a large corpus is chunking and embedding (``index.builder.prepare``);
it depends on each source file alone. ``RayPreparer`` cuts the files to (re)index into batches and
runs ``prepare`` on each batch as a Ray task (one CPU each, wherever the cluster has one); every
worker process loads the embedder once and keeps it for the batches it runs after. The driver
shows progress as batches finish, and keeps each finished batch in ``cache_dir`` (keyed by the
batch's files, their sha256 and the embedding spec), so a run that is interrupted and started again
sends only the batches not finished yet. The driver then merges and writes the index exactly as a
local ``citeqa index`` does: the same format, the same versions, the same checks.

Every node needs this project and its models importable (the same checkout and virtual
environment at the same path; on one machine, as in the tests, that holds by construction).
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

from core.errors import ClusterUnavailable
from core.files import write_atomically
from index.builder import PreparedSource, prepare
from index.chunking import ChunkingParams
from index.embedding import Embedder
from index.ingest import SourceFile

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BATCH_FILES = 16  # source files per task, at most
MIN_BATCHES = 8  # a small change is still cut in this many tasks (so that every node gets some)

_worker_embedders: dict[bytes, Embedder] = {}  # in each Ray worker process: the embedder of each factory


def _prepare_batch(make_embedder: Callable[[], Embedder], params: ChunkingParams,
                   sources: list[SourceFile]) -> list[PreparedSource]:
    """A Ray task: ``prepare`` one batch with this worker's embedder (loaded on its first batch)."""
    key = pickle.dumps(make_embedder)
    embedder = _worker_embedders.get(key)
    if embedder is None:
        embedder = make_embedder()
        embedder.warm_up()
        _worker_embedders[key] = embedder
    return prepare(sources, embedder, params)


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Refuse at once an address where nothing listens (``ray.init`` would retry for minutes)."""
    host, _, port = address.rpartition(":")
    if address in ("auto", "local") or not port.isdigit():
        return
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ClusterUnavailable(f"no Ray cluster at {address!r} ({exc.strerror or exc}); start one with "
                                 "`ray start --head`, or go without --ray") from None


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` as a driver whose tasks and actors import this project
    (``ClusterUnavailable`` when there is none); ``ray.shutdown()`` leaves it."""
    import ray

    check_reachable(address)
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": str(PROJECT_ROOT), "TOKENIZERS_PARALLELISM": "false",
                                           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}})
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterUnavailable(f"no Ray cluster at {address!r} ({str(exc).splitlines()[0][:200]}); start one "
                                 "with `ray start --head`, or go without --ray") from None


class RayPreparer:
    """``prepare`` for ``index.builder.build_index``, run on the Ray cluster at ``address``."""

    def __init__(self, address: str, make_embedder: Callable[[], Embedder], params: ChunkingParams,
                 spec_key: str, cache_dir: Path, batch_files: int | None = None, show_progress: bool = False) -> None:
        self.address = address
        self.make_embedder = make_embedder
        self.params = params
        self.spec_key = spec_key  # what the embeddings depend on besides the files (model, chunking)
        self.cache_dir = Path(cache_dir)
        self.batch_files = batch_files  # None: from the number of files (the same files, the same batches)
        self.show_progress = show_progress
        self.tasks_sent = 0  # batches sent to the cluster by the last call (the others came from the cache)

    def _key(self, batch: list[SourceFile]) -> str:
        what = [self.spec_key] + [[s.name, s.sha256, s.meta_sha256] for s in batch]
        return hashlib.sha256(json.dumps(what).encode("utf-8")).hexdigest()[:32]

    def __call__(self, sources: list[SourceFile]) -> list[PreparedSource]:
        size = self.batch_files or max(1, min(BATCH_FILES, -(-len(sources) // MIN_BATCHES)))
        batches = [sources[i:i + size] for i in range(0, len(sources), size)]
        results: dict[int, list[PreparedSource]] = {}
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        for i, batch in enumerate(batches):
            cached = self.cache_dir / f"{self._key(batch)}.pkl"
            if cached.is_file():
                try:
                    results[i] = pickle.loads(cached.read_bytes())  # written by this class, below
                except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
                    cached.unlink(missing_ok=True)
        todo = [i for i in range(len(batches)) if i not in results]
        self.tasks_sent = len(todo)
        if todo:
            self._run(batches, todo, results)
        return [p for i in range(len(batches)) for p in results[i]]

    def _run(self, batches: list[list[SourceFile]], todo: list[int], results: dict[int, list[PreparedSource]]) -> None:
        import ray
        from tqdm import tqdm

        connect(self.address)
        try:
            task = ray.remote(num_cpus=1, max_retries=2)(_prepare_batch)
            params = ray.put(self.params)
            factory = ray.put(self.make_embedder)
            pending = {task.remote(factory, params, batches[i]): i for i in todo}
            with tqdm(total=sum(len(batches[i]) for i in todo), unit="file", desc="embedding on the cluster",
                      disable=not self.show_progress) as bar:
                while pending:
                    done, _ = ray.wait(list(pending), num_returns=1)
                    i = pending.pop(done[0])
                    results[i] = ray.get(done[0])
                    write_atomically(self.cache_dir / f"{self._key(batches[i])}.pkl", pickle.dumps(results[i]))
                    bar.update(len(batches[i]))
        finally:
            ray.shutdown()

    def forget(self) -> None:
        """Drop the finished batches (once the index holding them is written)."""
        shutil.rmtree(self.cache_dir, ignore_errors=True)


SHARD_NAMESPACE = "citeqa"


def shard_actor_name(number: int) -> str:
    return f"citeqa-shard-{number}"


class RayShards:
    """Index shards (``index.shards.IndexShard``) held by Ray actors, one per shard, named so that every
    Serve replica finds them (``find``). Actors go round-robin over the nodes alive when they start; they reserve no CPU (a shard's
    searches take milliseconds; the replicas do the reading) and keep their part of the index in memory."""

    def __init__(self, handles: list) -> None:
        self.handles = handles
        self.count = len(handles)

    @classmethod
    def start(cls, index_dir: Path, count: int, vector_index: str = "auto") -> RayShards:
        """Start ``count`` shard actors over the index in ``index_dir`` (call on a connected driver; the
        actors live as long as it does, or until ``stop``)."""
        import ray

        from index.shards import IndexShard

        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        actor = ray.remote(IndexShard)
        nodes = sorted(n["NodeID"] for n in ray.nodes() if n.get("Alive"))  # round-robin over the nodes
        handles = [actor.options(name=shard_actor_name(k), namespace=SHARD_NAMESPACE, num_cpus=0, max_concurrency=4,
                                 scheduling_strategy=NodeAffinitySchedulingStrategy(nodes[k % len(nodes)], soft=False)
                                 if nodes else "SPREAD")
                   .remote(str(Path(index_dir).resolve()), k, count, None, vector_index) for k in range(count)]
        return cls(handles)

    @classmethod
    def find(cls, count: int) -> RayShards:
        """The ``count`` shard actors ``start`` started (from a process already on the cluster: a replica)."""
        import ray

        try:
            return cls([ray.get_actor(shard_actor_name(k), namespace=SHARD_NAMESPACE) for k in range(count)])
        except ValueError as exc:
            raise ClusterUnavailable(f"index shards not found on the Ray cluster ({exc}); start them with "
                                     "`citeqa serve --ray ADDRESS --shards N`") from None

    def call(self, method: str, *args) -> list:
        import ray

        return ray.get([getattr(handle, method).remote(*args) for handle in self.handles])

    def load(self, version: str) -> list[dict]:
        return self.call("load", version)

    def nodes(self) -> list[str]:
        """The node each shard runs on."""
        return self.call("node")

    def stop(self) -> None:
        import ray

        for handle in self.handles:
            ray.kill(handle)
