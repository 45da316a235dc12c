"""A saved web page (``.html``, ``.htm``): the article's main text and metadata, via trafilatura.

trafilatura drops navigation, comments, related links, scripts, forms and footers, and reads the
title, author, site name, canonical URL and date from the page's markup (meta tags, JSON-LD,
``<time>``). When the markup gives no date, htmldate also searches the page's text
(``Published March 3, 2024``). The text keeps one paragraph per line.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import htmldate
import trafilatura
from lxml.html import HtmlElement

from core.errors import InvalidDocument
from core.types import Article, DocumentMeta
from index.formats.common import clean_text, single_line

MIN_ARTICLE_CHARS = 200  # less body text than this is a page without an article (an index, a search page)

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# <meta charset="..."> or <meta http-equiv="Content-Type" content="text/html; charset=...">, in the page's head
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HEAD_BYTES = 4096
# as browsers do (WHATWG Encoding Standard): these labels mean windows-1252, and a UTF-16/32 label
# found by reading the bytes as ASCII cannot be true, so the page is read as UTF-8
_READ_AS_CP1252 = {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"}
_READ_AS_UTF8 = ("utf-16", "utf-32")


def decode_page(data: bytes) -> str:
    """The page's text: by its byte-order mark, else its declared charset, else UTF-8, else windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    candidates = ["utf-8", "cp1252"]
    declared = _DECLARED_CHARSET.search(data[:_HEAD_BYTES])
    if declared:
        label = declared.group(1).decode("ascii").lower()
        if label in _READ_AS_CP1252:
            label = "cp1252"
        elif label.startswith(_READ_AS_UTF8):
            label = "utf-8"
        candidates.insert(0, label)
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")  # cp1252 leaves five bytes undefined


def _date_from_text(tree: HtmlElement) -> str | None:
    """htmldate's search of the page's text, for a page whose markup gives no date.

    htmldate completes a partial date with the 1st ("March 2024" gives 2024-03-01, a bare year such
    as "2000 cubic metres" gives 2000-01-01), so a date it finds on the 1st of a month is a guess and dropped.
    """
    found = htmldate.find_date(tree, original_date=True, extensive_search=True)
    return None if found is None or found.endswith("-01") else found


@dataclass(frozen=True)
class HtmlPage:
    """One article per page; ``extract`` raises ``InvalidDocument`` when the page holds no article."""

    name: str = "html"

    def extract(self, file_name: str, data: bytes) -> list[Article]:
        tree = trafilatura.load_html(decode_page(data))
        found = None if tree is None else trafilatura.bare_extraction(
            tree,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
        text = clean_text(found.text or "") if found is not None else ""
        if len(text) < MIN_ARTICLE_CHARS:
            raise InvalidDocument(f"{file_name}: no article text found in the page")
        published = found.date or _date_from_text(tree)
        fields = {
            "title": single_line(found.title),
            "published": published,
            "outlet": single_line(found.sitename),
            "author": single_line(found.author),
            "url": single_line(found.url),
        }
        known = {key: value for key, value in fields.items() if value}
        meta = DocumentMeta(**known, format=self.name, origins=dict.fromkeys(known, "extracted"))
        return [Article(name=file_name, text=text, meta=meta)]
