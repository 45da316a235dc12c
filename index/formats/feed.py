"""News feeds (RSS 2.0, RSS 1.0/RDF, Atom), read with feedparser: one article per entry.

An entry's text is its full content where the feed carries it (``content:encoded``, Atom
``<content>``), else its summary or description. Entries without text are skipped; a feed in
which no entry has text is refused.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

import feedparser

from core.errors import InvalidDocument
from core.types import Article, DocumentMeta
from index.formats.common import article_names, clean_text, html_to_text, iso_date, sanitize_id, single_line

_MARKUP_TYPES = ("text/html", "application/xhtml+xml")


def _text(detail: Any) -> str:
    """The text of a feedparser text construct (a content item, ``summary_detail``, ``title_detail``)."""
    value = detail.get("value") or ""
    return html_to_text(value) if detail.get("type") in _MARKUP_TYPES else clean_text(value)


def _entry_text(entry: Any) -> str:
    content = entry.get("content")
    if content and (text := _text(content[0])):
        return text
    summary = entry.get("summary_detail")
    return _text(summary) if summary else ""


def _entry_date(entry: Any) -> str | None:
    """The entry's date as written in the feed; feedparser's own reading (in UTC) where ours fails."""
    for field in ("published", "updated"):
        if entry.get(field):
            try:
                return iso_date(entry[field])
            except ValueError:
                parsed = entry.get(f"{field}_parsed")
                return time.strftime("%Y-%m-%d", parsed) if parsed else None
    return None


def _author(entry: Any, feed_format: str) -> str | None:
    if feed_format == "atom":
        return single_line(entry.get("author_detail", {}).get("name"))
    raw = single_line(entry.get("author"))
    # RSS 2.0 <author> is an email address, usually followed by "(Name)"; dc:creator is a name. Read
    # with the standard library: feedparser's own split mangles addresses whose domain ends in 5+ letters
    return single_line(parseaddr(raw)[0]) if raw and "@" in raw else raw


def _meta(entry: Any, outlet: str | None, feed_format: str) -> DocumentMeta:
    title = entry.get("title_detail")
    fields = {
        "title": single_line(_text(title)) if title else None,
        "published": _entry_date(entry),
        "outlet": outlet,
        "author": _author(entry, feed_format),
        "url": single_line(entry.get("link")),
    }
    known = {key: value for key, value in fields.items() if value}
    return DocumentMeta(**known, format=feed_format, origins=dict.fromkeys(known, "feed"))


@dataclass(frozen=True)
class Feed:
    """An RSS or Atom file; ``name`` is the kind its suffix promises, ``meta.format`` the kind it is."""

    name: str = "rss"

    def extract(self, file_name: str, data: bytes) -> list[Article]:
        # a stream, so feedparser never reads the bytes as a URL or a local path to open
        parsed = feedparser.parse(io.BytesIO(data))
        if not parsed.entries:
            why = f"not a readable feed ({parsed.bozo_exception})" if parsed.bozo else "the feed has no entries"
            raise InvalidDocument(f"{file_name}: {why}")
        feed_format = "atom" if parsed.version.startswith("atom") else "rss"
        outlet = single_line(parsed.feed.get("title"))
        kept = [(position, entry, text) for position, entry in enumerate(parsed.entries, start=1)
                if (text := _entry_text(entry))]
        if not kept:
            raise InvalidDocument(f"{file_name}: no entry of the feed has any text")
        keys = [sanitize_id(entry.get("id") or "") or str(position) for position, entry, _ in kept]
        return [Article(name=name, text=text, meta=_meta(entry, outlet, feed_format))
                for name, (_, entry, text) in zip(article_names(file_name, keys), kept)]
