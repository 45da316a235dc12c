"""Build or update the index from the corpus folder (the source of truth).

Only source files whose bytes (or sidecar) changed are re-read, re-chunked and re-embedded;
passages, vectors and tokens of the others are carried over from the live version. Every change
is written as a new version and switched atomically (see ``index.store``).
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import IndexNotReady, IndexUnusable
from core.types import Article, Passage
from index.budget import BudgetClock
from index.chunking import Check, ChunkingParams, chunk_document
from index.cleaning import content_lines
from index.embedding import Embedder
from index.vectors import Setting, build_from_pieces, cells_of, centroids_of, stored_vectors
from index.ingest import SkippedFile, SourceFile, read_corpus
from index.layers import LayeredSnapshot, empty_delta, fold_limit, layerable
from index.lexical import bm25_tokens
from index.passage_table import PassageTable, joined
from index.snapshot import without
from index.store import DocumentEntry, FaissStore, IndexSnapshot, IndexSpec
from index.timeline import with_times

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    files: int = 0  # documents in the index
    passages: int = 0
    embedded_files: list[str] = field(default_factory=list)  # source files read again
    reused_files: int = 0
    removed_files: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    version: str = ""
    changed: bool = False
    ray_tasks: int = 0  # batches embedded on a Ray cluster (``--ray``; finished ones are not sent again)


def index_spec(embedder: Embedder, params: ChunkingParams) -> IndexSpec:
    return IndexSpec(embedding_model_id=embedder.model_id, dim=embedder.dim,
                     max_tokens=params.max_tokens, overlap_tokens=params.overlap_tokens)


def passages_for(article: Article, embedder: Embedder, params: ChunkingParams,
                 check: Check | None = None) -> list[Passage]:
    """Clean and chunk one article, and tag each passage with when it happened (``index.timeline``)."""
    passages = chunk_document(article.name, article.text, content_lines(article.text), embedder.count_tokens, params,
                              check)
    return with_times(passages, article.text, article.meta.published)


@dataclass(frozen=True)
class PreparedSource:
    """One source file read, chunked, embedded and tokenized: everything an index update needs of it,
    computed without the index (so without the writer lock)."""

    source: SourceFile
    passages: list[Passage]
    vectors: np.ndarray
    tokens: list[list[str]]
    counts: dict[str, int]  # passages per article
    split_s: float = 0.0
    embed_s: float = 0.0


EMBED_BATCH = 64  # passages embedded between two budget checks


EMBED_GROUP = 256  # passages cut before their embedding starts, while the next ones are cut (no budget)

Cut = tuple[SourceFile, list[Passage], dict[str, int], float]  # a source, its passages, passages per article, split_s


def cut_source(source: SourceFile, embedder: Embedder, params: ChunkingParams, check: Check | None = None) -> Cut:
    """One source file's articles cleaned, chunked and dated (no model work but counting tokens)."""
    started = time.perf_counter()
    passages: list[Passage] = []
    counts: dict[str, int] = {}
    for article in source.articles:
        article_passages = passages_for(article, embedder, params, check)
        counts[article.name] = len(article_passages)
        passages.extend(article_passages)
    return source, passages, counts, time.perf_counter() - started


def prepare(sources: list[SourceFile], embedder: Embedder, params: ChunkingParams, show_progress: bool = False,
            clock: BudgetClock | None = None) -> list[PreparedSource]:
    """Chunk, date, embed and tokenize ``sources``; with a ``clock``, refuse (``DocumentOverBudget``) work
    that would overrun its budget."""
    if clock is None:
        return _prepare_overlapped(sources, embedder, params, show_progress)
    cut = [cut_source(source, embedder, params, clock.check) for source in sources]
    clock.expect_passages(sum(len(c[1]) for c in cut))
    started = time.perf_counter()
    texts = [p.text for _, passages, _, _ in cut for p in passages]
    batches = []
    for i in range(0, len(texts), EMBED_BATCH):
        clock.check()
        batches.append(embedder.embed_passages(texts[i:i + EMBED_BATCH]))
    vectors = np.concatenate(batches) if batches else np.zeros((0, embedder.dim), np.float32)
    return _prepared(cut, vectors, time.perf_counter() - started)


def _prepare_overlapped(sources: list[SourceFile], embedder: Embedder, params: ChunkingParams,
                        show_progress: bool) -> list[PreparedSource]:
    """``prepare`` without a budget: the passages cut so far are embedded (the model's threads, outside the
    GIL) while the next sources are cut (Python, one core), instead of cutting everything first and leaving
    a core idle meanwhile (600 SQuAD paragraphs, int8 embedder, 2 cores: see ``bench.build``)."""
    progress = None
    if show_progress:
        from tqdm import tqdm

        progress = tqdm(total=len(sources), desc="index", unit="file")
    groups: list[tuple[list[Cut], Future]] = []

    def embedded(texts: list[str]) -> tuple[np.ndarray, float]:
        started = time.perf_counter()
        return embedder.embed_passages(texts), time.perf_counter() - started

    def send(group: list[Cut]) -> None:
        future = pool.submit(embedded, [p.text for _, passages, _, _ in group for p in passages])
        if progress is not None:
            future.add_done_callback(lambda _, n=len(group): progress.update(n))
        groups.append((group, future))

    try:
        with ThreadPoolExecutor(1, thread_name_prefix="embed") as pool:
            group: list[Cut] = []
            waiting = 0  # passages cut into ``group``
            for source in sources:
                group.append(cut_source(source, embedder, params))
                waiting += len(group[-1][1])
                if waiting >= EMBED_GROUP:
                    send(group)
                    group, waiting = [], 0
            if group:
                send(group)
            prepared: list[PreparedSource] = []
            for group, future in groups:
                vectors, embed_s = future.result()
                prepared.extend(_prepared(group, vectors, embed_s))
            return prepared
    except BaseException:
        for _, future in groups:  # a failed cut (or an interrupt) does not wait for embeddings nobody will use
            future.cancel()
        raise
    finally:
        if progress is not None:
            progress.close()


def _prepared(cut: list[Cut], vectors: np.ndarray, embed_s: float) -> list[PreparedSource]:
    """``cut`` sources with their rows of ``vectors`` and lexical tokens (``embed_s`` shared by passages)."""
    total = sum(len(c[1]) for c in cut)
    prepared: list[PreparedSource] = []
    offset = 0
    for source, passages, counts, split_s in cut:
        n = len(passages)
        prepared.append(PreparedSource(source, passages, vectors[offset:offset + n],
                                       [bm25_tokens(p.text) for p in passages], counts, split_s,
                                       embed_s * n / max(total, 1)))
        offset += n
    return prepared


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


def documents_of(snapshot: IndexSnapshot, source: str) -> set[str]:
    """The documents a source file contributed to ``snapshot``."""
    return set(snapshot.documents_by_source().get(source, ()))


def _entry(source: SourceFile, article: Article, passages: int) -> DocumentEntry:
    m = article.meta
    return DocumentEntry(sha256=source.sha256, size=source.size, passages=passages,
                         source="" if article.name == source.name else source.name, format=m.format,
                         title=m.title, published=m.published, outlet=m.outlet, author=m.author, url=m.url,
                         origins=dict(m.origins), meta_sha256=source.meta_sha256)


Piece = tuple[int, int] | list  # a range of the base's rows, or new rows ((file, start), passage, vector, tokens)


def _pieces(base: IndexSnapshot, replaced: set[str], new_rows: list) -> list[Piece]:
    """The rows of the new snapshot, in order, as ranges of the base's rows and runs of new rows: cut where
    a replaced document's rows are dropped and where a new document's rows go in (by name)."""
    spans = base.document_rows()
    drops = sorted(spans[n] for n in replaced if n in spans)
    inserts: list[tuple[int, list]] = []
    for row in new_rows:
        if inserts and inserts[-1][1][-1][1].file == row[1].file:
            inserts[-1][1].append(row)
        else:
            inserts.append((bisect.bisect_left(base.passages, row[1].file, key=lambda p: p.file), [row]))
    pieces: list[Piece] = []
    cursor = 0
    events = sorted([(at, 0, rows) for at, rows in inserts] + [(a, 1, b) for a, b in drops], key=lambda e: e[:2])
    for at, kind, payload in events:  # at one place: the new rows first, then the drop of the old ones
        if at > cursor:
            pieces.append((cursor, at))
            cursor = at
        if kind == 0:
            pieces.append(payload)
        else:
            cursor = max(cursor, payload)
    if cursor < len(base.passages):
        pieces.append((cursor, len(base.passages)))
    return pieces


def _spliced(base: IndexSnapshot, pieces: list[Piece]
             ) -> tuple[Sequence[Passage], list[np.ndarray], dict[str, tuple[int, int]]]:
    """The passages, vector blocks and document row ranges of the new snapshot (the base's are views; a
    base whose passages are a table gives a table)."""
    tabled = isinstance(base.passages, PassageTable)
    parts: list[Sequence[Passage]] = []
    count = 0
    vector_pieces: list[np.ndarray] = []
    ranges: dict[str, tuple[int, int]] = {}  # in row order
    base_ranges = list(base.document_rows().items())  # in row order
    starts = [start for _, (start, _) in base_ranges]
    for piece in pieces:
        offset = count
        if isinstance(piece, tuple):
            parts.append(base.passages.take(np.arange(*piece)) if tabled else base.passages[piece[0]:piece[1]])
            vector_pieces.append(base.vectors[piece[0]:piece[1]])
            shift = offset - piece[0]
            for name, (start, end) in base_ranges[bisect.bisect_left(starts, piece[0]):
                                                  bisect.bisect_left(starts, piece[1])]:
                ranges[name] = (start + shift, end + shift)
        else:
            rows = [r[1] for r in piece]
            parts.append(PassageTable.of(rows) if tabled else rows)
            vector_pieces.append(np.asarray([r[2] for r in piece], dtype=np.float32).reshape(-1, base.spec.dim))
            for i, r in enumerate(piece, start=offset):
                ranges[r[1].file] = (ranges.get(r[1].file, (i, i))[0], i + 1)
        count += len(parts[-1])
    passages = (joined(parts) if parts else PassageTable.of([])) if tabled else [p for part in parts for p in part]
    return passages, vector_pieces, ranges


def merge(base: IndexSnapshot | LayeredSnapshot, upserts: list[PreparedSource], removals: list[str],
          embedding_model_path: str | None = None) -> tuple[IndexSnapshot | LayeredSnapshot, int]:
    """``base`` with the prepared sources in (a source's documents are replaced as a whole) and the
    source files ``removals`` out. The vectors and lexical counts of the other passages are carried
    over, so this costs no model work: it is what runs under the writer lock. A large base is updated
    in layers (``index.layers``): the change goes to a small delta, the base is left as it is."""
    if isinstance(base, LayeredSnapshot) or layerable(base):
        return _merge_layered(base, upserts, removals, embedding_model_path)
    return _merge_whole(base, upserts, removals, embedding_model_path)


def _replaced(base: IndexSnapshot | LayeredSnapshot, upserts: list[PreparedSource], removals: list[str]) -> set[str]:
    """The documents of ``base`` an update replaces or removes (a source's documents go as a whole)."""
    by_source = base.documents_by_source()
    replaced: set[str] = set()
    for source in [u.source.name for u in upserts] + list(removals):
        replaced |= by_source.get(source, frozenset())
    return replaced | {a.name for u in upserts for a in u.source.articles}


def _merge_layered(base: IndexSnapshot | LayeredSnapshot, upserts: list[PreparedSource], removals: list[str],
                   embedding_model_path: str | None = None) -> tuple[IndexSnapshot | LayeredSnapshot, int]:
    """``merge`` of a large base: a new delta from the previous one (or from none), more documents of the base
    deleted; the layers folded into one whole snapshot once the delta is large (``index.layers.fold_limit``)."""
    layered = base if isinstance(base, LayeredSnapshot) else LayeredSnapshot(
        base=base, deleted=frozenset(), delta=empty_delta(base), documents=base.documents, texts=base.texts,
        version=base.version, built_at=base.built_at, embedding_model_path=base.embedding_model_path,
        segments=base.segments, segment_of=base.segment_of, source_documents=base.documents_by_source())
    replaced = _replaced(layered, upserts, removals)
    delta, added = _merge_whole(layered.delta, upserts, removals, embedding_model_path)
    bottom = layered.base
    in_base = {n for n in replaced if n in bottom.documents or n in bottom.document_rows()}
    documents = without(layered.documents, replaced)
    documents.update(delta.documents)
    texts = without(layered.texts, replaced)
    texts.update(delta.texts)
    result = LayeredSnapshot(base=bottom, deleted=layered.deleted | in_base, delta=delta, documents=documents,
                             texts=texts, embedding_model_path=embedding_model_path or layered.embedding_model_path,
                             segments=layered.segments,
                             segment_of=without(layered.segment_of, replaced),
                             source_documents=_sources_after(layered, replaced, upserts))
    if len(delta.passages) > fold_limit(len(bottom.passages)):
        return result.whole(), added
    return result, added


def _merge_whole(base: IndexSnapshot, upserts: list[PreparedSource], removals: list[str],
                 embedding_model_path: str | None = None) -> tuple[IndexSnapshot, int]:
    """``merge`` of a whole snapshot into a whole snapshot.

    The passages stay sorted by (document, start): the new snapshot is spliced from ranges of the
    base's rows (a document's rows are contiguous) and the new documents' rows, each copied once, so
    an update costs one copy of the arrays and no pass in Python over the passages it keeps."""
    replaced = _replaced(base, upserts, removals)
    new_rows = sorted((((p.file, p.start), p, u.vectors[i], u.tokens[i])
                       for u in upserts for i, p in enumerate(u.passages)), key=lambda r: r[0])
    pieces = _pieces(base, replaced, new_rows)
    passages, vector_pieces, ranges = _spliced(base, pieces)
    lexical = base.lexical.spliced([p if isinstance(p, tuple) else [r[3] for r in p] for p in pieces])
    params = base.vector_params  # the store changes the kind if the new size calls for another
    documents = without(base.documents, replaced)
    texts = without(base.texts, replaced)
    for u in upserts:
        for article in u.source.articles:
            documents[article.name] = _entry(u.source, article, u.counts[article.name])
            if article.meta.format != "txt":
                texts[article.name] = article.text
    base_cells = cells_of(base.faiss_index)  # IVF: the kept vectors stay in their cells, no search
    cells = [base_cells[p[0]:p[1]] if base_cells is not None and isinstance(p, tuple) else None for p in pieces]
    index = build_from_pieces(vector_pieces, base.spec.dim, params, centroids_of(base.faiss_index), cells)
    vectors = stored_vectors(index)
    if vectors is None:
        vectors = np.concatenate(vector_pieces) if vector_pieces else np.zeros((0, base.spec.dim), np.float32)
    snapshot = IndexSnapshot(spec=base.spec, passages=passages, vectors=vectors, documents=documents, texts=texts,
                             embedding_model_path=embedding_model_path or base.embedding_model_path,
                             faiss_index=index, vector_params=params, lexical=lexical, segments=base.segments,
                             segment_of=without(base.segment_of, replaced),
                             row_ranges=ranges, source_documents=_sources_after(base, replaced, upserts))
    return snapshot, len(new_rows)


def _sources_after(base: IndexSnapshot, replaced: set[str], upserts: list[PreparedSource]
                   ) -> dict[str, frozenset[str]]:
    """``documents_by_source`` of a merge's result, from its base's: the replaced documents out, the new in
    (only the sources they belong to are touched)."""
    after = dict(base.documents_by_source())
    for name in replaced:
        entry = base.documents.get(name)
        if entry is not None:
            source = entry.source_of(name)
            after[source] = after.get(source, frozenset()) - {name}
    for u in upserts:
        after[u.source.name] = frozenset(a.name for a in u.source.articles)
    return {source: names for source, names in after.items() if names}


def _unchanged(base: IndexSnapshot, source: SourceFile, by_source: Mapping[str, frozenset[str]]) -> bool:
    names = by_source.get(source.name, set())
    return bool(names) and names == {a.name for a in source.articles} and all(
        base.documents[n].sha256 == source.sha256 and base.documents[n].meta_sha256 == source.meta_sha256
        for n in names)


def build_index(corpus_dir: Path, index_dir: Path, embedder: Embedder, params: ChunkingParams,
                embedder_path: str = "", show_progress: bool = False, lock_timeout_s: float = 600.0,
                vector_index: Setting = "auto", optimize: bool = False,
                preparer: Callable[[list[SourceFile]], list[PreparedSource]] | None = None) -> BuildReport:
    """Bring the index in line with the corpus folder: added, changed and removed files. With ``optimize``,
    the version written holds one segment (every segment folded into one), even when nothing changed.
    ``preparer`` does the model work instead of ``prepare`` in this process (``index.distributed``)."""
    started = time.perf_counter()
    report = BuildReport()
    sources, report.skipped = read_corpus(Path(corpus_dir))
    store = FaissStore(index_dir, vector_index)
    spec = index_spec(embedder, params)
    with store.writer_lock(timeout_s=lock_timeout_s):
        store.clean_leftovers()
        base = load_reusable(store, spec) or empty_snapshot(spec, embedder_path)
        present = {s.name for s in sources}
        by_source = base.documents_by_source()
        upserts = [s for s in sources if not _unchanged(base, s, by_source)]
        removals = sorted({e.source_of(n) for n, e in base.documents.items()} - present)
        report.embedded_files = [s.name for s in upserts]
        report.removed_files = removals
        report.reused_files = len(sources) - len(upserts)
        if upserts or removals or not store.exists() or base.version == "" or (optimize and len(base.segments) != 1):
            prepared = (preparer(upserts) if preparer is not None and upserts else
                        prepare(upserts, embedder, params, show_progress))
            snapshot, _ = merge(base, prepared, removals, embedding_model_path=embedder_path)
            snapshot = store.write(snapshot, optimize=optimize)
            report.version = snapshot.version
            report.changed = True
        else:
            snapshot = base
            report.version = base.version
    report.files = len(snapshot.documents)
    report.passages = snapshot.passage_count
    report.seconds = time.perf_counter() - started
    return report
