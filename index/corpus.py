"""Editing the corpus folder, one article at a time, with the index following every change.

``CorpusEditor`` is the write path of the product: validate the name → read, chunk and embed the
change (``index.builder.prepare``, within the document's time budget, ``index.budget``) → take the
writer lock → merge it into the version live on disk → write (or delete) the file → write the new
index version → publish the new snapshot. Only the cheap steps hold the writer lock, so one slow
document does not hold up the other writers (one at a time, across processes). If writing the
index fails, the file change is rolled back: the folder and the live index never disagree because
of a failed write.

It knows nothing of questions: whoever serves them gives it ``live`` (the snapshot in memory,
if any) and ``publish`` (make a new snapshot live for new questions).
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import (DocumentChanged, DocumentNotFound, DocumentTooLarge, IndexNotReady, InvalidDocument,
                         ReadOnlyIndex, StorageFailed)
from core.files import write_atomically
from core.names import (ARTICLE_SUFFIXES, normalize_name, split_document_name, validate_document_name,
                        validate_read_name)
from index.budget import IndexingBudget
from index.builder import documents_of, index_spec, load_reusable, merge, prepare
from index.chunking import ChunkingParams
from index.embedding import Embedder
from index.ingest import decode_article, inside_folder, read_source, sha256_bytes, sidecar_path
from index.store import FaissStore, IndexSnapshot

log = logging.getLogger(__name__)

WRITER_LOCK_TIMEOUT_S = 30.0
READ_ONLY = ("this server serves the index in shards, read-only: add, replace or delete articles in the corpus "
             "folder and run `citeqa index` (the shards follow the new version)")


@dataclass(frozen=True)
class DocumentChange:
    name: str  # the corpus file
    passages: int  # passages its articles became (0 for a removal)
    version: str  # index version that now serves it
    created: bool = False
    removed: bool = False
    documents: tuple[str, ...] = ()  # the documents (articles) it holds: itself, or "<file>#<id>" each


class CorpusEditor:
    def __init__(self, corpus_dir: Path, store: FaissStore, embedder: Embedder, chunking: ChunkingParams,
                 max_document_bytes: int, live: Callable[[], IndexSnapshot | None],
                 publish: Callable[[IndexSnapshot], None], budget: IndexingBudget | None = None) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.max_document_bytes = max_document_bytes
        self._live = live
        self._publish = publish
        self.budget = budget or IndexingBudget(seconds=60.0)
        self._verified: dict[Path, tuple[int, int, int, str]] = {}  # path -> (inode, size, mtime_ns, sha256)

    # ------------------------------------------------------------------ paths
    def inside_corpus(self, name: str) -> Path | None:
        """``name`` resolved under the corpus folder, or None where it (or a linked folder) leads outside."""
        return inside_folder(self.corpus_dir, name)

    def _writable_path(self, name: str) -> Path:
        if self.inside_corpus(validate_document_name(name)) is None:
            raise InvalidDocument(f"invalid document name {name[:80]!r}: it leads outside the corpus folder")
        return self.corpus_dir / name

    def _writable_live(self) -> IndexSnapshot | None:
        """The snapshot in memory, unless it is a part of a version held in shards (``ReadOnlyIndex``)."""
        live = self._live()
        if live is not None and live.part:
            raise ReadOnlyIndex(READ_ONLY)
        return live

    def _base(self) -> IndexSnapshot:
        """The version live on disk (the one in memory when it is the same). Call under the writer lock."""
        live = self._writable_live()
        if live is not None and live.version == self.store.current_version():
            return live
        base = load_reusable(self.store, index_spec(self.embedder, self.chunking))
        if base is None:
            raise IndexNotReady("no usable index to update: run `citeqa index` first")
        return base

    # ------------------------------------------------------------------ reading
    def _source_bytes(self, name: str, snapshot: IndexSnapshot) -> bytes:
        """The bytes of the corpus file a document of ``snapshot`` was read from, as they were indexed."""
        name = validate_read_name(normalize_name(name))
        entry = snapshot.documents.get(name)
        if entry is None:
            raise DocumentNotFound(f"no document named {name[:80]!r}")
        source = entry.source_of(name)
        path = self.inside_corpus(source)
        if path is None or not path.is_file():
            raise DocumentNotFound(f"no document named {name[:80]!r}")
        data = path.read_bytes()
        if sha256_bytes(data) != entry.sha256:
            raise DocumentChanged(f"{source} changed on disk since it was indexed; it is served again once it is "
                                  "indexed (`citeqa index`, or upload it)")
        return data

    def read_text(self, name: str, snapshot: IndexSnapshot) -> str:
        """The text citations of a document index into: a plain-text file's content, or the extracted text
        of any other format (stored with the index version). Never a file outside the corpus folder."""
        data = self._source_bytes(name, snapshot)
        name = normalize_name(name)
        if name in snapshot.texts:
            return snapshot.texts[name]
        return decode_article(name, data)

    def changed_documents(self, snapshot: IndexSnapshot, names: set[str]) -> set[str]:
        """The documents among ``names`` whose source file on disk no longer holds the bytes ``snapshot``
        indexed (changed, gone, or now a link out of the folder): their offsets cannot be trusted.

        A file is hashed again only when its inode, size or modification time changed since it was last
        found intact, so this costs one ``stat`` per file on the question path."""
        changed: set[str] = set()
        for name in names:
            entry = snapshot.documents.get(name)
            if entry is None:
                continue
            path = self.inside_corpus(entry.source_of(name))
            try:
                if path is None:
                    raise FileNotFoundError(name)
                st = path.stat()
                seen = self._verified.get(path)
                key = (st.st_ino, st.st_size, st.st_mtime_ns)
                if seen is not None and seen[:3] == key and seen[3] == entry.sha256:
                    continue
                digest = sha256_bytes(path.read_bytes())
            except OSError:
                changed.add(name)
                continue
            if digest == entry.sha256:
                self._verified[path] = (*key, digest)
            else:
                changed.add(name)
        return changed

    def read_original(self, name: str, snapshot: IndexSnapshot) -> bytes:
        """The original bytes of the corpus file a document was read from."""
        return self._source_bytes(name, snapshot)

    # ------------------------------------------------------------------ writing
    def upsert(self, name: str, data: bytes, content_format: str | None = None) -> DocumentChange:
        """Add or replace one corpus file (any supported format); only its articles' passages are
        embedded. ``content_format`` (e.g. ``"html"``) gives the format of a name without a known
        suffix, which is then added to the name. When this returns, new questions are answered from
        an index that contains it."""
        self._writable_live()
        name = normalize_name(name)
        if content_format and isinstance(name, str) and not name.endswith(ARTICLE_SUFFIXES):
            name = f"{name}.{content_format}"
        path = self._writable_path(name)
        if len(data) > self.max_document_bytes:
            raise DocumentTooLarge(f"document is {len(data)} bytes; the limit is {self.max_document_bytes}")
        clock = self.budget.start(len(data))
        side = self.inside_corpus(sidecar_path(Path(name)).as_posix())
        source = read_source(name, data, side.read_bytes() if side is not None and side.is_file() else None)
        clock.check()
        # the model work, outside the writer lock: it depends on this document alone
        prepared = prepare([source], self.embedder, self.chunking, clock=clock)
        self.budget.observe(sum(len(a.text) for a in source.articles), prepared[0].split_s,
                            len(prepared[0].passages), prepared[0].embed_s)
        with self.store.writer_lock(timeout_s=WRITER_LOCK_TIMEOUT_S):
            base = self._base()
            created = not documents_of(base, name)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise InvalidDocument(f"invalid document name {name[:80]!r}: a file is in the way of its folder"
                                      ) from None
            if path.is_dir():
                raise InvalidDocument(f"invalid document name {name[:80]!r}: it is a folder")
            snapshot, n_passages = merge(base, prepared, [])
            previous = path.read_bytes() if path.is_file() else None
            write_atomically(path, data)
            published = self._write_index(snapshot, undo=lambda: self._restore(path, previous))
        self._publish(published)
        return DocumentChange(name=name, passages=n_passages, version=published.version, created=created,
                              documents=tuple(a.name for a in source.articles))

    def remove(self, name: str) -> DocumentChange:
        """Delete one corpus file (and every article read from it) from the folder and the index."""
        self._writable_live()
        name = normalize_name(name)
        if isinstance(name, str) and split_document_name(name)[1] is not None:
            raise InvalidDocument(f"{name[:80]!r} is one article of {split_document_name(name)[0]!r}: delete or "
                                  "replace that file to change its articles")
        path = self._writable_path(name)
        with self.store.writer_lock(timeout_s=WRITER_LOCK_TIMEOUT_S):
            base = self._base()
            if not documents_of(base, name) and not path.is_file():
                raise DocumentNotFound(f"no document named {name!r}")
            snapshot, _ = merge(base, [], [name])
            previous = path.read_bytes() if path.is_file() else None
            if previous is not None:
                path.unlink()
            published = self._write_index(snapshot, undo=lambda: self._restore(path, previous))
        self._publish(published)
        return DocumentChange(name=name, passages=0, version=published.version, removed=True)

    def _write_index(self, snapshot: IndexSnapshot, undo: Callable[[], None]) -> IndexSnapshot:
        try:
            return self.store.write(snapshot)
        except OSError as exc:
            undo()
            reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (
                "permission denied" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else
                (exc.strerror or str(exc)))
            log.error("index write failed, change rolled back: %s", exc)
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            raise StorageFailed(f"the index could not be written ({reason}); nothing was changed",
                                status=507 if full else 503) from None

    @staticmethod
    def _restore(path: Path, previous: bytes | None) -> None:
        """Put the file back as it was before a change whose index write failed."""
        try:
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, previous)
        except OSError as exc:  # the next `citeqa index` (or start-up) brings the index in line with the folder
            log.error("could not roll back %s: %s", path, exc)
