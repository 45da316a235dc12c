"""The same HTTP API and chat page served by Ray Serve replicas: ``citeqa serve --ray ADDRESS --replicas N``.

Each replica is a Ray actor (one CPU) that builds the app of ``api.app.create_app`` itself, with the
settings it was given, so it loads its own models and the live index exactly as ``citeqa serve``
does (and follows new index versions the same way); Ray Serve's HTTP proxy spreads the requests
over the replicas. Answers are those of the single-process server: same code, same index.

Every node needs this project and its models importable (the same checkout and environment at the
same path), and the index and corpus folders readable at the same paths (a shared disk).
"""

from __future__ import annotations

import logging
import signal
import threading

from core.settings import Settings
from index.distributed import connect

log = logging.getLogger(__name__)

APP_NAME = "citeqa"


class CiteqaReplica:
    """One replica: the app of ``create_app`` over the settings it is given (built in the replica)."""

    def __init__(self, settings_json: str) -> None:
        self.settings = Settings.model_validate_json(settings_json)

    def __serve_build_asgi_app__(self):  # noqa: N807 - the name Ray Serve calls
        from api.app import create_app

        return create_app(self.settings)


def serve_on_ray(settings: Settings, address: str, replicas: int, stop: threading.Event | None = None) -> None:
    """Deploy ``replicas`` replicas on the Ray cluster at ``address``, HTTP on ``settings.host:port``,
    and keep them until ``stop`` is set (or SIGINT / SIGTERM); then take the deployment down."""
    import ray
    from ray import serve

    connect(address)
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        serve.start(http_options={"host": settings.host, "port": settings.port})
        deployment = serve.deployment(serve.ingress()(CiteqaReplica), name="CiteqaReplica", num_replicas=replicas,
                                      ray_actor_options={"num_cpus": 1})
        serve.run(deployment.bind(settings.model_dump_json()), name=APP_NAME, route_prefix="/", blocking=False)
        log.info("serving on %s replicas at http://%s:%s/", replicas, settings.host, settings.port)
        stop.wait()
    finally:
        try:
            serve.delete(APP_NAME)
            serve.shutdown()
        finally:
            ray.shutdown()
