"""Smoothed int8: moving activation outliers into the weights before dynamic quantization.

onnxruntime's dynamic quantization scales each matrix product's input with one number per call
(per tensor). A transformer's hidden states have a few channels far larger than the rest, so that
one scale leaves the ordinary channels only a few of the 256 levels: plain int8 moved the reader's
top span on 12 % of SQuAD dev windows. For a product ``X @ W`` the identity

    X @ W = (X / s) @ (s[:, None] * W)      (s > 0, one factor per input channel)

lets the outliers be divided out of ``X`` (a ``Mul`` by ``1 / s`` before the product) and carried
by the rows of ``W``, whose int8 scale is one per output channel. With ``m_j`` the largest ``|X_j|``
seen on calibration text and ``w_j`` the largest ``|W_j,:|``:

    s_j = m_j ** alpha / w_j ** (1 - alpha)

(the SmoothQuant rule; alpha 1 makes every input channel's range 1). The factors are computed
from *activation ranges* measured once per model (``activation_ranges``; the reader's are shipped
in ``models/reader/int8_calibration.json``, written by ``python -m training.int8_calibration``),
and applied to the fp32 graph (``smooth_graph``: the same function of the inputs, checked by the
tests) before quantizing. Products sharing an input (a layer's query, key and value) share one
``Mul``, with ``w_j`` the largest over their weights.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.files import write_atomically

CALIBRATION_FILE = "int8_calibration.json"
DEFAULT_ALPHA = 0.85
_SCALE_BOUNDS = (1e-2, 1e2)  # a channel never seen active (m_j ~ 0) must not zero a weight row
_NODE = re.compile(r"^/model/(?P<path>.+)/MatMul$")


def module_of(node_name: str) -> str | None:
    """The torch module a MatMul node of an exported graph belongs to ("/model/bert/encoder/layer.0/
    attention/self/query/MatMul" -> "bert.encoder.layer.0.attention.self.query"), or None."""
    match = _NODE.match(node_name)
    return match["path"].replace("/", ".") if match else None


@dataclass(frozen=True)
class Int8Calibration:
    """Per module, the largest |input| seen in each input channel, and how strongly to smooth."""

    ranges: dict[str, np.ndarray]
    alpha: float = DEFAULT_ALPHA
    measured_on: str = ""
    notes: dict = field(default_factory=dict)
    fp32_modules: tuple[str, ...] = ()  # products left in fp32 (the few whose int8 error remains largest)
    weights: str = ""  # core.onnx_models.weights_digest of the model measured ("" = not recorded)

    @classmethod
    def load(cls, path: str | Path) -> Int8Calibration:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        try:
            ranges = {name: np.asarray(values, dtype=np.float32) for name, values in data["ranges"].items()}
            alpha = float(data["alpha"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not an int8 calibration file ({exc})") from exc
        if not 0.0 <= alpha <= 1.0 or not ranges:
            raise ValueError(f"{path}: alpha must be in [0, 1] and ranges must not be empty")
        return cls(ranges, alpha, data.get("measured_on", ""), data.get("notes", {}),
                   tuple(data.get("fp32_modules", ())), str(data.get("weights", "")))

    def save(self, path: str | Path) -> None:
        head = {"alpha": self.alpha, "fp32_modules": list(self.fp32_modules), "weights": self.weights,
                "measured_on": self.measured_on, "notes": self.notes}
        lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items()]
        ranges = [f"  {json.dumps(name)}: {json.dumps([float(f'{v:.4g}') for v in values])}"
                  for name, values in sorted(self.ranges.items())]
        text = "{\n " + ",\n ".join(lines) + ',\n "ranges": {\n' + ",\n".join(ranges) + "\n }\n}\n"
        write_atomically(Path(path), text.encode())


def smoothing_factors(input_range: np.ndarray, weights: Sequence[np.ndarray], alpha: float) -> np.ndarray:
    """``s`` for products sharing one input: ``m ** alpha / w ** (1 - alpha)`` per input channel."""
    w = np.max(np.abs(np.concatenate([np.asarray(x, dtype=np.float32) for x in weights], axis=1)), axis=1)
    m = np.maximum(np.asarray(input_range, dtype=np.float32), 1e-5)
    factors = m ** alpha / np.maximum(w, 1e-5) ** (1.0 - alpha)
    return np.clip(factors, *_SCALE_BOUNDS).astype(np.float32)


def _weighted_products(model) -> dict[str, list]:
    """The MatMul nodes whose second input is a weight (an initializer), by their first input."""
    weights = {init.name for init in model.graph.initializer}
    products: dict[str, list] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights:
            products.setdefault(node.input[0], []).append(node)
    return products


def smooth_graph(model, calibration: Int8Calibration):
    """``model`` (an onnx ModelProto, changed in place and returned) with every weighted product whose
    module ``calibration`` knows smoothed: a ``Mul`` by ``1 / s`` on its input, ``s`` folded into its weight."""
    from onnx import helper, numpy_helper

    initializers = {init.name: init for init in model.graph.initializer}
    nodes = list(model.graph.node)
    inserted: list[tuple[int, object]] = []
    for source, products in _weighted_products(model).items():
        modules = [module_of(n.name) for n in products]
        if any(m not in calibration.ranges for m in modules):
            continue
        weights = [numpy_helper.to_array(initializers[n.input[1]]) for n in products]
        input_range = np.max([calibration.ranges[m] for m in modules], axis=0)
        if input_range.shape != (weights[0].shape[0],):
            raise ValueError(f"int8 calibration of {modules[0]} has {input_range.shape[0]} channels, "
                             f"the model {weights[0].shape[0]}: measured on another model")
        factors = smoothing_factors(input_range, weights, calibration.alpha)
        inverse = numpy_helper.from_array((1.0 / factors).astype(np.float32), name=f"{source}/smooth_inverse")
        model.graph.initializer.append(inverse)
        smoothed = f"{source}/smoothed"
        for node, weight in zip(products, weights):
            scaled = numpy_helper.from_array((weight * factors[:, None]).astype(np.float32), name=node.input[1])
            initializers[node.input[1]].CopyFrom(scaled)
            node.input[0] = smoothed
        first = min(nodes.index(n) for n in products)
        inserted.append((first, helper.make_node("Mul", [source, inverse.name], [smoothed], name=f"{source}/smooth")))
    for position, node in sorted(inserted, key=lambda item: -item[0]):  # from the end: earlier positions hold
        model.graph.node.insert(position, node)
    return model


def fp32_nodes(model, calibration: Int8Calibration) -> list[str]:
    """The names of the product nodes of ``model`` that ``calibration`` keeps in fp32."""
    keep = set(calibration.fp32_modules)
    return [node.name for node in model.graph.node if node.op_type == "MatMul" and module_of(node.name) in keep]


def activation_ranges(onnx_path: str | Path, feeds: Iterable[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per module of a weighted product, the largest |input| in each channel over ``feeds`` (graph inputs)."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(onnx_path))
    products = _weighted_products(model)
    for source in products:
        model.graph.output.append(onnx.helper.make_tensor_value_info(source, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    largest: dict[str, np.ndarray] = {}
    for feed in feeds:
        outputs = dict(zip(names, session.run(None, feed)))
        for source in products:
            value = outputs[source]
            channel_max = np.abs(value.reshape(-1, value.shape[-1])).max(axis=0)
            largest[source] = np.maximum(largest[source], channel_max) if source in largest else channel_max
    return {module_of(node.name): largest[source] for source, nodes in products.items() for node in nodes
            if module_of(node.name) is not None and source in largest}
