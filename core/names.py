"""Document names: the one rule for what a document in the corpus folder may be called.

A name is the path of an article relative to the corpus folder, with ``/`` separators
(``bridge.txt``, ``world/korea.txt``). Every segment starts with a letter or digit and holds only
letters, digits, ``.``, ``_``, ``-`` and spaces, so no name can be hidden, absolute, contain ``..``,
or leave the corpus folder; the indexer, the upload, the read and the delete endpoints all use
this rule, so every name the indexer accepts can also be read, replaced and deleted over the API.
"""

from __future__ import annotations

import re

from core.errors import InvalidDocument

ARTICLE_SUFFIXES = (".txt",)
MAX_NAME_CHARS = 500
MAX_FOLDER_DEPTH = 8

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._ -]"
_FILE_NAME = re.compile(_SEGMENT + r"{0,199}")
_FOLDER_NAME = re.compile(_SEGMENT + r"{0,99}")


def name_problem(name: object, suffixes: tuple[str, ...] = ARTICLE_SUFFIXES) -> str | None:
    """Why ``name`` is not a valid document name, or ``None`` when it is."""
    if not isinstance(name, str) or not name:
        return "a document name must be a non-empty string"
    *folders, file_name = name.split("/")
    if len(name) > MAX_NAME_CHARS:
        return f"a document name has at most {MAX_NAME_CHARS} characters"
    if len(folders) > MAX_FOLDER_DEPTH:
        return f"a document is at most {MAX_FOLDER_DEPTH} folders deep"
    if not file_name.endswith(suffixes):
        return f"use a file name ending in {' or '.join(suffixes)}"
    if (not _FILE_NAME.fullmatch(file_name) or ".." in name or name != name.strip()
            or not all(_FOLDER_NAME.fullmatch(f) and f == f.strip() for f in folders)):
        return ("use letters, digits, '.', '_', '-' and spaces, each part starting with a letter or digit "
                "('world/korea.txt'); no hidden or '..' parts")
    return None


def validate_document_name(name: object, suffixes: tuple[str, ...] = ARTICLE_SUFFIXES) -> str:
    """``name`` itself when it is a valid document name; otherwise ``InvalidDocument`` saying why."""
    problem = name_problem(name, suffixes)
    if problem is not None:
        shown = name[:80] if isinstance(name, str) else type(name).__name__
        raise InvalidDocument(f"invalid document name {shown!r}: {problem}")
    return name  # type: ignore[return-value]
