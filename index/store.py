"""The on-disk index: FAISS vectors + passage table + manifest, versioned and switched atomically.

Layout of an index folder::

    CURRENT                 name of the live version (replaced atomically by rename)
    versions/<version>/     manifest.json, vectors.faiss, passages.jsonl
    .tmp-*                  versions being written (removed at start-up if a writer died)
    .lock                   held by the one writer allowed at a time

A version is written in a temporary folder, every file fsynced, the folder renamed into
``versions/``, and only then ``CURRENT`` is replaced; a process killed at any point leaves the
old or the new version live, never a mix. Loading checks the manifest (format, embedding model,
chunking) and the checksums of the data files, and refuses with a clear error otherwise.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from core.errors import IndexCorrupt, IndexMismatch, IndexNotReady, WriteConflict
from core.files import fsync_dir, write_atomically, write_synced
from core.types import DocumentMeta, Passage, TimeTag
from index.chunking import CLEANING_VERSION
from index.lexical import LexicalIndex
from index.vectors import FLAT, Setting, VectorIndexParams, build, choose, configure, search

FORMAT_VERSION = 2  # 2: per-document metadata and the extracted texts of non-plain-text documents
KEEP_OLD_VERSIONS = 1  # superseded versions kept for processes still reading them


@dataclass(frozen=True)
class IndexSpec:
    """What an index must have been built with to be usable by this process."""

    embedding_model_id: str
    dim: int
    max_tokens: int
    overlap_tokens: int
    cleaning_version: int = CLEANING_VERSION
    format_version: int = FORMAT_VERSION


@dataclass(frozen=True)
class DocumentEntry:
    """One document of a version: where it came from, what it became, and what is known of it."""

    sha256: str  # of the source file's bytes
    size: int  # of the source file, in bytes
    passages: int
    source: str = ""  # the corpus file it was read from ("" = the document's own name)
    format: str = "txt"
    title: str | None = None
    published: str | None = None  # ISO date
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    origins: dict[str, str] = field(default_factory=dict)
    meta_sha256: str | None = None  # of the plain-text sidecar, when there is one

    def source_of(self, name: str) -> str:
        return self.source or name

    @property
    def meta(self) -> DocumentMeta:
        return DocumentMeta(title=self.title, published=self.published, outlet=self.outlet, author=self.author,
                            url=self.url, format=self.format, origins=dict(self.origins))


@dataclass(frozen=True)
class IndexSnapshot:
    """One version of the index: passages, their vectors and lexical statistics, built once, never changed.

    ``version`` and ``built_at`` are empty until the store publishes it (``FaissStore.write`` returns
    the published copy). The FAISS and BM25 indexes are built here when not given, so a snapshot is
    searchable as soon as it exists, and each version builds them exactly once.
    """

    spec: IndexSpec
    passages: list[Passage]
    vectors: np.ndarray  # (n, dim) float32, L2-normalized, row i belongs to passages[i]
    documents: dict[str, DocumentEntry]
    texts: dict[str, str] = field(default_factory=dict, repr=False)  # extracted text of non-plain-text documents
    version: str = ""
    built_at: str = ""
    embedding_model_path: str = ""
    faiss_index: faiss.Index | None = field(default=None, repr=False)
    lexical: LexicalIndex | None = field(default=None, repr=False)
    vector_params: VectorIndexParams = FLAT  # what faiss_index is (index.vectors)

    def __post_init__(self) -> None:
        if self.vectors.shape != (len(self.passages), self.spec.dim):
            raise IndexCorrupt(f"{len(self.passages)} passages but vectors of shape {self.vectors.shape}")
        if self.faiss_index is None:
            object.__setattr__(self, "faiss_index", build(self.vectors, self.vector_params))
        if self.lexical is None:
            object.__setattr__(self, "lexical", LexicalIndex.from_texts([p.text for p in self.passages]))
        elif len(self.lexical) != len(self.passages):
            raise IndexCorrupt(f"{len(self.passages)} passages but lexical statistics for {len(self.lexical)}")

    def published(self, version: str, built_at: str) -> IndexSnapshot:
        """This snapshot as the store published it (shares every array and index)."""
        return dataclasses.replace(self, version=version, built_at=built_at)

    def with_vector_index(self, params: VectorIndexParams) -> IndexSnapshot:
        """This snapshot searched through a vector index of kind ``params`` (built now if it differs)."""
        if params == self.vector_params:
            return self
        return dataclasses.replace(self, vector_params=params, faiss_index=build(self.vectors, params))

    def search(self, query_vectors: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest passages (inner product) of each query; only among ``rows`` if given."""
        k = min(k, len(self.passages) if rows is None else len(rows))
        queries = np.ascontiguousarray(query_vectors, dtype=np.float32)
        if k == 0:
            return np.zeros((len(query_vectors), 0), np.float32), np.zeros((len(query_vectors), 0), np.int64)
        return search(self.faiss_index, self.vector_params, self.vectors, queries, k, rows)


def _passages_jsonl(passages: list[Passage]) -> bytes:
    return "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in passages).encode("utf-8")


def _passage(record: dict) -> Passage:
    times = tuple(TimeTag(**t) for t in record.pop("times", ()))
    return Passage(**record, times=times)


def _texts_jsonl(texts: dict[str, str]) -> bytes:
    return "".join(json.dumps({"name": name, "text": text}, ensure_ascii=False) + "\n"
                   for name, text in sorted(texts.items())).encode("utf-8")


class FaissStore:
    """Reads and writes versions of the index in one folder; ``vector_index`` is the setting that picks
    the vector index of each version written (``index.vectors.choose``)."""

    def __init__(self, index_dir: Path, vector_index: Setting = "auto") -> None:
        self.index_dir = Path(index_dir)
        self.vector_index = vector_index

    # ------------------------------------------------------------------ paths
    @property
    def current_file(self) -> Path:
        return self.index_dir / "CURRENT"

    @property
    def versions_dir(self) -> Path:
        return self.index_dir / "versions"

    def exists(self) -> bool:
        return self.current_file.is_file()

    def current_version(self) -> str | None:
        try:
            return self.current_file.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    # ------------------------------------------------------------------ writer side
    @contextlib.contextmanager
    def writer_lock(self, timeout_s: float = 60.0) -> Iterator[None]:
        """One writer at a time (across processes); waits up to ``timeout_s``, then ``WriteConflict``."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / ".lock", "a+") as handle:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WriteConflict("another process is updating the index; try again shortly") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clean_leftovers(self) -> list[str]:
        """Remove temp folders of writers that died, and versions that are neither live nor recent."""
        removed: list[str] = []
        if not self.index_dir.is_dir():
            return removed
        for tmp in self.index_dir.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
            removed.append(tmp.name)
        live = self.current_version()
        if self.versions_dir.is_dir() and live:
            others = sorted((p for p in self.versions_dir.iterdir() if p.name != live), key=lambda p: p.name)
            for stale in others[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else others:
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale.name)
        return removed

    def write(self, snapshot: IndexSnapshot) -> IndexSnapshot:
        """Write ``snapshot`` as a new version and make it live atomically; returns it with its version
        name and build time. Call under ``writer_lock``."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.versions_dir.mkdir(exist_ok=True)
        snapshot = snapshot.with_vector_index(choose(len(snapshot.passages), self.vector_index))
        version = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]
        tmp = self.index_dir / f".tmp-{version}"
        tmp.mkdir()
        published = self.versions_dir / version
        try:
            built_at = self._write_version(snapshot, tmp, version)
            os.replace(tmp, published)
            fsync_dir(self.versions_dir)
            write_atomically(self.current_file, version.encode("utf-8"))
        except BaseException:  # nothing half-written stays behind: the old version is still live
            shutil.rmtree(tmp, ignore_errors=True)
            if self.current_version() != version:
                shutil.rmtree(published, ignore_errors=True)
            raise
        self.clean_leftovers()
        return snapshot.published(version, built_at)

    def _write_version(self, snapshot: IndexSnapshot, folder: Path, version: str) -> str:
        """The version's files, each fsynced, into ``folder``; returns its build time."""
        checksums = {
            "vectors.faiss": write_synced(folder / "vectors.faiss", faiss.serialize_index(snapshot.faiss_index).tobytes()),
            "passages.jsonl": write_synced(folder / "passages.jsonl", _passages_jsonl(snapshot.passages)),
            "texts.jsonl": write_synced(folder / "texts.jsonl", _texts_jsonl(snapshot.texts)),
        }
        built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest = {
            "format_version": snapshot.spec.format_version,
            "version": version,
            "built_at": built_at,
            "embedding_model": {"id": snapshot.spec.embedding_model_id, "path": snapshot.embedding_model_path,
                                "dim": snapshot.spec.dim},
            "chunking": {"max_tokens": snapshot.spec.max_tokens, "overlap_tokens": snapshot.spec.overlap_tokens,
                         "cleaning_version": snapshot.spec.cleaning_version},
            "n_passages": len(snapshot.passages),
            "vector_index": snapshot.vector_params.to_json(),
            "documents": {name: asdict(entry) for name, entry in sorted(snapshot.documents.items())},
            "files": checksums,
        }
        write_synced(folder / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
        fsync_dir(folder)
        return built_at

    # ------------------------------------------------------------------ reader side
    def read_manifest(self, version: str | None = None) -> dict:
        version = version or self.current_version()
        if version is None:
            raise IndexNotReady(f"no index in {self.index_dir}: run `citeqa index` first")
        if "/" in version or "\\" in version or version in (".", "..") or version.startswith("."):
            raise IndexCorrupt(f"index {self.index_dir}: CURRENT names {version[:80]!r}, not a version inside "
                               "versions/; rebuild with `citeqa index`")
        path = self.versions_dir / version / "manifest.json"
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("the manifest is not a JSON object")
            return manifest
        except (FileNotFoundError, NotADirectoryError):
            raise IndexCorrupt(f"index {self.index_dir} is incomplete: {path.name} of version {version} is missing; "
                               "rebuild it with `citeqa index`") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(f"index manifest {path} is corrupt ({exc}); rebuild with `citeqa index`") from None

    def load(self, expected: IndexSpec | None = None) -> IndexSnapshot:
        """Load the live version; refuse an index built differently, incomplete or corrupt."""
        manifest = self.read_manifest()
        version = manifest.get("version") or self.current_version()
        folder = self.versions_dir / str(version)
        try:
            spec = IndexSpec(
                embedding_model_id=manifest["embedding_model"]["id"], dim=int(manifest["embedding_model"]["dim"]),
                max_tokens=int(manifest["chunking"]["max_tokens"]),
                overlap_tokens=int(manifest["chunking"]["overlap_tokens"]),
                cleaning_version=int(manifest["chunking"]["cleaning_version"]),
                format_version=int(manifest["format_version"]),
            )
            checksums: dict[str, str] = manifest["files"]
            if not isinstance(checksums, dict) or not isinstance(manifest["documents"], dict):
                raise TypeError("'files' and 'documents' must be objects")
            documents = {name: DocumentEntry(**entry) for name, entry in manifest["documents"].items()}
            vector_params = VectorIndexParams.from_json(manifest.get("vector_index"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorrupt(f"index manifest in {folder} lacks or garbles {exc}; rebuild with `citeqa index`") from None
        if expected is not None:
            mismatches = [f"{k}: index has {getattr(spec, k)!r}, this process uses {getattr(expected, k)!r}"
                          for k in asdict(expected) if getattr(spec, k) != getattr(expected, k)]
            if mismatches:
                raise IndexMismatch(f"index in {self.index_dir} was built differently ({'; '.join(mismatches)}); "
                                    "rebuild it with `citeqa index`")
        blobs: dict[str, bytes] = {}
        for name, digest in checksums.items():
            try:
                data = (folder / name).read_bytes()
            except FileNotFoundError:
                raise IndexCorrupt(f"index {folder} is incomplete: {name} is missing; rebuild with `citeqa index`") from None
            if hashlib.sha256(data).hexdigest() != digest:
                raise IndexCorrupt(f"index file {folder / name} is corrupt or truncated (checksum mismatch); "
                                   "rebuild with `citeqa index`")
            blobs[name] = data
        try:
            passages = [_passage(json.loads(line)) for line in blobs["passages.jsonl"].decode("utf-8").splitlines()]
            texts = {r["name"]: r["text"] for r in map(json.loads, blobs.get("texts.jsonl", b"").decode("utf-8").splitlines())}
            index = configure(faiss.deserialize_index(np.frombuffer(blobs["vectors.faiss"], dtype=np.uint8)),
                              vector_params)
        except (KeyError, ValueError, TypeError, RuntimeError) as exc:
            raise IndexCorrupt(f"index {folder} cannot be read ({exc}); rebuild with `citeqa index`") from None
        if index.ntotal != len(passages) or index.d != spec.dim:
            raise IndexCorrupt(f"index {folder} has {index.ntotal} vectors of dim {index.d} for {len(passages)} "
                               f"passages of dim {spec.dim}; rebuild with `citeqa index`")
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, spec.dim), np.float32)
        return IndexSnapshot(spec=spec, passages=passages, vectors=vectors, documents=documents, texts=texts,
                             version=str(version),
                             built_at=manifest.get("built_at", ""),
                             embedding_model_path=manifest["embedding_model"].get("path", ""), faiss_index=index,
                             vector_params=vector_params)
