"""One router per resource; ``ERRORS`` documents the shared error body in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from api.schemas import ErrorBody


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for error statuses, all with the ``{"error": {...}}`` body."""
    descriptions = {400: "Bad request", 401: "Missing or wrong API key", 403: "Writes disabled (no API key configured)",
                    404: "Not found", 409: "Another writer holds the index", 413: "Body too large",
                    415: "Unsupported content type", 422: "Invalid request body", 503: "Not ready",
                    507: "The index could not be written: the disk is full (nothing was changed)"}
    documented: dict[int | str, dict[str, Any]] = {
        s: {"model": ErrorBody, "description": descriptions.get(s, "Error")} for s in statuses}
    documented["4XX"] = {"model": ErrorBody, "description": "Other client errors (unknown path, wrong method, …)"}
    return documented
