"""The FastAPI app: ``create_app(settings)`` wires routes, error handlers and the body size limit.

Nothing is loaded at import time. The lifespan starts a ``ServiceRuntime`` whose background thread
loads the models and the index (``/healthz`` answers at once, ``/readyz`` says 503 until ready) and
then polls for index versions written by other processes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import ServiceRuntime
from api.errors import BodyTooLarge, error_response, install_error_handlers
from api.routes import admin, ask, documents, health, pages
from core.settings import Settings

log = logging.getLogger(__name__)

SMALL_BODY_BYTES = 64 * 1024  # questions and everything else that is not a document upload


class BodySizeLimit:
    """413 (JSON) for request bodies over the limit: checked on Content-Length, then while reading."""

    def __init__(self, app: ASGIApp, document_limit: int, default_limit: int = SMALL_BODY_BYTES) -> None:
        self.app = app
        self.document_limit = document_limit
        self.default_limit = default_limit

    def limit_for(self, scope: Scope) -> int:
        is_upload = scope.get("method") == "POST" and scope.get("path", "").rstrip("/") == "/v1/documents"
        return self.document_limit if is_upload else self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        headers = dict((k.lower(), v) for k, v in scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await error_response(400, "bad_request", "invalid Content-Length header")(scope, receive, send)
                return
            if too_large:
                await error_response(413, "payload_too_large", f"request body is larger than {limit} bytes")(
                    scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await error_response(413, "payload_too_large", str(exc.detail))(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API and the chat page over ``settings`` (default: ``Settings()`` from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(settings)
        app.state.runtime = runtime
        runtime.start()
        try:
            yield
        finally:
            await run_in_threadpool(runtime.stop)  # joins the loader/poller thread
            app.state.runtime = None

    app = FastAPI(title="citeqa", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Extractive question answering over news articles, with verifiable citations. "
                              "Every answer cites character offsets into the original article files.")
    app.state.settings = settings
    app.state.runtime = None
    install_error_handlers(app)
    # room for JSON escaping (up to 6 bytes per character) and multipart framing around the document
    app.add_middleware(BodySizeLimit, document_limit=6 * settings.max_document_bytes + SMALL_BODY_BYTES)
    for module in (health, ask, documents, admin, pages):
        app.include_router(module.router)
    app.mount("/static/apidocs", pages.api_docs_files(), name="apidocs")
    app.mount("/static", pages.static_files(), name="static")
    return app
