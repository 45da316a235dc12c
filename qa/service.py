"""The product in one place: ingest → chunk → embed → store → retrieve → read → cite.

``QAService`` owns the models (loaded once by ``warm_up``) and the live index snapshot. A question
is answered against the snapshot that was live when it arrived, so an index update never mixes
versions inside one answer.
"""

from __future__ import annotations

import logging
import threading
import time

from index.builder import BuildReport, build_index, index_spec
from index.chunking import ChunkingParams
from index.embedding import SentenceTransformerEmbedder
from index.store import FaissStore, IndexSnapshot
from qa.answers import assemble
from qa.errors import IndexNotReady, InvalidRequest
from qa.reader import TransformersReader
from qa.retrieve import HybridRetriever
from qa.settings import Settings
from qa.types import AskResult

log = logging.getLogger(__name__)


class QAService:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        s = self.settings
        self.chunking = ChunkingParams(max_tokens=s.chunk_tokens, overlap_tokens=s.chunk_overlap_tokens)
        self.embedder = SentenceTransformerEmbedder(s.embedding_model_path())
        self.reader = TransformersReader(s.reader_model, max_seq_len=s.max_seq_len, doc_stride=s.doc_stride,
                                         max_answer_len=s.max_answer_len, batch_size=s.reader_batch_size,
                                         threads=s.threads)
        self.store = FaissStore(s.index_dir)
        self._retriever: HybridRetriever | None = None
        self._swap_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def warm_up(self, load_index: bool = True) -> None:
        """Load the models (idempotent) and, if asked, the live index."""
        self.embedder.warm_up()
        self.reader.warm_up()
        if load_index:
            self.reload()

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

    def use_snapshot(self, snapshot: IndexSnapshot) -> None:
        """Make ``snapshot`` live for new questions (questions in flight keep theirs)."""
        retriever = HybridRetriever(snapshot, self.embedder)
        with self._swap_lock:
            self._retriever = retriever

    def reload(self) -> bool:
        """Load the live version from disk if it is not the one in memory. Returns True if it changed."""
        current = self.store.current_version()
        if self._retriever is not None and current == self._retriever.snapshot.version:
            return False
        self.use_snapshot(self.store.load(index_spec(self.embedder, self.chunking)))
        return True

    def build_index(self, show_progress: bool = False) -> BuildReport:
        """Bring the index in line with the corpus folder and make it live."""
        self.embedder.warm_up()
        report = build_index(self.settings.corpus_dir, self.settings.index_dir, self.embedder, self.chunking,
                             embedder_path=self.settings.embedding_model_path(), show_progress=show_progress)
        if self._retriever is not None:
            self.reload()
        return report

    # ------------------------------------------------------------------ questions
    def validate_question(self, question: str) -> str:
        q = " ".join(question.split()) if isinstance(question, str) else ""
        if not q:
            raise InvalidRequest("question must not be empty")
        if len(question) > self.settings.max_question_chars:
            raise InvalidRequest(f"question is longer than {self.settings.max_question_chars} characters")
        return q

    def ask(self, question: str, top_k: int | None = None, max_answers: int | None = None) -> AskResult:
        question = self.validate_question(question)
        top_k = self.settings.top_k if top_k is None else top_k
        max_answers = self.settings.max_answers if max_answers is None else max_answers
        if not 1 <= top_k <= 50:
            raise InvalidRequest(f"top_k must be between 1 and 50, got {top_k}")
        if max_answers < 1:
            raise InvalidRequest(f"max_answers must be positive, got {max_answers}")
        retriever = self._retriever  # pinned: this question is answered from this version
        if retriever is None:
            raise IndexNotReady("the index is not loaded yet")
        t0 = time.perf_counter()
        retrieved = retriever.retrieve(question, top_k)
        t1 = time.perf_counter()
        passages = [r.passage for r in retrieved]
        readings = self.reader.read(question, passages)
        answers, no_answer = assemble(readings, self.threshold, max_answers)
        t2 = time.perf_counter()
        return AskResult(question=question, answers=tuple(answers), no_answer=no_answer, passages=tuple(passages),
                         timings_ms={"retrieve": round((t1 - t0) * 1000, 1), "read": round((t2 - t1) * 1000, 1),
                                     "total": round((t2 - t0) * 1000, 1)}, index_version=retriever.snapshot.version)

