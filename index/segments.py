"""Immutable segments of the index: each holds some documents' passages, vectors, metadata and texts.

An index version (``index.store``) is a list of segments plus, for each, the documents of it that are
deleted. An update writes one small segment with the documents it (re)indexed and a new manifest;
the other segments are shared with the previous version, never rewritten, so the bytes written by an
update grow with the change, not with the archive. ``merge_plan`` folds small segments together
(log-structured, ``MERGE_FACTOR`` segments of one size class become one) so their number stays
logarithmic in the size of the index; ``citeqa index --optimize`` folds them all into one.

Layout of one segment (``segments/<id>/``, written in ``segments/.tmp-<id>`` and renamed)::

    passages.npz     the passages, sorted by (document, start), as columns: start, end, document (an
                     index into passages.json's list), the byte where each text ends in passages.txt
                     and where its time tags end in passages.tags (``index.passage_table``)
    passages.txt     their texts, one after the other (UTF-8)
    passages.tags    their time tags, one JSON list per passage, one after the other (UTF-8)
    passages.json    the documents they belong to (and their ids, only when an id is not
                     "<document>:<start>-<end>"); format 3 kept the time tags here and character ends
    vectors.npy      (n, dim) float32, row i belongs to passage i
    documents.json   {name: DocumentEntry} of the documents it holds
    texts.jsonl      extracted texts of its non-plain-text documents
    terms.json       the terms its passages hold (the columns of counts.npz)
    counts.npz       BM25 term counts, passages x terms, sparse by term (CSC, 16-bit counts: as
                     ``index.lexical`` searches them; format 3 stored them by passage)
    cells.npy        for a version searched by IVF: each vector's cell (segment.json names the centroids)
    segment.json     sizes, the documents it holds and the sha256 of each file above

A version's manifest names each segment with the sha256 of its ``segment.json``, so a segment that was
replaced, truncated or mixed up is refused on load.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from core.errors import IndexCorrupt
from core.files import fsync_dir, write_synced
from core.types import DocumentMeta, Passage, TimeTag
from index.lexical import COUNT_MAX
from index.passage_table import PassageTable

MERGE_FACTOR = 10  # segments of one size class (a power of ten of live passages) folded into one


@dataclass(frozen=True)
class DocumentEntry:
    """One document of a version: where it came from, what it became, and what is known of it."""

    sha256: str  # of the source file's bytes
    size: int  # of the source file, in bytes
    passages: int
    source: str = ""  # the corpus file it was read from ("" = the document's own name)
    format: str = "txt"
    title: str | None = None
    published: str | None = None  # ISO date, or "--MM-DD" when only the month and day are known
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
class SegmentInfo:
    """What ``segment.json`` says of a segment: its documents, its size and its files' checksums."""

    id: str
    digest: str  # sha256 of segment.json: what a manifest names the segment by
    passages: int
    documents: frozenset[str]  # every document (or passage file) it holds, deleted ones included
    files: dict[str, str]
    cells_of: str = ""  # sha256 of the IVF centroids cells.npy refers to ("" = no cells stored)


@dataclass(frozen=True)
class SegmentData:
    passages: PassageTable
    vectors: np.ndarray
    documents: dict[str, DocumentEntry]
    texts: dict[str, str]
    terms: list[str]  # columns of counts
    counts: sp.spmatrix  # BM25 term counts, one row per passage (CSC, by term; CSR in format 3)
    cells: np.ndarray | None = None  # IVF cell of each vector, under the centroids ``SegmentInfo.cells_of``


def passage_columns(passages: Sequence[Passage]) -> dict[str, bytes]:
    """The files of ``passages`` in a segment, as columns (``index.passage_table``): reading them back
    makes no Python object per passage."""
    table = PassageTable.of(passages)
    columns = io.BytesIO()
    np.savez(columns, start=table.start, end=table.end, document=table.document, text_byte_end=table.text_end,
             tag_end=table.tag_end)
    record: dict = {"documents": table.names}
    if table.ids is not None:
        record["ids"] = table.ids
    return {"passages.npz": columns.getvalue(), "passages.txt": table.text, "passages.tags": table.tags,
            "passages.json": json.dumps(record, ensure_ascii=False).encode("utf-8")}


def passages_from_columns(blobs: dict[str, bytes]) -> PassageTable:
    """The passages of a segment's files, as a table (a segment written before format 4: its texts decoded
    into one string and its time tags parsed as one list)."""
    columns = np.load(io.BytesIO(blobs["passages.npz"]), allow_pickle=False)
    record = json.loads(blobs["passages.json"])
    ids = record.get("ids")
    if "text_byte_end" in columns:
        text: bytes | str = blobs["passages.txt"]
        ends, tag_ends = columns["text_byte_end"], columns["tag_end"]
        tags, times_list = blobs["passages.tags"], None
        if len(tag_ends) and int(tag_ends[-1]) != len(tags):
            raise ValueError(f"time tags end at byte {int(tag_ends[-1])} of {len(tags)}")
    else:  # format 3
        text, ends = blobs["passages.txt"].decode("utf-8"), columns["text_end"]
        tags, tag_ends, times_list = b"", None, record["times"]
    if len(ends) and int(ends[-1]) != len(text):
        raise ValueError(f"texts end at {int(ends[-1])} of {len(text)}")
    begins = np.concatenate([np.zeros(1, np.int64), ends[:-1]]) if len(ends) else ends
    tag_begins = (np.concatenate([np.zeros(1, np.int64), tag_ends[:-1]]) if len(tag_ends) else tag_ends
                  ) if tag_ends is not None else None
    return PassageTable(list(map(sys.intern, record["documents"])), columns["document"], columns["start"], columns["end"], text, begins,
                        ends, tags, tag_begins, tag_ends, times_list, ids)


def passage_of(record: dict) -> Passage:
    """A passage of a format-2 version's ``passages.jsonl`` (one JSON object per line)."""
    times = tuple(TimeTag(**t) for t in record.pop("times", ()))
    return Passage(**record, times=times)


def texts_jsonl(texts: dict[str, str]) -> bytes:
    return "".join(json.dumps({"name": name, "text": text}, ensure_ascii=False) + "\n"
                   for name, text in sorted(texts.items())).encode("utf-8")


def read_texts(data: bytes) -> dict[str, str]:
    return {r["name"]: r["text"] for r in map(json.loads, data.decode("utf-8").splitlines())}


def npy_view(data: bytes) -> np.ndarray:
    """The array of a ``.npy`` file's bytes, read in place (no copy; read-only)."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        return np.load(io.BytesIO(data), allow_pickle=False)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(stream)
    if dtype.hasobject or fortran:
        raise ValueError("vectors.npy holds objects or a Fortran-ordered array")
    return np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=stream.tell()).reshape(shape)


def npy_bytes(array: np.ndarray, dtype: type = np.float32) -> bytes:
    """An array (as ``dtype``) as the bytes of a ``.npy`` file."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
    return buffer.getvalue()


def _npz_bytes(counts: sp.spmatrix) -> bytes:
    """Term counts as a segment stores them (format 4): by term (CSC), 16-bit counts, as ``index.lexical``
    holds them in memory, so a version of one segment is searched without converting its counts."""
    by_term = counts.tocsc()
    by_term = sp.csc_matrix((np.minimum(by_term.data, COUNT_MAX).astype(np.uint16), by_term.indices.astype(np.int32),
                             by_term.indptr.astype(np.int64)), shape=by_term.shape)
    buffer = io.BytesIO()
    sp.save_npz(buffer, by_term, compressed=False)
    return buffer.getvalue()


def write_segment(segments_dir: Path, segment_id: str, passages: Sequence[Passage], vectors: np.ndarray,
                  documents: dict[str, DocumentEntry], texts: dict[str, str],
                  lexical: tuple[list[str], sp.csr_matrix],
                  cells: tuple[str, np.ndarray] | None = None) -> SegmentInfo:
    """Write one segment durably (in a temporary folder, renamed into place); nothing is left on failure."""
    tmp = segments_dir / f".tmp-{segment_id}"
    final = segments_dir / segment_id
    passages = PassageTable.of(passages)
    tmp.mkdir(parents=True)
    try:
        files = {
            **{name: write_synced(tmp / name, data) for name, data in passage_columns(passages).items()},
            "vectors.npy": write_synced(tmp / "vectors.npy", npy_bytes(vectors)),
            "documents.json": write_synced(tmp / "documents.json", json.dumps(
                {name: asdict(entry) for name, entry in sorted(documents.items())}, ensure_ascii=False).encode("utf-8")),
            "texts.jsonl": write_synced(tmp / "texts.jsonl", texts_jsonl(texts)),
            "terms.json": write_synced(tmp / "terms.json", json.dumps(lexical[0], ensure_ascii=False).encode("utf-8")),
            "counts.npz": write_synced(tmp / "counts.npz", _npz_bytes(lexical[1])),
        }
        if cells is not None:
            files["cells.npy"] = write_synced(tmp / "cells.npy", npy_bytes(cells[1], np.int64))
        names = sorted(set(documents) | passages.documents_held())
        record = {"id": segment_id, "passages": len(passages), "documents": names, "files": files,
                  "cells_of": cells[0] if cells is not None else ""}
        digest = write_synced(tmp / "segment.json", json.dumps(record, ensure_ascii=False).encode("utf-8"))
        fsync_dir(tmp)
        os.replace(tmp, final)
        fsync_dir(segments_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SegmentInfo(id=segment_id, digest=digest, passages=len(passages), documents=frozenset(names), files=files,
                       cells_of=record["cells_of"])


def _refuse(segment: Path, problem: str) -> IndexCorrupt:
    return IndexCorrupt(f"index segment {segment} {problem}; rebuild with `citeqa index`")


def read_segment_info(segments_dir: Path, segment_id: str, digest: str) -> SegmentInfo:
    """``segment.json`` of a segment, checked against the digest the manifest names it by."""
    if not segment_id or "/" in segment_id or "\\" in segment_id or segment_id.startswith("."):
        raise IndexCorrupt(f"index manifest names segment {segment_id[:80]!r}, not a segment folder; "
                           "rebuild with `citeqa index`")
    folder = segments_dir / segment_id
    try:
        data = (folder / "segment.json").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise _refuse(folder, "is missing (segment.json)") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise _refuse(folder, "is not the one the manifest names (segment.json checksum mismatch)")
    try:
        record = json.loads(data)
        return SegmentInfo(id=segment_id, digest=digest, passages=int(record["passages"]),
                           documents=frozenset(map(sys.intern, record["documents"])), files=dict(record["files"]),
                           cells_of=str(record.get("cells_of", "")))
    except (ValueError, KeyError, TypeError) as exc:
        raise _refuse(folder, f"has a garbled segment.json ({exc})") from None


def read_checked(folder: Path, checksums: dict[str, str], what: str = "index segment") -> dict[str, bytes]:
    """The files of ``folder`` named by ``checksums``, each checked against its sha256 (``IndexCorrupt``
    naming ``what`` the folder is otherwise)."""
    blobs: dict[str, bytes] = {}
    for name, digest in checksums.items():
        try:
            data = (folder / name).read_bytes()
        except FileNotFoundError:
            raise IndexCorrupt(f"{what} {folder} is incomplete: {name} is missing; rebuild with `citeqa index`"
                               ) from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise IndexCorrupt(f"{what} {folder} is corrupt or truncated ({name}: checksum mismatch); rebuild with "
                               "`citeqa index`")
        blobs[name] = data
    return blobs


def read_segment(segments_dir: Path, info: SegmentInfo, dim: int) -> SegmentData:
    """A segment's contents, every file checked against its checksum."""
    folder = segments_dir / info.id
    blobs = read_checked(folder, info.files)
    try:
        passages = passages_from_columns(blobs)
        vectors = npy_view(blobs["vectors.npy"])
        documents = {sys.intern(name): DocumentEntry(**entry) for name, entry in json.loads(blobs["documents.json"]).items()}
        texts = read_texts(blobs["texts.jsonl"])
        terms = json.loads(blobs["terms.json"])
        counts = sp.load_npz(io.BytesIO(blobs["counts.npz"]))  # by term (format 4) or by passage (format 3)
        cells = np.load(io.BytesIO(blobs["cells.npy"]), allow_pickle=False) if "cells.npy" in blobs else None
    except (KeyError, ValueError, TypeError, OSError, IndexError) as exc:
        raise _refuse(folder, f"cannot be read ({exc})") from None
    if counts.shape != (len(passages), len(terms)):
        raise _refuse(folder, f"holds term counts of shape {counts.shape} for {len(passages)} passages and "
                              f"{len(terms)} terms")
    if vectors.shape != (len(passages), dim) or len(passages) != info.passages:
        raise _refuse(folder, f"holds {len(passages)} passages and vectors of shape {vectors.shape} "
                              f"(expected {info.passages} of dim {dim})")
    if cells is not None and cells.shape != (len(passages),):
        raise _refuse(folder, f"holds {cells.shape} IVF cells for {len(passages)} passages")
    return SegmentData(passages, np.ascontiguousarray(vectors, dtype=np.float32), documents, texts, terms, counts,
                       cells)


def size_class(live_passages: int) -> int:
    """Segments of the same size class are folded together: 0 for < 10 passages, 1 for < 100, ..."""
    return len(str(max(live_passages, 1))) - 1


def merge_plan(segments: Sequence[tuple[str, int, int]], factor: int = MERGE_FACTOR) -> set[str]:
    """Which segments to fold into the one being written: ``segments`` is (id, passages written,
    passages still live) in manifest order. A size class with ``factor`` segments or more is folded,
    and so is every segment whose passages are mostly deleted (rewriting it frees their space)."""
    by_class: dict[int, list[str]] = {}
    plan: set[str] = set()
    for segment_id, written, live in segments:
        if live and live * 2 < written:
            plan.add(segment_id)
        else:
            by_class.setdefault(size_class(live), []).append(segment_id)
    for ids in by_class.values():
        if len(ids) >= factor:
            plan.update(ids)
    return plan
