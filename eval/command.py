"""What every evaluation command does first: work offline, then parse its arguments."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence


def parse_offline(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """Models load from local folders only (no hub calls); the parsed arguments, or the exit status
    when argparse has already answered (``--help``, or a usage error it printed)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
