"""Extractive reading: find answer spans for a question in retrieved passages.

``TransformersReader`` runs any Hugging Face extractive-QA checkpoint
(``AutoModelForQuestionAnswering``: a local folder or a hub id already in the cache) over the
passages in batches, with sliding windows for passages longer than ``max_seq_len``. For every
window the start and end logits are turned into probabilities over the context tokens *and* the
null position ([CLS]); a span's score is ``P(start) * P(end)`` and the null score is
``P(start=null) * P(end=null)``, both in [0, 1], higher meaning more likely. A span's evidence is
``log(P(span) / P(null))`` in the same window: the raw start + end logits of the span minus those
of the null, which (unlike the probabilities) can be compared between passages.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.answers import ScoreScale
from qa.types import Passage, PassageReading, Span

log = logging.getLogger(__name__)

CALIBRATION_FILE = "citeqa.json"  # beside the weights: {"no_answer_threshold": float, "score_scale": {...}, ...}
DEFAULT_THRESHOLD = 0.1


class Reader(Protocol):
    @property
    def no_answer_threshold(self) -> float:
        """The threshold calibrated for this model (answers scoring below it are withheld)."""

    @property
    def score_scale(self) -> ScoreScale:
        """How this model's evidence becomes a score (fitted with ``python -m eval.fit_scores``)."""

    def read(self, question: str, passages: list[Passage]) -> list[PassageReading]:
        """One reading per passage, in the order given."""

    def warm_up(self) -> None:
        """Load the model; cheap and safe to call again."""


def _log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


_PAIRS = {"(": ")", "[": "]", "\u201c": "\u201d", '"': '"', "\u2018": "\u2019", "'": "'"}


def tidy_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace, trailing commas, a sentence-final period, wrapping or unbalanced quotes/brackets."""
    while True:
        before = (start, end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
            end -= 1
        span = text[start:end]
        if len(span) > 1 and span[-1] == ".":
            word = span[:-1].split()[-1] if span[:-1].split() else ""
            if len(word) > 2 and "." not in word and word[-1].isalnum():
                end -= 1  # "Busan." -> "Busan", but keep "p.m." and "U.S."
        for left, right in _PAIRS.items():
            span = text[start:end]
            if len(span) < 2:
                break
            inner = span[1:-1]
            if span[0] == left and span[-1] == right and left not in inner and right not in inner:
                start, end = start + 1, end - 1  # wrapped: "(fine)" -> "fine"
            elif span[0] == left and right not in span[1:]:
                start += 1  # unbalanced opener
            elif span[-1] == right and left not in span[:-1] and left != right:
                end -= 1  # unbalanced closer
        if (start, end) == before:
            return start, end


class TransformersReader:
    """A Hugging Face extractive QA model on the CPU; ``warm_up`` loads it once."""

    def __init__(self, model: str, max_seq_len: int = 256, doc_stride: int = 128, max_answer_len: int = 30,
                 batch_size: int = 16, max_query_len: int = 64, spans_per_passage: int = 10,
                 threads: int = 0, bf16: bool | None = None) -> None:
        if max_seq_len < 32:
            raise ValueError(f"max_seq_len must be at least 32, got {max_seq_len}")
        if not 0 < doc_stride < max_seq_len:
            raise ValueError(f"doc_stride must be in (0, max_seq_len), got {doc_stride}")
        if max_answer_len < 1 or batch_size < 1 or spans_per_passage < 1:
            raise ValueError("max_answer_len, batch_size and spans_per_passage must be positive")
        self.model_name = model
        self.max_seq_len = max_seq_len
        self.doc_stride = doc_stride
        self.max_answer_len = max_answer_len
        self.batch_size = batch_size
        self.max_query_len = max_query_len
        self.spans_per_passage = spans_per_passage
        self.threads = threads
        self._bf16 = bf16
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._threshold = DEFAULT_THRESHOLD
        self._score_scale = ScoreScale()
        calibration = Path(model) / CALIBRATION_FILE
        if calibration.is_file():
            try:
                record = json.loads(calibration.read_text())
                self._threshold = float(record["no_answer_threshold"])
                if "score_scale" in record:
                    self._score_scale = ScoreScale(float(record["score_scale"]["scale"]),
                                                   float(record["score_scale"]["offset"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{calibration} is not a valid reader calibration (needs no_answer_threshold and "
                                 f"optionally score_scale: {{scale, offset}}): {exc!r}") from exc

    @property
    def no_answer_threshold(self) -> float:
        return self._threshold

    @property
    def score_scale(self) -> ScoreScale:
        return self._score_scale

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import torch
            from transformers import AutoModelForQuestionAnswering, AutoTokenizer

            if self.threads:
                torch.set_num_threads(self.threads)
            path = Path(self.model_name)
            if not path.is_dir() and (path.is_absolute() or self.model_name.startswith((".", "/"))):
                raise FileNotFoundError(f"reader model folder not found: {self.model_name}")
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_name)
            model = AutoModelForQuestionAnswering.from_pretrained(self.model_name, dtype=torch.float32)
            model.eval()
            if self._bf16 is None:
                self._bf16 = bool(getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)())
            self._model = model

    def _require(self):
        if self._model is None:
            raise RuntimeError("TransformersReader.warm_up() must be called before read()")
        return self._model, self._tokenizer

    def _question(self, question: str) -> str:
        _, tokenizer = self._require()
        ids = tokenizer(question, add_special_tokens=False)["input_ids"]
        return question if len(ids) <= self.max_query_len else tokenizer.decode(ids[:self.max_query_len])

    def read(self, question: str, passages: list[Passage]) -> list[PassageReading]:
        if not passages:
            return []
        import torch

        model, tokenizer = self._require()
        q = self._question(question)
        enc = tokenizer([q] * len(passages), [p.text for p in passages], truncation="only_second",
                        max_length=self.max_seq_len, stride=self.doc_stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=False)
        n_features = len(enc["input_ids"])
        order = sorted(range(n_features), key=lambda i: len(enc["input_ids"][i]))
        results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for lo in range(0, n_features, self.batch_size):
            idx = order[lo:lo + self.batch_size]
            width = max(len(enc["input_ids"][i]) for i in idx)
            ids = torch.zeros((len(idx), width), dtype=torch.long)
            types = torch.zeros_like(ids)
            mask = torch.zeros_like(ids)
            for row, i in enumerate(idx):
                n = len(enc["input_ids"][i])
                ids[row, :n] = torch.tensor(enc["input_ids"][i])
                types[row, :n] = torch.tensor(enc["token_type_ids"][i]) if "token_type_ids" in enc else 0
                mask[row, :n] = 1
            inputs = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in enc:
                inputs["token_type_ids"] = types
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(self._bf16)):
                out = model(**inputs)
            s = out.start_logits.float().numpy()
            e = out.end_logits.float().numpy()
            for row, i in enumerate(idx):
                n = len(enc["input_ids"][i])
                results[i] = (s[row, :n], e[row, :n])

        spans: list[dict[tuple[int, int], tuple[float, float]]] = [{} for _ in passages]  # (score, evidence)
        nulls = [1.0 for _ in passages]
        for i in range(n_features):
            p_idx = enc["overflow_to_sample_mapping"][i]
            seq_ids = enc.sequence_ids(i)
            ctx = np.array([k for k, sid in enumerate(seq_ids) if sid == 1])
            if len(ctx) == 0:
                continue
            s_all, e_all = results[i]
            cand = np.concatenate([[0], ctx])
            ls = _log_softmax(s_all[cand])
            le = _log_softmax(e_all[cand])
            nulls[p_idx] = min(nulls[p_idx], float(np.exp(ls[0] + le[0])))
            offsets = enc["offset_mapping"][i]
            top = 20
            starts = np.argsort(-ls[1:])[:top] + 1
            ends = np.argsort(-le[1:])[:top] + 1
            text = passages[p_idx].text
            for a in starts:
                for b in ends:
                    if b < a or b - a + 1 > self.max_answer_len:
                        continue
                    score = float(np.exp(ls[a] + le[b]))
                    evidence = float(ls[a] + le[b] - ls[0] - le[0])  # log(P(span) / P(null)), this window
                    c_start, c_end = offsets[cand[a]][0], offsets[cand[b]][1]
                    c_start, c_end = tidy_span(text, c_start, c_end)
                    if c_end <= c_start or "\n" in text[c_start:c_end]:
                        continue  # empty, or across a line break (a heading glued to a sentence)
                    key = (c_start, c_end)
                    seen_score, seen_evidence = spans[p_idx].get(key, (0.0, -math.inf))
                    spans[p_idx][key] = (max(seen_score, score), max(seen_evidence, evidence))
        readings = []
        for p_idx, passage in enumerate(passages):
            best = sorted(spans[p_idx].items(), key=lambda kv: -kv[1][0])[:self.spans_per_passage]
            readings.append(PassageReading(passage, tuple(Span(passage, a, b, s, z) for (a, b), (s, z) in best),
                                           nulls[p_idx]))
        return readings
