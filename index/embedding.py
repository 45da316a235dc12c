"""Sentence embeddings for passages and questions, behind a small ``Embedder`` interface."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

PASSAGES_PER_CALL = 64  # passages handed to the cores at once (progress is updated between)


class Embedder(Protocol):
    @property
    def model_id(self) -> str:
        """Identifies the weights: an index built with one model is refused by another."""

    @property
    def dim(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """L2-normalized float32 vectors, one row per text (inner product = cosine)."""

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def warm_up(self) -> None:
        """Load the model; cheap and safe to call again."""


def fingerprint_model_dir(path: str) -> str:
    """A short, cheap identity for a model folder: its config and the sizes of its weights."""
    folder = Path(path)
    if not folder.is_dir():
        return path
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        f = folder / name
        if f.is_file():
            h.update(name.encode() + f.read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        h.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return h.hexdigest()[:16]


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder, on the CPU, loaded once by ``warm_up``."""

    def __init__(self, model_path: str, batch_size: int = 64) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._model_id = fingerprint_model_dir(model_path)

    @property
    def model_id(self) -> str:
        return self._model_id

    def warm_up(self) -> None:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(self.model_path, device="cpu")

    @property
    def model(self):
        if self._model is None:
            raise RuntimeError("SentenceTransformerEmbedder.warm_up() must be called before use")
        return self._model

    @property
    def dim(self) -> int:
        dim = self.model.get_embedding_dimension()
        return int(dim)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=show_progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, show_progress)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)


class OnnxEmbedder:
    """The same sentence-transformers folder run by onnxruntime (mean pooling, L2 norm), without torch.

    The graph is exported once from the folder (``core.onnx_models``, fp32); its vectors match the
    sentence-transformers ones to about 1e-6, so both share ``model_id`` and serve the same index.
    With ``int8`` its matrix products are quantized (weights per channel): different vectors, so a
    different ``model_id`` (an index built with one is rebuilt by the other).
    Only folders made of a BERT-like transformer, mean pooling and normalisation are accepted.

    Each passage is run on its own, two (one per core) at a time, rather than in padded batches of 64:
    the attention scores of a 64 x 150-token batch (64 x 12 x 150 x 150 floats) do not stay in the
    caches, and the small products of one passage keep two one-thread sessions busier than one
    two-thread session. Whole SQuAD paragraphs (~150 tokens), 2 cores: int8 155 -> 266 passages/s, fp32
    83 -> 111; chunked passages (``python -m bench.build``): int8 214-219 -> 330-340 (session 17). In int8 a passage's activations are then quantized
    with a scale of their own, so its vector never depends on batch-mates (the model id says so: an
    index built by batches of 64 is rebuilt).
    """

    def __init__(self, model_path: str, threads: int = 0,
                 cache_dir: str | Path = ".citeqa/models", int8: bool = False) -> None:
        self.model_path = model_path
        self.threads = threads
        self.cache_dir = Path(cache_dir)
        self.int8 = int8
        self._model_id = fingerprint_model_dir(model_path) + (":int8-per-passage" if int8 else "")
        self._model = None
        self._tokenizer = None
        self._max_tokens = 0
        self._dim = 0
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            import json

            from tokenizers import Tokenizer

            from core.onnx_models import OnnxModel, cached_onnx

            folder = Path(self.model_path)
            pooling = json.loads((folder / "1_Pooling" / "config.json").read_text()) \
                if (folder / "1_Pooling" / "config.json").is_file() else {}
            if not pooling.get("pooling_mode_mean_tokens") or not (folder / "tokenizer.json").is_file():
                raise ValueError(f"{folder}: the ONNX embedder needs mean pooling and a tokenizer.json "
                                 "(set CITEQA_MODEL_RUNTIME=torch for other sentence-transformers models)")
            config = json.loads((folder / "sentence_bert_config.json").read_text())
            self._max_tokens = int(config["max_seq_length"])
            self._dim = int(pooling["word_embedding_dimension"])
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.no_truncation()
            self._tokenizer = tokenizer
            self._model = OnnxModel(cached_onnx(folder, "encoder", self.int8, self.cache_dir), self.threads,
                                    one_thread_when_busy=True)

    def _require(self):
        if self._model is None or self._tokenizer is None:
            raise RuntimeError("OnnxEmbedder.warm_up() must be called before use")
        return self._model, self._tokenizer

    @property
    def dim(self) -> int:
        self._require()
        return self._dim

    @property
    def max_tokens(self) -> int:
        self._require()
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        _, tokenizer = self._require()
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    def _encode(self, texts: list[str], show_progress: bool) -> np.ndarray:
        model, tokenizer = self._require()
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        if not texts:
            return out
        rows = [e.ids[:self._max_tokens - 1] + [e.ids[-1]] if len(e.ids) > self._max_tokens else e.ids
                for e in tokenizer.encode_batch(texts)]  # truncated as sentence-transformers does: keep the final [SEP]
        order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))  # the cores' shares stay even
        progress = None
        if show_progress:
            from tqdm import tqdm

            progress = tqdm(total=len(texts), desc="embed", unit="passage")
        for lo in range(0, len(order), PASSAGES_PER_CALL):
            idx = order[lo:lo + PASSAGES_PER_CALL]
            feeds = [(np.asarray([rows[i]], dtype=np.int64), np.ones((1, len(rows[i])), dtype=np.int64),
                      np.zeros((1, len(rows[i])), dtype=np.int64)) for i in idx]
            for i, outputs in zip(idx, model.run_many(feeds)):
                mean = outputs[0][0].mean(axis=0)
                out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
            if progress is not None:
                progress.update(len(idx))
        if progress is not None:
            progress.close()
        return out

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, show_progress)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)
