"""The on-disk index: versions made of immutable segments, switched atomically.

Layout of an index folder::

    CURRENT                 name of the live version (replaced atomically by rename)
    versions/<version>/     manifest.json: the spec, the segments (and what of each is deleted), the
                            vector index's parameters; ivf_centroids.npy or vectors.faiss for the
                            approximate vector indexes
    segments/<id>/          passages, vectors, documents and texts of some documents (``index.segments``)
    .tmp-*, segments/.tmp-* versions and segments being written (removed at start-up if a writer died)
    .lock                   held by the one writer allowed at a time

An update writes one segment with the documents it (re)indexed and a manifest that lists the
previous version's segments, minus what it deleted, plus the new one: the bytes written grow with the
change, not with the archive. Every file is fsynced, each folder renamed into place, and only then
``CURRENT`` is replaced; a process killed at any point leaves the old or the new version live, never a
mix. Segments no kept version names are removed. Loading checks the manifest (format, embedding
model, chunking) and the checksums of every segment's files, and refuses with a clear error otherwise.

In memory a version is one ``IndexSnapshot`` (``index.snapshot``): its passages sorted by (document,
start) whatever segments they came from, so answers do not depend on the history of updates and
merges; or, when large, a ``index.layers.LayeredSnapshot`` of two such snapshots that answers the same. Versions of
format 2 (one folder with every passage, before segments) still load; the next write turns them into
a segment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import io
import itertools
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from core.errors import IndexCorrupt, IndexMismatch, IndexNotReady, WriteConflict
from core.files import fsync_dir, write_atomically, write_synced
from index import layers
from index.lexical import LexicalIndex
from index.passage_table import PassageTable, concat
from index.segments import (DocumentEntry, SegmentInfo, merge_plan, npy_bytes, passage_of, read_checked,
                            read_segment, read_segment_info, read_texts, write_segment)
from index.snapshot import FORMAT_VERSION, IndexSnapshot, IndexSpec, without
from index.vectors import Setting, VectorIndexParams, build_from_pieces, choose, configure

READABLE_FORMATS = (2, 3, 4)
KEEP_OLD_VERSIONS = 1  # superseded versions kept for processes still reading them

__all__ = ["DocumentEntry", "FaissStore", "IndexSnapshot", "IndexSpec"]


def _new_name() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


class FaissStore:
    """Reads and writes versions of the index in one folder; ``vector_index`` is the setting that picks
    the vector index of each version written (``index.vectors.choose``)."""

    def __init__(self, index_dir: Path, vector_index: Setting = "auto") -> None:
        self.index_dir = Path(index_dir)
        self.vector_index = vector_index
        self._segment_infos: dict[tuple[str, str], SegmentInfo] = {}  # (id, digest) -> info; segments never change

    # ------------------------------------------------------------------ paths
    @property
    def current_file(self) -> Path:
        return self.index_dir / "CURRENT"

    @property
    def versions_dir(self) -> Path:
        return self.index_dir / "versions"

    @property
    def segments_dir(self) -> Path:
        return self.index_dir / "segments"

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
        """Remove what writers that died left half-written, versions that are neither live nor recent, and
        segments no remaining version names. Call under ``writer_lock``."""
        removed: list[str] = []
        if not self.index_dir.is_dir():
            return removed
        for tmp in [*self.index_dir.glob(".tmp-*"), *self.segments_dir.glob(".tmp-*")]:
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
            removed.append(tmp.name)
        live = self.current_version()
        if not live:
            return removed
        kept = [live]
        if self.versions_dir.is_dir():
            others = sorted((p for p in self.versions_dir.iterdir() if p.name != live), key=lambda p: p.name)
            for stale in others[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else others:
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale.name)
            kept += [p.name for p in others[-KEEP_OLD_VERSIONS:]] if KEEP_OLD_VERSIONS else []
        named: set[str] = set()
        for version in kept:
            try:
                named |= {str(s["id"]) for s in self.read_manifest(version).get("segments") or []}
            except (IndexCorrupt, TypeError, KeyError):
                if version == live:
                    return removed  # the live manifest cannot be read: remove no segment it might name
        if self.segments_dir.is_dir():
            for segment in self.segments_dir.iterdir():
                if segment.name not in named and not segment.name.startswith("."):
                    shutil.rmtree(segment, ignore_errors=True)
                    removed.append(f"segments/{segment.name}")
        return removed

    def _info(self, segment_id: str, digest: str) -> SegmentInfo:
        key = (segment_id, digest)
        if key not in self._segment_infos:
            self._segment_infos[key] = read_segment_info(self.segments_dir, segment_id, digest)
        return self._segment_infos[key]

    def write(self, snapshot: IndexSnapshot, optimize: bool = False) -> IndexSnapshot:
        """Write ``snapshot`` as a new version and make it live atomically; returns it with its version
        name, build time and segments. Only the documents not yet in a segment of the live version (and
        those of segments folded by ``merge_plan``, or of all segments with ``optimize``) are written.
        Call under ``writer_lock``."""
        if snapshot.part:
            raise ValueError(f"a part of an index version ({snapshot.part}) cannot be written as a version")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.versions_dir.mkdir(exist_ok=True)
        self.segments_dir.mkdir(exist_ok=True)
        snapshot = snapshot.with_vector_index(choose(snapshot.passage_count, self.vector_index))
        # bookkeeping over every document, in set and dict operations (a Python pass per document costs
        # about a second at 200,000 documents on this machine)
        size = snapshot.document_sizes()
        names = snapshot.documents.keys() | size.keys()
        digests = self._live_digests()
        held: dict[str, set[str]] = {}  # segment -> its documents still live
        segment_get = snapshot.segment_of.get
        for name in names:
            segment = segment_get(name)
            if segment in digests:
                held.setdefault(segment, set()).add(name)
        order = [s for s in snapshot.segments if s in held]
        infos = {s: self._info(s, digests[s]) for s in order}
        size_of = size.get
        live_rows = {s: sum(map(size_of, held[s], itertools.repeat(0))) for s in order}
        unheld = names.difference(*held.values())
        fresh = sum(map(size_of, unheld, itertools.repeat(0)))
        pending = [("", fresh, fresh)] if fresh else []  # the segment about to be written counts in its class
        folded = set(order) if optimize else merge_plan([(s, infos[s].passages, live_rows[s]) for s in order]
                                                        + pending) - {""}
        kept = [s for s in order if s not in folded]
        written = sorted(unheld.union(*(docs for s, docs in held.items() if s not in kept)))
        version = _new_name()
        segment_of: dict[str, str] = {}
        for s in kept:
            segment_of.update(dict.fromkeys(held[s], s))
        entries = [{"id": s, "digest": infos[s].digest, "passages": live_rows[s],
                    "deleted": sorted(infos[s].documents - held[s])} for s in kept]
        tmp = self.index_dir / f".tmp-{version}"
        published = self.versions_dir / version
        new_segment: Path | None = None
        found = snapshot.centroids()
        centroids = npy_bytes(found) if found is not None else None  # IVF: the version's centroids file
        tmp.mkdir()
        try:
            if written:
                passages, vectors, counts, cells = snapshot.segment_rows(written)
                info = write_segment(self.segments_dir, version, passages, vectors,
                                     {n: snapshot.documents[n] for n in written if n in snapshot.documents},
                                     {n: snapshot.texts[n] for n in written if n in snapshot.texts}, counts,
                                     (hashlib.sha256(centroids).hexdigest(), cells)
                                     if centroids is not None and cells is not None else None)
                new_segment = self.segments_dir / version
                entries.append({"id": version, "digest": info.digest, "passages": info.passages, "deleted": []})
                segment_of.update({n: version for n in written})
                self._segment_infos[(version, info.digest)] = info
            built_at = self._write_manifest(snapshot, entries, tmp, version, centroids)
            os.replace(tmp, published)
            fsync_dir(self.versions_dir)
            write_atomically(self.current_file, version.encode("utf-8"))
        except BaseException:  # nothing half-written stays behind: the old version is still live
            shutil.rmtree(tmp, ignore_errors=True)
            if self.current_version() != version:
                shutil.rmtree(published, ignore_errors=True)
                if new_segment is not None:
                    shutil.rmtree(new_segment, ignore_errors=True)
            raise
        self.clean_leftovers()
        return snapshot.published(version, built_at, tuple(e["id"] for e in entries), segment_of)

    def _live_digests(self) -> dict[str, str]:
        """Segment -> digest in the live version's manifest (empty when there is none, or it is of format 2)."""
        try:
            return {str(s["id"]): str(s["digest"]) for s in self.read_manifest().get("segments") or []}
        except (IndexNotReady, IndexCorrupt, TypeError, KeyError, AttributeError):
            return {}  # nothing to share with: the version written holds every document

    def _write_manifest(self, snapshot: IndexSnapshot, segments: list[dict], folder: Path, version: str,
                        centroids: bytes | None) -> str:
        """The version's manifest (and its vector index's trained state), fsynced, into ``folder``."""
        files: dict[str, str] = {}
        if centroids is not None:
            files["ivf_centroids.npy"] = write_synced(folder / "ivf_centroids.npy", centroids)
        elif snapshot.vector_params.kind == "hnsw":  # a graph cannot be rebuilt cheaply: kept whole
            files["vectors.faiss"] = write_synced(folder / "vectors.faiss",
                                                  faiss.serialize_index(snapshot.faiss_index).tobytes())
        built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        manifest = {
            "format_version": FORMAT_VERSION,
            "version": version,
            "built_at": built_at,
            "embedding_model": {"id": snapshot.spec.embedding_model_id, "path": snapshot.embedding_model_path,
                                "dim": snapshot.spec.dim},
            "chunking": {"max_tokens": snapshot.spec.max_tokens, "overlap_tokens": snapshot.spec.overlap_tokens,
                         "cleaning_version": snapshot.spec.cleaning_version},
            "n_passages": snapshot.passage_count,
            "n_documents": len(snapshot.documents),
            "vector_index": snapshot.vector_params.to_json(),
            "segments": segments,
            "files": files,
        }
        write_synced(folder / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
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

    def load(self, expected: IndexSpec | None = None, version: str | None = None,
             holds: Callable[[str], bool] | None = None, part: str = ""):
        """Load the live version (or ``version``); refuse an index built differently, incomplete or corrupt.
        With ``holds``, only the passages of the documents it accepts are kept (every document's metadata
        is): the snapshot is the ``part`` of the version an index shard serves, and cannot be written.
        A large version whose other segments are small loads as a ``index.layers.LayeredSnapshot`` (its
        largest segment as the base, as it is on disk: no copy of it), else as one ``IndexSnapshot``."""
        manifest = self.read_manifest(version)
        version = str(manifest.get("version") or version or self.current_version())
        folder = self.versions_dir / version
        try:
            found_format = int(manifest["format_version"])
            spec = IndexSpec(
                embedding_model_id=manifest["embedding_model"]["id"], dim=int(manifest["embedding_model"]["dim"]),
                max_tokens=int(manifest["chunking"]["max_tokens"]),
                overlap_tokens=int(manifest["chunking"]["overlap_tokens"]),
                cleaning_version=int(manifest["chunking"]["cleaning_version"]),
                format_version=FORMAT_VERSION if found_format in READABLE_FORMATS else found_format,
            )
            checksums: dict[str, str] = manifest["files"]
            if not isinstance(checksums, dict):
                raise TypeError("'files' must be an object")
            vector_params = VectorIndexParams.from_json(manifest.get("vector_index"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IndexCorrupt(f"index manifest in {folder} lacks or garbles {exc}; rebuild with `citeqa index`") from None
        if found_format not in READABLE_FORMATS:
            raise IndexMismatch(f"index in {self.index_dir} is of format_version {found_format}, this process reads "
                                f"{', '.join(map(str, READABLE_FORMATS))}; rebuild it with `citeqa index`")
        if expected is not None:
            mismatches = [f"{k}: index has {getattr(spec, k)!r}, this process uses {getattr(expected, k)!r}"
                          for k in asdict(expected) if getattr(spec, k) != getattr(expected, k)]
            if mismatches:
                raise IndexMismatch(f"index in {self.index_dir} was built differently ({'; '.join(mismatches)}); "
                                    "rebuild it with `citeqa index`")
        blobs = read_checked(folder, checksums, "index")
        common = dict(spec=spec, version=version, built_at=manifest.get("built_at", ""),
                      embedding_model_path=manifest["embedding_model"].get("path", ""), vector_params=vector_params)
        if found_format == 2:
            if holds is not None:
                raise IndexMismatch(f"index in {self.index_dir} is of format_version 2, which cannot be served in "
                                    "shards; update it once (`citeqa index --optimize`)")
            return self._load_format_2(manifest, folder, blobs, common)
        if holds is not None:
            common.update(part=part or "some documents", version_passages=int(manifest.get("n_passages", -1)))
        return self._load_segments(manifest, folder, blobs, common, holds)

    def _load_segments(self, manifest: dict, folder: Path, blobs: dict[str, bytes], common: dict,
                       holds: Callable[[str], bool] | None = None):
        spec: IndexSpec = common["spec"]
        try:
            if not isinstance(manifest["segments"], list):
                raise TypeError("'segments' must be a list")
            entries = [(str(e["id"]), str(e["digest"]), frozenset(map(sys.intern, e.get("deleted", ()))))
                       for e in manifest["segments"]]
        except (KeyError, TypeError) as exc:
            raise IndexCorrupt(f"index manifest in {folder} garbles its segments ({exc}); rebuild with `citeqa index`"
                               ) from None
        loaded = []
        for segment_id, digest, deleted in entries:
            info = self._info(segment_id, digest)
            loaded.append((segment_id, info, read_segment(self.segments_dir, info, spec.dim), deleted))
        segments = tuple(e[0] for e in entries)
        if holds is None and len(loaded) > 1 and common["vector_params"].kind in ("flat", "ivf"):
            big = max(range(len(loaded)), key=lambda i: loaded[i][1].passages)
            rest = [item for i, item in enumerate(loaded) if i != big]
            base_rows = loaded[big][1].passages
            if base_rows >= layers.LAYERED_FROM and sum(i.passages for _, i, _, _ in rest) <= layers.fold_limit(base_rows):
                # in two layers (index.layers): the largest segment as it is on disk, the others as the delta
                segment_id, info, data, deleted = loaded[big]
                base = self._assemble([(segment_id, info, data, frozenset())], folder, blobs, common, manifest)
                delta = self._assemble(rest, folder, blobs, common, manifest)
                documents = without(base.documents, deleted)
                documents.update(delta.documents)
                texts = without(base.texts, deleted)
                texts.update(delta.texts)
                segment_of = without(base.segment_of, deleted)
                segment_of.update(delta.segment_of)
                return layers.LayeredSnapshot(base=base, deleted=deleted, delta=delta, documents=documents, texts=texts,
                                       version=common["version"], built_at=common["built_at"],
                                       embedding_model_path=common["embedding_model_path"], segments=segments,
                                       segment_of=segment_of)
        snapshot = self._assemble(loaded, folder, blobs, common, manifest, holds)
        return dataclasses.replace(snapshot, segments=segments)

    def _assemble(self, loaded: list, folder: Path, blobs: dict[str, bytes], common: dict, manifest: dict,
                  holds: Callable[[str], bool] | None = None) -> IndexSnapshot:
        """One snapshot of the live rows of ``loaded`` segments ((id, info, data, deleted documents) each)."""
        spec: IndexSpec = common["spec"]
        tables: list[PassageTable] = []
        vectors: list[np.ndarray] = []
        documents: dict[str, DocumentEntry] = {}
        texts: dict[str, str] = {}
        segment_of: dict[str, str] = {}
        counts: list[tuple[list[str], object]] = []
        cells: list[np.ndarray] = []
        centroid_digest = manifest["files"].get("ivf_centroids.npy", "")
        for segment_id, info, data, deleted in loaded:
            dropped = deleted  # documents of the segment the version deleted
            table = data.passages
            if holds is not None:  # a part: the passages of other documents are left out as if deleted
                deleted = deleted | {n for n in table.documents_held() if not holds(n)}
            every = not deleted
            if every:
                keep = slice(None)
            else:
                gone = np.array([n in deleted for n in table.names], dtype=bool)
                keep = np.flatnonzero(~gone[table.document]) if len(table) else np.zeros(0, np.int64)
            known = data.cells is not None and centroid_digest and info.cells_of == centroid_digest
            live = len(table) if every else len(keep)
            cells.append(data.cells[keep] if known else np.full(live, -1, dtype=np.int64))
            tables.append(table if every else table.take(keep))
            vectors.append(data.vectors[keep])
            counts.append((data.terms, data.counts if every else data.counts[keep]))  # (a slice copies a sparse matrix)
            for name, entry in data.documents.items():
                if name not in dropped:
                    documents[name] = entry
            texts.update({n: t for n, t in data.texts.items() if n not in dropped})
            segment_of.update({n: segment_id for n in info.documents - dropped})
        passages = concat(tables)
        # each segment's rows are sorted; only several segments need sorting together
        order = None
        if len(loaded) > 1 and len(passages):
            rank, start = passages.sort_keys()
            order = np.lexsort((start, rank))
            if (order == np.arange(len(order))).all():
                order = None
        matrix = vectors[0] if len(vectors) == 1 else (np.concatenate(vectors) if vectors
                                                       else np.zeros((0, spec.dim), np.float32))
        permuted = order is not None
        if permuted:
            passages, matrix = passages.take(order), matrix[order]
        lexical = LexicalIndex.from_segments(counts, order)
        params: VectorIndexParams = common["vector_params"]
        index = None
        row_cells = None
        if params.kind == "hnsw" and "vectors.faiss" in blobs and holds is None:  # a part builds its own graph
            index = configure(faiss.deserialize_index(np.frombuffer(blobs["vectors.faiss"], dtype=np.uint8)), params)
        elif params.kind == "ivf" and "ivf_centroids.npy" in blobs:
            centroids = np.load(io.BytesIO(blobs["ivf_centroids.npy"]), allow_pickle=False)
            row_cells = np.concatenate(cells) if cells else np.zeros(0, np.int64)
            row_cells = row_cells[order] if permuted else row_cells  # -1: written before these centroids
            index = build_from_pieces([matrix], spec.dim, params, centroids, [row_cells])
            row_cells = row_cells if (row_cells >= 0).all() else None
        if index is not None and (index.ntotal != len(passages) or index.d != spec.dim):
            raise IndexCorrupt(f"index {folder} has {index.ntotal} vectors of dim {index.d} for {len(passages)} "
                               f"passages of dim {spec.dim}; rebuild with `citeqa index`")
        return IndexSnapshot(passages=passages, vectors=np.ascontiguousarray(matrix, dtype=np.float32),
                             documents=documents, texts=texts, faiss_index=index, lexical=lexical,
                             segments=tuple(e[0] for e in loaded), segment_of=segment_of, row_cells=row_cells,
                             **common)

    def _load_format_2(self, manifest: dict, folder: Path, blobs: dict[str, bytes], common: dict) -> IndexSnapshot:
        """A version written before segments: every passage in its own folder (written again as a segment
        by the next update)."""
        spec: IndexSpec = common["spec"]
        try:
            documents = {name: DocumentEntry(**entry) for name, entry in manifest["documents"].items()}
            passages = [passage_of(json.loads(line)) for line in blobs["passages.jsonl"].decode("utf-8").splitlines()]
            texts = read_texts(blobs.get("texts.jsonl", b""))
            index = configure(faiss.deserialize_index(np.frombuffer(blobs["vectors.faiss"], dtype=np.uint8)),
                              common["vector_params"])
        except (KeyError, ValueError, TypeError, RuntimeError, AttributeError) as exc:
            raise IndexCorrupt(f"index {folder} cannot be read ({exc}); rebuild with `citeqa index`") from None
        if index.ntotal != len(passages) or index.d != spec.dim:
            raise IndexCorrupt(f"index {folder} has {index.ntotal} vectors of dim {index.d} for {len(passages)} "
                               f"passages of dim {spec.dim}; rebuild with `citeqa index`")
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, spec.dim), np.float32)
        return IndexSnapshot(passages=passages, vectors=vectors, documents=documents, texts=texts, faiss_index=index,
                             **common)
