"""Errors raised by citeqa, mapped to HTTP responses in one place (``api.errors``).

    CiteqaError                     500 unless a subclass says otherwise
    ├── InvalidRequest              400  bad question, bad name, bad parameter
    │   └── InvalidDocument         400  not UTF-8, empty, binary, bad name
    ├── DocumentTooLarge            413
    │   └── DocumentOverBudget      413  indexing it would take longer than its time budget
    ├── DocumentNotFound            404
    ├── DocumentChanged             409  the file on disk is not the one indexed
    ├── Unauthorized                401  missing or wrong API key
    ├── WritesDisabled              403  no API key configured
    │   └── ReadOnlyIndex           403  the index is served in shards (read-only)
    ├── WriteConflict               409  another writer holds the index lock
    ├── IndexNotReady               503  no index, or models still loading
    └── IndexUnusable               503  the index on disk cannot be used
        ├── StorageFailed           503  the index could not be written (507 when the disk is full)
        ├── IndexMismatch           built by another model / format / chunking
        └── IndexCorrupt            missing or truncated files
"""

from __future__ import annotations


class CiteqaError(Exception):
    code = "internal_error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(CiteqaError):
    code = "invalid_request"
    status = 400


class InvalidDocument(InvalidRequest):
    code = "invalid_document"


class DocumentTooLarge(CiteqaError):
    code = "document_too_large"
    status = 413


class DocumentOverBudget(DocumentTooLarge):
    """Indexing the document would take longer than ``Settings.document_time_budget_s``."""

    code = "document_over_budget"


class DocumentNotFound(CiteqaError):
    code = "not_found"
    status = 404


class DocumentChanged(CiteqaError):
    """The file on disk is not the one that was indexed: it is not served until it is indexed again."""

    code = "document_changed"
    status = 409


class Unauthorized(CiteqaError):
    code = "unauthorized"
    status = 401


class WritesDisabled(CiteqaError):
    code = "writes_disabled"
    status = 403


class ReadOnlyIndex(WritesDisabled):
    """This process serves an index held in shards: it reads, it does not write."""

    code = "read_only"


class WriteConflict(CiteqaError):
    code = "write_conflict"
    status = 409


class IndexNotReady(CiteqaError):
    code = "not_ready"
    status = 503


class ClusterUnavailable(CiteqaError):
    """The Ray cluster given for indexing could not be reached or joined (``citeqa index --ray``)."""

    code = "cluster_unavailable"
    status = 503


class IndexUnusable(CiteqaError):
    code = "index_unusable"
    status = 503


class StorageFailed(IndexUnusable):
    """The index could not be written; nothing was changed. 507 when the disk is full, else 503."""

    code = "storage_failed"

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.status = status


class IndexMismatch(IndexUnusable):
    code = "index_mismatch"


class IndexCorrupt(IndexUnusable):
    code = "index_corrupt"
