"""Sentence embeddings for passages and questions, behind a small ``Embedder`` interface."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Protocol

import numpy as np


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
