"""The reader's calibration file, ``citeqa.json`` beside its weights: the one module that reads and writes it.

    {"no_answer_threshold": 0.18,                         answers scoring below it are withheld
     "score_scale": {"scale": 0.227, "offset": -0.949},   evidence -> score (``ScoreScale``)
     ...}                                                 provenance written by the fitting scripts

``eval.fit_scores`` fits the scale and ``eval.calibrate`` the threshold; both merge their record
into the file with ``update_calibration`` (atomic, fsynced, other keys kept). ``load_calibration``
is what a reader uses; a reader folder without the file gets the defaults.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from core.files import write_atomically

CALIBRATION_FILE = "citeqa.json"
DEFAULT_THRESHOLD = 0.1


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@dataclass(frozen=True)
class ScoreScale:
    """How a candidate's evidence (log-odds against "no answer") becomes its score:
    ``sigmoid(scale * evidence + offset)``. Fitted per reader (``python -m eval.fit_scores``) so that a
    score estimates the chance that the answer is exactly right; the identity by default."""

    scale: float = 1.0
    offset: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.scale) and self.scale > 0 and math.isfinite(self.offset)):
            raise ValueError(f"a score scale needs a finite positive scale and a finite offset, got {self}")

    def score(self, evidence: float) -> float:
        return _sigmoid(self.scale * evidence + self.offset)


@dataclass(frozen=True)
class ReaderCalibration:
    no_answer_threshold: float = DEFAULT_THRESHOLD
    score_scale: ScoreScale = field(default_factory=ScoreScale)


def calibration_path(model_dir: str | Path) -> Path:
    return Path(model_dir) / CALIBRATION_FILE


def has_calibration(model_dir: str | Path) -> bool:
    return calibration_path(model_dir).is_file()


def load_calibration(model_dir: str | Path) -> ReaderCalibration:
    """The calibration beside a reader's weights; the defaults when there is none (e.g. a hub id)."""
    path = calibration_path(model_dir)
    if not path.is_file():
        return ReaderCalibration()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        threshold = float(record["no_answer_threshold"])
        scale = record.get("score_scale")
        score_scale = ScoreScale(float(scale["scale"]), float(scale["offset"])) if scale is not None else ScoreScale()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a valid reader calibration (needs no_answer_threshold and "
                         f"optionally score_scale: {{scale, offset}}): {exc!r}") from exc
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"{path}: no_answer_threshold must be in [0, 1], got {threshold}")
    return ReaderCalibration(threshold, score_scale)


def update_calibration(model_dir: str | Path, record: dict) -> Path:
    """Merge ``record`` into the reader's calibration file (other keys kept), atomically and durably."""
    path = calibration_path(model_dir)
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    current.update(record)
    write_atomically(path, (json.dumps(current, indent=2) + "\n").encode("utf-8"))
    return path
