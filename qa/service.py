"""The product in one place: ingest → chunk → embed → store → retrieve → read → cite.

``QAService`` owns the models (loaded once by ``warm_up``) and the live index snapshot. A question
is answered against the snapshot that was live when it arrived, so an index update never mixes
versions inside one answer.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from index.builder import BuildReport, apply_changes, build_index, index_spec, load_reusable
from index.ingest import decode_article
from index.chunking import ChunkingParams
from index.embedding import Embedder, SentenceTransformerEmbedder
from index.store import FaissStore, IndexSnapshot
from qa.answers import assemble, relevance_weights
from qa.cache import SingleFlightCache
from qa.errors import DocumentNotFound, DocumentTooLarge, IndexNotReady, InvalidDocument, InvalidRequest
from qa.reader import Reader, TransformersReader
from qa.reading_cache import CachingReader
from qa.retrieve import HybridRetriever
from qa.settings import Settings
from qa.types import AskResult

log = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}\.txt$")
_FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")
MAX_FOLDER_DEPTH = 8


def validate_document_name(name: str) -> str:
    """A ``.txt`` file name, optionally inside folders (``world/korea.txt``), as ``citeqa index`` names them.

    Every segment starts with a letter or digit and holds only letters, digits, '.', '_', '-' and
    spaces, so no name can be hidden, absolute, contain ``..`` or leave the corpus folder.
    """
    if not isinstance(name, str):
        raise InvalidDocument("invalid document name")
    *folders, file_name = name.split("/")
    if (len(name) > 500 or len(folders) > MAX_FOLDER_DEPTH or not _FILE_NAME.fullmatch(file_name)
            or not all(_FOLDER_NAME.fullmatch(folder) and folder == folder.strip() for folder in folders)
            or ".." in name or name != name.strip()):
        raise InvalidDocument(
            f"invalid document name {name[:80]!r}: use a file name ending in .txt, optionally in folders "
            "('world/korea.txt'); letters, digits, '.', '_', '-' and spaces; no hidden or '..' parts")
    return name


@dataclass(frozen=True)
class DocumentChange:
    name: str
    passages: int  # passages the document became (0 for a removal)
    version: str  # index version that now serves it
    created: bool = False
    removed: bool = False


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{threading.get_ident()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class QAService:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None,
                 reader: Reader | None = None) -> None:
        """Models are built from the settings unless given (they are loaded by ``warm_up``)."""
        self.settings = settings or Settings()
        s = self.settings
        self.chunking = ChunkingParams(max_tokens=s.chunk_tokens, overlap_tokens=s.chunk_overlap_tokens)
        self.embedder = embedder or SentenceTransformerEmbedder(s.embedding_model_path())
        self.reader = reader or TransformersReader(s.reader_model, max_seq_len=s.max_seq_len,
                                                   doc_stride=s.doc_stride, max_answer_len=s.max_answer_len,
                                                   batch_size=s.reader_batch_size, threads=s.threads)
        self.store = FaissStore(s.index_dir)
        self._retriever: HybridRetriever | None = None
        self._swap_lock = threading.Lock()
        self._cache: SingleFlightCache[AskResult] = SingleFlightCache(s.answer_cache_size)
        # survive index updates: a question's embedding, and its readings of unchanged passages
        self._query_vectors: SingleFlightCache[np.ndarray] = SingleFlightCache(s.answer_cache_size)
        self._reading = CachingReader(self.reader, s.reading_cache_size)

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
        threshold = self.threshold
        key = (question.casefold(), top_k, max_answers, threshold, retriever.snapshot.version)
        t0 = time.perf_counter()
        result, cached = self._cache.get_or_compute(
            key, lambda: self._answer(retriever, question, top_k, max_answers, threshold))
        if cached:
            total = round((time.perf_counter() - t0) * 1000, 1)
            result = replace(result, question=question, timings_ms={"retrieve": 0.0, "read": 0.0, "total": total})
        return result

    def _answer(self, retriever: HybridRetriever, question: str, top_k: int, max_answers: int,
                threshold: float) -> AskResult:
        """retrieve → read → cite, on one pinned index version."""
        t0 = time.perf_counter()
        query, _ = self._query_vectors.get_or_compute(question, lambda: self.embedder.embed_queries([question]))
        retrieved = retriever.retrieve(question, top_k, query=query)
        passages = [r.passage for r in retrieved]
        t1 = time.perf_counter()
        readings = self._reading.read(question, passages)
        weights = relevance_weights({r.passage.id: r.similarity for r in retrieved}, self.settings.relevance_temperature)
        answers, no_answer = assemble(readings, threshold, max_answers, weights, self.reader.score_scale)
        t2 = time.perf_counter()
        return AskResult(question=question, answers=tuple(answers), no_answer=no_answer, passages=tuple(passages),
                         timings_ms={"retrieve": round((t1 - t0) * 1000, 1), "read": round((t2 - t1) * 1000, 1),
                                     "total": round((t2 - t0) * 1000, 1)}, index_version=retriever.snapshot.version)

    # ------------------------------------------------------------------ documents
    def _inside_corpus(self, name: str) -> Path | None:
        """``name`` resolved under the corpus folder, or None where it (or a linked folder) leads outside."""
        corpus = Path(self.settings.corpus_dir).resolve()
        path = (corpus / name).resolve()
        return path if corpus in path.parents else None

    def _corpus_file(self, name: str) -> Path:
        """Where a document may be written or deleted."""
        if self._inside_corpus(validate_document_name(name)) is None:
            raise InvalidDocument(f"invalid document name {name[:80]!r}: it leads outside the corpus folder")
        return Path(self.settings.corpus_dir) / name

    def _live_base(self, spec) -> IndexSnapshot:
        """The version live on disk (the one in memory when it is the same). Call under the writer lock."""
        retriever = self._retriever
        if retriever is not None and retriever.snapshot.version == self.store.current_version():
            return retriever.snapshot
        base = load_reusable(self.store, spec)
        if base is None:
            raise IndexNotReady("no usable index to update: run `citeqa index` first")
        return base

    def upsert_document(self, name: str, data: bytes) -> DocumentChange:
        """Add or replace one article: written into the corpus folder and indexed incrementally.

        Only its passages are embedded. When this returns, new questions are answered from an
        index that contains it.
        """
        path = self._corpus_file(name)
        if len(data) > self.settings.max_document_bytes:
            raise DocumentTooLarge(f"document is {len(data)} bytes; the limit is {self.settings.max_document_bytes}")
        document = decode_article(name, data)
        spec = index_spec(self.embedder, self.chunking)
        with self.store.writer_lock(timeout_s=30.0):
            base = self._live_base(spec)
            created = name not in base.documents
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise InvalidDocument(f"invalid document name {name[:80]!r}: a file is in the way of its folder"
                                      ) from None
            if path.is_dir():
                raise InvalidDocument(f"invalid document name {name[:80]!r}: it is a folder")
            snapshot, n_passages = apply_changes(base, [document], [], self.embedder, self.chunking)
            _write_atomically(path, data)
            version = self.store.write(snapshot)
        self.use_snapshot(snapshot)
        return DocumentChange(name=name, passages=n_passages, version=version, created=created)

    def remove_document(self, name: str) -> DocumentChange:
        """Delete one article from the corpus folder and the index."""
        path = self._corpus_file(name)
        spec = index_spec(self.embedder, self.chunking)
        with self.store.writer_lock(timeout_s=30.0):
            base = self._live_base(spec)
            if name not in base.documents and not path.is_file():
                raise DocumentNotFound(f"no document named {name!r}")
            snapshot, _ = apply_changes(base, [], [name], self.embedder, self.chunking)
            if path.is_file():
                path.unlink()
            version = self.store.write(snapshot)
        self.use_snapshot(snapshot)
        return DocumentChange(name=name, passages=0, version=version, removed=True)

    def read_document(self, name: str) -> str:
        """The original text of an indexed article (never a file outside the corpus folder)."""
        if not isinstance(name, str) or name not in self.snapshot.documents:
            raise DocumentNotFound(f"no document named {str(name)[:80]!r}")
        path = self._inside_corpus(name)
        if path is None or not path.is_file():
            raise DocumentNotFound(f"no document named {name[:80]!r}")
        return decode_article(name, path.read_bytes()).text
