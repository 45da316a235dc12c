"""The article formats citeqa reads, behind one interface, and the choice of format for a file.

Each format turns a file's bytes into one or more ``Article``s (a feed or an export holds several)
and raises ``InvalidDocument`` naming the file, and the line or entry, when it cannot. The format
is chosen by the file's suffix; a ``.xml`` file is read as a feed only when its root element is
one (``rss``, ``feed``, ``rdf:RDF``).
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import Protocol

from lxml import etree

from core.names import ARTICLE_SUFFIXES
from core.types import Article
from index.formats.cms import JsonExport, JsonLinesExport
from index.formats.feed import Feed
from index.formats.html import HtmlPage


class ArticleFormat(Protocol):
    @property
    def name(self) -> str:
        """The format's name: "txt", "html", "jsonl", "json", "rss" or "atom"."""

    def extract(self, file_name: str, data: bytes) -> list[Article]:
        """The articles in ``data`` (the bytes of ``file_name``); raises ``InvalidDocument``."""



_BY_SUFFIX: dict[str, ArticleFormat] = {
    ".html": HtmlPage(),
    ".htm": HtmlPage(),
    ".jsonl": JsonLinesExport(),
    ".json": JsonExport(),
    ".rss": Feed("rss"),
    ".atom": Feed("atom"),
}
# the root element of an XML feed (local name) and the kind of feed it makes
_FEED_ROOTS = {"rss": "rss", "RDF": "rss", "feed": "atom"}
_RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_SUFFIX_BY_CONTENT_TYPE = {
    "text/plain": ".txt",
    "text/html": ".html",
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/rss+xml": ".rss",
    "application/atom+xml": ".atom",
}


def _xml_feed_kind(data: bytes) -> str | None:
    """``"rss"`` or ``"atom"`` when the XML in ``data`` has a feed's root element, else ``None``."""
    events = etree.iterparse(io.BytesIO(data), events=("start",), recover=True, resolve_entities=False, no_network=True)
    try:
        _, root = next(events)
    except (StopIteration, etree.XMLSyntaxError):
        return None
    tag = etree.QName(root)
    if tag.localname == "RDF" and tag.namespace != _RDF_NAMESPACE:
        return None
    return _FEED_ROOTS.get(tag.localname)


def format_for(file_name: str, data: bytes) -> ArticleFormat | None:
    """The format that reads ``file_name`` (by its suffix; a ``.xml`` file by its root element), or ``None``."""
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix == ".txt":
        from index.formats.text import PlainText

        return PlainText()
    if suffix == ".xml":
        kind = _xml_feed_kind(data)
        return None if kind is None else Feed(kind)
    return _BY_SUFFIX.get(suffix)


def format_for_content_type(content_type: str) -> str | None:
    """The file suffix for an upload's MIME type (``text/html; charset=utf-8`` gives ``.html``), or ``None``."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return _SUFFIX_BY_CONTENT_TYPE.get(media_type)
