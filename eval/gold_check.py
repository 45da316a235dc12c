"""Cheap checks of a hand-written news gold set: every answer is a verbatim span of a listed source's story.

Each held-out set keeps its own ``check_answers.py`` with its tables (which container holds each page's
story, which files are plain text, how its feed and export are laid out); this module holds what the
sets share. The checks read files with regular expressions only (no indexer run, no model): a page is
cut to its story's own container and stripped of tags and entities, so navigation, related links, the
cookie banner and the comments do not count.

``--ingest`` also reads the folder with the product's own format readers (``index.ingest.read_corpus``:
trafilatura for pages, feedparser for feeds; no index, no model) and checks that the document names
are the ones the indexer gives and that every answer is in the text it extracts.
"""

from __future__ import annotations

import collections
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

FIELDS = {"id", "question", "answers", "sources", "kind", "event_date"}
KINDS = {"answerable", "dated", "unanswerable"}
COPIED_WORDS = 6  # a question may not copy this many consecutive words of its source


def visible(markup: str) -> str:
    """The text a reader sees in a piece of HTML: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@dataclass(frozen=True)
class NewsFolder:
    """A gold set's folder: which container holds each page's story and which files are plain text."""

    news: Path
    gold: Path
    story: Mapping[str, tuple[str, str]]  # page -> (start marker, first marker after the story)
    texts: tuple[str, ...]

    def read(self, name: str) -> str:
        return (self.news / name).read_text(encoding="utf-8")

    def page_and_text_documents(self) -> dict[str, str]:
        docs: dict[str, str] = {}
        for name, (start, end) in self.story.items():
            raw = self.read(name)
            docs[name] = visible(raw[raw.index(start):raw.index(end)])
        for name in self.texts:
            docs[name] = " ".join(self.read(name).split())
        return docs


def problems(gold: Path, docs: Mapping[str, str]) -> tuple[list[str], collections.Counter]:
    """Every problem found in the gold against these documents, and the count of questions by kind."""
    found: list[str] = []
    kinds: collections.Counter = collections.Counter()
    seen: set[str] = set()
    for line in gold.read_text(encoding="utf-8").splitlines():
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
        for k in range(len(words) - COPIED_WORDS + 1):
            run = " ".join(words[k:k + COPIED_WORDS])
            if any(run in docs.get(s, "").lower() for s in sources):
                found.append(f"{qid}: the question copies {COPIED_WORDS} words of its source ({run!r})")
    return found, kinds


def ingested(news: Path) -> dict[str, str]:
    """The product's own reading of the folder: document name to its text, whitespace collapsed."""
    from index.ingest import read_corpus

    sources, skipped = read_corpus(news)
    if skipped:
        raise SystemExit(f"the indexer skipped {skipped}")
    return {a.name: " ".join(a.text.split()) for s in sources for a in s.articles}


def run_checks(folder: NewsFolder, documents: Callable[[], dict[str, str]], argv: list[str]) -> int:
    """Print each document's size and every problem; exit status 1 when there is one."""
    docs = documents()
    for name, text in sorted(docs.items()):
        print(f"{len(text.split()):4d} words  {name}")
    found, kinds = problems(folder.gold, docs)
    if "--ingest" in argv:
        product = ingested(folder.news)
        if set(product) != set(docs):
            found.append(f"document names differ from the indexer's: {sorted(set(product) ^ set(docs))}")
        extra, _ = problems(folder.gold, {name: product.get(name, "") for name in docs})
        found += [f"indexer text: {p}" for p in extra if "copies" not in p]
    for problem in found:
        print(problem)
    print({f"{kind}{'' if has else ' (no answer)'}": n for (kind, has), n in sorted(kinds.items())})
    print(f"{len(found)} problems")
    return 1 if found else 0
