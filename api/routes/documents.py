"""The articles: list, read (whole or a cited span), add/replace and delete (the last two need the API key)."""

from __future__ import annotations

import json
from typing import Any

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
from core.names import validate_document_name

router = APIRouter(prefix="/v1/documents", tags=["documents"])

SPAN_CONTEXT_CHARS = 300


@router.get("", response_model=list[DocumentInfo], responses=errors(503))
def list_documents(service: ServiceDep) -> list[DocumentInfo]:
    """Every indexed article with its size in bytes, SHA-256 and passage count."""
    return [DocumentInfo(name=name, size=entry.size, sha256=entry.sha256, passages=entry.passages)
            for name, entry in sorted(service.snapshot.documents.items())]


@router.get("/{name:path}", response_model=DocumentText | DocumentSpan, responses=errors(400, 404, 503))
def read_document(name: str, service: ServiceDep,
                  start: int | None = Query(None, description="span start (character offset); default 0"),
                  end: int | None = Query(None, description="span end (exclusive); default the end of the text"),
                  ) -> DocumentText | DocumentSpan:
    """The original text; with ``start``/``end``, the span ``text[start:end]`` with some context around it."""
    text = service.corpus.read_text(validate_document_name(name), service.snapshot)
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
        "properties": {"file": {"type": "string", "format": "binary", "description": "the article (UTF-8 text)"},
                       "name": {"type": "string", "description": "file name; default: the upload's file name"}}}},
}}}


async def _read_upload(request: Request, max_bytes: int) -> tuple[str, bytes]:
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
            return upload.name, upload.text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidDocument(f"{upload.name}: text is not valid Unicode (lone surrogate)") from None
    if content_type.lower().startswith("multipart/form-data"):
        async with request.form(max_files=1, max_fields=4) as form:
            file = form.get("file")
            if isinstance(file, UploadFile):
                data = await file.read(max_bytes + 1)
                default_name = file.filename or ""
            elif isinstance(file, str):
                data, default_name = file.encode("utf-8", "surrogateescape"), ""
            else:
                raise InvalidRequest("multipart upload needs a 'file' field")
            name = form.get("name")
            name = name if isinstance(name, str) and name else default_name
            return name, data
    raise UnsupportedMediaType("upload JSON {name, text} or multipart/form-data with a 'file' field")


@router.post("", response_model=DocumentChangeOut, status_code=201, dependencies=[ApiKey], openapi_extra=UPLOAD_BODY,
             responses={200: {"model": DocumentChangeOut, "description": "Replaced an existing document"},
                        **errors(400, 401, 403, 409, 413, 415, 422, 503)})
async def upsert_document(request: Request, response: Response, service: ServiceDep,
                          settings: SettingsDep) -> DocumentChangeOut:
    """Add (201) or replace (200) an article; it is citable as soon as this returns."""
    name, data = await _read_upload(request, settings.max_document_bytes)
    change = await run_in_threadpool(service.corpus.upsert, name, data)
    if not change.created:
        response.status_code = 200
    return DocumentChangeOut(name=change.name, passages=change.passages, version=change.version,
                             created=change.created)


@router.delete("/{name:path}", response_model=DocumentRemoved, dependencies=[ApiKey],
               responses=errors(400, 401, 403, 404, 409, 503))
async def delete_document(name: str, service: ServiceDep) -> DocumentRemoved:
    """Delete an article from the corpus folder and the index."""
    change = await run_in_threadpool(service.corpus.remove, validate_document_name(name))
    return DocumentRemoved(name=change.name, removed=change.removed, version=change.version)
