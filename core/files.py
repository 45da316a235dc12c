"""Durable file writes: the one place that knows how to put bytes on disk so a crash cannot half-write them.

* ``write_synced(path, data)``: write and fsync a file in place (for files inside a folder that is
  itself published atomically, such as an index version being built).
* ``write_atomically(path, data)``: write beside the target, fsync, rename over it, fsync the folder;
  readers see the old bytes or the new ones, never a mix. A failed write leaves no temporary file.
* ``atomic_writer(path)``: the same as a context manager yielding a binary file handle, for writers
  that stream (``torch.save``, ``json.dump``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_synced(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` and fsync it. Returns its sha256 (hex)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return hashlib.sha256(data).hexdigest()


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".tmp-{path.name}-{os.getpid()}-{threading.get_ident()}")


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """Yield a file handle whose content replaces ``path`` atomically when the block ends without error."""
    path = Path(path)
    tmp = _temporary_name(path)
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably."""
    with atomic_writer(path) as f:
        f.write(data)
