"""Read the corpus folder: every ``*.txt`` file with a valid name (``core.names``) that is valid, non-empty UTF-8 text.

Offsets everywhere in citeqa are character offsets into the decoded text of the file exactly as
it is on disk (no newline translation, no Unicode normalization), so ``text[start:end]`` can be
checked by anyone who opens the file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidDocument
from core.names import name_problem

log = logging.getLogger(__name__)

# control characters that never occur in text files (everything below 0x20 except \t \n \r \f)
_BINARY_CONTROLS = {c for c in range(32) if c not in (9, 10, 12, 13)}


@dataclass(frozen=True)
class Document:
    name: str  # path relative to the corpus folder, with "/" separators
    text: str
    sha256: str  # of the raw bytes
    size: int  # bytes


@dataclass(frozen=True)
class SkippedFile:
    name: str
    reason: str


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_article(name: str, data: bytes) -> Document:
    """Validate raw bytes as an article; raise ``InvalidDocument`` saying why it is not one."""
    if not data.strip():
        raise InvalidDocument(f"{name}: file is empty")
    if b"\x00" in data:
        raise InvalidDocument(f"{name}: looks binary (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidDocument(f"{name}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    controls = sum(1 for ch in text[:10000] if ord(ch) in _BINARY_CONTROLS)
    if controls > max(3, len(text[:10000]) // 100):
        raise InvalidDocument(f"{name}: looks binary ({controls} control characters)")
    if not text.strip():
        raise InvalidDocument(f"{name}: file has no text")
    return Document(name=name, text=text, sha256=sha256_bytes(data), size=len(data))


def list_articles(corpus_dir: Path) -> list[Path]:
    """All ``*.txt`` files under the corpus folder, sorted, skipping hidden files and folders."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    return sorted(
        p for p in corpus_dir.rglob("*.txt")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def read_corpus(corpus_dir: Path) -> tuple[list[Document], list[SkippedFile]]:
    """Read every article; files that are not usable are reported (and logged), never fatal."""
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in list_articles(corpus_dir):
        name = path.relative_to(corpus_dir).as_posix()
        problem = name_problem(name)
        if problem is not None:  # the API could neither read nor delete it
            log.warning("skipping %s: its name is not a valid document name (%s)", name, problem)
            skipped.append(SkippedFile(name, f"invalid name: {problem}"))
            continue
        try:
            documents.append(decode_article(name, path.read_bytes()))
        except InvalidDocument as exc:
            log.warning("skipping %s", exc.message)
            skipped.append(SkippedFile(name, exc.message.split(": ", 1)[-1]))
        except OSError as exc:
            log.warning("skipping %s: %s", name, exc)
            skipped.append(SkippedFile(name, f"unreadable: {exc.strerror or exc}"))
    return documents, skipped
