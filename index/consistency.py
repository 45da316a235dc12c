"""Does the index agree with the corpus folder? (``citeqa check``)"""

from __future__ import annotations

from pathlib import Path

from core.errors import InvalidDocument
from index.ingest import decode_article, list_articles, read_source, sha256_bytes
from index.store import FaissStore


def check_consistency(settings) -> list[str]:
    """Every disagreement between the corpus folder and the live index, as readable lines."""
    corpus = Path(settings.corpus_dir)
    snapshot = FaissStore(settings.index_dir).load()
    problems: list[str] = []
    paths, _ = list_articles(corpus)
    on_disk = {p.relative_to(corpus).as_posix(): p for p in paths}
    per_document: dict[str, list] = {}
    for passage in snapshot.live_passages():
        per_document.setdefault(passage.file, []).append(passage)
    sources: set[str] = set()
    for name, entry in sorted(snapshot.documents.items()):
        source = entry.source_of(name)
        sources.add(source)
        path = on_disk.get(source)
        if path is None:
            problems.append(f"{name}: in the index but {source} is not in {corpus}")
            continue
        data = path.read_bytes()
        if sha256_bytes(data) != entry.sha256:
            problems.append(f"{name}: changed on disk since it was indexed" if source == name else
                            f"{name}: {source} changed on disk since it was indexed")
            continue
        passages = per_document.get(name, [])
        if len(passages) != entry.passages:
            problems.append(f"{name}: manifest lists {entry.passages} passages, index holds {len(passages)}")
        text = snapshot.texts[name] if name in snapshot.texts else decode_article(name, data)
        for passage in passages:
            if text[passage.start:passage.end] != passage.text:
                problems.append(f"{name}: passage {passage.id} does not match the document's text")
                break
    for name in sorted(set(per_document) - set(snapshot.documents)):
        problems.append(f"{name}: {len(per_document[name])} passages in the index for a document not in the manifest")
    for name in sorted(set(on_disk) - sources):
        try:
            read_source(name, on_disk[name].read_bytes())
        except InvalidDocument:
            continue  # unusable files are skipped by design, not a mismatch
        problems.append(f"{name}: in {corpus} but not in the index")
    return problems
