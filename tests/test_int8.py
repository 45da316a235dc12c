"""Smoothed int8 (core/int8.py): the smoothing is an identity in fp32, its factors follow the rule worked by
hand, the calibration file round-trips, and on the real reader it brings int8 closer to fp32."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.int8 import CALIBRATION_FILE, Int8Calibration, module_of, smooth_graph, smoothing_factors


def test_a_node_name_gives_its_module():
    assert module_of("/model/bert/encoder/layer.0/attention/self/query/MatMul") == \
        "bert.encoder.layer.0.attention.self.query"
    assert module_of("/model/qa_outputs/MatMul") == "qa_outputs"
    assert module_of("/model/bert/encoder/layer.0/attention/self/MatMul_1") is None  # scores: no weight
    assert module_of("MatMul_12") is None


def test_factors_follow_the_rule_worked_by_hand():
    # m = (4, 1), the weight rows' largest |w| = (1, 4): alpha 0.5 gives sqrt(4/1) = 2 and sqrt(1/4) = 0.5
    w = np.array([[1.0, -0.5], [2.0, -4.0]], dtype=np.float32)
    assert np.allclose(smoothing_factors(np.array([4.0, 1.0]), [w], 0.5), [2.0, 0.5])
    # alpha 1: the factor is the activation range itself (every channel then spans [-1, 1])
    assert np.allclose(smoothing_factors(np.array([4.0, 1.0]), [w], 1.0), [4.0, 1.0])
    # products sharing the input share the factor: the largest row over both weights
    other = np.array([[9.0], [0.1]], dtype=np.float32)
    assert np.allclose(smoothing_factors(np.array([9.0, 1.0]), [w, other], 0.5), [1.0, 0.5])
    # a channel never active cannot zero its weight row: factors are clipped
    assert smoothing_factors(np.array([0.0, 1.0]), [w], 1.0)[0] == pytest.approx(1e-2)


def _tiny_graph(rng):
    """x -> (x @ A, x @ B) -> (x @ A) @ C, plus y = (x @ A) * 1: two products share x."""
    from onnx import TensorProto, helper, numpy_helper

    a, b, c = (rng.normal(size=s).astype(np.float32) for s in ((4, 6), (4, 3), (6, 2)))
    nodes = [helper.make_node("MatMul", ["x", "A"], ["xa"], name="/model/enc/first/MatMul"),
             helper.make_node("MatMul", ["x", "B"], ["xb"], name="/model/enc/second/MatMul"),
             helper.make_node("MatMul", ["xa", "C"], ["out"], name="/model/head/MatMul")]
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("xb", "out")],
                              [numpy_helper.from_array(v, name=k) for k, v in (("A", a), ("B", b), ("C", c))])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model, x):
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def test_smoothing_leaves_the_fp32_function_unchanged():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(5, 4)) * np.array([30.0, 1.0, 0.1, 2.0])).astype(np.float32)  # one outlier channel
    model = _tiny_graph(rng)
    before = _run(model, x)
    calibration = Int8Calibration({"enc.first": np.abs(x).max(0), "enc.second": np.abs(x).max(0),
                                   "head": np.full(6, 3.0)}, alpha=0.85)
    smoothed = smooth_graph(model, calibration)
    muls = [n for n in smoothed.graph.node if n.op_type == "Mul"]
    assert len(muls) == 2  # one for x (shared by two products), one for x @ A
    for got, want in zip(_run(smoothed, x), before):
        assert np.allclose(got, want, rtol=1e-5, atol=1e-5)


def test_a_module_without_ranges_is_left_alone_and_a_wrong_shape_is_refused():
    rng = np.random.default_rng(1)
    model = _tiny_graph(rng)
    smoothed = smooth_graph(model, Int8Calibration({"head": np.full(6, 3.0)}))
    assert [n.op_type for n in smoothed.graph.node].count("Mul") == 1
    with pytest.raises(ValueError, match="another model"):
        smooth_graph(_tiny_graph(rng), Int8Calibration({"head": np.full(5, 3.0)}))


def test_the_calibration_file_round_trips_and_a_bad_one_is_refused(tmp_path):
    path = tmp_path / CALIBRATION_FILE
    Int8Calibration({"a.b": np.array([1.5, 0.00225]), "c": np.array([3.0])}, 0.7, "here").save(path)
    loaded = Int8Calibration.load(path)
    assert loaded.alpha == 0.7 and loaded.measured_on == "here"
    assert np.allclose(loaded.ranges["a.b"], [1.5, 0.00225]) and list(loaded.ranges) == ["a.b", "c"]
    path.write_text(json.dumps({"alpha": 2.0, "ranges": {"c": [1.0]}}))
    with pytest.raises(ValueError, match="alpha"):
        Int8Calibration.load(path)
    path.write_text(json.dumps({"ranges": {"c": [1.0]}}))
    with pytest.raises(ValueError, match="not an int8 calibration"):
        Int8Calibration.load(path)


@pytest.mark.integration
def test_the_shipped_ranges_cover_the_reader_and_bring_int8_closer_to_fp32(settings, tmp_path):
    """Every weighted product of the exported reader has ranges, and on real windows (the seed articles with
    the seeds' questions) smoothed int8 logits are nearer fp32 than plain int8 ones."""
    from pathlib import Path

    import onnx

    from core.int8 import _weighted_products
    from core.onnx_models import OnnxModel, cached_onnx, padded
    from eval.goldsets import load_gold
    from qa.windows import WindowTokenizer
    from tests.conftest import GOLD_DEV, SEEDS

    reader = Path(settings.reader_model)
    calibration = Int8Calibration.load(reader / CALIBRATION_FILE)
    fp32_path = cached_onnx(reader, "reader", False, settings.model_cache_dir)
    modules = {module_of(n.name) for nodes in _weighted_products(onnx.load(str(fp32_path))).values() for n in nodes}
    assert modules == set(calibration.ranges) and len(modules) == 37

    plain_folder = tmp_path / "plain"  # the same weights without the ranges: plain int8
    plain_folder.mkdir()
    for item in reader.iterdir():
        if item.name != CALIBRATION_FILE:
            (plain_folder / item.name).symlink_to(item.resolve())
    smoothed_path = cached_onnx(reader, "reader", True, settings.model_cache_dir)
    plain_path = cached_onnx(plain_folder, "reader", True, tmp_path / "cache")
    assert smoothed_path.name.startswith(fp32_path.stem + "-int8s-") and plain_path.name.endswith("-int8.onnx")

    windows = WindowTokenizer(reader / "tokenizer.json", 256, 128, 64)
    texts = [f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt"))]
    questions = [q.question for q in load_gold(GOLD_DEV).questions][::3]
    models = {name: OnnxModel(path, threads=2) for name, path in
              (("fp32", fp32_path), ("smoothed", smoothed_path), ("plain", plain_path))}
    error = {"smoothed": 0.0, "plain": 0.0}
    for question in questions:
        encoded = windows.encode(question, texts)
        for ids, types in zip(encoded.input_ids, encoded.type_ids):
            feeds = padded([ids], [types])
            want = np.concatenate(models["fp32"].run(*feeds)[:2], axis=None)
            for name in error:
                error[name] += float(np.mean((np.concatenate(models[name].run(*feeds)[:2], axis=None) - want) ** 2))
    assert error["smoothed"] < 0.8 * error["plain"], error


def test_products_named_fp32_stay_fp32_and_the_others_become_int8(tmp_path):
    import onnx

    from core.int8 import fp32_nodes
    from core.onnx_models import _quantize

    rng = np.random.default_rng(2)
    source = tmp_path / "tiny.onnx"
    onnx.save(_tiny_graph(rng), str(source))
    calibration = Int8Calibration({"enc.first": np.full(4, 2.0), "enc.second": np.full(4, 2.0),
                                   "head": np.full(6, 3.0)}, fp32_modules=("head",))
    assert fp32_nodes(_tiny_graph(rng), calibration) == ["/model/head/MatMul"]
    target = tmp_path / "tiny-int8.onnx"
    _quantize(source, target, calibration)
    ops = [n.op_type for n in onnx.load(str(target)).graph.node]
    assert ops.count("MatMul") == 1  # the head, in fp32
    assert sum(op in ("MatMulInteger", "DynamicQuantizeMatMul") for op in ops) == 2
    assert not list(tmp_path.glob(".tmp-*"))  # nothing left beside it
    x = rng.normal(size=(3, 4)).astype(np.float32)
    for got, want in zip(_run(onnx.load(str(target)), x), _run(onnx.load(str(source)), x)):
        assert np.abs(got - want).max() <= 0.05 * np.abs(want).max()  # int8: close, not equal


def test_ranges_are_used_only_for_the_weights_they_were_measured_on(tmp_path, caplog):
    from core.onnx_models import int8_calibration_of, weights_digest

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "model.safetensors").write_bytes(b"weights one")
    assert int8_calibration_of(folder) is None  # none measured: plain int8, with a warning that says how
    assert "training.int8_calibration" in caplog.text
    path = folder / CALIBRATION_FILE
    Int8Calibration({"head": np.ones(2)}, weights=weights_digest(folder)).save(path)
    assert int8_calibration_of(folder) == path
    (folder / "model.safetensors").write_bytes(b"weights two")  # retrained: the ranges no longer fit
    assert int8_calibration_of(folder) is None
    assert "other weights" in caplog.text
    Int8Calibration({"head": np.ones(2)}).save(path)  # no digest recorded: trusted
    assert int8_calibration_of(folder) == path
