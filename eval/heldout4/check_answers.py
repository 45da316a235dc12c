"""A cheap check of the heldout4 gold: every answer is a verbatim span of a listed source's story text.

Run from the repository root: ``python eval/heldout4/check_answers.py [--ingest]`` (exit status 1 on a
problem). The shared checks are in ``eval/gold_check.py``; this file holds the set's own layout: where
each page's story is, the plain-text files and their sidecar, the Atom feed (an entry is its
``<content>``) and the CMS export (a record is its ``body``). Document names follow the indexer
(``sanitize_id``).
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
    news=REPO / "eval/heldout4/news",
    gold=REPO / "eval/gold/heldout4-news.jsonl",
    # each page's story: from its body container to the first element after it
    story={
        "tindall-ridge-rescue.html": ('<div class="story-body">', '<aside class="related">'),
        "quorvane-layoffs-january.html": ('<div class="post-content">', '<div class="post-tags">'),
        "kingsmere-sign-sarkany.html": ('<div class="td-post-content">', '<div class="td-post-sharing">'),
        "pexaro-eu-fine.html": ('<div class="c-article-body">', '<div class="c-newsletter-signup">'),
        "sallowmere-hosepipe-ban.html": ('<div class="feature__body"', "</article>"),
    },
    texts=("vantosa-dock-strike.txt", "karven-pass-avalanche.txt", "corran-house-explosion.txt"),
)
SIDECARS = {"vantosa-dock-strike.txt.meta.json": {"published", "outlet", "author"}}
FEED = "lanternwire.atom"
EXPORT = "herald-cms.jsonl"


def documents() -> dict[str, str]:
    docs = FOLDER.page_and_text_documents()
    for name, keys in SIDECARS.items():
        if set(json.loads(FOLDER.read(name))) != keys:
            raise SystemExit(f"{name}: expected exactly the fields {sorted(keys)}")
    for entry in re.findall(r"<entry>(.*?)</entry>", FOLDER.read(FEED), re.S):
        entry_id = html.unescape(re.search(r"<id>(.*?)</id>", entry).group(1))
        body = re.search(r'<content type="html"><!\[CDATA\[(.*?)\]\]></content>', entry, re.S).group(1)
        docs[f"{FEED}#" + sanitize_id(entry_id)] = visible(body)
    for line in FOLDER.read(EXPORT).splitlines():
        record = json.loads(line)
        docs[f"{EXPORT}#" + sanitize_id(record["id"])] = visible(record["body"])
    return docs


if __name__ == "__main__":
    sys.exit(run_checks(FOLDER, documents, sys.argv[1:]))
