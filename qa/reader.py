"""Extractive reading: find answer spans for a question in retrieved passages.

``TransformersReader`` runs any Hugging Face extractive-QA checkpoint
(``AutoModelForQuestionAnswering``, a local folder) with onnxruntime or torch over the
passages in batches, with sliding windows for passages longer than ``max_seq_len``. For every
window the start and end logits are turned into probabilities over the context tokens *and* the
null position ([CLS]); a span's score is ``P(start) * P(end)`` and the null score is
``P(start=null) * P(end=null)``, both in [0, 1], higher meaning more likely. A span's evidence is
``log(P(span) / P(null))`` in the same window: the raw start + end logits of the span minus those
of the null, which (unlike the probabilities) can be compared between passages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.onnx_models import padded
from core.text import balance_span
from core.types import Passage, PassageReading, Span
from qa.calibration import ScoreScale, load_calibration
from qa.windows import EncodedPassages, WindowTokenizer

log = logging.getLogger(__name__)

CANDIDATE_BOUNDARIES = 20  # best start and best end tokens combined into candidate spans, per window
PAD_MULTIPLE = 16  # batch widths are rounded up to this: few distinct shapes keep oneDNN's kernel cache warm


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


def truncate_question(tokenizer, question: str, max_query_len: int) -> str:
    """The question cut to its first ``max_query_len`` tokens (training and serving cut it the same way)."""
    ids = tokenizer(question, add_special_tokens=False)["input_ids"]
    return question if len(ids) <= max_query_len else tokenizer.decode(ids[:max_query_len])


def pad_batch(rows: Sequence[Sequence[int]], type_rows: Sequence[Sequence[int]] | None, pad_id: int,
              multiple: int = 1) -> dict[str, Any]:
    """Token id rows as ``input_ids`` / ``token_type_ids`` / ``attention_mask`` torch tensors, padded to the
    longest row (rounded up to ``multiple``). ``token_type_ids`` is left out when ``type_rows`` is None."""
    import torch

    ids, mask, types = padded(rows, type_rows if type_rows is not None else [[0] * len(r) for r in rows], multiple,
                              pad_id=pad_id)
    batch = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
    if type_rows is not None:
        batch["token_type_ids"] = torch.from_numpy(types)
    return batch


_PAIRS = {"(": ")", "[": "]", "\u201c": "\u201d", '"': '"', "\u2018": "\u2019", "'": "'"}


def tidy_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace, leading and trailing commas, a sentence-final period, wrapping or unbalanced quotes/brackets."""
    start, end = balance_span(text, start, end)
    while True:
        before = (start, end)
        while start < end and (text[start].isspace() or text[start] in ",;:"):
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


def decode_window(text: str, offsets: Sequence[tuple[int, int]], context: np.ndarray, start_logits: np.ndarray,
                  end_logits: np.ndarray, max_answer_len: int, limit: int,
                  boundaries: int = CANDIDATE_BOUNDARIES) -> list[tuple[int, int, float, float]]:
    """The best spans of one reader window.

    Start and end are normalised over the null position ([CLS]) and the context tokens; the
    ``boundaries`` best starts and ends are combined on a grid, invalid pairs (end before start,
    longer than ``max_answer_len``) masked out, and the pairs visited best first. Each span is
    tidied (``tidy_span``); the first (most probable) variant of each tidied place is kept, until
    ``limit`` places are found. Returns ``[(start, end, probability, evidence)]`` in passage text
    offsets, best first. Evidence is ``log(P(span) / P(null))``: raw logits against the null's.
    """
    cand = np.concatenate([[0], context])
    ls = _log_softmax(start_logits[cand])
    le = _log_softmax(end_logits[cand])
    null = float(ls[0] + le[0])
    starts = np.argsort(-ls[1:], kind="stable")[:boundaries] + 1
    ends = np.argsort(-le[1:], kind="stable")[:boundaries] + 1
    grid = ls[starts][:, None] + le[ends][None, :]
    length = ends[None, :] - starts[:, None]
    valid = (length >= 0) & (length < max_answer_len)
    rows, cols = np.nonzero(valid)
    logp = grid[rows, cols]
    order = np.argsort(-logp, kind="stable")
    spans: list[tuple[int, int, float, float]] = []
    seen: set[tuple[int, int]] = set()
    for k in order:
        a, b = cand[starts[rows[k]]], cand[ends[cols[k]]]
        c_start, c_end = tidy_span(text, offsets[a][0], offsets[b][1])
        if c_end <= c_start or "\n" in text[c_start:c_end] or (c_start, c_end) in seen:
            continue  # empty, across a line break (a heading glued to a sentence), or a variant already kept
        seen.add((c_start, c_end))
        spans.append((c_start, c_end, float(np.exp(logp[k])), float(logp[k] - null)))
        if len(spans) >= limit:
            break
    return spans


# Runtimes and precisions (figures: bench.latency, README):
# onnx (the default): the checkpoint exported once to ONNX and run by onnxruntime (core.onnx_models);
#   serving then never imports torch. int8 (the default: weights per output channel, activations
#   quantized per call after their outlier channels are moved into the weights, core.int8; each window
#   is run on its own, so a reading never depends on batch-mates; a lone question's windows are spread
#   over the cores, core.onnx_models.OnnxModel.run_many), or fp32.
# torch: the checkpoint run by torch. fp32 as trained; int8 = the attention projections dynamically
#   quantized (the feed-forward layers stay fp32: quantizing them too cost 1.8 F1 on SQuAD dev,
#   reader mode; activations are scaled per batch, so readings depend slightly on batch-mates);
#   bf16 = autocast: 1.7x slower than fp32 on a Xeon with AVX-512 BF16 but no AMX (session 7), faster on
#   the EPYC of session 16 (one 256-token paragraph: 16.4 ms against 36.2 in fp32).
RUNTIMES = ("onnx", "torch")
PRECISIONS = ("int8", "bf16", "fp32")
ONNX_PRECISIONS = ("int8", "fp32")


def quantized(model):
    """``model`` with its attention projections dynamically quantized to int8 (torch's eager-mode API)."""
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    layers = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
              if isinstance(module, torch.nn.Linear) and ".attention." in f".{name}."}
    with warnings.catch_warnings():  # the eager-mode API is deprecated in favour of torchao, not on PyPI here
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, layers, dtype=torch.qint8)


Logits = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
ManyLogits = Callable[[Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]], list[tuple[np.ndarray, np.ndarray]]]


def one_by_one(logits: Logits) -> ManyLogits:
    """``logits`` applied to each batch in turn."""
    return lambda batches: [logits(*batch) for batch in batches]


def torch_logits(model_dir: str, precision: str, threads: int) -> Logits:
    """Start and end logits of a padded batch, computed by torch."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    if threads:
        torch.set_num_threads(threads)
    model = AutoModelForQuestionAnswering.from_pretrained(model_dir, dtype=torch.float32).eval()
    if precision == "int8":
        model = quantized(model)

    def logits(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                        token_type_ids=torch.from_numpy(types))
        return out.start_logits.float().numpy(), out.end_logits.float().numpy()

    return logits


def onnx_logits(model_dir: str, precision: str, threads: int, cache_dir: Path) -> ManyLogits:
    """Start and end logits of padded batches, computed by onnxruntime (spread over the cores when alone)."""
    from core.onnx_models import OnnxModel, cached_onnx

    model = OnnxModel(cached_onnx(model_dir, "reader", precision == "int8", cache_dir), threads,
                      one_thread_when_busy=True)

    def logits(batches: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(out[0], out[1]) for out in model.run_many(batches)]

    return logits


class TransformersReader:
    """A Hugging Face extractive QA checkpoint on the CPU (run by onnxruntime or torch); ``warm_up`` loads it once.

    ``read`` = ``encode`` (question + passages into windows) → ``forward`` (logits, length-sorted
    batches) → ``decode`` (spans per window, merged per passage).
    """

    def __init__(self, model: str, max_seq_len: int = 256, doc_stride: int = 128, max_answer_len: int = 30,
                 batch_size: int = 16, max_query_len: int = 64, spans_per_passage: int = 10,
                 threads: int = 0, precision: str = "fp32", runtime: str = "torch",
                 cache_dir: str | Path = ".citeqa/models") -> None:
        if max_seq_len < 32:
            raise ValueError(f"max_seq_len must be at least 32, got {max_seq_len}")
        if not 0 < doc_stride < max_seq_len:
            raise ValueError(f"doc_stride must be in (0, max_seq_len), got {doc_stride}")
        if max_answer_len < 1 or batch_size < 1 or spans_per_passage < 1:
            raise ValueError("max_answer_len, batch_size and spans_per_passage must be positive")
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        allowed = ONNX_PRECISIONS if runtime == "onnx" else PRECISIONS
        if precision not in allowed:
            raise ValueError(f"precision with the {runtime} runtime must be one of {', '.join(allowed)}, "
                             f"got {precision!r}")
        self.model_name = model
        self.max_seq_len = max_seq_len
        self.doc_stride = doc_stride
        self.max_answer_len = max_answer_len
        # int8 in onnxruntime scales activations per call: one window per call keeps readings cacheable
        self.batch_size = 1 if (runtime, precision) == ("onnx", "int8") else batch_size
        self.max_query_len = max_query_len
        self.spans_per_passage = spans_per_passage
        self.threads = threads
        self.precision = precision
        self.runtime = runtime
        self.cache_dir = Path(cache_dir)
        self._logits: ManyLogits | None = None
        self._windows: WindowTokenizer | None = None
        self._lock = threading.Lock()
        self._calibration = load_calibration(model)

    @property
    def no_answer_threshold(self) -> float:
        return self._calibration.no_answer_threshold

    @property
    def score_scale(self) -> ScoreScale:
        return self._calibration.score_scale

    def warm_up(self) -> None:
        with self._lock:
            if self._logits is not None:
                return
            path = Path(self.model_name)
            if not path.is_dir():
                raise FileNotFoundError(f"reader model folder not found: {self.model_name}")
            self._windows = WindowTokenizer(path / "tokenizer.json", self.max_seq_len, self.doc_stride,
                                            self.max_query_len)
            if self.runtime == "onnx":
                self._logits = onnx_logits(self.model_name, self.precision, self.threads, self.cache_dir)
            else:
                self._logits = one_by_one(torch_logits(self.model_name, self.precision, self.threads))

    def _require(self) -> tuple[ManyLogits, WindowTokenizer]:
        if self._logits is None or self._windows is None:
            raise RuntimeError("TransformersReader.warm_up() must be called before read()")
        return self._logits, self._windows

    def encode(self, question: str, passages: Sequence[Passage]) -> EncodedPassages:
        """The question (cut to ``max_query_len`` tokens) with every passage, in windows of ``max_seq_len``."""
        _, windows = self._require()
        return windows.encode(question, [p.text for p in passages])

    def forward(self, encoded: EncodedPassages) -> list[tuple[np.ndarray, np.ndarray]]:
        """Start and end logits of every window (unpadded), in window order; batches of similar length."""
        logits_of, _ = self._require()
        rows = encoded.input_ids
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        logits: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(rows)
        groups = [order[lo:lo + self.batch_size] for lo in range(0, len(order), self.batch_size)]
        outputs = logits_of([padded([rows[i] for i in idx], [encoded.type_ids[i] for i in idx]) for idx in groups])
        for idx, (s, e) in zip(groups, outputs):
            for row, i in enumerate(idx):
                n = len(rows[i])
                logits[i] = (s[row, :n], e[row, :n])
        return logits  # type: ignore[return-value]

    def decode(self, passages: Sequence[Passage], encoded: EncodedPassages,
               logits: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[PassageReading]:
        """Every window's spans merged per passage: a place keeps its best probability and evidence."""
        merged: list[dict[tuple[int, int], tuple[float, float]]] = [{} for _ in passages]
        for i, p_idx in enumerate(encoded.window_passage):
            context = encoded.contexts[i]
            if len(context) == 0:
                continue
            spans = decode_window(passages[p_idx].text, encoded.offsets[i], context, logits[i][0],
                                  logits[i][1], self.max_answer_len, self.spans_per_passage)
            places = merged[p_idx]
            for a, b, prob, evidence in spans:
                seen_prob, seen_evidence = places.get((a, b), (0.0, -np.inf))
                places[(a, b)] = (max(seen_prob, prob), max(seen_evidence, evidence))
        readings = []
        for passage, places in zip(passages, merged):
            best = sorted(places.items(), key=lambda kv: -kv[1][0])[:self.spans_per_passage]
            readings.append(PassageReading(passage, tuple(Span(passage, a, b, prob, ev)
                                                          for (a, b), (prob, ev) in best)))
        return readings

    def read(self, question: str, passages: list[Passage]) -> list[PassageReading]:
        if not passages:
            return []
        encoded = self.encode(question, passages)
        return self.decode(passages, encoded, self.forward(encoded))
