"""A deterministic, model-free embedder for storage tests (crash, locking): hashed bag of words.

Only for tests that exercise the index machinery, where loading a real model in every killed
subprocess would cost seconds; every end-to-end test uses the real all-MiniLM-L6-v2.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np


class HashEmbedder:
    model_id = "test-hash-embedder-v1"
    dim = 64

    def warm_up(self) -> None:
        pass

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed_passages(texts)
