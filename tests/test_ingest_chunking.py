"""Ingest, boilerplate removal and chunking on the real seed files."""

from __future__ import annotations

import re

import pytest

from index.chunking import ChunkingParams, chunk_document, segments
from index.cleaning import content_lines, is_boilerplate_line
from index.ingest import read_corpus
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def count_tokens():
    from transformers import AutoTokenizer

    from core.settings import default_embedding_model

    tok = AutoTokenizer.from_pretrained(default_embedding_model())
    return lambda text: len(tok(text, add_special_tokens=False)["input_ids"])


@pytest.fixture(scope="module")
def seed_passages(count_tokens):
    sources, skipped = read_corpus(SEEDS)
    assert not skipped
    docs = [a for s in sources for a in s.articles]
    return docs, {d.name: chunk_document(d.name, d.text, content_lines(d.text), count_tokens) for d in docs}


def test_reads_every_seed_file():
    docs, skipped = read_corpus(SEEDS)
    assert sorted(d.name for d in docs) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert skipped == []
    assert all(len(d.sha256) == 64 and d.size > 0 for d in docs)


SEED_DATES = {  # read off each article by hand: its dateline, a dated photo caption, or (003, 004) its sidecar
    "000_b9218daaeae66024.txt": ("2025-11-07", "dateline"),
    "001_3c090a879fdee27d.txt": ("2025-11-07", "mentioned"),
    "002_9b52077cad9fa9aa.txt": ("2024-11-05", "mentioned"),
    "003_c26ee38f044b86bc.txt": ("2025-11-07", "sidecar"),
    "004_caf35074ae88e316.txt": ("2024-10-31", "sidecar"),
}


def test_every_seed_has_a_title_and_a_publication_date():
    sources, _ = read_corpus(SEEDS)
    meta = {s.name: s.articles[0].meta for s in sources}
    assert {name: (m.published, m.origins["published"]) for name, m in meta.items()} == SEED_DATES
    assert meta["000_b9218daaeae66024.txt"].title == ("North Korea fires missile as U.S. hits regime with sanctions, "
                                                      "sends aircraft carrier to Busan")
    assert meta["002_9b52077cad9fa9aa.txt"].title == "North Korea launched 7 short-range ballistic missiles"
    assert all(m.title and m.format == "txt" for m in meta.values())


def test_a_sidecar_overrides_what_was_guessed(tmp_path):
    (tmp_path / "a.txt").write_text("Seoul\nFriday, November 7, 2025\n\nMissile flies 700 km\n\nIt flew far.\n")
    (tmp_path / "a.txt.meta.json").write_text('{"outlet": "Harbor Wire", "published": "7 Nov 2025", "url": "https://x.test/a"}')
    (sources, skipped) = read_corpus(tmp_path)
    assert skipped == [] and [s.name for s in sources] == ["a.txt"]  # the sidecar is not an article
    m = sources[0].articles[0].meta
    assert (m.title, m.published, m.outlet, m.url) == ("Missile flies 700 km", "2025-11-07", "Harbor Wire", "https://x.test/a")
    assert m.origins == {"title": "headline", "published": "sidecar", "outlet": "sidecar", "url": "sidecar"}
    (tmp_path / "a.txt.meta.json").write_text('{"published": "not a date"}')
    _, skipped = read_corpus(tmp_path)
    assert [s.name for s in skipped] == ["a.txt"] and "cannot parse the date" in skipped[0].reason


def test_bad_files_are_skipped_with_reasons(tmp_path, caplog):
    (tmp_path / "good.txt").write_text("North Korea fired a missile on Friday.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait in Seoul.".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n ")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    with caplog.at_level("WARNING"):
        docs, skipped = read_corpus(tmp_path)
    assert [d.name for d in docs] == ["good.txt"]
    reasons = {s.name: s.reason for s in skipped}
    assert set(reasons) == {"latin1.txt", "empty.txt", "blank.txt", "binary.txt"}
    assert "UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "latin1.txt" in caplog.text


@pytest.mark.parametrize("line", [
    "Close", "newsletters Newsletters", "X Instagram Youtube", "- Advertisement -", "Leave a comment",
    "Leave a Reply", "Subscribe to get the latest posts sent to your email.", "BigPhoto",
    "Your email address will not be published. Required fields are marked *", "More From Türkiye Today",
    "Discover more from Defence Talks | Defense News Military Pictures", "BY JANE DOE [jane.doe@example.com]",
    "Share on Facebook", "ADVERTISEMENT", "Sign up for our newsletter", "© 2025 Example News. All rights reserved.",
])
def test_generic_boilerplate_lines(line):
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", [
    "North Korea fired a short-range ballistic missile toward the East Sea on Friday.",
    "Japan lodges protest after missile launch",
    "Short-range missile travels 700km",
    "By the end of the year, Seoul expects more launches.",
    "The missile flew about 700 kilometers.",
])
def test_article_lines_are_kept(line):
    assert not is_boilerplate_line(line)


def test_caption_printed_twice_and_footer_are_removed():
    page = ("Close\nHeadline about a bridge\n\nA crowd watches the new bridge open in Busan. (AFP Photo)\n"
            "A crowd watches the new bridge open in Busan. (AFP Photo)\n\n"
            "The bridge, 2.4 kilometers long, opened on Monday after six years of work.\n\n"
            "Officials said traffic would start on Tuesday.\n\nBY KIM MIN-JI [kim.minji@example.com]\n"
            "- Advertisement -\nThe Example Daily team covers the Korean peninsula for readers worldwide.\n")
    kept = [page[a:b] for a, b in content_lines(page)]
    assert kept == ["Headline about a bridge",
                    "The bridge, 2.4 kilometers long, opened on Monday after six years of work.",
                    "Officials said traffic would start on Tuesday."]


def test_passages_round_trip_to_original_offsets(seed_passages):
    docs, passages = seed_passages
    for doc in docs:
        assert passages[doc.name], doc.name
        for p in passages[doc.name]:
            assert doc.text[p.start:p.end] == p.text
            assert p.id == f"{doc.name}:{p.start}-{p.end}"
            assert p.text == p.text.strip()


def test_boilerplate_stays_out_of_passages(seed_passages):
    _, passages = seed_passages
    text = "\n".join(p.text for ps in passages.values() for p in ps)
    for furniture in ("Advertisement", "Leave a comment", "Leave a Reply", "newsletters Newsletters",
                      "X Instagram Youtube", "BigPhoto", "Subscribe to get", "Daily Digital Team operates",
                      "Your email address will not be published"):
        assert furniture not in text
    # captions printed twice in a row appear in no passage at all
    assert "A man watches a television screen" not in text
    # the article body is there
    assert "700 kilometers" in text and "700 kilometres" in text and "KN-23" in text


def test_passages_are_bounded_and_overlap(seed_passages, count_tokens):
    _, passages = seed_passages
    params = ChunkingParams()
    overlapping = 0
    for ps in passages.values():
        for p in ps:
            assert count_tokens(p.text) <= params.max_tokens
        for a, b in zip(ps, ps[1:]):
            assert b.start > a.start
            if b.start < a.end:
                overlapping += 1
                # the overlap is whole sentences of the earlier passage
                assert a.text.endswith(a.text[b.start - a.start:])
    assert overlapping >= 5


def test_passage_ids_are_stable(seed_passages, count_tokens):
    docs, passages = seed_passages
    doc = docs[0]
    again = chunk_document(doc.name, doc.text, content_lines(doc.text), count_tokens)
    assert [p.id for p in again] == [p.id for p in passages[doc.name]]


def test_long_sentence_is_split_at_words():
    text = " ".join(f"word{i}" for i in range(500)) + "."
    ps = chunk_document("long.txt", text, [(0, len(text))], lambda s: len(s.split()), ChunkingParams(50, 10))
    assert len(ps) >= 10
    assert all(len(p.text.split()) <= 50 for p in ps)
    assert all(text[p.start:p.end] == p.text for p in ps)
    assert re.sub(r"\s+", " ", " ".join(p.text for p in ps)).count("word499") >= 1


def test_segments_do_not_cross_removed_lines():
    text = "First paragraph.\n\nSecond paragraph.\nAdvertisement\nThird paragraph."
    lines = content_lines(text)
    segs = segments(text, lines)
    assert [text[a:b] for a, b in segs] == ["First paragraph.\n\nSecond paragraph.", "Third paragraph."]


def test_chunking_params_are_validated():
    with pytest.raises(ValueError, match="overlap_tokens"):
        ChunkingParams(max_tokens=50, overlap_tokens=50)


def test_sentences_are_the_ones_pysbd_segments():
    """``pysbd_sentences`` finds pysbd's sentences back in the text with ``str.find`` instead of one regular
    expression per sentence: the result must be pysbd's own ``segment``, whitespace included, on news lines
    and files, SQuAD paragraphs, and texts made to trip the search (repeated sentences, odd whitespace)."""
    import gzip
    import json

    import pysbd

    from index.chunking import pysbd_sentences
    from tests.conftest import REPO, squad_file

    reference = pysbd.Segmenter(language="en", clean=False)
    texts = ["", " ", "a", "...", "  . . .  ", "Hi. Hi. Hi.", "Yes.  Yes.\tYes.\u00a0Yes.\u2003 No?! Yes…",
             "Mr. Smith went to Washington D.C. on Jan. 5. He said: \"Hi.\"  ",
             "At 12:35 p.m. local time (03:35 GMT), the U.S. said 1.5 km. St. Louis? No. 3. Yes."]
    for folder in ("seeds", "eval/heldout/news", "eval/heldout3/news", "tests/fixtures/news"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                texts += [text, *text.splitlines()]
    with gzip.open(squad_file("dev-public-v1.1.json.gz"), "rt", encoding="utf-8") as fh:
        articles = json.load(fh)["data"]
    texts += [p["context"] for article in articles[:12] for p in article["paragraphs"]]
    assert len(texts) > 1000
    mismatched = [t[:80] for t in texts if pysbd_sentences(t) != reference.segment(t)]
    assert mismatched == []
