"""The chat page (``/``), the source view (``/view/{name}?start=&end=``) and the API documentation
(``/docs``: Swagger UI, its files served from the ``fastapi-offline`` package): static files, no CDN, so all
of them work on a machine without internet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# the pages load nothing but their own files; data reaches them only through fetch() of the JSON API
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def chat_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


@router.get("/view/{name:path}")
async def source_view(name: str) -> FileResponse:
    """The page reads the name from its own URL and fetches ``/v1/documents/{name}`` itself."""
    return FileResponse(STATIC_DIR / "view.html", headers=PAGE_HEADERS)


# Swagger UI styles its widgets with inline style attributes; scripts stay 'self' only. (ReDoc is not
# served: it fetches its logo from a CDN.)
DOCS_HEADERS = {**PAGE_HEADERS, "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"].replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'")}


@router.get("/docs")
async def api_docs() -> FileResponse:
    """The interactive API documentation (Swagger UI) over ``/openapi.json``."""
    return FileResponse(STATIC_DIR / "docs.html", headers=DOCS_HEADERS)


def static_files() -> StaticFiles:
    """Mounted at ``/static`` by ``create_app``: the pages' CSS and JS."""
    return StaticFiles(directory=STATIC_DIR)


def api_docs_files() -> StaticFiles:
    """Mounted at ``/static/apidocs`` by ``create_app``: Swagger UI's own files."""
    from importlib.resources import files

    return StaticFiles(directory=str(files("fastapi_offline") / "static"))
