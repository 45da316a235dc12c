"""Gold question sets in the two formats citeqa is evaluated on.

* our JSONL (``eval/gold/*.jsonl``), one question per line::

      {"id": "d01", "question": "...", "answers": ["..."], "sources": ["000_b92...txt"]}

  ``answers: []`` marks an unanswerable question (the right output is "no answer");
  ``sources`` are the corpus files that contain an answer.
* SQuAD 1.1 JSON (``{"version", "data": [{"title", "paragraphs": [{"context", "qas"}]}]}``),
  plain or gzipped. Every paragraph becomes one document named after its article title and
  its index inside the article (``Super_Bowl_50-003.txt``); a question's only source is its own
  paragraph. A SQuAD 2.0 question marked ``is_impossible`` loads as unanswerable.

Question order is the file's order, so ``--limit N`` always picks the same N questions.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from core.types import Passage

GoldKind = Literal["jsonl", "squad"]
T = TypeVar("T")


class GoldFormatError(ValueError):
    """The gold file is not in either format (the message says where and why)."""


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: tuple[str, ...]  # reference answers; empty = unanswerable
    sources: tuple[str, ...]  # documents that contain an answer (SQuAD: the question's own paragraph)
    paragraph: str | None = None  # SQuAD: the document of the question's own paragraph (even if unanswerable)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class Paragraph:
    """One SQuAD paragraph seen as a document of the corpus."""

    doc: str  # document name, e.g. "Super_Bowl_50-003.txt"
    title: str
    article: int  # index of its article in the file
    index: int  # index of the paragraph inside its article
    text: str  # the context, exactly: it is the whole file


@dataclass(frozen=True)
class GoldSet:
    path: Path
    kind: GoldKind
    questions: tuple[GoldQuestion, ...]
    paragraphs: tuple[Paragraph, ...] = ()  # SQuAD only, in file order
    sha256: str = ""  # of the raw file bytes
    _by_doc: dict[str, Paragraph] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_doc.update({p.doc: p for p in self.paragraphs})

    def paragraph(self, doc: str) -> Paragraph:
        return self._by_doc[doc]

    @property
    def n_articles(self) -> int:
        return len({p.article for p in self.paragraphs})


# ---------------------------------------------------------------------------------------- reading
def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def detect_kind(path: Path, text: str) -> GoldKind:
    """``squad`` for a JSON document with a ``data`` list, ``jsonl`` for one object per line."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".jsonl"):
        return "jsonl"
    if name.endswith(".json"):
        return "squad"
    stripped = text.lstrip()
    first_line = stripped.split("\n", 1)[0]
    try:
        json.loads(first_line)
        return "jsonl"
    except json.JSONDecodeError:
        return "squad"


def load_gold(path: str | Path) -> GoldSet:
    """Load either format (detected from the name, else from the content)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"gold file not found: {path}")
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GoldFormatError(f"{path}: not UTF-8 ({exc})") from None
    digest = hashlib.sha256(raw).hexdigest()
    if detect_kind(path, text) == "jsonl":
        return GoldSet(path, "jsonl", tuple(parse_jsonl(text, str(path))), sha256=digest)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GoldFormatError(f"{path}: not JSON ({exc})") from None
    paragraphs, questions = parse_squad(document, str(path))
    return GoldSet(path, "squad", tuple(questions), tuple(paragraphs), sha256=digest)


def _string_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GoldFormatError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def parse_jsonl(text: str, name: str = "<jsonl>") -> list[GoldQuestion]:
    questions: list[GoldQuestion] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFormatError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise GoldFormatError(f"{where}: expected an object")
        qid, question = row.get("id"), row.get("question")
        if not isinstance(qid, str) or not qid:
            raise GoldFormatError(f"{where}: 'id' must be a non-empty string")
        if qid in seen:
            raise GoldFormatError(f"{where}: duplicate id {qid!r}")
        if not isinstance(question, str) or not question.strip():
            raise GoldFormatError(f"{where}: 'question' must be a non-empty string")
        answers = _string_list(row.get("answers"), where, "answers")
        sources = _string_list(row.get("sources", []), where, "sources")
        if answers and not sources:
            raise GoldFormatError(f"{where}: an answerable question needs its 'sources'")
        seen.add(qid)
        questions.append(GoldQuestion(qid, question, answers, sources))
    return questions


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def document_name(title: str, index: int) -> str:
    """``Super_Bowl_50`` paragraph 3 -> ``Super_Bowl_50-003.txt`` (a name the service accepts)."""
    safe = _UNSAFE.sub("_", title).strip("._-")[:150] or "article"
    return f"{safe}-{index:03d}.txt"


def parse_squad(document: Any, name: str = "<squad>") -> tuple[list[Paragraph], list[GoldQuestion]]:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise GoldFormatError(f"{name}: not SQuAD JSON (no 'data' list)")
    paragraphs: list[Paragraph] = []
    questions: list[GoldQuestion] = []
    used: set[str] = set()
    seen_ids: set[str] = set()
    try:
        for a, article in enumerate(document["data"]):
            title = str(article.get("title", f"article_{a}"))
            for i, para in enumerate(article["paragraphs"]):
                doc = document_name(title, i)
                if doc in used:  # two titles that sanitize alike
                    doc = document_name(f"{title}_{a}", i)
                used.add(doc)
                paragraphs.append(Paragraph(doc, title, a, i, para["context"]))
                for qa in para["qas"]:
                    qid = str(qa["id"])
                    if qid in seen_ids:
                        raise GoldFormatError(f"{name}: duplicate question id {qid!r}")
                    seen_ids.add(qid)
                    answers = () if qa.get("is_impossible") else tuple(str(x["text"]) for x in qa["answers"])
                    questions.append(GoldQuestion(qid, str(qa["question"]), answers, (doc,) if answers else (), doc))
    except (KeyError, TypeError, AttributeError) as exc:
        raise GoldFormatError(f"{name}: not SQuAD JSON (missing or malformed {exc})") from None
    return paragraphs, questions


# ------------------------------------------------------------------------------ SQuAD as a corpus
def write_paragraph_corpus(paragraphs: Sequence[Paragraph], folder: Path) -> Path:
    """One UTF-8 file per paragraph (its exact context); unchanged files are left alone, others removed."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {p.doc: p.text.encode("utf-8") for p in paragraphs}
    for stale in folder.glob("*.txt"):
        if stale.name not in wanted:
            stale.unlink()
    for doc, data in wanted.items():
        path = folder / doc
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    return folder


def paragraph_passage(paragraph: Paragraph) -> Passage:
    """The whole paragraph as one passage of its own document (offsets into the paragraph file)."""
    n = len(paragraph.text)
    return Passage(f"{paragraph.doc}:0-{n}", paragraph.doc, 0, n, paragraph.text)


def negative_paragraph(question: GoldQuestion, own: Paragraph, pool: Sequence[Paragraph]) -> Paragraph:
    """A paragraph of ANOTHER article from ``pool``, chosen deterministically from the question id."""
    articles = sorted({p.article for p in pool if p.article != own.article})
    if not articles:
        raise ValueError("negatives need paragraphs from at least two articles")
    h = zlib.crc32(question.id.encode("utf-8"))
    article = articles[h % len(articles)]
    candidates = [p for p in pool if p.article == article]
    return candidates[(h // len(articles)) % len(candidates)]


def cut_paragraph(question: GoldQuestion, own: Paragraph) -> Paragraph | None:
    """A hard negative: ``own`` without the sentence holding the first reference answer found in it
    (``None`` if no reference is found, another one would remain, or too little text is left)."""
    from training.negatives import without_answer_sentence

    for answer in question.answers:
        at = own.text.find(answer)
        if answer and at >= 0:
            rest = without_answer_sentence(own.text, at, at + len(answer), {a.lower() for a in question.answers})
            if rest is None:
                return None
            return Paragraph(doc=own.doc.removesuffix(".txt") + "-cut.txt", title=own.title, article=own.article,
                             index=own.index, text=rest)
    return None


class MinedNegatives:
    """Mined negatives: for a question, the paragraph of its own article that BM25 ranks highest among
    those holding none of its answers: what the retriever hands the reader when the corpus names the
    question's subject but does not state the fact (``training.negatives.ArticleNegativeMiner``)."""

    def __init__(self, pool: Sequence[Paragraph]) -> None:
        self._articles: dict[int, list[Paragraph]] = {}
        for p in pool:
            self._articles.setdefault(p.article, []).append(p)
        self._miners: dict[int, Any] = {}

    def for_question(self, question: GoldQuestion, own: Paragraph) -> Paragraph | None:
        from training.negatives import ArticleNegativeMiner

        paragraphs = self._articles.get(own.article, [])
        if own.article not in self._miners:
            self._miners[own.article] = ArticleNegativeMiner([p.text for p in paragraphs])
        position = next((i for i, p in enumerate(paragraphs) if p.doc == own.doc), -1)
        j = self._miners[own.article].closest_index(question.question, position, {a.lower() for a in question.answers})
        return None if j is None else paragraphs[j]


def spread(items: Sequence[T], limit: int | None) -> list[T]:
    """At most ``limit`` items evenly spaced over the sequence (every part gets its share), in order."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(limit)]
