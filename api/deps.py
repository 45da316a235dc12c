"""What routes depend on: the service runtime, the settings, the API key check, the JSON content type."""

from __future__ import annotations

import contextlib
import email.message
import hmac
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio
import anyio.to_thread

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Busy, UnsupportedMediaType
from core.errors import IndexNotReady, Unauthorized, WritesDisabled
from qa.service import QAService
from core.settings import Settings

log = logging.getLogger(__name__)

RELOAD_INTERVAL_S = 2.0
ASK_QUEUE_TIMEOUT_S = 30.0  # a question waits at most this long for a reader slot, then 503

T = TypeVar("T")


class ServiceRuntime:
    """Owns the ``QAService`` of one app: loads it in a background thread, then keeps its index fresh.

    The thread warms the models, syncs the index with the corpus folder, loads it, and then polls
    ``service.reload()`` every ``reload_interval_s`` so an index rebuilt by another process
    (``citeqa index``) goes live without a restart.
    """

    def __init__(self, settings: Settings, reload_interval_s: float = RELOAD_INTERVAL_S) -> None:
        self.settings = settings
        self.reload_interval_s = reload_interval_s
        self.service: QAService | None = None
        self.error: str | None = None
        # questions are read in their own threads, at most max_concurrent_asks at once; waiting ones wait
        # in the event loop (not in a thread), so reads and health checks never queue behind them
        self._ask_limiter: anyio.CapacityLimiter | None = None  # readers free
        self._ask_threads: anyio.CapacityLimiter | None = None  # their threads (not the shared pool's)
        self._asks_admitted = 0  # running or waiting; touched only on the event loop
        self._stop = threading.Event()
        self.rebuilding = False  # the index folder vanished and is being rebuilt
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="citeqa-loader", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            service = QAService(self.settings)
            service.warm_up(load_index=False)
        except Exception as exc:
            self._failed("could not load the models", exc)
            return
        self.service = service  # not ready (no live index) until reload() succeeds
        try:
            if not service.sharded:  # shards serve the versions `citeqa index` writes
                service.build_index()
            service.reload()
            log.info("ready: index version %s", service.snapshot.version)
        except Exception as exc:  # the poller keeps trying to load an index
            self._failed("could not build or load the index", exc)
        self._poll(service)

    def _poll(self, service: QAService) -> None:
        last: str | None = None
        while not self._stop.wait(self.reload_interval_s):
            try:
                if not service.store.exists() and service.ready and not service.sharded:
                    self._rebuild(service)
                elif service.reload():
                    log.info("index version %s is live", service.snapshot.version)
                self.error = last = None
            except Exception as exc:  # keep serving the version in memory
                message = _describe(exc)
                if message != last:
                    log.warning("index reload failed: %s", message)
                last = message
                if not service.ready:
                    self.error = message

    def _rebuild(self, service: QAService) -> None:
        """The index folder vanished under a running server: unready (``/readyz`` 503) until it is rebuilt
        from the corpus folder; questions are still answered from the version in memory meanwhile."""
        log.warning("the index folder %s is gone; rebuilding it from %s", service.store.index_dir,
                    service.settings.corpus_dir)
        self.rebuilding = True
        try:
            report = service.build_index()
            service.reload()
            log.info("index rebuilt: version %s, %d documents", report.version, report.files)
        finally:
            self.rebuilding = False

    def _failed(self, what: str, exc: Exception) -> None:
        self.error = f"{what}: {_describe(exc)}"
        log.error("startup: %s", self.error, exc_info=exc)

    def ready_service(self) -> QAService:
        service = self.service
        if service is None or not service.ready:
            raise IndexNotReady(f"the service is not ready: {self.error}" if self.error else
                                "the service is still loading the models and the index")
        return service

    @contextlib.asynccontextmanager
    async def ask_slot(self) -> AsyncIterator[None]:
        """Admission for one question: 503 ``busy`` at once when ``max_concurrent_asks`` are being read and
        ``max_queued_asks`` already wait; else wait (up to ``ASK_QUEUE_TIMEOUT_S``) for a free slot."""
        if self._asks_admitted >= self.settings.max_concurrent_asks + self.settings.max_queued_asks:
            raise Busy(f"{self._asks_admitted} questions are in flight; try again shortly")
        self._asks_admitted += 1
        try:
            yield
        finally:
            self._asks_admitted -= 1

    async def run_ask(self, func: Callable[..., T], *args: object) -> T:
        """Run one question's blocking work in a worker thread, at most ``max_concurrent_asks`` at once."""
        if self._ask_limiter is None or self._ask_threads is None:
            self._ask_limiter = anyio.CapacityLimiter(self.settings.max_concurrent_asks)
            self._ask_threads = anyio.CapacityLimiter(self.settings.max_concurrent_asks)
        limiter = self._ask_limiter
        try:
            with anyio.fail_after(ASK_QUEUE_TIMEOUT_S):
                await limiter.acquire()
        except TimeoutError:
            raise Busy("no reader was free in time; try again shortly") from None
        try:
            return await anyio.to_thread.run_sync(func, *args, limiter=self._ask_threads)
        finally:
            limiter.release()


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_runtime(request: Request) -> ServiceRuntime:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise IndexNotReady("the service has not started")
    return runtime


def get_service(runtime: Annotated[ServiceRuntime, Depends(get_runtime)]) -> QAService:
    """The warm service with a live index, or 503 while it is still loading."""
    return runtime.ready_service()


SettingsDep = Annotated[Settings, Depends(get_settings)]
RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
ServiceDep = Annotated[QAService, Depends(get_service)]

_bearer = HTTPBearer(auto_error=False, description="the API key as a Bearer token")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")


def require_api_key(settings: SettingsDep,
                    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
                    api_key: Annotated[str | None, Security(_api_key_header)]) -> None:
    """403 when no key is configured, 401 when the given key is missing or wrong (constant-time compare)."""
    configured = settings.api_key.get_secret_value() if settings.api_key is not None else ""
    if not configured:
        raise WritesDisabled("writes are disabled: no API key is configured (set CITEQA_API_KEY)")
    expected = configured.encode("utf-8")
    given = [g for g in (bearer.credentials if bearer else None, api_key) if g]
    # every candidate is compared, so timing does not tell which header carried the key
    matches = [hmac.compare_digest(g.encode("utf-8", "surrogateescape"), expected) for g in given]
    if not any(matches):
        raise Unauthorized("missing or wrong API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def require_json(request: Request) -> None:
    if not is_json(request.headers.get("content-type")):
        raise UnsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")


ApiKey = Depends(require_api_key)
JsonBody = Depends(require_json)
