"""The article formats (``index.formats``): what each fixture in tests/fixtures/news/ yields, and the shared helpers.

Pure and fast: no models. Extraction speed is a benchmark: ``python -m bench.ingest``.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import pytest

from core.errors import InvalidDocument
from core.types import METADATA_FIELDS, Article
from index.formats import ARTICLE_SUFFIXES, format_for, format_for_content_type
from index.formats.cms import JsonExport, JsonLinesExport
from index.formats.common import article_names, clean_text, html_to_text, iso_date, markup_to_text, sanitize_id
from index.formats.feed import Feed
from index.formats.html import HtmlPage, decode_page

NEWS = Path(__file__).parent / "fixtures" / "news"
EXPECTED: dict[str, dict] = json.loads((NEWS / "expected.json").read_text(encoding="utf-8"))
GOOD = sorted(name for name, case in EXPECTED.items() if "documents" in case)
BAD = sorted(name for name, case in EXPECTED.items() if "error" in case)
HTML_PAGES = [name for name in GOOD if name.endswith((".html", ".htm"))]
ORIGIN = {"html": "extracted", "htm": "extracted", "rss": "feed", "atom": "feed", "jsonl": "export", "json": "export"}
_FRAGMENT = re.compile(r"(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # the part after '#' of a document name
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def extract(file_name: str, data: bytes | None = None) -> list[Article]:
    data = (NEWS / file_name).read_bytes() if data is None else data
    article_format = format_for(file_name, data)
    assert article_format is not None, file_name
    return article_format.extract(file_name, data)


def assert_clean(text: str) -> None:
    assert text and text == text.strip()
    assert not _CONTROLS.search(text), "control characters other than \\n and \\t"
    for line in text.split("\n"):
        assert line == line.strip() and "  " not in line, repr(line)
    assert "\n\n\n" not in text


# ----------------------------------------------------------------------------- the fixtures


def test_every_fixture_has_expectations() -> None:
    on_disk = {p.name for p in NEWS.iterdir() if p.name != "expected.json"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("file_name", GOOD)
def test_fixture_names_and_metadata(file_name: str) -> None:
    articles = extract(file_name)
    expected = EXPECTED[file_name]["documents"]
    assert [a.name for a in articles] == [d["name"] for d in expected]
    origin = ORIGIN[file_name.rsplit(".", 1)[1]]
    for article, doc in zip(articles, expected):
        assert article.name == file_name or _FRAGMENT.fullmatch(article.name.removeprefix(f"{file_name}#"))
        meta = article.meta
        assert {f: getattr(meta, f) for f in METADATA_FIELDS} == {f: doc[f] for f in METADATA_FIELDS}
        assert meta.format == doc["format"]
        assert meta.origins == {f: origin for f in METADATA_FIELDS if doc[f] is not None}


@pytest.mark.parametrize("file_name", GOOD)
def test_fixture_text_holds_the_facts_and_no_furniture(file_name: str) -> None:
    for article, doc in zip(extract(file_name), EXPECTED[file_name]["documents"]):
        assert_clean(article.text)
        for fact in doc["facts"]:
            assert fact["answer"] in article.text, (article.name, fact)
        for furniture in doc["absent"]:
            assert furniture not in article.text, (article.name, furniture)


@pytest.mark.parametrize("file_name", BAD)
def test_bad_fixtures_are_refused(file_name: str) -> None:
    with pytest.raises(InvalidDocument) as refused:
        extract(file_name)
    assert refused.value.message.startswith(EXPECTED[file_name]["error"])


@pytest.mark.parametrize("file_name", GOOD)
def test_extraction_is_deterministic(file_name: str) -> None:
    assert extract(file_name) == extract(file_name)


def test_html_keeps_paragraphs_on_their_own_lines() -> None:
    (article,) = extract("harbor-bridge.html")
    lines = [line for line in article.text.split("\n") if line]
    assert len(lines) == 6
    assert lines[0].startswith("The Alder Street Bridge in Port Alder reopened")
    assert lines[-1].endswith("until the end of March.")


def test_declared_windows_1252_is_decoded() -> None:
    (article,) = extract("storm-update.htm")
    assert "didn\u2019t go over" in article.text
    assert "\u201cThe water came within" in article.text


# ----------------------------------------------------------------------------- HTML pages


def _page(body: str, head: str = "<title>A test page</title>", charset: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<!DOCTYPE html><html><head>{meta}{head}</head><body>{body}</body></html>"


_PARAGRAPHS = "".join(
    f"<p>Paragraph {n} of the council report says the harbour dredging will remove {n * 1000} cubic metres "
    f"of silt from the north channel before the autumn shipping season begins.</p>"
    for n in range(1, 5)
)


def test_html_date_from_visible_text_when_markup_has_none() -> None:
    page = _page(f"<article><h1>Dredging to start</h1><p>Published March 3, 2024</p>{_PARAGRAPHS}</article>")
    (article,) = HtmlPage().extract("dredging.html", page.encode())
    assert article.meta.published == "2024-03-03"
    assert article.meta.title == "Dredging to start"  # trafilatura prefers a page's single <h1> to its <title>


def test_html_date_guessed_from_a_bare_year_is_dropped() -> None:
    # htmldate reads "2000 cubic metres" as the year 2000 and returns 2000-01-01
    (article,) = HtmlPage().extract("dredging.html", _page(f"<article>{_PARAGRAPHS}</article>").encode())
    assert article.meta.published is None
    assert "published" not in article.meta.origins


def test_html_without_charset_falls_back_to_cp1252() -> None:
    page = _page(f"<article>{_PARAGRAPHS}<p>The mayor\u2019s office agreed.</p></article>").encode("cp1252")
    (article,) = HtmlPage().extract("dredging.html", page)
    assert "The mayor\u2019s office agreed." in article.text
    assert article.meta.title == "A test page"


def test_decode_page() -> None:
    assert decode_page("caf\u00e9".encode()) == "caf\u00e9"
    assert decode_page(_page("caf\u00e9", charset="iso-8859-1").encode("cp1252")).endswith("caf\u00e9</body></html>")
    assert decode_page(_page("\u2019", charset="latin-1").encode("cp1252")).endswith("\u2019</body></html>")
    assert decode_page(_page("caf\u00e9", charset="utf-16").encode()).endswith("caf\u00e9</body></html>")
    assert decode_page(_page("caf\u00e9", charset="no-such-charset").encode()).endswith("caf\u00e9</body></html>")
    assert decode_page(b"\xef\xbb\xbf<p>x</p>") == "<p>x</p>"


def test_html_with_too_little_text_is_refused() -> None:
    page = _page("<article><p>Only a short teaser sentence here.</p></article>")
    with pytest.raises(InvalidDocument, match=r"^short\.html: no article text found in the page$"):
        HtmlPage().extract("short.html", page.encode())


# ----------------------------------------------------------------------------- CMS exports


def _jsonl(*records: object) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


def test_jsonl_line_that_is_not_json_is_refused() -> None:
    data = _jsonl({"text": "Fine."}, "", '{"text": "cut off')
    with pytest.raises(InvalidDocument, match=r"^cut\.jsonl: line 3 is not valid JSON \("):
        JsonLinesExport().extract("cut.jsonl", data)


def test_jsonl_line_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidDocument, match=r"^list\.jsonl: line 2 is not a JSON object$"):
        JsonLinesExport().extract("list.jsonl", _jsonl({"text": "Fine."}, ["text"]))


def test_export_with_unreadable_date_is_refused() -> None:
    data = _jsonl({"text": "Fine.", "date": "2025-01-02"}, {"text": "Also fine.", "published": "sometime soon"})
    with pytest.raises(InvalidDocument, match=r"^dates\.jsonl: line 2 has a date that cannot be read \('published': "):
        JsonLinesExport().extract("dates.jsonl", data)
    data = json.dumps([{"text": "Fine."}, {"text": "Also fine.", "date": "March 2025"}]).encode()
    refusal = r"^dates\.json: entry 2 has a date that cannot be read \('date': 'March 2025' lacks a year, a month or a day\)$"
    with pytest.raises(InvalidDocument, match=refusal):
        JsonExport().extract("dates.json", data)


def test_export_errors_name_the_file_and_say_why() -> None:
    with pytest.raises(InvalidDocument, match=r"^empty\.jsonl: the export holds no articles$"):
        JsonLinesExport().extract("empty.jsonl", b"\n\n")
    with pytest.raises(InvalidDocument, match=r"^latin\.jsonl: not valid UTF-8 \(byte 0xe9 at offset 10\)$"):
        JsonLinesExport().extract("latin.jsonl", b'{"text": "\xe9"}')
    with pytest.raises(InvalidDocument, match=r"^bad\.json: not valid JSON \(.* at line 1 column"):
        JsonExport().extract("bad.json", b'[{"text": ')
    with pytest.raises(InvalidDocument, match=r"^num\.json: expected a JSON list of articles or a JSON object$"):
        JsonExport().extract("num.json", b"42")
    with pytest.raises(InvalidDocument, match=r"^mixed\.json: entry 2 is not a JSON object$"):
        JsonExport().extract("mixed.json", b'[{"text": "Fine."}, "stray"]')
    with pytest.raises(InvalidDocument, match=r"^tags\.json: entry 1 has no text"):
        JsonExport().extract("tags.json", b'[{"body": "<p> </p><script>x()</script>"}]')


def test_json_object_with_a_list_or_a_single_article() -> None:
    wrapped = json.dumps({"count": 2, "items": [{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}]})
    assert [a.name for a in JsonExport().extract("w.json", wrapped.encode())] == ["w.json#a", "w.json#b"]
    single = json.dumps({"headline": "Alone", "content": "Just  one\tarticle. ", "id": "solo"})
    (article,) = JsonExport().extract("s.json", single.encode())
    assert (article.name, article.text, article.meta.title) == ("s.json#solo", "Just one article.", "Alone")


def test_export_text_is_the_first_key_with_text() -> None:
    record = {"text": None, "body": "  ", "content": "From content.", "id": 7}
    (article,) = JsonLinesExport().extract("k.jsonl", _jsonl(record))
    assert (article.name, article.text) == ("k.jsonl#7", "From content.")


def test_export_duplicate_and_missing_ids() -> None:
    data = _jsonl({"id": "x", "text": "1"}, {"id": "x", "text": "2"}, {"text": "3"}, {"id": "x", "text": "4"},
                  {"id": "///", "text": "5"}, {"id": True, "text": "6"})
    names = [a.name for a in JsonLinesExport().extract("d.jsonl", data)]
    assert names == ["d.jsonl#x", "d.jsonl#x-2", "d.jsonl#3", "d.jsonl#x-3", "d.jsonl#5", "d.jsonl#6"]


def test_export_line_numbers_count_blank_lines() -> None:
    data = b'{"text": "first"}\n\n\n{"text": "fourth"}\n'
    assert [a.name for a in JsonLinesExport().extract("b.jsonl", data)] == ["b.jsonl#1", "b.jsonl#4"]


def test_export_line_separator_inside_a_string_is_not_a_line_break() -> None:
    data = '{"text": "one\u2028two"}\n{"text": "three"}'.encode()
    articles = JsonLinesExport().extract("u.jsonl", data)
    assert [a.text for a in articles] == ["one\ntwo", "three"]


# ----------------------------------------------------------------------------- feeds


def _rss(*items: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>{"".join(items)}'
            "</channel></rss>").encode()


def test_feed_entry_without_text_is_skipped() -> None:
    data = _rss("<item><title>Only a title</title><guid>a</guid></item>",
                "<item><title>Two</title><description>Has text.</description></item>")
    (article,) = Feed().extract("t.rss", data)
    assert (article.name, article.text, article.meta.outlet) == ("t.rss#2", "Has text.", "Test Wire")


def test_feed_without_text_or_entries_is_refused() -> None:
    with pytest.raises(InvalidDocument, match=r"^t\.rss: no entry of the feed has any text$"):
        Feed().extract("t.rss", _rss("<item><title>Only a title</title></item>"))
    with pytest.raises(InvalidDocument, match=r"^e\.rss: the feed has no entries$"):
        Feed().extract("e.rss", _rss())
    with pytest.raises(InvalidDocument, match=r"^p\.rss: not a readable feed \("):
        Feed().extract("p.rss", b"just some words, not XML at all")


def test_feed_duplicate_guids_get_suffixes() -> None:
    item = "<item><guid>same</guid><description>Text.</description></item>"
    assert [a.name for a in Feed().extract("d.rss", _rss(item, item))] == ["d.rss#same", "d.rss#same-2"]


def test_feed_dates_keep_the_day_as_written() -> None:
    # 21:15 at UTC-7 is already the next day in UTC; the article's own date is the 12th
    (article,) = extract("wire.rss")[:1]
    assert article.meta.published == "2025-04-12"


def test_rdf_feed_in_an_xml_file() -> None:
    data = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://wire.example/"><title>RDF Wire</title></channel>
  <item rdf:about="https://wire.example/1"><title>One</title><link>https://wire.example/1</link>
    <description>An RDF item with some text.</description></item>
</rdf:RDF>"""
    (article,) = extract("old.xml", data)
    assert article.text == "An RDF item with some text."
    assert (article.name, article.meta.format, article.meta.outlet) == ("old.xml#https-wire.example-1", "rss", "RDF Wire")


# ----------------------------------------------------------------------------- choosing a format


@pytest.mark.parametrize(("file_name", "expected"), [
    ("page.html", HtmlPage()), ("page.htm", HtmlPage()), ("PAGE.HTML", HtmlPage()), ("folder/page.html", HtmlPage()),
    ("export.jsonl", JsonLinesExport()), ("export.json", JsonExport()),
    ("wire.rss", Feed("rss")), ("science.atom", Feed("atom")),
    ("notes.md", None), ("archive.tar.gz", None), ("no-suffix", None),
])
def test_format_for_by_suffix(file_name: str, expected: object) -> None:
    assert format_for(file_name, b"") == expected


@pytest.mark.parametrize(("fixture", "expected"), [
    ("wire.rss", Feed("rss")), ("science.atom", Feed("atom")), ("broken.rss", Feed("rss")),
])
def test_format_for_sniffs_xml_feeds(fixture: str, expected: object) -> None:
    assert format_for("feed.xml", (NEWS / fixture).read_bytes()) == expected


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><note><to>Tove</to></note>',
    b'<RDF xmlns="http://example.org/not-rdf"/>',
    b"not xml at all",
    b"",
])
def test_format_for_refuses_xml_that_is_not_a_feed(data: bytes) -> None:
    assert format_for("data.xml", data) is None


def test_article_suffixes() -> None:
    assert set(ARTICLE_SUFFIXES) == {".txt", ".html", ".htm", ".jsonl", ".json", ".rss", ".atom", ".xml"}
    assert all(format_for(f"x{s}", b"<rss/>") is not None for s in ARTICLE_SUFFIXES if s != ".txt")


@pytest.mark.parametrize(("content_type", "suffix"), [
    ("text/html", ".html"), ("text/html; charset=windows-1252", ".html"), ("TEXT/HTML", ".html"),
    ("application/json", ".json"), ("application/x-ndjson", ".jsonl"), ("application/jsonl", ".jsonl"),
    ("application/rss+xml", ".rss"), ("application/atom+xml", ".atom"), ("text/plain; charset=utf-8", ".txt"),
    ("image/png", None), ("", None),
])
def test_format_for_content_type(content_type: str, suffix: str | None) -> None:
    assert format_for_content_type(content_type) == suffix


# ----------------------------------------------------------------------------- shared helpers


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-03-14", "2025-03-14"),
    ("2025-11-05T08:30:00Z", "2025-11-05"),
    ("2025-03-14T23:30:00-08:00", "2025-03-14"),  # the date as written, not the UTC date (15th)
    ("Sun, 09 Nov 2025 14:00:00 +0100", "2025-11-09"),
    ("Sat, 12 Apr 2025 21:15:00 -0700", "2025-04-12"),
    ("Fri, 14 Mar 2025 10:00:00 EST", "2025-03-14"),
    ("November 7, 2025", "2025-11-07"),
    ("7 November 2025", "2025-11-07"),
    ("03/04/2025", "2025-03-04"),  # month first
    (1712059200, "2024-04-02"),  # 19815.5 days after 1970-01-01
    (0, "1970-01-01"),
    (1741996799, "2025-03-14"),  # 23:59:59 UTC
    (1741996800, "2025-03-15"),
])
def test_iso_date(value: object, expected: str) -> None:
    assert iso_date(value) == expected


@pytest.mark.parametrize("value", ["", "soon", "March 2025", "2025", "10:30", "Monday", True, None, [2025], 10**20])
def test_iso_date_refuses(value: object) -> None:
    with pytest.raises(ValueError):
        iso_date(value)


@pytest.mark.parametrize(("raw", "expected"), [
    ("cms-1001", "cms-1001"),
    ("https://harborwire.example/2025/04/13/cottage-auction", "https-harborwire.example-2025-04-13-cottage-auction"),
    ("tag:notes.tidewater.example,2025:coral-survey", "tag-notes.tidewater.example-2025-coral-survey"),
    ("../../etc/passwd", "etc-passwd"),
    ("a..b", "a-b"),
    ("  spaced id  ", "spaced-id"),
    ("caf\u00e9 au lait", "caf-au-lait"),
    ("///", ""),
    ("x" * 150, "x" * 100),
    ("a" * 99 + "/b", "a" * 99),
])
def test_sanitize_id(raw: str, expected: str) -> None:
    assert sanitize_id(raw) == expected


def test_article_names() -> None:
    assert article_names("f.jsonl", ["a", "a", "a-2", "1", "a"]) == [
        "f.jsonl#a", "f.jsonl#a-2", "f.jsonl#a-2-2", "f.jsonl#1", "f.jsonl#a-3"]
    long = "x" * 100
    assert article_names("f.rss", [long, long]) == [f"f.rss#{long}", f"f.rss#{'x' * 98}-2"]


def test_clean_text() -> None:
    raw = "  One\u00a0 two\t\tthree \r\nfour\x00five\x07\u2028six\r\n\r\n\r\n\nseven\x0c "
    assert clean_text(raw) == "One two three\nfourfive\nsix\n\nseven"


def test_html_to_text() -> None:
    markup = ("<div><h2>Head\nline</h2><p>First  <b>bold</b>\n paragraph.</p><!-- hidden -->"
              "<script>alert('no')</script><style>p {}</style><p>Line one<br>line two &amp; more</p>"
              "<ul><li>item one</li><li>item two</li></ul></div>")
    expected = "Head line\n\nFirst bold paragraph.\n\nLine one\nline two & more\n\nitem one\n\nitem two"
    assert html_to_text(markup) == expected
    assert html_to_text("") == ""
    assert markup_to_text("Plain  text with a < b and c > d.\n\n\nNext.") == "Plain text with a < b and c > d.\n\nNext."
