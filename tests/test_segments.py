"""Segments: an update writes only what it changed, merges fold small segments, and whatever the history
of updates and merges, the index loaded is the one a build from scratch gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from core.errors import IndexCorrupt
from core.settings import Settings
from index.segments import MERGE_FACTOR, merge_plan, size_class
from index.store import FaissStore, IndexSnapshot
from qa.retrieve import HybridRetriever
from qa.service import QAService
from tests.hash_embedder import HashEmbedder

TOWNS = ["Busan", "Incheon", "Daegu", "Gwangju", "Ulsan", "Suwon", "Sejong", "Jeonju", "Pohang", "Gimhae", "Wonju",
         "Andong", "Mokpo", "Yeosu"]


def passages_jsonl(passages) -> bytes:
    """The passage table of a format-2 version (one JSON object per line), as that format wrote it."""
    from dataclasses import asdict

    return "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in passages).encode("utf-8")


def article(town: str, extra: str = "") -> str:
    return (f"{town} opened a new harbor bridge on Monday.\n\nThe bridge in {town} is 1.{len(town)} kilometers "
            f"long and cost {len(town) * 7} billion won.\n\nOfficials in {town} said traffic would double.{extra}\n")


def service_for(corpus: Path, index: Path) -> QAService:
    return QAService(Settings(corpus_dir=corpus, index_dir=index, reader_model="unused"), embedder=HashEmbedder())


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for town in TOWNS[:3]:
        (folder / f"{town.lower()}.txt").write_text(article(town), encoding="utf-8")
    return folder


def same_index(a: IndexSnapshot, b: IndexSnapshot) -> None:
    assert [p.id for p in a.passages] == [p.id for p in b.passages]
    assert a.passages == b.passages and a.documents == b.documents and a.texts == b.texts
    assert np.allclose(a.vectors, b.vectors)
    assert [a.lexical.tokens_of(i) for i in range(len(a.passages))] == [b.lexical.tokens_of(i)
                                                                        for i in range(len(b.passages))]
    for query in (["bridge"], ["busan", "bridge", "kilometers"], ["officials", "traffic", "traffic"]):
        assert np.allclose(a.lexical.scores(query), b.lexical.scores(query))


def segment_files(store: FaissStore) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(store.segments_dir)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in store.segments_dir.rglob("*") if p.is_file()}


def test_an_update_writes_one_segment_and_leaves_the_others_untouched(corpus, tmp_path):
    for town in TOWNS[8:11]:  # 6 documents: deleting 2 leaves the first segment mostly live (not folded)
        (corpus / f"{town.lower()}.txt").write_text(article(town), encoding="utf-8")
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    store = service.store
    first = store.read_manifest()["segments"]
    before = segment_files(store)
    service.reload()
    change = service.corpus.upsert("ulsan.txt", article("Ulsan").encode())
    segments = store.read_manifest()["segments"]
    assert [s["id"] for s in segments] == [first[0]["id"], change.version]
    assert segments[1]["passages"] == change.passages and segments[0]["deleted"] == []
    after = segment_files(store)
    assert {k: v for k, v in after.items() if k in before} == before  # not one byte of the old segment rewritten
    assert {k.split("/")[0] for k in set(after) - set(before)} == {change.version}

    replaced = service.corpus.upsert("busan.txt", article("Busan", " A second bridge is planned.").encode())
    segments = store.read_manifest()["segments"]
    assert segments[0]["deleted"] == ["busan.txt"] and segments[-1]["id"] == replaced.version
    removed = service.corpus.remove("daegu.txt")
    segments = store.read_manifest()["segments"]
    assert removed.version not in {s["id"] for s in segments}  # a removal writes no segment, only a deletion
    assert segments[0]["deleted"] == ["busan.txt", "daegu.txt"]
    service.corpus.remove("incheon.txt")  # 3 of its 6 documents gone: still kept
    assert store.read_manifest()["segments"][0]["id"] == first[0]["id"]
    service.corpus.remove("pohang.txt")  # 4 of 6: the rest is written again, in a new segment
    segments = store.read_manifest()["segments"]
    assert segments[-1]["id"] not in {s["id"] for s in first} and all(s["deleted"] == [] for s in segments)
    live = store.load()
    assert "daegu.txt" not in live.documents and "daegu.txt" not in {p.file for p in live.passages}
    assert any("second bridge" in p.text for p in live.passages if p.file == "busan.txt")

    rebuilt = service_for(corpus, tmp_path / "fresh")
    rebuilt.build_index()
    same_index(live, rebuilt.store.load())


def test_small_segments_are_folded_and_the_index_stays_the_same(corpus, tmp_path):
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    service.reload()
    for town in TOWNS[3:]:
        service.corpus.upsert(f"{town.lower()}.txt", article(town).encode())
        assert len(service.store.read_manifest()["segments"]) < MERGE_FACTOR
    manifest = service.store.read_manifest()
    assert sum(s["passages"] for s in manifest["segments"]) == manifest["n_passages"]
    # every segment on disk is named by the live version or the one kept before it
    named = {s["id"] for s in manifest["segments"]}
    kept = sorted(p.name for p in service.store.versions_dir.iterdir() if p.name != service.store.current_version())
    named |= {s["id"] for v in kept for s in service.store.read_manifest(v)["segments"]}
    assert {p.name for p in service.store.segments_dir.iterdir()} == named

    rebuilt = service_for(corpus, tmp_path / "fresh")
    rebuilt.build_index()
    fresh = rebuilt.store.load()
    same_index(service.store.load(), fresh)
    merged = service.snapshot  # the one the updates spliced in memory, not read back
    same_index(merged, fresh)
    assert dict(merged.document_rows()) == dict(fresh.document_rows())
    assert merged.source_documents is not None  # carried by the merge, not recomputed
    assert dict(merged.documents_by_source()) == dict(fresh.documents_by_source())
    assert merged.faiss_index.ntotal == len(merged.passages)
    # and so retrieval ranks the same passages, in the same order
    question = "How long is the bridge in Pohang?"
    ranked = [[s.passage.id for s in HybridRetriever(snap, HashEmbedder()).retrieve(question, 8)]
              for snap in (service.store.load(), fresh)]
    assert ranked[0] == ranked[1] and ranked[0]


def test_optimize_folds_every_segment_into_one(corpus, tmp_path):
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    service.reload()
    service.corpus.upsert("ulsan.txt", article("Ulsan").encode())
    service.corpus.remove("daegu.txt")
    before = service.store.load()
    assert len(before.segments) == 2
    report = service.build_index(optimize=True)
    assert report.changed and report.embedded_files == []  # nothing embedded again
    manifest = service.store.read_manifest()
    assert [s["deleted"] for s in manifest["segments"]] == [[]]
    same_index(service.store.load(), before)
    again = service.build_index(optimize=True)
    assert not again.changed  # already one segment


def test_merge_plan_folds_a_size_class_once_it_is_full_and_mostly_deleted_segments():
    tiny = [(f"s{i}", 3, 3) for i in range(MERGE_FACTOR - 1)]
    assert merge_plan(tiny) == set()
    assert merge_plan(tiny + [("new", 4, 4)]) == {s for s, _, _ in tiny} | {"new"}
    assert merge_plan([("big", 5000, 5000)] + tiny) == set()
    assert merge_plan([("big", 5000, 2000)] + tiny) == {"big"}
    assert [size_class(n) for n in (0, 1, 9, 10, 99, 100, 12345)] == [0, 0, 0, 1, 1, 2, 4]


def test_a_missing_or_swapped_segment_is_refused(corpus, tmp_path):
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    service.reload()
    service.corpus.upsert("ulsan.txt", article("Ulsan").encode())
    store = service.store
    first, second = (store.segments_dir / s["id"] for s in store.read_manifest()["segments"])
    (second / "vectors.npy").write_bytes((first / "vectors.npy").read_bytes())
    with pytest.raises(IndexCorrupt, match="checksum mismatch"):
        FaissStore(store.index_dir).load()
    shutil.rmtree(second)
    with pytest.raises(IndexCorrupt, match="missing"):
        FaissStore(store.index_dir).load()


def test_a_version_written_before_segments_loads_and_is_turned_into_a_segment(corpus, tmp_path):
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    store = service.store
    current = store.load()
    # the layout of format 2, written by hand: one folder with every passage, vector and document
    old = store.versions_dir / "20250101T000000000000Z-old000"
    old.mkdir()
    files = {"vectors.faiss": faiss.serialize_index(current.faiss_index).tobytes(),
             "passages.jsonl": passages_jsonl(current.passages), "texts.jsonl": b""}
    import hashlib

    for name, data in files.items():
        (old / name).write_bytes(data)
    manifest = store.read_manifest()
    del manifest["segments"], manifest["n_documents"]
    manifest.update(format_version=2, version=old.name,
                    documents={n: e.__dict__ for n, e in current.documents.items()},
                    files={n: hashlib.sha256(d).hexdigest() for n, d in files.items()})
    (old / "manifest.json").write_text(json.dumps(manifest))
    (store.index_dir / "CURRENT").write_text(old.name)
    shutil.rmtree(store.segments_dir)

    loaded = FaissStore(store.index_dir).load()
    assert loaded.segments == () and loaded.version == old.name
    same_index(loaded, current)
    service.reload()
    service.corpus.upsert("ulsan.txt", article("Ulsan").encode())  # the next write: format 3, one new segment
    manifest = store.read_manifest()
    assert manifest["format_version"] == 4 and len(manifest["segments"]) == 1
    assert set(store.load().documents) == set(current.documents) | {"ulsan.txt"}


def test_an_ivf_index_keeps_every_vector_in_its_cell_across_updates_and_loads(tmp_path):
    from index.vectors import cells_of, centroids_of

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = "harbor bridge missile launch council budget river storm school market".split()
    for d in range(240):
        body = "\n\n".join(" ".join(words[(d * 7 + k * 3 + i) % len(words)] for i in range(70)) + "."
                           for k in range(4))
        (corpus / f"d{d:02d}.txt").write_text(f"Report {d}.\n\n{body}\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", reader_model="unused", vector_index="ivf")
    service = QAService(settings, embedder=HashEmbedder())
    service.build_index()
    service.reload()
    assert service.snapshot.vector_params.kind == "ivf" and service.snapshot.vector_params.nlist > 1
    for d in (3, 241, 242):
        service.corpus.upsert(f"d{d:02d}.txt", f"Update {d}.\n\nThe storm closed the harbor bridge.\n".encode())
    service.corpus.remove("d10.txt")
    merged = service.snapshot
    loaded = FaissStore(settings.index_dir, "ivf").load()
    centroids = centroids_of(merged.faiss_index)
    assert np.array_equal(centroids, centroids_of(loaded.faiss_index))  # no training again
    nearest = np.argmax(loaded.vectors @ centroids.T, axis=1)
    assert np.array_equal(cells_of(loaded.faiss_index), nearest)
    assert np.array_equal(cells_of(merged.faiss_index), nearest)
    manifest = service.store.read_manifest()
    assert {s["id"] for s in manifest["segments"]} and all(
        service.store._info(s["id"], s["digest"]).cells_of == manifest["files"]["ivf_centroids.npy"]
        for s in manifest["segments"])
    queries = loaded.vectors[::7]
    assert np.array_equal(loaded.search(queries, 5)[1], merged.search(queries, 5)[1])


def test_passages_come_back_from_their_columns_as_they_went_in():
    from core.types import Passage, TimeTag
    from index.segments import passage_columns, passages_from_columns

    tag = TimeTag(first="2025-11-07", last="2025-11-07", granularity="day", text="Nov. 7", source="passage",
                  start=3, end=9)
    passages = [Passage(id="a.txt:0-12", file="a.txt", start=0, end=12, text="Seoul, Nov. 7", times=(tag,)),
                Passage(id="a.txt:10-30", file="a.txt", start=10, end=30, text="é — “quoted” 700 km"),
                Passage(id="b/c.html:5-9", file="b/c.html", start=5, end=9, text="", times=(tag, tag))]
    assert passages_from_columns(passage_columns(passages)) == passages
    odd = [Passage(id="custom-id", file="a.txt", start=0, end=3, text="abc")]  # an id of another form is kept
    assert passages_from_columns(passage_columns(odd)) == odd
    assert passages_from_columns(passage_columns([])) == []


def test_sources_of_many_articles_stay_right_across_updates(tmp_path):
    """A feed is one source of several documents: replacing or removing it swaps all of them, and what the
    merges carry (documents by source, row ranges) is what a build from scratch computes."""
    fixtures = Path(__file__).parent / "fixtures" / "news"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(fixtures / "wire.rss", corpus / "wire.rss")
    (corpus / "a.txt").write_text(article("Busan"), encoding="utf-8")
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    service.reload()
    feed = set(service.snapshot.documents_by_source()["wire.rss"])
    assert len(feed) >= 2
    service.corpus.upsert("wire.rss", (fixtures / "science.atom").read_bytes())  # other articles, same file
    service.corpus.upsert("export.jsonl", (fixtures / "export.jsonl").read_bytes())
    merged = service.snapshot
    rebuilt = service_for(corpus, tmp_path / "fresh")
    rebuilt.build_index()
    fresh = rebuilt.store.load()
    same_index(merged, fresh)
    assert dict(merged.documents_by_source()) == dict(fresh.documents_by_source())
    assert not feed & set(merged.documents)  # the feed's old articles are gone
    service.corpus.remove("export.jsonl")
    assert "export.jsonl" not in service.snapshot.documents_by_source()
    assert dict(service.snapshot.document_rows()) == dict(service.store.load().document_rows())


def test_a_version_of_format_3_loads_and_takes_updates(corpus, tmp_path):
    """Segments written before passages were columns with byte offsets (format 3: character offsets, the
    time tags in passages.json, term counts by passage) load as they are; an update writes its segment in
    format 4 beside them, and the version reads the same."""
    import hashlib
    import io

    import scipy.sparse as sp

    from index.segments import passages_from_columns
    from tests.test_passage_table import format_3_blobs

    (corpus / "jeonju.txt").write_text(article("Jeonju", " Café owners — “delighted” 😀 — said so on Nov. 7."),
                                       encoding="utf-8")
    service = service_for(corpus, tmp_path / "index")
    service.build_index()
    store = service.store
    current = store.load()
    assert any(ord(ch) > 0xFFFF for p in current.passages for ch in p.text)  # bytes, characters and UTF-16 differ
    manifest = store.read_manifest()
    for entry in manifest["segments"]:  # each segment rewritten by hand in the layout of format 3
        folder = store.segments_dir / entry["id"]
        record = json.loads((folder / "segment.json").read_text())
        table = passages_from_columns({n: (folder / n).read_bytes() for n in
                                       ("passages.npz", "passages.txt", "passages.tags", "passages.json")})
        blobs = format_3_blobs(list(table))
        by_passage = io.BytesIO()
        sp.save_npz(by_passage, sp.load_npz(folder / "counts.npz").tocsr().astype(np.int32), compressed=False)
        blobs["counts.npz"] = by_passage.getvalue()
        (folder / "passages.tags").unlink()
        del record["files"]["passages.tags"]
        for name, data in blobs.items():
            (folder / name).write_bytes(data)
            record["files"][name] = hashlib.sha256(data).hexdigest()
        data = json.dumps(record).encode("utf-8")
        (folder / "segment.json").write_bytes(data)
        entry["digest"] = hashlib.sha256(data).hexdigest()
    manifest["format_version"] = 3
    (store.versions_dir / store.current_version() / "manifest.json").write_text(json.dumps(manifest))

    loaded = FaissStore(store.index_dir).load()
    assert loaded.passages.times_list is not None  # read as format 3
    same_index(loaded, current)
    service.reload()
    service.corpus.upsert("ulsan.txt", article("Ulsan").encode())
    manifest = store.read_manifest()
    assert manifest["format_version"] == 4 and len(manifest["segments"]) == 2
    after = FaissStore(store.index_dir).load()
    assert set(after.documents) == set(current.documents) | {"ulsan.txt"}
    kept = [p for p in after.passages if p.file != "ulsan.txt"]
    assert kept == list(current.passages)
    service.corpus.remove("jeonju.txt")
    assert [p for p in FaissStore(store.index_dir).load().passages if p.file == "jeonju.txt"] == []
