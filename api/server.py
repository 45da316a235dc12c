"""Serving the app with uvicorn, with limits a public server needs.

uvicorn closes idle keep-alive connections, but a client that sends half a request and then
nothing keeps its connection (and a slot of ``limit_concurrency``) forever. ``GuardedH11Protocol``
closes a connection whose request headers are not complete ``header_timeout_s`` after it opened
(or after its previous response), and one whose body has not arrived ``body_timeout_s`` later.
"""

from __future__ import annotations

import asyncio
import logging

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from core.settings import Settings

log = logging.getLogger(__name__)


class GuardedH11Protocol(H11Protocol):
    header_timeout_s: float = 10.0
    body_timeout_s: float = 60.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._guard: asyncio.TimerHandle | None = None
        self._arm(self.header_timeout_s)

    def _arm(self, seconds: float) -> None:
        if getattr(self, "_guard", None) is not None:
            self._guard.cancel()
        self._guard = self.loop.call_later(seconds, self._check_progress)

    def _check_progress(self) -> None:
        self._guard = None
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.IDLE and (self.cycle is None or self.cycle.response_complete):
            self._close("no complete request headers")  # half-sent (or never sent) request
        elif state is h11.SEND_BODY:
            if getattr(self, "_body_waited", False):
                self._close("the request body did not arrive")
            else:
                self._body_waited = True
                self._arm(self.body_timeout_s)

    def _close(self, why: str) -> None:
        log.info("closing a connection from %s: %s in time", self.client, why)
        self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._body_waited = False
        if not self.transport.is_closing():
            self._arm(self.header_timeout_s)  # the next request on this connection gets the same limit

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_guard", None) is not None:
            self._guard.cancel()
            self._guard = None
        super().connection_lost(exc)


def guarded_protocol(settings: Settings) -> type[GuardedH11Protocol]:
    return type("ConfiguredH11Protocol", (GuardedH11Protocol,), {
        "header_timeout_s": settings.request_header_timeout_s, "body_timeout_s": settings.request_body_timeout_s})


def uvicorn_config(app: object, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info",
                          http=guarded_protocol(settings),  # type: ignore[arg-type]
                          timeout_keep_alive=settings.keep_alive_timeout_s,
                          limit_concurrency=settings.max_connections, backlog=256)


def serve(app: object, settings: Settings) -> None:
    """Run ``app`` until interrupted."""
    uvicorn.Server(uvicorn_config(app, settings)).run()
