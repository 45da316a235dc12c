"""The product in one place: ingest → chunk → embed → store → retrieve → read → cite.

``QAService`` owns the models (loaded once by ``warm_up``), the caches and the live index
snapshot, and answers questions. A question is answered against the snapshot that was live when
it arrived, so an index update never mixes versions inside one answer. Editing the corpus folder
is ``service.corpus`` (``index.corpus.CorpusEditor``), which publishes each new snapshot here.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from core.errors import IndexNotReady, InvalidRequest, ReadOnlyIndex
from core.settings import Settings, check_top_k
from core.types import (Answer, AskedTime, AskResult, DocumentFilter, FilterOutcome, NoAnswer, Passage,
                        PassageReading)
from index.budget import IndexingBudget
from index.builder import BuildReport, build_index, index_spec
from index.chunking import ChunkingParams
from index.corpus import READ_ONLY, CorpusEditor
from index.dates import is_yearless
from index.embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder
from index.layers import LayeredSnapshot
from index.shards import LayerParts, Shards
from index.store import FaissStore, IndexSnapshot
from qa.answer_types import type_prior
from qa.answers import Judge, Prior, assemble_all, assemble_with_events, relevance_weights
from qa.corroborate import corroborate
from qa.reading_order import FIRST_BATCH, decided, log_weight
from qa.cache import SingleFlightCache
from qa.reader import Reader, TransformersReader
from qa.reading_cache import CachingReader
from qa.question_time import parse_question_time, reader_question
from qa.retrieve import HybridRetriever, ShardedRetriever
from qa.timing import TimeScorer, passage_agreement

log = logging.getLogger(__name__)

def embedder_for(settings: Settings) -> Embedder:
    """The embedder the settings describe (not loaded yet)."""
    if settings.model_runtime == "onnx":
        return OnnxEmbedder(settings.embedding_model_path(), threads=settings.threads,
                            cache_dir=settings.model_cache_dir, int8=settings.embedder_precision == "int8")
    return SentenceTransformerEmbedder(settings.embedding_model_path())


def reader_for(settings: Settings, **overrides) -> TransformersReader:
    """The reader the settings describe (not loaded yet); ``overrides`` replace its arguments."""
    s = settings
    arguments = dict(model=s.reader_model, max_seq_len=s.max_seq_len, doc_stride=s.doc_stride, max_answer_len=s.max_answer_len,
                     batch_size=s.reader_batch_size, threads=s.threads, precision=s.reader_precision,
                     runtime=s.model_runtime, cache_dir=s.model_cache_dir)
    return TransformersReader(**{**arguments, **overrides})


class QAService:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None,
                 reader: Reader | None = None, shards: Shards | None = None) -> None:
        """Models are built from the settings unless given (they are loaded by ``warm_up``). With ``shards``
        (or ``settings.index_shards``: Ray actors, ``index.distributed.RayShards``), the index is searched
        in those shards and this process holds only its catalog; it cannot write the index."""
        self.settings = settings or Settings()
        s = self.settings
        self.chunking = ChunkingParams(max_tokens=s.chunk_tokens, overlap_tokens=s.chunk_overlap_tokens)
        self.embedder = embedder or embedder_for(s)
        self.reader = reader or reader_for(s)
        self.store = FaissStore(s.index_dir, s.vector_index)
        self._retriever: HybridRetriever | ShardedRetriever | None = None
        self.shards = shards
        self._swap_lock = threading.Lock()
        self._cache: SingleFlightCache[AskResult] = SingleFlightCache(s.answer_cache_size)
        # survive index updates: a question's embedding, and its readings of unchanged passages
        self._query_vectors: SingleFlightCache[np.ndarray] = SingleFlightCache(s.answer_cache_size)
        self._reading = CachingReader(self.reader, s.reading_cache_size)
        self.corpus = CorpusEditor(s.corpus_dir, self.store, self.embedder, self.chunking, s.max_document_bytes,
                                   live=lambda: self._retriever.snapshot if self._retriever is not None else None,
                                   publish=self.use_snapshot,
                                   budget=IndexingBudget(seconds=s.document_time_budget_s))

    # ------------------------------------------------------------------ lifecycle
    def warm_up(self, load_index: bool = True) -> None:
        """Load the models (idempotent) and, if asked, the live index."""
        self.embedder.warm_up()
        self.reader.warm_up()
        if self.shards is None and self.settings.index_shards:
            from index.distributed import RayShards

            self.shards = RayShards.find(self.settings.index_shards)
        if load_index:
            self.reload()

    @property
    def sharded(self) -> bool:
        """True when the index is searched in shards (and this process cannot write it)."""
        return self.shards is not None or self.settings.index_shards > 0

    @property
    def threshold(self) -> float:
        t = self.settings.no_answer_threshold
        return self.reader.no_answer_threshold if t is None else t

    @property
    def snapshot(self) -> IndexSnapshot:
        retriever = self._retriever
        if retriever is None:
            raise IndexNotReady("the index is not loaded yet")
        return retriever.snapshot

    @property
    def ready(self) -> bool:
        return self._retriever is not None

    def use_snapshot(self, snapshot: IndexSnapshot | LayeredSnapshot) -> None:
        """Make ``snapshot`` live for new questions (questions in flight keep theirs)."""
        if isinstance(snapshot, LayeredSnapshot):
            retriever = ShardedRetriever(snapshot, self.embedder, LayerParts(snapshot))
        else:
            retriever = HybridRetriever(snapshot, self.embedder)
        if not snapshot.part:  # what the first update needs, worked out now rather than under the writer lock
            (snapshot.base if isinstance(snapshot, LayeredSnapshot) else snapshot).document_sizes()  # and rows
            snapshot.documents_by_source()
        with self._swap_lock:
            self._retriever = retriever

    def reload(self) -> bool:
        """Load the live version from disk if it is not the one in memory. Returns True if it changed."""
        current = self.store.current_version()
        if self._retriever is not None and current == self._retriever.snapshot.version:
            return False
        spec = index_spec(self.embedder, self.chunking)
        if self.shards is None:
            self.use_snapshot(self.store.load(spec))
            return True
        if current is None:
            raise IndexNotReady(f"no index in {self.store.index_dir}: run `citeqa index` first")
        self.shards.load(current)  # every shard holds its part before questions go to them
        catalog = self.store.load(spec, version=current, holds=lambda _: False, part="catalog")
        retriever = ShardedRetriever(catalog, self.embedder, self.shards)
        with self._swap_lock:
            self._retriever = retriever
        return True

    def build_index(self, show_progress: bool = False, optimize: bool = False, ray_address: str | None = None
                    ) -> BuildReport:
        """Bring the index in line with the corpus folder and make it live (``optimize``: in one segment;
        ``ray_address``: chunk and embed on that Ray cluster, ``index.distributed``)."""
        if self.sharded:
            raise ReadOnlyIndex(READ_ONLY)
        self.embedder.warm_up()
        preparer = None
        if ray_address:
            from index.distributed import RayPreparer

            spec = index_spec(self.embedder, self.chunking)
            preparer = RayPreparer(ray_address, functools.partial(embedder_for, self.settings.with_absolute_paths()),
                                   self.chunking,
                                   spec_key=f"{spec.embedding_model_id}/{spec.max_tokens}/{spec.overlap_tokens}/"
                                            f"{spec.cleaning_version}",
                                   cache_dir=Path(self.settings.index_dir) / ".ray-prepared",
                                   show_progress=show_progress)
        report = build_index(self.settings.corpus_dir, self.settings.index_dir, self.embedder, self.chunking,
                             embedder_path=self.settings.embedding_model_path(), show_progress=show_progress,
                             vector_index=self.settings.vector_index, optimize=optimize, preparer=preparer)
        if preparer is not None:
            report.ray_tasks = preparer.tasks_sent
            preparer.forget()
        if self._retriever is not None:
            self.reload()
        return report

    # ------------------------------------------------------------------ questions
    def validate_question(self, question: str) -> str:
        q = " ".join(question.split()) if isinstance(question, str) else ""
        if not q:
            raise InvalidRequest("question must not be empty")
        if not any(ch.isalnum() for ch in q):  # e.g. only zero-width or format characters
            raise InvalidRequest("question must contain at least one letter or digit")
        if len(question) > self.settings.max_question_chars:
            raise InvalidRequest(f"question is longer than {self.settings.max_question_chars} characters")
        return q

    def ask(self, question: str, top_k: int | None = None, max_answers: int | None = None,
            filters: DocumentFilter | None = None, as_of: date | None = None) -> AskResult:
        """Answer ``question``; ``as_of`` is the day relative words ("last week") count from (default: today)."""
        question = self.validate_question(question)
        as_of = as_of or date.today()
        filters = filters if filters is not None and filters.active else None
        top_k = check_top_k(self.settings.top_k if top_k is None else top_k)
        max_answers = self.settings.max_answers if max_answers is None else max_answers
        if max_answers < 1:
            raise InvalidRequest(f"max_answers must be positive, got {max_answers}")
        retriever = self._retriever  # pinned: this question is answered from this version
        if retriever is None:
            raise IndexNotReady("the index is not loaded yet")
        threshold = self.threshold
        key = (question.casefold(), top_k, max_answers, threshold, retriever.snapshot.version, filters, as_of)
        t0 = time.perf_counter()
        result, cached = self._cache.get_or_compute(
            key, lambda: self._answer(retriever, question, top_k, max_answers, threshold, filters, as_of))
        if cached:
            total = round((time.perf_counter() - t0) * 1000, 1)
            result = replace(result, question=question, timings_ms={"retrieve": 0.0, "read": 0.0, "total": total})
        return self._only_intact_citations(result, retriever.snapshot)

    def _only_intact_citations(self, result: AskResult, snapshot: IndexSnapshot) -> AskResult:
        """``result`` without citations of files that changed on disk since they were indexed (the
        offsets would point at other words); an answer left without citations is dropped."""
        cited = {c.file for a in (*result.answers, *result.other_events, *([result.runner_up] if result.runner_up else []))
                 for c in a.citations}
        changed = self.corpus.changed_documents(snapshot, cited)
        if not changed:
            return result
        log.warning("not citing %s: changed on disk since indexed (run `citeqa index` or upload it again)",
                    ", ".join(sorted(changed)))

        def keep(answers: tuple[Answer, ...]) -> tuple[Answer, ...]:
            kept = (replace(a, citations=tuple(c for c in a.citations if c.file not in changed)) for a in answers)
            return tuple(a for a in kept if a.citations)

        answers = keep(result.answers)
        no_answer = result.no_answer
        if not answers and no_answer is None:
            no_answer = NoAnswer(score=result.answers[0].score if result.answers else 0.0, threshold=self.threshold)
        runner_up = next(iter(keep((result.runner_up,))), None) if result.runner_up else None
        return replace(result, answers=answers, other_events=keep(result.other_events), no_answer=no_answer,
                       runner_up=runner_up,
                       documents={n: m for n, m in result.documents.items() if n not in changed})

    def _read_in_order(self, question: str, passages: list[Passage], weights: dict[str, float], threshold: float,
                       judge: Judge, prior: Prior | None = None) -> list[PassageReading]:
        """Readings of the first passages, best-ranked first: more are read only while an unread passage
        could still change the top answer or the no-answer verdict (``qa.reading_order``)."""
        if not self.settings.read_in_order or len(passages) <= FIRST_BATCH:
            return self._reading.read(question, passages)
        scale = self.reader.score_scale
        readings = self._reading.read(question, passages[:FIRST_BATCH])
        answers, no_answer, _ = assemble_with_events(readings, threshold, 1, weights, scale, judge=judge, prior=prior)
        top = answers[0].score if answers else no_answer.score
        unread = [log_weight(weights.get(p.id)) for p in passages[FIRST_BATCH:]]
        if decided(top, threshold, unread, scale):
            return readings
        return readings + self._reading.read(question, passages[FIRST_BATCH:])

    def _answer(self, retriever: HybridRetriever | ShardedRetriever, question: str, top_k: int, max_answers: int,
                threshold: float, filters: DocumentFilter | None, as_of: date,
                allowed: frozenset[str] | None = None) -> AskResult:
        """retrieve → read → cite, on one pinned index version; only ``allowed`` documents (or those
        passing ``filters``) are searched."""
        t0 = time.perf_counter()
        snapshot = retriever.snapshot
        outcome = None
        if filters is not None:
            names, unknown = select_documents(snapshot, filters)
            allowed = names
            outcome = FilterOutcome(documents_matched=len(names), excluded_unknown_date=unknown)
        constraint = parse_question_time(question, as_of)
        agrees = (lambda p: passage_agreement(p, constraint)) if constraint is not None and constraint.range else None
        query, _ = self._query_vectors.get_or_compute(question, lambda: self.embedder.embed_queries([question]))
        retrieved = retriever.retrieve(question, top_k, query=query, documents=allowed,
                                       agrees=agrees if self.settings.time_weight > 0 else None,
                                       extra=self.settings.corroboration_pool)
        pool, retrieved = retrieved[top_k:], retrieved[:top_k]
        passages = [r.passage for r in retrieved]
        t1 = time.perf_counter()
        similarity = {r.passage.id: r.similarity for r in retrieved}
        weights = relevance_weights(similarity, self.settings.relevance_temperature)
        best_similarity = max(similarity.values(), default=0.0)
        gap = self.settings.time_bonus_gap
        timing = TimeScorer(constraint, self.settings.time_weight, passages,
                            on_topic=(lambda p: similarity.get(p.id, -1.0) >= best_similarity - gap) if gap > 0 else None)
        prior = type_prior(question, self.settings.answer_type_weight)
        # a question naming a time is read in full: its other events' passages (qa.retrieve) must be read
        readings = (self._reading.read(reader_question(question, constraint, self.settings.reader_sees_time), passages)
                    if constraint is not None else
                    self._read_in_order(question, passages, weights, threshold, timing.judge, prior))
        answers, no_answer, others, runner_up = assemble_all(readings, threshold, max_answers, weights,
                                                             self.reader.score_scale, judge=timing.judge,
                                                             exclusive=timing.exclusive, prior=prior)
        unread = [(r.passage, r.similarity) for r in retrieved[len(readings):]] + [(r.passage, r.similarity)
                                                                                  for r in pool]
        if answers:  # the chosen answer only: a weak alternative ("U.S.") is in every passage
            # read passages it is not cited from are searched too (a weak reading there was no citation)
            cited_passages = {c.passage_id for c in answers[0].citations}
            uncited = [(r.passage, similarity.get(r.passage.id, -1.0)) for r in readings
                       if r.passage.id not in cited_passages]
            if uncited or unread:
                answers = corroborate(answers[:1], uncited + unread, best_similarity, self.settings.max_citations,
                                      judge=timing.judge) + answers[1:]
        t2 = time.perf_counter()
        cited = {c.file for a in (*answers, *others, *([runner_up] if runner_up else [])) for c in a.citations}
        return AskResult(question=question, answers=tuple(answers), no_answer=no_answer, passages=tuple(passages),
                         timings_ms={"retrieve": round((t1 - t0) * 1000, 1), "read": round((t2 - t1) * 1000, 1),
                                     "total": round((t2 - t0) * 1000, 1)}, index_version=snapshot.version,
                         passages_read=len(readings), runner_up=runner_up,
                         documents={n: snapshot.documents[n].meta for n in sorted(cited) if n in snapshot.documents},
                         other_events=tuple(others), filtered=outcome, matched_time=None if constraint is None else AskedTime(
                             text=constraint.text, range=constraint.range.iso() if constraint.range else None,
                             order=constraint.order, year_known=constraint.year_known))


def select_documents(snapshot: IndexSnapshot, filters: DocumentFilter) -> tuple[frozenset[str], int]:
    """The documents of ``snapshot`` that pass ``filters``, and how many were left out only for an unknown date."""
    outlets = {o.casefold() for o in filters.outlets} if filters.outlets else None
    dated = bool(filters.published_after or filters.published_before)
    chosen: set[str] = set()
    unknown = 0
    for name, entry in snapshot.documents.items():
        if outlets is not None and (entry.outlet or "").casefold() not in outlets:
            continue
        if dated:
            if not entry.published or is_yearless(entry.published):  # no year: neither before nor after a date
                unknown += 1
                continue
            if filters.published_after and entry.published < filters.published_after:
                continue
            if filters.published_before and entry.published > filters.published_before:
                continue
        chosen.add(name)
    return frozenset(chosen), unknown
