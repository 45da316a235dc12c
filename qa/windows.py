"""Reader windows: the question with every passage, cut into windows of at most ``max_seq_len`` tokens.

Built on the ``tokenizers`` library and the model's own ``tokenizer.json`` (not on transformers,
whose import pulls in torch): the same pair encoding, ``only_second`` truncation with ``doc_stride``
tokens of overlap and character offsets as transformers' fast tokenizer gives (checked against it in
``tests/test_reader_runtime.py``), so training and serving see identical windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class EncodedPassages:
    """The reader windows of a batch of passages (question + a slice of one passage each)."""

    input_ids: list[list[int]]
    type_ids: list[list[int]]
    offsets: list[list[tuple[int, int]]]  # character offsets of every token in its passage's text
    contexts: list[np.ndarray]  # positions of the passage's tokens in each window
    window_passage: list[int]  # passage index of every window

    def __len__(self) -> int:
        return len(self.window_passage)

    @property
    def tokens(self) -> int:
        return sum(len(row) for row in self.input_ids)


class WindowTokenizer:
    def __init__(self, tokenizer_file: Path, max_seq_len: int, doc_stride: int, max_query_len: int) -> None:
        from tokenizers import Tokenizer

        if not tokenizer_file.is_file():
            raise FileNotFoundError(f"reader tokenizer not found: {tokenizer_file}")
        self._plain = Tokenizer.from_file(str(tokenizer_file))
        self._plain.no_truncation()
        self._plain.no_padding()
        self._pairs = Tokenizer.from_file(str(tokenizer_file))
        self._pairs.no_padding()
        self._pairs.enable_truncation(max_length=max_seq_len, stride=doc_stride, strategy="only_second",
                                      direction="right")
        self.max_query_len = max_query_len

    def truncate_question(self, question: str) -> str:
        """The question cut to its first ``max_query_len`` tokens (as ``qa.reader.truncate_question``)."""
        ids = self._plain.encode(question, add_special_tokens=False).ids
        return question if len(ids) <= self.max_query_len else self._plain.decode(ids[:self.max_query_len])

    def encode(self, question: str, texts: Sequence[str]) -> EncodedPassages:
        q = self.truncate_question(question)
        ids, types, offsets, contexts, owner = [], [], [], [], []
        for p_idx, encoding in enumerate(self._pairs.encode_batch([(q, text) for text in texts])):
            for window in (encoding, *encoding.overflowing):
                ids.append(window.ids)
                types.append(window.type_ids)
                offsets.append(window.offsets)
                contexts.append(np.array([k for k, sid in enumerate(window.sequence_ids) if sid == 1], dtype=np.int64))
                owner.append(p_idx)
        return EncodedPassages(ids, types, offsets, contexts, owner)
