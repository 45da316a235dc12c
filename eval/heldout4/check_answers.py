"""A cheap check of the heldout4 gold: every answer is a verbatim span of a listed source's story text.

Run from the repository root: ``python eval/heldout4/check_answers.py`` (exit status 1 on a problem).
It reads the files with regular expressions only (no indexer run, no model): an HTML page is cut to
its story's own container and stripped of tags and entities (so navigation, related links, the
cookie banner and the comments do not count), an Atom entry is its ``<content>``, an export record
its ``body``. Document names follow the indexer (``sanitize_id`` from ``index.formats.common``).

``--ingest`` also reads the folder with the product's own format readers (``index.ingest.read_corpus``:
trafilatura for the pages, feedparser for the feed; no index, no model) and checks that the document
names are the ones the indexer gives and that every answer is in the text it extracts.
"""

from __future__ import annotations

import collections
import html
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from index.formats.common import sanitize_id  # noqa: E402

NEWS = REPO / "eval/heldout4/news"
GOLD = REPO / "eval/gold/heldout4-news.jsonl"
FIELDS = {"id", "question", "answers", "sources", "kind", "event_date"}
KINDS = {"answerable", "dated", "unanswerable"}
# each page's story: from its body container to the first element after it
STORY = {
    "tindall-ridge-rescue.html": ('<div class="story-body">', '<aside class="related">'),
    "quorvane-layoffs-january.html": ('<div class="post-content">', '<div class="post-tags">'),
    "kingsmere-sign-sarkany.html": ('<div class="td-post-content">', '<div class="td-post-sharing">'),
    "pexaro-eu-fine.html": ('<div class="c-article-body">', '<div class="c-newsletter-signup">'),
    "sallowmere-hosepipe-ban.html": ('<div class="feature__body"', "</article>"),
}
TEXTS = ("vantosa-dock-strike.txt", "karven-pass-avalanche.txt", "corran-house-explosion.txt")
SIDECARS = {"vantosa-dock-strike.txt.meta.json": {"published", "outlet", "author"}}
FEED = "lanternwire.atom"
EXPORT = "herald-cms.jsonl"


def visible(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def read(name: str) -> str:
    return (NEWS / name).read_text(encoding="utf-8")


def documents() -> dict[str, str]:
    docs: dict[str, str] = {}
    for name, (start, end) in STORY.items():
        raw = read(name)
        docs[name] = visible(raw[raw.index(start):raw.index(end)])
    for name in TEXTS:
        docs[name] = " ".join(read(name).split())
    for name, keys in SIDECARS.items():
        if set(json.loads(read(name))) != keys:
            raise SystemExit(f"{name}: expected exactly the fields {sorted(keys)}")
    for entry in re.findall(r"<entry>(.*?)</entry>", read(FEED), re.S):
        entry_id = html.unescape(re.search(r"<id>(.*?)</id>", entry).group(1))
        body = re.search(r'<content type="html"><!\[CDATA\[(.*?)\]\]></content>', entry, re.S).group(1)
        docs[f"{FEED}#" + sanitize_id(entry_id)] = visible(body)
    for line in read(EXPORT).splitlines():
        record = json.loads(line)
        docs[f"{EXPORT}#" + sanitize_id(record["id"])] = visible(record["body"])
    return docs


def ingested() -> dict[str, str]:
    """The product's own reading of the folder: document name to its text, whitespace collapsed."""
    from index.ingest import read_corpus

    sources, skipped = read_corpus(NEWS)
    if skipped:
        raise SystemExit(f"the indexer skipped {skipped}")
    return {a.name: " ".join(a.text.split()) for s in sources for a in s.articles}


def problems(docs: dict[str, str]) -> tuple[list[str], collections.Counter]:
    found: list[str] = []
    kinds: collections.Counter = collections.Counter()
    seen: set[str] = set()
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        qid, answers, sources = g["id"], g["answers"], g["sources"]
        kinds[(g["kind"], bool(answers))] += 1
        if qid in seen or not set(g) <= FIELDS or bool(answers) != bool(sources):
            found.append(f"{qid}: duplicate id, unknown field, or answers without sources (or the reverse)")
        seen.add(qid)
        if g["kind"] not in KINDS:
            found.append(f"{qid}: unknown kind {g['kind']!r}")
        if (g["kind"] == "dated") != ("event_date" in g):
            found.append(f"{qid}: event_date must be set exactly on dated questions")
        if g["kind"] == "unanswerable" and answers:
            found.append(f"{qid}: an unanswerable question has answers")
        for source in sources:
            if source not in docs:
                found.append(f"{qid}: unknown source {source}")
            elif not any(a in docs[source] for a in answers):
                found.append(f"{qid}: no answer occurs in {source}")
        for answer in answers:
            if not any(answer in docs.get(s, "") for s in sources):
                found.append(f"{qid}: answer {answer!r} occurs in no listed source")
        words = g["question"].lower().rstrip("?").split()
        for k in range(len(words) - 5):
            run = " ".join(words[k:k + 6])
            if any(run in docs.get(s, "").lower() for s in sources):
                found.append(f"{qid}: the question copies six words of its source ({run!r})")
    return found, kinds


def main() -> int:
    docs = documents()
    for name, text in sorted(docs.items()):
        print(f"{len(text.split()):4d} words  {name}")
    found, kinds = problems(docs)
    if "--ingest" in sys.argv[1:]:
        product = ingested()
        if set(product) != set(docs):
            found.append(f"document names differ from the indexer's: {sorted(set(product) ^ set(docs))}")
        extra, _ = problems({name: product.get(name, "") for name in docs})
        found += [f"indexer text: {p}" for p in extra if "copies six words" not in p]
    for problem in found:
        print(problem)
    print({f"{kind}{'' if has else ' (no answer)'}": n for (kind, has), n in sorted(kinds.items())})
    print(f"{len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
