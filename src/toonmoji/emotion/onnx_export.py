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


def export_onnx(model: nn.Module, path: str | os.PathLike[str], force: bool = False,
                meta: dict[str, object] | None = None) -> Path:
    return write_bytes(path, export_onnx_bytes(model, meta), force=force)
