"""The articles: list, read (whole or a cited span), add/replace and delete (the last two need the API key)."""

from __future__ import annotations

import json
from typing import Any

from pathlib import PurePosixPath
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import ApiKey, ServiceDep, SettingsDep, is_json
from api.errors import UnsupportedMediaType
from api.routes import errors
from api.schemas import DocumentChangeOut, DocumentInfo, DocumentRemoved, DocumentSpan, DocumentText, DocumentUpload
from core.errors import InvalidDocument, InvalidRequest
from core.names import ARTICLE_SUFFIXES, name_problem, normalize_name, validate_document_name, validate_read_name

router = APIRouter(prefix="/v1/documents", tags=["documents"])

SPAN_CONTEXT_CHARS = 300


@router.get("", response_model=list[DocumentInfo], responses=errors(503))
def list_documents(service: ServiceDep) -> list[DocumentInfo]:
    """Every indexed article with its metadata (title, date, outlet, ...), source file, size, SHA-256 and passages."""
    return [DocumentInfo(name=name, source=entry.source_of(name), format=entry.format, size=entry.size,
                         sha256=entry.sha256, passages=entry.passages, title=entry.title, published=entry.published,
                         outlet=entry.outlet, author=entry.author, url=entry.url, origins=entry.origins)
            for name, entry in sorted(service.snapshot.documents.items())]


ORIGINAL_TYPES = {"txt": "text/plain; charset=utf-8", "html": "text/html", "jsonl": "application/x-ndjson",
                  "json": "application/json", "rss": "application/rss+xml", "atom": "application/atom+xml"}


@router.get("/{name:path}", response_model=DocumentText | DocumentSpan, responses={
    **errors(400, 404, 409, 503), 200: {"content": {"application/octet-stream": {}},
                                        "description": "the text (JSON), or the original bytes with format=original"}})
def read_document(name: str, service: ServiceDep,
                  start: int | None = Query(None, description="span start (character offset); default 0"),
                  end: int | None = Query(None, description="span end (exclusive); default the end of the text"),
                  format: Literal["text", "original"] = Query(
                      "text", description="text: the document's text, which citations index into (JSON); "
                      "original: the bytes of the corpus file it was read from"),
                  ) -> DocumentText | DocumentSpan | Response:
    """The document's text (for ``.txt`` the original file; for other formats the extracted text that
    citations index into); with ``start``/``end``, the span ``text[start:end]`` with context around it;
    with ``format=original``, the original file's bytes."""
    snapshot = service.snapshot
    name = validate_read_name(normalize_name(name))
    if format == "original":
        data = service.corpus.read_original(name, snapshot)
        entry = snapshot.documents[name]
        return Response(data, media_type=ORIGINAL_TYPES.get(entry.format, "application/octet-stream"),
                        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
                                 "Content-Disposition": "inline"})
    text = service.corpus.read_text(name, snapshot)
    if start is None and end is None:
        return DocumentText(name=name, text=text)
    lo = 0 if start is None else start
    hi = len(text) if end is None else end
    if not 0 <= lo <= hi <= len(text):
        raise InvalidRequest(f"need 0 <= start <= end <= {len(text)}, got start={lo}, end={hi}")
    return DocumentSpan(name=name, start=lo, end=hi, text=text[lo:hi],
                        context_before=text[max(0, lo - SPAN_CONTEXT_CHARS):lo],
                        context_after=text[hi:hi + SPAN_CONTEXT_CHARS])


UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": DocumentUpload.model_json_schema()},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "the file: an article (UTF-8 text), a web page, a feed or an export"},
                       "name": {"type": "string", "description": "file name; default: the upload's file name"},
                       "format": {"type": "string", "enum": ["txt", "html", "htm", "jsonl", "json", "rss", "atom", "xml"],
                                  "description": "the format when the name has no supported suffix; default: "
                                                 "from the file's content type"}}}},
}}}


def _format_of(content_type: str | None) -> str | None:
    """The format a specific content type names (text/html, application/rss+xml, ...); None for a
    generic one (text/plain, application/octet-stream), so a name without a suffix stays refused."""
    from index.formats import format_for_content_type

    suffix = format_for_content_type(content_type or "")
    return suffix.lstrip(".") if suffix and suffix != ".txt" else None


async def _read_upload(request: Request, max_bytes: int) -> tuple[str, bytes, str | None]:
    content_type = request.headers.get("content-type", "")
    if is_json(content_type):
        try:
            payload = json.loads(await request.body())
        except (ValueError, RecursionError):
            raise InvalidRequest("request body is not valid JSON") from None
        try:
            upload = DocumentUpload.model_validate(payload)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        try:
            return upload.name, upload.text.encode("utf-8"), upload.format
        except UnicodeEncodeError:
            raise InvalidDocument(f"{upload.name}: text is not valid Unicode (lone surrogate)") from None
    if content_type.lower().startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=4) as form:
            file = form.get("file")
            fmt = None
            if isinstance(file, UploadFile):
                data = await file.read(max_bytes + 1)
                default_name = file.filename or ""
                fmt = _format_of(file.content_type)
            elif isinstance(file, str):
                data, default_name = file.encode("utf-8", "surrogateescape"), ""
            else:
                raise InvalidRequest("multipart upload needs a 'file' field")
            name = form.get("name")
            name = name if isinstance(name, str) and name else default_name
            given = form.get("format")
            return name, data, given if isinstance(given, str) and given else fmt
    raise UnsupportedMediaType("upload JSON {name, text, format?} or multipart/form-data with a 'file' field")


@router.post("", response_model=DocumentChangeOut, status_code=201, dependencies=[ApiKey], openapi_extra=UPLOAD_BODY,
             responses={200: {"model": DocumentChangeOut, "description": "Replaced an existing document"},
                        **errors(400, 401, 403, 409, 413, 415, 422, 503, 507)})
async def upsert_document(request: Request, response: Response, service: ServiceDep,
                          settings: SettingsDep) -> DocumentChangeOut:
    """Add (201) or replace (200) a corpus file: a plain-text article, a web page, a feed or a CMS export
    (by its suffix, the ``format`` field, or the upload's content type). Its articles are citable as soon
    as this returns."""
    name, data, fmt = await _read_upload(request, settings.max_document_bytes)
    if fmt is not None and fmt not in ORIGINAL_TYPES and fmt not in ("htm", "xml"):
        raise UnsupportedMediaType(f"unsupported format {fmt!r}")
    suffix = PurePosixPath(name).suffix if isinstance(name, str) else ""
    if fmt is None and suffix and suffix not in ARTICLE_SUFFIXES and name_problem(PurePosixPath(name).stem + ".txt") is None:
        raise UnsupportedMediaType(f"{name[:80]}: unsupported file type {suffix[:20]!r}; citeqa reads "
                                   f"{', '.join(ARTICLE_SUFFIXES)}")
    change = await run_in_threadpool(service.corpus.upsert, name, data, fmt)
    if not change.created:
        response.status_code = 200
    return DocumentChangeOut(name=change.name, documents=list(change.documents), passages=change.passages,
                             version=change.version, created=change.created)


@router.delete("/{name:path}", response_model=DocumentRemoved, dependencies=[ApiKey],
               responses=errors(400, 401, 403, 404, 409, 503, 507))
async def delete_document(name: str, service: ServiceDep) -> DocumentRemoved:
    """Delete an article from the corpus folder and the index."""
    change = await run_in_threadpool(service.corpus.remove, validate_document_name(normalize_name(name)))
    return DocumentRemoved(name=change.name, removed=change.removed, version=change.version)
