"""The models run by onnxruntime: the same windows, logits, readings and vectors as with torch, no torch when serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from core.onnx_models import cached_onnx
from tests.conftest import REPO, SEEDS, reader_model_path

pytestmark = pytest.mark.integration

LONG_QUESTION = "Which " + "very " * 70 + "long question about the missile launch is this?"


def seed_texts() -> list[str]:
    return [f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt"))]


def test_windows_are_the_ones_transformers_makes():
    from transformers import AutoTokenizer

    from pathlib import Path
    from qa.reader import truncate_question
    from qa.windows import WindowTokenizer

    model = reader_model_path()
    reference = AutoTokenizer.from_pretrained(model)
    windows = WindowTokenizer(Path(model) / "tokenizer.json", max_seq_len=256, doc_stride=128, max_query_len=64)
    texts = seed_texts() + ["Short one.", "Café déjà vu — 12:35 p.m. (local time) “quoted”."]
    for question in ("How far did the missile fly?", LONG_QUESTION):
        q = truncate_question(reference, question, 64)
        assert windows.truncate_question(question) == q
        ref = reference([q] * len(texts), texts, truncation="only_second", max_length=256, stride=128,
                        return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
        mine = windows.encode(question, texts)
        assert len(mine) > len(texts)  # the seed articles are longer than one window
        assert mine.input_ids == ref["input_ids"]
        assert mine.type_ids == ref["token_type_ids"]
        assert mine.offsets == [[tuple(o) for o in row] for row in ref["offset_mapping"]]
        assert mine.window_passage == list(ref["overflow_to_sample_mapping"])
        for i, context in enumerate(mine.contexts):
            assert context.tolist() == [k for k, sid in enumerate(ref.sequence_ids(i)) if sid == 1]


@pytest.fixture(scope="module")
def readers(settings):
    from qa.service import reader_for

    onnx, torch = (reader_for(settings, runtime=r, precision="fp32") for r in ("onnx", "torch"))
    onnx.warm_up()
    torch.warm_up()
    return onnx, torch


def test_onnx_reader_gives_torch_s_logits_and_readings(readers):
    from core.types import Passage

    onnx, torch = readers
    texts = seed_texts()
    passages = [Passage(id=f"p{i}", file=f"f{i}.txt", start=0, end=len(t), text=t) for i, t in enumerate(texts)]
    for question in ("How far did the missile fly?", "Where was the missile launched from?", LONG_QUESTION):
        encoded = onnx.encode(question, passages)
        for (s1, e1), (s2, e2) in zip(onnx.forward(encoded), torch.forward(encoded)):
            assert np.abs(s1 - s2).max() < 1e-3 and np.abs(e1 - e2).max() < 1e-3
        a, b = onnx.read(question, passages), torch.read(question, passages)
        assert [[(s.start, s.end) for s in r.spans[:3]] for r in a] == [[(s.start, s.end) for s in r.spans[:3]] for r in b]
        for field in ("score", "evidence"):
            assert np.allclose([getattr(s, field) for r in a for s in r.spans[:3]],
                               [getattr(s, field) for r in b for s in r.spans[:3]], atol=1e-3)


def test_onnx_embedder_gives_sentence_transformers_vectors(embedder, settings):
    from qa.service import embedder_for

    onnx = embedder_for(settings)
    onnx.warm_up()
    texts = seed_texts() + ["Hello.", "", "North Korea fires missile " * 200]  # the last is cut at 256 tokens
    assert onnx.model_id == embedder.model_id and onnx.dim == embedder.dim == 384
    assert onnx.max_tokens == embedder.max_tokens
    assert [onnx.count_tokens(t) for t in texts] == [embedder.count_tokens(t) for t in texts]
    assert np.abs(onnx.embed_passages(texts) - embedder.embed_passages(texts)).max() < 1e-5
    assert np.abs(onnx.embed_queries(["How far?"]) - embedder.embed_queries(["How far?"])).max() < 1e-5
    assert onnx.embed_passages([]).shape == (0, 384)


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_a_passage_vector_does_not_depend_on_the_passages_embedded_with_it(settings, precision):
    """The ONNX embedder runs each passage on its own (two at a time, one per core): a passage gets the
    same vector alone, among others, or while other texts are embedded; in int8 too, whose activation scale
    would otherwise be shared with its batch-mates (padding included)."""
    import threading

    from qa.service import embedder_for

    embedder = embedder_for(settings.model_copy(update={"embedder_precision": precision}))
    embedder.warm_up()
    assert embedder.model_id.endswith(":int8-per-passage") == (precision == "int8")
    texts = seed_texts() + ["Short one.", "North Korea fires missile " * 200]
    alone = np.concatenate([embedder.embed_passages([t]) for t in texts])
    assert np.array_equal(embedder.embed_passages(texts), alone)
    assert np.array_equal(embedder.embed_passages(texts[::-1]), alone[::-1])
    results: list = [None] * 3
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, embedder.embed_passages(texts)))
               for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(r, alone) for r in results)
    assert np.allclose(np.linalg.norm(alone, axis=1), 1, atol=1e-5)


def test_an_export_is_cached_and_a_failed_one_leaves_nothing(tmp_path, settings):
    path = cached_onnx(settings.reader_model, "reader", False, settings.model_cache_dir)
    stamp = path.stat().st_mtime_ns
    assert cached_onnx(settings.reader_model, "reader", False, settings.model_cache_dir) == path
    assert path.stat().st_mtime_ns == stamp  # not exported again

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "bert", "hidden_size": "not a number"}')
    cache = tmp_path / "cache"
    with pytest.raises(Exception):
        cached_onnx(broken, "reader", True, cache)
    assert list(cache.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        cached_onnx(tmp_path / "missing", "reader", False, cache)


def test_bf16_needs_the_torch_runtime():
    from pydantic import ValidationError

    from core.settings import Settings

    with pytest.raises(ValidationError, match="bf16"):
        Settings(model_runtime="onnx", reader_precision="bf16")
    assert Settings(model_runtime="torch", reader_precision="bf16").reader_precision == "bf16"


def test_answering_with_onnx_never_imports_torch(service, settings):
    """What makes the server start in seconds: the serving process never imports torch or transformers."""
    script = f"""
import json, sys
from core.settings import Settings
from qa.service import QAService
s = Settings(corpus_dir={str(settings.corpus_dir)!r}, index_dir={str(settings.index_dir)!r},
             reader_model={str(settings.reader_model)!r})
svc = QAService(s)
svc.warm_up()
result = svc.ask("How far did the missile fly on November 7?")
print(json.dumps({{"answer": result.answers[0].text if result.answers else None,
                  "loaded": sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)}}))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    assert seen["answer"] == service.ask("How far did the missile fly on November 7?").answers[0].text


def test_a_run_started_while_another_runs_gives_the_same_logits(settings):
    """The reader keeps a one-thread session for runs that start while another is in progress
    (core.onnx_models.OnnxModel): its numbers are those of the session of every core, so an answer does
    not depend on how busy the server was."""
    import threading

    from core.onnx_models import OnnxModel, padded
    from qa.windows import WindowTokenizer
    from pathlib import Path

    path = cached_onnx(reader_model_path(), "reader", False, settings.model_cache_dir)
    model = OnnxModel(path, threads=0, one_thread_when_busy=True)
    assert model._single is not None
    windows = WindowTokenizer(Path(reader_model_path()) / "tokenizer.json", 256, 128, 64)
    encoded = windows.encode("How far did the missile fly?", seed_texts())
    batch = padded(encoded.input_ids, encoded.type_ids)
    alone = model._session.run(None, dict(zip(("input_ids", "attention_mask", "token_type_ids"), batch)))
    single = model._single.run(None, dict(zip(("input_ids", "attention_mask", "token_type_ids"), batch)))
    assert all(np.array_equal(a, b) for a, b in zip(alone, single))
    results: list = [None] * 4
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, model.run(*batch))) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(r[0], alone[0]) and np.array_equal(r[1], alone[1]) for r in results)
    assert model._running == 0


@pytest.mark.parametrize("int8", [True, False])
def test_windows_spread_over_the_cores_give_the_logits_of_one_at_a_time(settings, int8):
    """A lone question's windows run on one one-thread session per core (OnnxModel.run_many); each window's
    numbers are those of the shared session, alone or while other questions are read."""
    import threading

    from core.onnx_models import OnnxModel, padded
    from qa.windows import WindowTokenizer
    from pathlib import Path

    model = OnnxModel(cached_onnx(reader_model_path(), "reader", int8, settings.model_cache_dir), threads=0,
                      one_thread_when_busy=True)
    assert len(model._spread) == min(os.cpu_count() or 1, 4)
    windows = WindowTokenizer(Path(reader_model_path()) / "tokenizer.json", 256, 128, 64)
    encoded = windows.encode("How far did the missile fly?", seed_texts())
    feeds = [padded([ids], [types]) for ids, types in zip(encoded.input_ids, encoded.type_ids)]
    assert len(feeds) >= 5
    one_at_a_time = [model._session.run(None, dict(zip(("input_ids", "attention_mask", "token_type_ids"), f)))
                     for f in feeds]
    results: list = [None] * 3
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, model.run_many(feeds))) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for spread in [model.run_many(feeds), *results]:
        assert len(spread) == len(feeds)
        assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(spread, one_at_a_time))
    assert model._running == 0
