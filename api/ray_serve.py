"""The same HTTP API and chat page served by Ray Serve replicas: ``citeqa serve --ray ADDRESS --replicas N``.

Each replica is a Ray actor (one CPU) that builds the app of ``api.app.create_app`` itself, with the
settings it was given, so it loads its own models and the live index exactly as ``citeqa serve``
does (and follows new index versions the same way); Ray Serve's HTTP proxy spreads the requests
over the replicas. Answers are those of the single-process server: same code, same index.

With ``--shards N`` the index is held in N shards by Ray actors (``index.distributed.RayShards``,
spread over the nodes) instead of whole in every replica: each replica keeps only the catalog (every
document's metadata) and asks every shard for its best passages (``qa.retrieve.ShardedRetriever``), so
the index may be larger than one machine's memory. The answers are those of one process holding the
whole index. Served this way the index is read-only: ``citeqa index`` writes new versions, and the
replicas (and through them the shards) load each new version as it goes live.

Every node needs this project and its models importable (the same checkout and environment at the
same path), and the index and corpus folders readable at the same paths (a shared disk).
"""

from __future__ import annotations

import json
import logging
import signal
import threading

from core.errors import IndexNotReady
from core.settings import Settings
from index.distributed import RayShards, connect
from index.store import FaissStore

log = logging.getLogger(__name__)

APP_NAME = "citeqa"


class CiteqaReplica:
    """One replica: the app of ``create_app`` over the settings it is given (built in the replica)."""

    def __init__(self, settings_json: str) -> None:
        self.settings = Settings.model_validate_json(settings_json)

    def __serve_build_asgi_app__(self):  # noqa: N807 - the name Ray Serve calls
        from api.app import create_app

        return create_app(self.settings)


def settings_json(settings: Settings) -> str:
    """``settings`` as JSON for the replicas, the API key included (pydantic masks secrets when dumping)."""
    fields = settings.model_dump(mode="json")
    if settings.api_key is not None:
        fields["api_key"] = settings.api_key.get_secret_value()
    return json.dumps(fields)


def serve_on_ray(settings: Settings, address: str, replicas: int, stop: threading.Event | None = None,
                 shards: int = 0) -> None:
    """Deploy ``replicas`` replicas on the Ray cluster at ``address``, HTTP on ``settings.host:port``
    (with ``shards``: over that many index shard actors), and keep them until ``stop`` is set (or SIGINT /
    SIGTERM); then take the deployment down."""
    import ray
    from ray import serve

    store = FaissStore(settings.index_dir)
    if shards and not store.exists():
        raise IndexNotReady(f"no index in {settings.index_dir} to serve in shards: run `citeqa index` first")
    connect(address)
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    held: RayShards | None = None
    try:
        if shards:
            held = RayShards.start(settings.index_dir, shards, settings.vector_index)
            for info in held.load(store.current_version() or ""):
                log.info("%s holds %s passages of %s documents of version %s", info["shard"], info["passages"],
                         info["documents"], info["version"])
            settings = settings.model_copy(update={"index_shards": shards})
        serve.start(http_options={"host": settings.host, "port": settings.port})
        deployment = serve.deployment(serve.ingress()(CiteqaReplica), name="CiteqaReplica", num_replicas=replicas,
                                      ray_actor_options={"num_cpus": 1})
        serve.run(deployment.bind(settings_json(settings)), name=APP_NAME, route_prefix="/", blocking=False)
        log.info("serving on %s replicas at http://%s:%s/", replicas, settings.host, settings.port)
        stop.wait()
    finally:
        try:
            serve.delete(APP_NAME)
            serve.shutdown()
            if held is not None:
                held.stop()
        finally:
            ray.shutdown()
