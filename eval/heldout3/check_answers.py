"""A cheap check of the heldout3 gold: every answer is a verbatim span of a listed source's story text.

Run from the repository root: ``python eval/heldout3/check_answers.py [--ingest]`` (exit status 1 on a
problem). The shared checks are in ``eval/gold_check.py``; this file holds the set's own layout: where
each page's story is, the plain-text files, the RSS feed (an item is its ``content:encoded``) and the
CMS export (a record is its ``body``). Document names follow the indexer (``sanitize_id``).
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from eval.gold_check import NewsFolder, run_checks, visible  # noqa: E402
from index.formats.common import sanitize_id  # noqa: E402

FOLDER = NewsFolder(
    news=REPO / "eval/heldout3/news",
    gold=REPO / "eval/gold/heldout3-news.jsonl",
    # each page's story: from its body container to the first element after it
    story={
        "calder-fraud-verdict.html": ('<div class="article__body">', '<aside class="article__related">'),
        "kingfishers-t20-final.html": ('<div class="entry-content">', '<footer class="entry-footer">'),
        "korvel-air-fryer-recall.html": ('<div class="story-text">', '<div class="factbox">'),
        "pellow-lake-derailment.html": ('<div class="story-body">', '<aside class="related">'),
        "arvelo-q3-results.html": ('<article class="longform"', "</article>"),
    },
    texts=("aldermoor-floods.txt", "sorrel-bay-grounding.txt", "lusmarra-election-first-round.txt"),
)


def documents() -> dict[str, str]:
    docs = FOLDER.page_and_text_documents()
    json.loads(FOLDER.read("lusmarra-election-first-round.txt.meta.json"))
    for item in re.findall(r"<item>(.*?)</item>", FOLDER.read("northsea-wire.rss"), re.S):
        guid = html.unescape(re.search(r"<guid[^>]*>(.*?)</guid>", item).group(1))
        body = re.search(r"<content:encoded><!\[CDATA\[(.*?)\]\]></content:encoded>", item, re.S).group(1)
        docs["northsea-wire.rss#" + sanitize_id(guid)] = visible(body)
    for line in FOLDER.read("record-cms.jsonl").splitlines():
        record = json.loads(line)
        docs["record-cms.jsonl#" + sanitize_id(record["id"])] = visible(record["body"])
    return docs


if __name__ == "__main__":
    sys.exit(run_checks(FOLDER, documents, sys.argv[1:]))
