"""Request and response bodies of the JSON API (separate from the internal dataclasses in ``core.types``)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from core.settings import MAX_ANSWERS_MAX, TOP_K_MAX, TOP_K_MIN
from core.types import AskResult, DocumentFilter, DocumentMeta

FORMATS = Literal["txt", "html", "htm", "jsonl", "json", "rss", "atom", "xml"]


def clean_text(value: object) -> object:
    """Drop lone surrogates and turn control characters into spaces (tabs and newlines included)."""
    if not isinstance(value, str):
        return value
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            continue
        out.append(" " if cat == "Cc" else ch)
    return "".join(out)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(description="the question; 1..max_question_chars characters (default 1000)",
                                examples=["How far did the missile fly on November 7?"])
    top_k: Annotated[StrictInt, Field(ge=TOP_K_MIN, le=TOP_K_MAX)] | None = Field(
        None, description=f"passages to read ({TOP_K_MIN}..{TOP_K_MAX})")
    max_answers: Annotated[StrictInt, Field(ge=1, le=MAX_ANSWERS_MAX)] | None = Field(
        None, description=f"answers to return at most (1..{MAX_ANSWERS_MAX})")
    published_after: date | None = Field(None, description="only documents published on or after this ISO date; "
                                         "documents with an unknown date are excluded")
    published_before: date | None = Field(None, description="only documents published on or before this ISO date")
    outlets: list[Annotated[StrictStr, Field(min_length=1, max_length=200)]] | None = Field(
        None, max_length=50, description="only documents from these outlets (case-insensitive)")
    as_of: date | None = Field(None, description="the day relative words in the question ('last week', 'this year') "
                               "count from; default: today")

    @field_validator("question", mode="before")
    @classmethod
    def _clean_question(cls, value: object) -> object:
        return clean_text(value)

    def document_filter(self) -> DocumentFilter:
        return DocumentFilter(
            published_after=self.published_after.isoformat() if self.published_after else None,
            published_before=self.published_before.isoformat() if self.published_before else None,
            outlets=tuple(self.outlets) if self.outlets else None)


class CitedDocument(BaseModel):
    name: str
    title: str | None
    published: str | None = Field(description="publication date (ISO), when known; '--05-20' (ISO 8601's year-less "
                                                 "form) for wire copy datelined with a month and day but no year")
    outlet: str | None
    url: str | None = Field(description="the original page, when known")


def text_fragment_link(url: str | None, quote_text: str) -> str | None:
    """``url#:~:text=...``: a browser scrolls to and highlights ``quote_text`` on the original page."""
    if not url or not url.lower().startswith(("https://", "http://")):
        return None  # only web pages: never a javascript: or data: URL from an uploaded page
    encoded = quote(quote_text, safe="").replace("-", "%2D")
    return f"{url.split('#', 1)[0]}#:~:text={encoded}"


class CitationOut(BaseModel):
    file: str = Field(description="the document: a corpus file, or '<file>#<id>' for one article of a feed/export")
    start: int = Field(description="character offset of the answer in the document's text "
                       "(GET /v1/documents/{file}); for .txt files, the original file")
    end: int
    passage_id: str
    context: str = Field(description="the passage the answer was read from")
    context_start: int = Field(description="offset of `context` in the document's text")
    document: CitedDocument
    link: str | None = Field(None, description="the original page with a text fragment that highlights the answer")


class AnswerOut(BaseModel):
    text: str
    score: float = Field(description="in [0, 1], higher is better; for the top answer, the estimated chance that it "
                         "is exactly right (fitted on SQuAD dev with eval.fit_scores at the default settings)")
    citations: list[CitationOut]
    event_date: str | None = Field(None, description="when the event this answer reports happened (ISO date or "
                                   "range): a date next to it in the article, else the article's publication date; "
                                   "ISO 8601's year-less '--05-20' when an undated article gives only a month and day")
    time_match: bool | None = Field(None, description="true when the event agrees with the time the question names, "
                                    "false when it contradicts it, null when the question names none or it is unknown")


class MatchedTime(BaseModel):
    text: str = Field(description="the words of the question that name a time")
    range: str | None = Field(description="the ISO date or range asked about; null for 'latest'/'earliest' alone")
    order: Literal["latest", "earliest"] | None
    year_known: bool = Field(description="false when the question gave a day or month without its year")


class NoAnswerOut(BaseModel):
    score: float = Field(description="score of the best candidate, below the threshold")
    threshold: float


class FilterOut(BaseModel):
    documents_matched: int = Field(description="documents the filters left")
    excluded_unknown_date: int = Field(description="documents left out only because their date is unknown")


class Timings(BaseModel):
    retrieve: float
    read: float
    total: float


class AskResponse(BaseModel):
    question: str
    answers: list[AnswerOut]
    no_answer: NoAnswerOut | None
    matched_time: MatchedTime | None = Field(None, description="the time the question asks about, if it names one")
    other_events: list[AnswerOut] = Field(default_factory=list, description="answers from events whose dates "
                                          "contradict the question's time, which the reader alone is confident of "
                                          "(scored by the reader alone): the same kind of event on another day")
    runner_up: AnswerOut | None = Field(None, description="the best answer not returned among ``answers`` (it "
                                         "scored less than half the first, or it is the threshold's next): shown folded")
    filters: FilterOut | None = None
    timings_ms: Timings

    @classmethod
    def from_result(cls, result: AskResult) -> AskResponse:
        def document(name: str) -> CitedDocument:
            meta = result.documents.get(name, DocumentMeta())
            return CitedDocument(name=name, title=meta.title, published=meta.published, outlet=meta.outlet,
                                 url=meta.url)

        def answer(a) -> AnswerOut:
            return AnswerOut(text=a.text, score=round(a.score, 4), citations=[
                CitationOut(file=c.file, start=c.start, end=c.end, passage_id=c.passage_id,
                            context=c.context, context_start=c.context_start, document=document(c.file),
                            link=text_fragment_link(result.documents.get(c.file, DocumentMeta()).url, c.text))
                for c in a.citations], event_date=a.event_date, time_match=a.time_match)

        return cls(
            question=result.question,
            answers=[answer(a) for a in result.answers],
            other_events=[answer(a) for a in result.other_events],
            runner_up=answer(result.runner_up) if result.runner_up else None,
            matched_time=MatchedTime(text=result.matched_time.text, range=result.matched_time.range,
                                     order=result.matched_time.order, year_known=result.matched_time.year_known)
            if result.matched_time else None,
            filters=FilterOut(documents_matched=result.filtered.documents_matched,
                              excluded_unknown_date=result.filtered.excluded_unknown_date)
            if result.filtered else None,
            no_answer=NoAnswerOut(score=round(result.no_answer.score, 4), threshold=result.no_answer.threshold)
            if result.no_answer else None,
            timings_ms=Timings(**{k: result.timings_ms.get(k, 0.0) for k in ("retrieve", "read", "total")}),
        )


class DocumentInfo(BaseModel):
    name: str
    source: str = Field(description="the corpus file it was read from (itself, or the feed/export holding it)")
    format: str
    size: int = Field(description="bytes of the source file")
    sha256: str = Field(description="of the source file")
    passages: int
    title: str | None
    published: str | None = Field(description="publication date (ISO), when known; '--05-20' (ISO 8601's year-less "
                                                 "form) for wire copy datelined with a month and day but no year")
    outlet: str | None
    author: str | None
    url: str | None
    origins: dict[str, str] = Field(description="where each field came from: extracted, dateline, headline, "
                                    "mentioned, yearless_dateline (a month and day without a year), sidecar, feed, export")


class DocumentText(BaseModel):
    name: str
    text: str = Field(description="the original text, exactly as stored")


class DocumentSpan(BaseModel):
    name: str
    start: int
    end: int
    text: str = Field(description="original[start:end]")
    context_before: str
    context_after: str


class DocumentUpload(BaseModel):
    """JSON form of an upload; multipart uploads send a ``file`` field (and optionally ``name``)."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(description="file name ending in a supported suffix (.txt, .html, .htm, .jsonl, .json, "
                            ".rss, .atom, .xml), optionally in folders (world/korea.txt)",
                            examples=["bridge-opening.txt"])
    text: StrictStr = Field(description="the file's content: an article, a web page, a feed or an export")
    format: FORMATS | None = Field(None, description="the format when the name has no supported suffix "
                                   "(the suffix is then added to the name)")


class DocumentChangeOut(BaseModel):
    name: str
    documents: list[str] = Field(description="the documents (articles) the file holds: itself, or '<file>#<id>' each")
    passages: int
    version: str = Field(description="index version that now serves the corpus")
    created: bool = Field(description="true for a new document, false when one was replaced")


class DocumentRemoved(BaseModel):
    name: str
    removed: bool
    version: str


class ReloadOut(BaseModel):
    changed: bool
    index_version: str


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    index_version: str
    documents: int
    passages: int


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[str] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
