"""Build or update the index from the corpus folder (the source of truth).

Only documents whose bytes changed are re-chunked and re-embedded; passages and vectors of
unchanged documents are carried over from the live version. Every change is written as a new
version and switched atomically (see ``index.store``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.chunking import ChunkingParams, chunk_document
from index.cleaning import content_lines
from index.embedding import Embedder
from index.ingest import Document, SkippedFile, read_corpus
from index.lexical import LexicalIndex, bm25_tokens
from index.store import DocumentEntry, FaissStore, IndexSnapshot, IndexSpec
from core.errors import IndexUnusable, IndexNotReady
from core.types import Passage

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    files: int = 0
    passages: int = 0
    embedded_files: list[str] = field(default_factory=list)
    reused_files: int = 0
    removed_files: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    version: str = ""
    changed: bool = False


def index_spec(embedder: Embedder, params: ChunkingParams) -> IndexSpec:
    return IndexSpec(embedding_model_id=embedder.model_id, dim=embedder.dim,
                     max_tokens=params.max_tokens, overlap_tokens=params.overlap_tokens)


def passages_for(document: Document, embedder: Embedder, params: ChunkingParams) -> list[Passage]:
    """Clean and chunk one document."""
    return chunk_document(document.name, document.text, content_lines(document.text), embedder.count_tokens, params)


def empty_snapshot(spec: IndexSpec, embedder_path: str = "") -> IndexSnapshot:
    return IndexSnapshot(spec=spec, passages=[], vectors=np.zeros((0, spec.dim), np.float32), documents={},
                         embedding_model_path=embedder_path)


def load_reusable(store: FaissStore, spec: IndexSpec) -> IndexSnapshot | None:
    """The live version if it was built the same way (its vectors can be reused), else ``None``."""
    try:
        return store.load(spec)
    except IndexNotReady:
        return None
    except IndexUnusable as exc:
        log.warning("rebuilding from scratch: %s", exc.message)
        return None


def apply_changes(base: IndexSnapshot, upserts: list[Document], removals: list[str], embedder: Embedder,
                  params: ChunkingParams, show_progress: bool = False,
                  embedding_model_path: str | None = None) -> tuple[IndexSnapshot, int]:
    """A new (unpublished) snapshot: ``base`` with ``upserts`` (re)indexed and ``removals`` dropped.

    Only the new passages are embedded and tokenized; the vectors and lexical tokens of the others
    are carried over. Returns the snapshot and how many passages the upserted documents became.
    """
    replaced = {d.name for d in upserts} | set(removals)
    keep = [i for i, p in enumerate(base.passages) if p.file not in replaced]
    new_passages: list[Passage] = []
    for doc in upserts:
        new_passages.extend(passages_for(doc, embedder, params))
    new_vectors = embedder.embed_passages([p.text for p in new_passages], show_progress=show_progress)
    passages = [base.passages[i] for i in keep] + new_passages
    vectors = np.concatenate([base.vectors[keep], new_vectors]) if keep else new_vectors
    documents = {n: e for n, e in base.documents.items() if n not in replaced}
    for doc in upserts:
        documents[doc.name] = DocumentEntry(sha256=doc.sha256, size=doc.size,
                                            passages=sum(1 for p in new_passages if p.file == doc.name))
    tokens = [base.lexical.tokens[i] for i in keep] + [bm25_tokens(p.text) for p in new_passages]
    order = sorted(range(len(passages)), key=lambda i: (passages[i].file, passages[i].start))
    snapshot = IndexSnapshot(spec=base.spec, passages=[passages[i] for i in order],
                             vectors=np.ascontiguousarray(vectors[order], dtype=np.float32), documents=documents,
                             embedding_model_path=embedding_model_path or base.embedding_model_path,
                             lexical=LexicalIndex([tokens[i] for i in order]))
    return snapshot, len(new_passages)


def build_index(corpus_dir: Path, index_dir: Path, embedder: Embedder, params: ChunkingParams,
                embedder_path: str = "", show_progress: bool = False, lock_timeout_s: float = 600.0) -> BuildReport:
    """Bring the index in line with the corpus folder: added, changed and removed files."""
    started = time.perf_counter()
    report = BuildReport()
    documents, report.skipped = read_corpus(Path(corpus_dir))
    store = FaissStore(index_dir)
    spec = index_spec(embedder, params)
    with store.writer_lock(timeout_s=lock_timeout_s):
        store.clean_leftovers()
        base = load_reusable(store, spec) or empty_snapshot(spec, embedder_path)
        present = {d.name for d in documents}
        upserts = [d for d in documents if base.documents.get(d.name) is None
                   or base.documents[d.name].sha256 != d.sha256]
        removals = sorted(n for n in base.documents if n not in present)
        report.embedded_files = [d.name for d in upserts]
        report.removed_files = removals
        report.reused_files = len(documents) - len(upserts)
        if upserts or removals or not store.exists() or base.version == "":
            snapshot, _ = apply_changes(base, upserts, removals, embedder, params, show_progress,
                                        embedding_model_path=embedder_path)
            snapshot = store.write(snapshot)
            report.version = snapshot.version
            report.changed = True
        else:
            snapshot = base
            report.version = base.version
    report.files = len(snapshot.documents)
    report.passages = len(snapshot.passages)
    report.seconds = time.perf_counter() - started
    return report
