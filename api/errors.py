"""Every error leaves the API as ``{"error": {"code", "message"}}``, mapped here and only here.

    CiteqaError                  its own .status / .code (see core.errors)
    RequestValidationError       422 validation_error (400 for query/path parameters, 400 invalid_json)
    HTTPException (routing, …)   its status: not_found, method_not_allowed, payload_too_large, …
    anything else                500 internal_error, logged with its traceback
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from core.errors import CiteqaError

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_error", 503: "unavailable"}


class Busy(CiteqaError):
    """Too many questions waiting: a fast 503 with ``Retry-After``, instead of a long queue."""

    code = "busy"
    status = 503
    retry_after_s = 2


class UnsupportedMediaType(CiteqaError):
    code = "unsupported_media_type"
    status = 415


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a request body that passes the limit (an HTTPException so FastAPI re-raises it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than {limit} bytes")


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> Response:
    """The one error shape. ASCII-escaped JSON, so user text with lone surrogates cannot break it."""
    body = {"error": {"code": code, "message": message, **extra}}
    return Response(json.dumps(body, ensure_ascii=True), status_code=status, headers=headers,
                    media_type="application/json")


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 and loc[0] in ("body", "query", "path", "header") else [
        str(p) for p in loc]
    return ".".join(parts)[:100] or str(loc[0] if loc else "body")


def validation_error_response(exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "invalid_json", "request body is not valid JSON")
    fields = [_field(tuple(e.get("loc", ()))) for e in errors]
    message = "; ".join(f"{f}: {str(e.get('msg', 'invalid'))[:200]}" for f, e in zip(fields, errors))
    in_url = all(tuple(e.get("loc", ("body",)))[:1] in (("query",), ("path",)) for e in errors)
    status, code = (400, "invalid_request") if in_url else (422, "validation_error")
    return error_response(status, code, f"invalid request: {message}", fields=fields)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CiteqaError)
    async def _citeqa(request: Request, exc: CiteqaError) -> Response:
        if exc.status >= 500 and exc.status != 503:
            log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
        retry = getattr(exc, "retry_after_s", None)
        return error_response(exc.status, exc.code, exc.message,
                              headers={"Retry-After": str(retry)} if retry is not None else None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return validation_error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        if exc.status_code == 400 and isinstance(exc.__cause__, (ValueError, RecursionError)):
            code, message = "invalid_json", "request body could not be parsed (invalid or too deeply nested JSON)"
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal server error")
