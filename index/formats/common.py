"""Helpers every article format shares: text normalisation, HTML to text, dates, article names.

Citations are character offsets into ``Article.text``, so every format passes its text through
``clean_text`` last: one rule for line breaks, control characters and spaces means the same
input always gives the same offsets.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import lxml.html
from dateutil import parser as date_parser
from lxml_html_clean import Cleaner

# everything str.splitlines() treats as a line break becomes "\n", so lines mean the same to every reader
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# control characters other than \t and \n, and lone surrogates (JSON escapes can produce them)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")

# elements whose boundaries break lines; source whitespace inside them is only a word separator
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "td", "th", "tr", "ul",
})
_CLEANER = Cleaner(style=True, kill_tags=("noscript", "iframe"))
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")

# two defaults that differ in year, month and day: a part a date string leaves out shows as a difference
_DEFAULTS = (datetime(1904, 1, 1), datetime(1908, 2, 2))

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+|\.{2,}")
MAX_ID_CHARS = 100


def clean_text(text: str) -> str:
    """``text`` with line breaks as ``\\n``, no control characters, single spaces, trimmed lines.

    Runs of blank lines shrink to one blank line (a paragraph break).
    """
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def single_line(value: object) -> str | None:
    """A string field (title, author, ...) on one line, or ``None`` when it is not a non-blank string."""
    if not isinstance(value, str):
        return None
    return " ".join(clean_text(value).split()) or None


def looks_like_html(text: str) -> bool:
    """Whether ``text`` contains at least one HTML tag."""
    return _TAG.search(text) is not None


def html_to_text(markup: str) -> str:
    """The visible text of an HTML fragment: scripts, styles and comments dropped, blocks on their own lines.

    Paragraphs and other blocks are separated by a blank line, ``<br>`` by a line break; whitespace
    in the markup itself only separates words, as a browser renders it.
    """
    if not markup.strip():
        return ""
    root = _CLEANER.clean_html(lxml.html.fragment_fromstring(markup, create_parent="div"))
    for element in root.iter():
        element.text = _WHITESPACE.sub(" ", element.text or "")
        element.tail = _WHITESPACE.sub(" ", element.tail or "")
        if element.tag in _BLOCK_TAGS:
            element.text = "\n\n" + element.text
            element.tail = "\n\n" + element.tail
        elif element.tag == "br":
            element.tail = "\n" + element.tail
    return clean_text(root.text_content())


def markup_to_text(value: str) -> str:
    """``value`` as clean text: stripped of HTML when it contains tags, else only normalised."""
    return html_to_text(value) if looks_like_html(value) else clean_text(value)


def iso_date(value: object) -> str:
    """The calendar date ``YYYY-MM-DD`` of ``value``; ``ValueError`` saying why when it has none.

    Accepts epoch seconds (a number, read as UTC) and any date string ``dateutil`` reads with a
    year, a month and a day: ISO 8601, RFC 2822, ``November 7, 2025``. A string with a time zone
    keeps the date as written there (``2025-03-14T23:30-08:00`` is 2025-03-14). Numeric dates
    read month first (``03/04/2025`` is March 4).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value!r} is out of range for epoch seconds") from None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a date string or epoch seconds")
    try:
        first, second = (date_parser.parse(value, default=d, ignoretz=True).date() for d in _DEFAULTS)
    except (OverflowError, ValueError):
        raise ValueError(f"{value!r} is not a date") from None
    if first != second:
        raise ValueError(f"{value!r} lacks a year, a month or a day")
    return first.isoformat()


def sanitize_id(raw: str) -> str:
    """``raw`` reduced to letters, digits, ``-``, ``_`` and ``.`` (no ``..``), at most 100 characters.

    Runs of other characters become one ``-``; the result may be empty.
    """
    return _ID_UNSAFE.sub("-", raw).strip("-._")[:MAX_ID_CHARS].rstrip("-._")


def article_names(file_name: str, keys: list[str]) -> list[str]:
    """``<file>#<key>`` for each key, in order; a key seen before gets ``-2``, ``-3``, ... appended.

    A key with a suffix is shortened to keep within 100 characters, the limit of the part after ``#``.
    """
    names: list[str] = []
    taken: set[str] = set()
    for key in keys:
        name, n = f"{file_name}#{key}", 1
        while name in taken:
            n += 1
            suffix = f"-{n}"
            name = f"{file_name}#{key[:MAX_ID_CHARS - len(suffix)]}{suffix}"
        taken.add(name)
        names.append(name)
    return names
