"""The chat page (``/``) and the source view (``/view/{name}?start=&end=``): static files, no CDN."""

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


def static_files() -> StaticFiles:
    """Mounted at ``/static`` by ``create_app``: the pages' CSS and JS."""
    return StaticFiles(directory=STATIC_DIR)
