"""Does the index agree with the corpus folder? (``citeqa check``)"""

from __future__ import annotations

from pathlib import Path

from index.ingest import decode_article, list_articles, sha256_bytes
from index.store import FaissStore
from core.errors import InvalidDocument


def check_consistency(settings) -> list[str]:
    """Every disagreement between the corpus folder and the live index, as readable lines."""
    corpus = Path(settings.corpus_dir)
    snapshot = FaissStore(settings.index_dir).load()
    problems: list[str] = []
    on_disk = {p.relative_to(corpus).as_posix(): p for p in list_articles(corpus)}
    per_file: dict[str, int] = {}
    for passage in snapshot.passages:
        per_file[passage.file] = per_file.get(passage.file, 0) + 1
    for name, entry in sorted(snapshot.documents.items()):
        path = on_disk.get(name)
        if path is None:
            problems.append(f"{name}: in the index but not in {corpus}")
            continue
        data = path.read_bytes()
        if sha256_bytes(data) != entry.sha256:
            problems.append(f"{name}: changed on disk since it was indexed")
            continue
        if per_file.get(name, 0) != entry.passages:
            problems.append(f"{name}: manifest lists {entry.passages} passages, index holds {per_file.get(name, 0)}")
        text = data.decode("utf-8")
        for passage in snapshot.passages:
            if passage.file == name and text[passage.start:passage.end] != passage.text:
                problems.append(f"{name}: passage {passage.id} does not match the file")
                break
    for name in sorted(set(per_file) - set(snapshot.documents)):
        problems.append(f"{name}: {per_file[name]} passages in the index for a document not in the manifest")
    for name in sorted(set(on_disk) - set(snapshot.documents)):
        try:
            decode_article(name, on_disk[name].read_bytes())
        except InvalidDocument:
            continue  # unusable files are skipped by design, not a mismatch
        problems.append(f"{name}: in {corpus} but not in the index")
    return problems
