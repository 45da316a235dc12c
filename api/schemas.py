"""Request and response bodies of the JSON API (separate from the internal dataclasses in ``core.types``)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from core.settings import MAX_ANSWERS_MAX, TOP_K_MAX, TOP_K_MIN
from core.types import AskResult


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

    @field_validator("question", mode="before")
    @classmethod
    def _clean_question(cls, value: object) -> object:
        return clean_text(value)


class CitationOut(BaseModel):
    file: str
    start: int = Field(description="character offset of the answer in the ORIGINAL file")
    end: int
    passage_id: str
    context: str = Field(description="the passage the answer was read from")
    context_start: int = Field(description="offset of `context` in the original file")


class AnswerOut(BaseModel):
    text: str
    score: float = Field(description="in [0, 1], higher is better; for the top answer, the estimated chance that it "
                         "is exactly right (fitted on SQuAD dev with eval.fit_scores at the default settings)")
    citations: list[CitationOut]


class NoAnswerOut(BaseModel):
    score: float = Field(description="score of the best candidate, below the threshold")
    threshold: float


class Timings(BaseModel):
    retrieve: float
    read: float
    total: float


class AskResponse(BaseModel):
    question: str
    answers: list[AnswerOut]
    no_answer: NoAnswerOut | None
    timings_ms: Timings

    @classmethod
    def from_result(cls, result: AskResult) -> AskResponse:
        return cls(
            question=result.question,
            answers=[AnswerOut(text=a.text, score=round(a.score, 4), citations=[
                CitationOut(file=c.file, start=c.start, end=c.end, passage_id=c.passage_id,
                            context=c.context, context_start=c.context_start) for c in a.citations])
                for a in result.answers],
            no_answer=NoAnswerOut(score=round(result.no_answer.score, 4), threshold=result.no_answer.threshold)
            if result.no_answer else None,
            timings_ms=Timings(**{k: result.timings_ms.get(k, 0.0) for k in ("retrieve", "read", "total")}),
        )


class DocumentInfo(BaseModel):
    name: str
    size: int = Field(description="bytes")
    sha256: str
    passages: int


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

    name: StrictStr = Field(description="file name ending in .txt, optionally in folders (world/korea.txt)",
                            examples=["bridge-opening.txt"])
    text: StrictStr = Field(description="the article, UTF-8 text")


class DocumentChangeOut(BaseModel):
    name: str
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
