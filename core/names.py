"""Document names: the one rule for what a document in the corpus folder may be called.

A file name is the path of a file relative to the corpus folder, with ``/`` separators
(``bridge.txt``, ``world/korea.html``); a document name is a file name, or ``<file>#<id>`` for one
article of a feed or export that holds several (``wire.rss#item-3``). Every segment starts with a letter or digit and holds only
letters, digits (of any script: ``séoul.txt``, ``서울.txt``), ``.``, ``_``, ``-`` and spaces, so no name can be
hidden, absolute, contain ``..``, or leave the corpus folder. Names are Unicode NFC: the API
normalises the names it is given (``normalize_name``), so ``café.txt`` typed with a combining
accent is the same document, and the indexer skips a file whose name on disk is not NFC (it
could not be served under its own name). The indexer, the upload, the read and the delete
endpoints all use this rule, so every name the indexer accepts can also be read, replaced and
deleted over the API.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import InvalidDocument

# every file suffix some ingest format reads (index.formats); a ``.meta.json`` is a sidecar, not an article
ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".json", ".rss", ".atom", ".xml")
SIDECAR_SUFFIX = ".meta.json"
MAX_NAME_CHARS = 500
MAX_FOLDER_DEPTH = 8

_SEGMENT = r"[^\W_][\w. -]"  # \w: letters and digits of any script, and "_" (not combining marks)
_FILE_NAME = re.compile(_SEGMENT + r"{0,199}")
_FOLDER_NAME = re.compile(_SEGMENT + r"{0,99}")
_FRAGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def normalize_name(name: object) -> object:
    """``name`` in Unicode NFC (anything else unchanged, for ``name_problem`` to refuse)."""
    return unicodedata.normalize("NFC", name) if isinstance(name, str) else name


def split_document_name(name: str) -> tuple[str, str | None]:
    """``("export.jsonl", "17")`` for one article of a file holding several, ``("a.txt", None)`` otherwise."""
    file_name, sep, fragment = name.partition("#")
    return file_name, (fragment if sep else None)


def name_problem(name: object, suffixes: tuple[str, ...] = ARTICLE_SUFFIXES) -> str | None:
    """Why ``name`` is not a valid document name, or ``None`` when it is."""
    if not isinstance(name, str) or not name:
        return "a document name must be a non-empty string"
    *folders, file_name = name.split("/")
    if len(name) > MAX_NAME_CHARS:
        return f"a document name has at most {MAX_NAME_CHARS} characters"
    if len(folders) > MAX_FOLDER_DEPTH:
        return f"a document is at most {MAX_FOLDER_DEPTH} folders deep"
    if file_name.endswith(SIDECAR_SUFFIX):
        return f"a '{SIDECAR_SUFFIX}' file is the metadata of the article beside it, not an article"
    if not file_name.endswith(suffixes):
        return f"use a file name ending in {', '.join(suffixes)}"
    if unicodedata.normalize("NFC", name) != name:
        return "the name is not in Unicode NFC form (rename the file with composed characters)"
    if (not _FILE_NAME.fullmatch(file_name) or ".." in name or name != name.strip()
            or not all(_FOLDER_NAME.fullmatch(f) and f == f.strip() for f in folders)):
        return ("use letters, digits, '.', '_', '-' and spaces, each part starting with a letter or digit "
                "('world/korea.txt'); no hidden or '..' parts")
    return None


def document_name_problem(name: object) -> str | None:
    """Like ``name_problem`` for a document name, which may be ``<file>#<id>`` (one article of a feed or export)."""
    if not isinstance(name, str):
        return name_problem(name)
    file_name, fragment = split_document_name(name)
    if fragment is not None and not _FRAGMENT.fullmatch(fragment):
        return "the part after '#' names one article of a file: letters, digits, '.', '_' and '-'"
    return name_problem(file_name)


def validate_document_name(name: object, suffixes: tuple[str, ...] = ARTICLE_SUFFIXES) -> str:
    """``name`` itself when it is a valid file name of the corpus; otherwise ``InvalidDocument`` saying why."""
    problem = name_problem(name, suffixes)
    if problem is not None:
        shown = name[:80] if isinstance(name, str) else type(name).__name__
        raise InvalidDocument(f"invalid document name {shown!r}: {problem}")
    return name  # type: ignore[return-value]


def validate_read_name(name: object) -> str:
    """``name`` itself when it is a valid document name (a file, or ``<file>#<id>``); else ``InvalidDocument``."""
    problem = document_name_problem(name)
    if problem is not None:
        shown = name[:80] if isinstance(name, str) else type(name).__name__
        raise InvalidDocument(f"invalid document name {shown!r}: {problem}")
    return name  # type: ignore[return-value]
