"""Read the corpus folder: every file in a supported format becomes one or more articles.

A *source file* is a file of the corpus folder (``world/korea.txt``, ``wire.rss``); it holds one
article (plain text, a web page) or several (a feed, a CMS export). ``index.formats`` picks the
ingest step by suffix; a plain-text file's sidecar ``<name>.meta.json`` is merged into its metadata.

Offsets everywhere in citeqa are character offsets into an article's ``text``: for a ``.txt`` file
the decoded file exactly as it is on disk (no newline translation, no Unicode normalization), so
anyone can check ``text[start:end]`` by opening the file; for other formats the text the extractor
produced, which the index stores with its version.

Only regular files inside the folder are read: hidden files and folders, sidecars, names the API
could not serve (``core.names``), and symbolic links leading outside the folder are skipped, each
with its reason.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidDocument
from core.names import ARTICLE_SUFFIXES, SIDECAR_SUFFIX, name_problem
from core.types import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """One file of the corpus folder and the articles read from it."""

    name: str  # path relative to the corpus folder, with "/" separators
    sha256: str  # of the raw bytes
    size: int  # bytes
    format: str
    articles: tuple[Article, ...]
    meta_sha256: str | None = None  # of the sidecar (plain text only), when there is one


@dataclass(frozen=True)
class SkippedFile:
    name: str
    reason: str


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inside_folder(folder: Path, name: str) -> Path | None:
    """``folder / name`` resolved, or None where it (or a linked folder on the way) leads outside ``folder``."""
    root = Path(folder).resolve()
    path = (root / name).resolve()
    return path if root in path.parents else None


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_source(name: str, data: bytes, sidecar: bytes | None = None, content_format: str | None = None) -> SourceFile:
    """The articles of one file's bytes; ``InvalidDocument`` (with the reason) when it holds none.

    ``content_format`` names the format when the name's suffix does not (an upload's content type).
    """
    from index.formats import format_for
    from index.formats.text import apply_sidecar

    fmt = format_for(name if content_format is None else f"{name}.{content_format}", data)
    if fmt is None:
        raise InvalidDocument(f"{name}: not a supported article format (supported: {', '.join(ARTICLE_SUFFIXES)})")
    articles = fmt.extract(name, data)
    if not articles:
        raise InvalidDocument(f"{name}: no article found")
    meta_sha = None
    if sidecar is not None and fmt.name == "txt":
        articles = [apply_sidecar(articles[0], name + SIDECAR_SUFFIX, sidecar)]
        meta_sha = sha256_bytes(sidecar)
    return SourceFile(name=name, sha256=sha256_bytes(data), size=len(data), format=articles[0].meta.format,
                      articles=tuple(articles), meta_sha256=meta_sha)


def decode_article(name: str, data: bytes) -> str:
    """The text of a plain-text article's bytes (``InvalidDocument`` when they are not one)."""
    from index.formats.text import decode_text

    return decode_text(name, data)


def list_articles(corpus_dir: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Every file in a supported format under the corpus folder, sorted; and what was passed over, and why."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    found: list[Path] = []
    skipped: list[SkippedFile] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.name.endswith(ARTICLE_SUFFIXES)):
        relative = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in relative.parts) or path.name.endswith(SIDECAR_SUFFIX):
            continue
        name = relative.as_posix()
        resolved = inside_folder(corpus_dir, name)
        if resolved is None:
            skipped.append(SkippedFile(name, "a link to a file outside the corpus folder"))
            continue
        if not resolved.is_file():
            continue
        problem = name_problem(name)
        if problem is not None:  # the API could neither read nor delete it
            skipped.append(SkippedFile(name, f"invalid name: {problem}"))
            continue
        found.append(path)
    return found, skipped


def read_corpus(corpus_dir: Path) -> tuple[list[SourceFile], list[SkippedFile]]:
    """Read every article file; files that are not usable are reported (and logged), never fatal."""
    paths, skipped = list_articles(corpus_dir)
    sources: list[SourceFile] = []
    for path in paths:
        name = path.relative_to(corpus_dir).as_posix()
        try:
            side = inside_folder(corpus_dir, sidecar_path(Path(name)).as_posix())
            sidecar = side.read_bytes() if side is not None and side.is_file() else None
            sources.append(read_source(name, path.read_bytes(), sidecar))
        except InvalidDocument as exc:
            skipped.append(SkippedFile(name, exc.message.split(": ", 1)[-1]))
        except OSError as exc:
            skipped.append(SkippedFile(name, f"unreadable: {exc.strerror or exc}"))
    for s in skipped:
        log.warning("skipping %s: %s", s.name, s.reason)
    return sources, skipped
