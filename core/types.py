"""The values that cross component boundaries: passages, citations, answers, results.

Invariant everywhere: for a ``Passage`` p read from file f, ``original(f)[p.start:p.end] == p.text``;
for a ``Citation`` c, ``original(c.file)[c.start:c.end] == c.text`` and ``c.text`` equals the text of
the answer it supports. Scores are in [0, 1] and higher is better.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TimeTag:
    """When something in a passage happened: a date range resolved from words of its article.

    ``source`` says where it came from: ``passage`` (a time expression inside the passage, at
    ``start``/``end`` in the document's text), ``before`` (the nearest dated expression earlier in
    the article, inherited by a passage that has none), ``article`` (the publication date).
    """

    first: str  # ISO date, inclusive
    last: str  # ISO date, inclusive
    granularity: str  # day | week | month | year
    text: str  # the words it was resolved from ("" for the publication date)
    source: str  # passage | before | article
    start: int = -1  # offsets of ``text`` in the document's text (-1 for the publication date)
    end: int = -1
    year_known: bool = True  # False for a day or month written without its year ("on Nov. 7")


@dataclass(frozen=True)
class Passage:
    """A contiguous, boilerplate-free slice of an original file."""

    id: str  # stable: "<file>:<start>-<end>"
    file: str  # file name relative to the corpus folder
    start: int  # character offset into the ORIGINAL file
    end: int
    text: str  # == original[start:end]
    times: tuple[TimeTag, ...] = ()  # when it happened (index.timeline), best evidence first


@dataclass(frozen=True)
class Span:
    """A candidate answer span found by a reader in one passage (offsets into the passage text)."""

    passage: Passage
    start: int
    end: int
    score: float  # probability-like, in [0, 1]
    evidence: float  # log(P(span) / P(no answer)) in the reader window it was read in; unlike ``score``,
    # comparable across passages (raw start + end logits of the span minus those of the null)

    @property
    def text(self) -> str:
        return self.passage.text[self.start:self.end]


@dataclass(frozen=True)
class PassageReading:
    """What the reader made of one passage: its best spans (each with its evidence against "not here")."""

    passage: Passage
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Citation:
    file: str
    start: int  # character offsets into the ORIGINAL file
    end: int
    passage_id: str
    context: str  # the passage text the answer was read from
    context_start: int  # offset of ``context`` in the original file
    text: str  # == original[start:end] == the answer text

    @property
    def start_in_context(self) -> int:
        return self.start - self.context_start


@dataclass(frozen=True)
class Answer:
    text: str
    score: float  # in [0, 1], higher is better
    citations: tuple[Citation, ...]
    event_date: str | None = None  # ISO date (or range) of the event it reports, when known
    time_match: bool | None = None  # whether the event agrees with the question's time (None: no time asked)
    reader_score: float | None = None  # the score before the temporal signal


@dataclass(frozen=True)
class NoAnswer:
    """Why nothing was returned: the best candidate's score fell below the threshold."""

    score: float
    threshold: float


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents a question may be answered from. Dates are ISO (``YYYY-MM-DD``), inclusive; a
    document whose publication date is unknown is excluded by either date bound."""

    published_after: str | None = None
    published_before: str | None = None
    outlets: tuple[str, ...] | None = None  # compared case-insensitively

    @property
    def active(self) -> bool:
        return bool(self.published_after or self.published_before or self.outlets)


@dataclass(frozen=True)
class AskResult:
    question: str
    answers: tuple[Answer, ...]
    no_answer: NoAnswer | None
    passages: tuple[Passage, ...] = ()  # retrieved passages, best first
    timings_ms: dict[str, float] = field(default_factory=dict)
    index_version: str = ""
    documents: dict[str, "DocumentMeta"] = field(default_factory=dict)  # metadata of every cited document
    filtered: "FilterOutcome | None" = None  # what a DocumentFilter left, when one was given
    matched_time: "AskedTime | None" = None  # the time the question asks about, when it names one
    other_events: tuple[Answer, ...] = ()  # answers the question's date ruled out, confident on the reader alone
    passages_read: int = 0  # how many of ``passages`` the reader read (qa.reading_order)
    runner_up: Answer | None = None  # the best answer not returned (too far below the first), for transparency


@dataclass(frozen=True)
class AskedTime:
    text: str  # the words of the question ("on November 7", "latest")
    range: str | None  # ISO date or range ("2025-11-07", "2024-10", "2024"); None for a pure ordering
    order: str | None  # latest | earliest | None
    year_known: bool = True


@dataclass(frozen=True)
class FilterOutcome:
    documents_matched: int
    excluded_unknown_date: int  # documents left out only because their publication date is unknown


# ----------------------------------------------------------------------------- articles and their metadata

METADATA_FIELDS = ("title", "published", "outlet", "author", "url")


@dataclass(frozen=True)
class DocumentMeta:
    """What is known of an article besides its text. ``published`` is an ISO date (``YYYY-MM-DD``), or
    ISO 8601's year-less ``--MM-DD`` for a plain-text article datelined without any year (``index.dates.is_yearless``).

    ``origins`` says where each known field came from: ``extracted`` (the page's own markup, via
    trafilatura/htmldate), ``dateline`` / ``headline`` (guessed from the top of a plain-text article),
    ``sidecar`` (a ``<name>.meta.json`` beside the file), ``feed`` (the RSS/Atom entry or channel),
    ``export`` (the record of a CMS export).
    """

    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    format: str = "txt"  # txt, html, jsonl, json, rss, atom
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    """One document as ingest produces it: citations index into ``text``.

    For a ``.txt`` file ``text`` is the file's decoded content; for other formats it is what the
    extractor produced (stored with the index version so citations stay checkable). ``name`` is the
    file's path in the corpus folder, or ``<file>#<id or line number>`` for one article of a feed or
    export that holds several.
    """

    name: str
    text: str
    meta: DocumentMeta = field(default_factory=DocumentMeta)
