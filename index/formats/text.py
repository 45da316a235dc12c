"""Plain-text articles (``.txt``): the file's decoded text is the document; metadata is guessed.

* the headline: the first substantial line near the top (3-30 words, not a sentence ending in a
  period, not page furniture, not a date);
* the publication date: a dateline near the top ("Friday, November 7, 2025", "Nov. 5 (Reuters) -"),
  parsed by ``index.dates`` (dateparser/dateutil); a dateline's month and day alone when the head gives
  no year, as ISO 8601's year-less ``--05-20`` (wire copy: it still tells the events of May 19 from those
  of July 8, never a year; a day mentioned further down, "on April 1, 2014", is no better date); else the
  date the top of the article mentions;
* a sidecar ``<name>.meta.json`` beside the file (``title``, ``published``, ``outlet``, ``author``,
  ``url``) overrides what was guessed (``apply_sidecar``; read by ``index.ingest``).
"""

from __future__ import annotations

import json
from dataclasses import replace

from core.errors import InvalidDocument
from core.types import METADATA_FIELDS, Article, DocumentMeta
from index.cleaning import is_boilerplate_line, split_lines

SIDECAR_SUFFIX = ".meta.json"
HEADLINE_SEARCH_LINES = 12

# control characters that never occur in text files (everything below 0x20 except \t \n \r \f)
_BINARY_CONTROLS = {c for c in range(32) if c not in (9, 10, 12, 13)}


def decode_text(name: str, data: bytes) -> str:
    """Validate raw bytes as a text article; raise ``InvalidDocument`` saying why it is not one."""
    if not data.strip():
        raise InvalidDocument(f"{name}: file is empty")
    if b"\x00" in data:
        raise InvalidDocument(f"{name}: looks binary (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidDocument(f"{name}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    controls = sum(1 for ch in text[:10000] if ord(ch) in _BINARY_CONTROLS)
    if controls > max(3, len(text[:10000]) // 100):
        raise InvalidDocument(f"{name}: looks binary ({controls} control characters)")
    if not text.strip():
        raise InvalidDocument(f"{name}: file has no text")
    return text


def _is_date_line(line: str) -> bool:
    """Whether a date is most of the line ("Friday, November 7, 2025", "Updated 10:02 AM EST")."""
    from index.dates import find_time_mentions

    # only dates with a year count: "Layoffs in October" is a headline
    covered = sum(m.end - m.start for m in find_time_mentions(line, None) if m.year_known)
    return covered >= 0.5 * len(line.strip())


def guess_headline(text: str, dateline: tuple[int, int] | None = None) -> str | None:
    """The first substantial line of the top of the article, or None."""
    for line in split_lines(text)[:HEADLINE_SEARCH_LINES]:
        words = line.text.split()
        if dateline is not None and line.start <= dateline[0] < max(line.end, line.start + 1):
            continue
        if not 3 <= len(words) <= 30 or line.text.rstrip().endswith((".", ":", "?")) or is_boilerplate_line(line.text):
            continue
        if _is_date_line(line.text):
            continue
        return " ".join(words)
    return None


def text_metadata(text: str) -> DocumentMeta:
    """Headline and publication date guessed from the top of a plain-text article."""
    from index.dates import find_dateline, find_yearless_dateline, guess_published

    origins: dict[str, str] = {}
    published = None
    dateline = find_dateline(text)
    span = (dateline[1], dateline[2]) if dateline else None
    if dateline is not None:
        published, origins["published"] = dateline[0].isoformat(), "dateline"
    elif (yearless := find_yearless_dateline(text)) is not None:  # wire copy: "May 20 (Reuters) -", no year in the head
        published, origins["published"] = yearless[0], "yearless_dateline"
        span = yearless[1:]
    elif (guessed := guess_published(text)) is not None:  # no dateline: the latest dated day the top mentions
        published, origins["published"] = guessed[0].isoformat(), "mentioned"
    title = guess_headline(text, span)
    if title is not None:
        origins["title"] = "headline"
    return DocumentMeta(title=title, published=published, format="txt", origins=origins)


def apply_sidecar(article: Article, sidecar_name: str, data: bytes) -> Article:
    """``article`` with the fields of a ``.meta.json`` sidecar taking precedence over the guessed ones."""
    from index.dates import parse_date

    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidDocument(f"{sidecar_name}: not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise InvalidDocument(f"{sidecar_name}: must be a JSON object with any of {', '.join(METADATA_FIELDS)}")
    values: dict[str, str] = {}
    for key in METADATA_FIELDS:
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidDocument(f"{sidecar_name}: '{key}' must be a non-empty string")
        values[key] = value.strip()
    if "published" in values:
        day = parse_date(values["published"])
        if day is None:
            raise InvalidDocument(f"{sidecar_name}: cannot parse the date {values['published']!r}")
        values["published"] = day.isoformat()
    origins = {**article.meta.origins, **{key: "sidecar" for key in values}}
    return replace(article, meta=replace(article.meta, **values, origins=origins))


class PlainText:
    name = "txt"

    def extract(self, file_name: str, data: bytes) -> list[Article]:
        text = decode_text(file_name, data)
        return [Article(name=file_name, text=text, meta=text_metadata(text))]
