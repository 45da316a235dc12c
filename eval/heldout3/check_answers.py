"""A cheap check of the heldout3 gold: every answer is a verbatim span of a listed source's story text.

Run from the repository root: ``python eval/heldout3/check_answers.py`` (exit status 1 on a problem).
It reads the files with regular expressions only (no indexer run, no model): an HTML page is cut to
its story's own container and stripped of tags and entities (so navigation, related links, the
cookie banner and the comments do not count), a feed item is its ``content:encoded``, an export
record its ``body``. Document names follow the indexer (``sanitize_id`` from ``index.formats.common``).
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

NEWS = REPO / "eval/heldout3/news"
GOLD = REPO / "eval/gold/heldout3-news.jsonl"
FIELDS = {"id", "question", "answers", "sources", "kind", "event_date"}
# each page's story: from its body container to the first element after it
STORY = {
    "calder-fraud-verdict.html": ('<div class="article__body">', '<aside class="article__related">'),
    "kingfishers-t20-final.html": ('<div class="entry-content">', '<footer class="entry-footer">'),
    "korvel-air-fryer-recall.html": ('<div class="story-text">', '<div class="factbox">'),
    "pellow-lake-derailment.html": ('<div class="story-body">', '<aside class="related">'),
    "arvelo-q3-results.html": ('<article class="longform"', "</article>"),
}
TEXTS = ("aldermoor-floods.txt", "sorrel-bay-grounding.txt", "lusmarra-election-first-round.txt")


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
    json.loads(read("lusmarra-election-first-round.txt.meta.json"))
    for item in re.findall(r"<item>(.*?)</item>", read("northsea-wire.rss"), re.S):
        guid = html.unescape(re.search(r"<guid[^>]*>(.*?)</guid>", item).group(1))
        body = re.search(r"<content:encoded><!\[CDATA\[(.*?)\]\]></content:encoded>", item, re.S).group(1)
        docs["northsea-wire.rss#" + sanitize_id(guid)] = visible(body)
    for line in read("record-cms.jsonl").splitlines():
        record = json.loads(line)
        docs["record-cms.jsonl#" + sanitize_id(record["id"])] = visible(record["body"])
    return docs


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
        if (g["kind"] == "dated") != ("event_date" in g):
            found.append(f"{qid}: event_date must be set exactly on dated questions")
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
    for problem in found:
        print(problem)
    print({f"{kind}{'' if has else ' (no answer)'}": n for (kind, has), n in sorted(kinds.items())})
    print(f"{len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
