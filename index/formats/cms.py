"""CMS exports: ``.jsonl`` (one JSON object per line) and ``.json`` (a list of objects, or one object).

Each record is one article. Its text is under the first of ``text``, ``body``, ``content`` that
holds a non-blank string (HTML is reduced to its text); the other fields are optional:
title (``title``, ``headline``), date (``date``, ``published``, ``published_at``, ``pubDate``),
url (``url``, ``link``), outlet (``outlet``, ``source``, ``publisher``), author (``author``,
``byline``) and ``id``, which names the article ``<file>#<id>`` (else ``<file>#<line or position>``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidDocument
from core.types import Article, DocumentMeta
from index.formats.common import article_names, iso_date, markup_to_text, sanitize_id, single_line

TEXT_KEYS = ("text", "body", "content")
FIELD_KEYS = {
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "outlet": ("outlet", "source", "publisher"),
    "author": ("author", "byline"),
}
DATE_KEYS = ("date", "published", "published_at", "pubDate")
LIST_KEYS = ("articles", "items", "data")  # where a .json object may hold its list of records


@dataclass(frozen=True)
class _Record:
    where: str  # "line 3", "entry 2": how error messages point at the record
    position: int  # 1-based line number or list position: the name when the record has no id
    fields: dict[str, Any]


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, Any] | None:
    """The first of ``keys`` present in ``record`` with a value other than null or "", and that value."""
    return next(((key, record[key]) for key in keys if record.get(key) not in (None, "")), None)


def _record_id(record: dict[str, Any]) -> str:
    raw = record.get("id")
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return ""
    return sanitize_id(str(raw))


def _article(file_name: str, name: str, record: _Record, export_format: str) -> Article:
    fields = record.fields
    body = next((fields[key] for key in TEXT_KEYS if isinstance(fields.get(key), str) and fields[key].strip()), "")
    text = markup_to_text(body)
    if not text:
        expected = ", ".join(repr(key) for key in TEXT_KEYS)
        raise InvalidDocument(f"{file_name}: {record.where} has no text (expected one of {expected})")
    known: dict[str, str] = {}
    for field, keys in FIELD_KEYS.items():
        found = _first(fields, keys)
        value = single_line(found[1]) if found else None
        if value:
            known[field] = value
    dated = _first(fields, DATE_KEYS)
    if dated:
        key, value = dated
        try:
            known["published"] = iso_date(value)
        except ValueError as exc:
            why = f"has a date that cannot be read ({key!r}: {exc})"
            raise InvalidDocument(f"{file_name}: {record.where} {why}") from None
    meta = DocumentMeta(**known, format=export_format, origins=dict.fromkeys(known, "export"))
    return Article(name=name, text=text, meta=meta)


def _articles(file_name: str, records: list[_Record], export_format: str) -> list[Article]:
    if not records:
        raise InvalidDocument(f"{file_name}: the export holds no articles")
    keys = [_record_id(r.fields) or str(r.position) for r in records]
    names = article_names(file_name, keys)
    return [_article(file_name, name, record, export_format) for name, record in zip(names, records)]


def _decode(file_name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        why = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        raise InvalidDocument(f"{file_name}: not valid UTF-8 ({why})") from None


def _lines(file_name: str, text: str) -> Iterator[_Record]:
    # split on "\n" only: JSON strings may hold U+2028 and other characters str.splitlines() breaks at
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            why = f"{exc.msg} at column {exc.colno}"
            raise InvalidDocument(f"{file_name}: line {number} is not valid JSON ({why})") from None
        if not isinstance(value, dict):
            raise InvalidDocument(f"{file_name}: line {number} is not a JSON object")
        yield _Record(where=f"line {number}", position=number, fields=value)


def _entries(file_name: str, text: str) -> Iterator[_Record]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        why = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        raise InvalidDocument(f"{file_name}: not valid JSON ({why})") from None
    if isinstance(value, dict):
        listed = next((value[key] for key in LIST_KEYS if isinstance(value.get(key), list)), None)
        value = [value] if listed is None else listed
    if not isinstance(value, list):
        raise InvalidDocument(f"{file_name}: expected a JSON list of articles or a JSON object")
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise InvalidDocument(f"{file_name}: entry {number} is not a JSON object")
        yield _Record(where=f"entry {number}", position=number, fields=entry)


@dataclass(frozen=True)
class JsonLinesExport:
    """``.jsonl``: one article per non-empty line."""

    name: str = "jsonl"

    def extract(self, file_name: str, data: bytes) -> list[Article]:
        records = list(_lines(file_name, _decode(file_name, data)))
        return _articles(file_name, records, self.name)


@dataclass(frozen=True)
class JsonExport:
    """``.json``: a list of articles, an object holding one under ``articles``/``items``/``data``, or one article."""

    name: str = "json"

    def extract(self, file_name: str, data: bytes) -> list[Article]:
        records = list(_entries(file_name, _decode(file_name, data)))
        return _articles(file_name, records, self.name)
