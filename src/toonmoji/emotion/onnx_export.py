"""Export an emotion network to ONNX (temperature and softmax included) for the fast ONNX Runtime inference path.

PyTorch stays the training path; ONNX Runtime runs the small network several times faster per
face and needs no torch import at run time. The model config travels inside the ONNX file as
metadata (`toonmoji_config`), so an exported file is self-describing.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from toonmoji.imageio import write_bytes

CONFIG_KEY = "toonmoji_config"
OPSET = 17


class _WithSoftmax(nn.Module):
    """softmax(logits / T): the calibrated probabilities, with T = the config's temperature."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.temperature = float(model.config.temperature)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.model(x)
        if self.temperature != 1.0:
            logits = logits / self.temperature
        return torch.softmax(logits, dim=1)


def export_onnx_bytes(model: nn.Module, meta: dict[str, object] | None = None) -> bytes:
    """ONNX bytes: input `faces (N, 1, S, S) float32 in [-1, 1]`, output `probabilities (N, C)`."""
    import onnx

    size = model.config.input_size
    wrapped = _WithSoftmax(model).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        # The legacy TorchScript exporter warns about its deprecation and about shape-derived
        # constants (pooling pads), which are exact here because the input size is fixed.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            (torch.zeros(1, model.config.in_channels, size, size),),
            buffer,
            dynamo=False,
            opset_version=OPSET,
            input_names=["faces"],
            output_names=["probabilities"],
            dynamic_axes={"faces": {0: "n"}, "probabilities": {0: "n"}},
        )
    proto = onnx.load_from_string(buffer.getvalue())
    props = {CONFIG_KEY: json.dumps(model.config.to_json())}
    if meta:
        props["toonmoji_meta"] = json.dumps(meta)
    onnx.helper.set_model_props(proto, props)
    return proto.SerializeToString()


def halve_weights(onnx_bytes: bytes, min_elements: int = 1024) -> bytes:
    """The same network with its large float32 weights stored as float16, each followed by a Cast
    back to float32: the file is about half the size, and ONNX Runtime folds the casts when the
    session starts, so inference runs in float32 at full speed on the rounded weights."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    proto = onnx.load_from_string(onnx_bytes)
    graph = proto.graph
    casts = []
    for init in list(graph.initializer):
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), f"{init.name}__fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(onnx.helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
    for i, node in enumerate(casts):  # the casts come first: every consumer of a weight follows them
        graph.node.insert(i, node)
    onnx.checker.check_model(proto)
    return proto.SerializeToString()


def export_onnx(model: nn.Module, path: str | os.PathLike[str], force: bool = False,
                meta: dict[str, object] | None = None) -> Path:
    return write_bytes(path, export_onnx_bytes(model, meta), force=force)
