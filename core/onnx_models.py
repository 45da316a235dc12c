"""The project's models as ONNX files run by onnxruntime: no torch in the serving process.

A model folder (the reader's Hugging Face checkpoint, the embedder's sentence-transformers
folder) is exported once with torch (``torch.onnx.export``), optionally quantized to int8 with
onnxruntime's dynamic quantization (smoothed first when the folder holds activation ranges,
``core.int8``), and cached under ``cache_dir`` by the sha256 of its weights:
new weights get a new file, and a half-written export is never seen (written beside, then renamed).
Later starts load the cached file with onnxruntime alone, which imports in a fraction of the time
torch + transformers take (see README, start-up).

The exported graphs take ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int64, batch x
tokens, both axes dynamic). The reader's returns ``start_logits`` and ``end_logits``; the encoder's
returns ``last_hidden_state`` (pooling is done by the caller).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import numpy as np

from core.files import fsync_dir
from core.int8 import CALIBRATION_FILE, Int8Calibration, fp32_nodes, smooth_graph

log = logging.getLogger(__name__)

Kind = Literal["reader", "encoder"]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
_export_lock = threading.Lock()


def weights_digest(model_dir: Path) -> str:
    """sha256 of the folder's config and weight files: what an export depends on."""
    h = hashlib.sha256()
    files = [model_dir / "config.json", *sorted(model_dir.glob("*.safetensors")), *sorted(model_dir.glob("*.bin"))]
    for f in files:
        if f.is_file():
            h.update(f.name.encode())
            with open(f, "rb") as fh:
                h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:16]


def int8_calibration_of(model_dir: str | Path, digest: str | None = None) -> Path | None:
    """The activation ranges that smooth ``model_dir``'s int8 (the folder's ``int8_calibration.json``), or None
    (plain int8) when there are none or they were measured on other weights than the folder's (``digest``)."""
    folder = Path(model_dir)
    path = folder / CALIBRATION_FILE
    if not path.is_file():
        log.warning("no int8 activation ranges for %s (%s): its int8 is not smoothed (plain int8 cost the shipped "
                    "reader about 1 F1 on SQuAD); measure them with `python -m training.int8_calibration`, or use fp32",
                    folder, path)
        return None
    measured = Int8Calibration.load(path).weights
    if measured and measured != (digest or weights_digest(folder)):
        log.warning("%s was measured on other weights than %s: its int8 is not smoothed", path, folder)
        return None
    return path


def cached_onnx(model_dir: str | Path, kind: Kind, int8: bool, cache_dir: str | Path) -> Path:
    """The ONNX file of ``model_dir`` (exported and cached on first use; needs torch only then). An int8 reader
    is smoothed with its folder's ``int8_calibration.json`` when that fits the weights; an int8 encoder is plain
    (smoothing did not bring the packaged embedder's int8 vectors closer to fp32: mean cosine 0.9947 plain,
    0.9947 at alpha 0.7, 0.988 at 0.85)."""
    folder = Path(model_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder not found: {folder}")
    cache = Path(cache_dir)
    digest = weights_digest(folder)
    fp32 = cache / f"{kind}-{digest}.onnx"
    calibration = int8_calibration_of(folder, digest) if int8 and kind == "reader" else None
    suffix = "-int8" + (f"s-{file_digest(calibration)}" if calibration is not None else "")
    target = fp32.with_name(f"{fp32.stem}{suffix}.onnx") if int8 else fp32
    if target.is_file():
        return target
    with _export_lock:
        if target.is_file():
            return target
        cache.mkdir(parents=True, exist_ok=True)
        if not fp32.is_file():
            log.info("exporting %s %s to ONNX (once; cached in %s)", kind, folder, cache)
            _export(folder, kind, fp32)
        if int8:
            log.info("quantizing %s to int8%s", fp32.name, " (smoothed)" if calibration is not None else "")
            _quantize(fp32, target, Int8Calibration.load(calibration) if calibration is not None else None)
    return target


def file_digest(path: Path) -> str:
    """The first 12 hex digits of a file's sha256."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:12]


def _export(folder: Path, kind: Kind, target: Path) -> None:
    import torch
    from transformers import AutoModel, AutoModelForQuestionAnswering

    loader = AutoModelForQuestionAnswering if kind == "reader" else AutoModel
    model = loader.from_pretrained(str(folder), dtype=torch.float32, attn_implementation="eager").eval()
    outputs = ("start_logits", "end_logits") if kind == "reader" else ("last_hidden_state",)

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return tuple(getattr(out, name) for name in outputs)

    example = torch.ones((2, 16), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, *outputs)}
    with _written_beside(target) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about Python values held constant: checked by the tests
        torch.onnx.export(Graph(), (example, torch.ones_like(example), torch.zeros_like(example)), str(tmp),
                          input_names=list(INPUTS), output_names=list(outputs), dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


def _quantize(source: Path, target: Path, calibration: Int8Calibration | None = None) -> None:
    """int8 weights (one scale per output channel), activations quantized per call (dynamic); with a
    ``calibration``, the activations' outlier channels are first moved into the weights (``core.int8``)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _written_beside(target) as tmp:
        if calibration is None:
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
            return
        import onnx

        smoothed = tmp.with_name(f"{tmp.name}.smoothed.onnx")
        try:
            graph = smooth_graph(onnx.load(str(source)), calibration)
            onnx.save(graph, str(smoothed))
            quantize_dynamic(str(smoothed), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                             nodes_to_exclude=fp32_nodes(graph, calibration))
        finally:
            smoothed.unlink(missing_ok=True)


@contextlib.contextmanager
def _written_beside(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for a library that writes files by name; renamed over
    ``target`` (durably) when the block succeeds, removed when it fails."""
    tmp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        yield tmp
        os.replace(tmp, target)
        fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def padded(rows: Sequence[Sequence[int]], type_rows: Sequence[Sequence[int]], multiple: int = 1, pad_id: int = 0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(input_ids, attention_mask, token_type_ids)`` int64 arrays padded to the longest row (rounded up
    to ``multiple``): ids with ``pad_id``, mask and types with 0."""
    width = max(len(r) for r in rows)
    width = -(-width // multiple) * multiple
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(mask)
    for row, (tokens, kinds) in enumerate(zip(rows, type_rows)):
        n = len(tokens)
        ids[row, :n] = tokens
        mask[row, :n] = 1
        types[row, :n] = kinds
    return ids, mask, types


class OnnxModel:
    """An onnxruntime session over one exported graph: ``run(ids, mask, types)`` -> its outputs as numpy.

    With ``one_thread_when_busy`` (and every core, ``threads`` 0, on a machine of several), a second
    session of one thread is kept for runs that start while another is in progress: two questions read
    at once then use one core each instead of sharing one pool of every core (8 askers on 2 cores:
    +15-25 % questions/s, bench.load), while a question read alone still gets every core. Both
    sessions give the same numbers (the same kernels, partitioned over rows; checked in
    ``tests/test_reader_runtime.py``)."""

    def __init__(self, path: Path, threads: int = 0, one_thread_when_busy: bool = False) -> None:
        self.path = path
        self._session = _session(path, threads)
        cores = os.cpu_count() or 1
        self._single = _session(path, 1) if one_thread_when_busy and threads == 0 and cores > 1 else None
        # run_many: one one-thread session per core (at most 4), the first being _single
        self._spread = ([self._single] + [_session(path, 1) for _ in range(min(cores, 4) - 1)]
                        if self._single is not None else [])
        self._pool: ThreadPoolExecutor | None = None
        self._running = 0
        self._lock = threading.Lock()

    def run_many(self, feeds: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[list[np.ndarray]]:
        """``run`` of each ``(input_ids, attention_mask, token_type_ids)``, in order. When nothing else is running
        (and one-thread sessions are kept), the runs are spread over one one-thread session per core instead of
        one after another on the shared pool: small products keep two cores busier that way (a reader window of
        ~180 tokens, int8, 2 cores: 6.1 against 7.3-10 ms a window). Each run's numbers are the same either way."""
        if len(self._spread) < 2 or len(feeds) < 2:
            return [self.run(*f) for f in feeds]
        with self._lock:
            alone = self._running == 0
            self._running += 1
        try:
            if not alone:
                return [self._single.run(None, _feed(*f)) for f in feeds]
            if self._pool is None:
                self._pool = ThreadPoolExecutor(len(self._spread), thread_name_prefix="onnx-run")
            share = len(self._spread)
            parts = [self._pool.submit(lambda session, mine: [session.run(None, _feed(*f)) for f in mine],
                                       session, feeds[k::share]) for k, session in enumerate(self._spread)]
            done = [part.result() for part in parts]
            return [done[i % share][i // share] for i in range(len(feeds))]
        finally:
            with self._lock:
                self._running -= 1

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> list[np.ndarray]:
        feeds = _feed(input_ids, attention_mask, token_type_ids)
        if self._single is None:
            return self._session.run(None, feeds)
        with self._lock:
            session = self._session if self._running == 0 else self._single
            self._running += 1
        try:
            return session.run(None, feeds)
        finally:
            with self._lock:
                self._running -= 1


def _feed(input_ids: np.ndarray, attention_mask: np.ndarray, token_type_ids: np.ndarray) -> dict[str, np.ndarray]:
    return {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # idle threads sleep instead of spinning: the embedder's and the reader's pools run one after the
    # other on the same cores, and spinning ones slowed the next (reading 6 passages, interleaved
    # runs on a quiet CPU: p50 160 ms without spinning, 178-200 ms with, torch 182 ms)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # residual + LayerNorm left as Add and LayerNormalization: onnxruntime 1.32's fused SkipLayerNormalization
    # kernel cost ~0.27 ms on a 180 x 384 window, ten times LayerNormalization's (one core: smoothed int8 reader
    # 11.5 -> 10.1 ms a window, int8 encoder -15 %; fp32 graphs unchanged, their outputs identical). int8 readings
    # move only by rounding: top span the same as fp32's on 400 SQuAD train windows 0.9575 fused, 0.955 not
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                disabled_optimizers=["SkipLayerNormFusion"])
