"""An independent NumPy interpreter of a Keras 2 HDF5 model graph (TensorFlow semantics), used to
check our converted model without TensorFlow. It walks `model_config` layer by layer and never
uses toonmoji's converter, so a mapping mistake there cannot hide here."""

from __future__ import annotations

import json
import math

import h5py
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pad_same(x: np.ndarray, k: int, s: int, value: float = 0.0) -> np.ndarray:
    pads = [(0, 0)]
    for n in x.shape[1:3]:
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, [*pads, (0, 0)], constant_values=value)


def _windows(x: np.ndarray, k: int, s: int, padding: str, value: float = 0.0) -> np.ndarray:
    """(N, Ho, Wo, C, k, k) windows of an NHWC array."""
    if padding == "same":
        x = _pad_same(x, k, s, value)
    return sliding_window_view(x, (k, k), axis=(1, 2))[:, ::s, ::s]


def _weights(h5: h5py.File, name: str) -> dict[str, np.ndarray]:
    group = h5["model_weights"][name]
    out = {}
    for full in group.attrs["weight_names"]:
        full = full.decode() if isinstance(full, bytes) else full
        out[full.rsplit("/", 1)[-1].split(":")[0]] = np.asarray(group[full], np.float64)
    return out


def keras_predict(path: str, x: np.ndarray) -> np.ndarray:
    """Run the Keras model in `path` on `x (N, H, W, C)` and return its output."""
    with h5py.File(path, "r") as h5:
        layers = json.loads(h5.attrs["model_config"])["config"]["layers"]
        values: dict[str, np.ndarray] = {}
        for layer in layers:
            kind, cfg, name = layer["class_name"], layer["config"], layer["config"]["name"]
            inputs = [values[node[0]] for nodes in layer["inbound_nodes"] for node in nodes]
            w = _weights(h5, name) if kind not in ("InputLayer", "Activation", "Add", "MaxPooling2D",
                                                  "GlobalAveragePooling2D") else {}
            if kind == "InputLayer":
                y = x.astype(np.float64)
            elif kind in ("Conv2D", "SeparableConv2D"):
                k, s = cfg["kernel_size"][0], cfg["strides"][0]
                win = _windows(inputs[0], k, s, cfg["padding"])
                if kind == "Conv2D":
                    y = np.einsum("nhwcij,ijco->nhwo", win, w["kernel"])
                else:
                    depth = np.einsum("nhwcij,ijc->nhwc", win, w["depthwise_kernel"][..., 0])
                    y = np.einsum("nhwc,co->nhwo", depth, w["pointwise_kernel"][0, 0])
                if cfg.get("use_bias"):
                    y = y + w["bias"]
            elif kind == "BatchNormalization":
                y = (inputs[0] - w["moving_mean"]) / np.sqrt(w["moving_variance"] + cfg["epsilon"]) * w["gamma"] + w["beta"]
            elif kind == "Activation":
                y = inputs[0]
                if cfg["activation"] == "relu":
                    y = np.maximum(y, 0)
                elif cfg["activation"] == "softmax":
                    e = np.exp(y - y.max(axis=-1, keepdims=True))
                    y = e / e.sum(axis=-1, keepdims=True)
            elif kind == "MaxPooling2D":
                win = _windows(inputs[0], cfg["pool_size"][0], cfg["strides"][0], cfg["padding"], -np.inf)
                y = win.max(axis=(4, 5))
            elif kind == "Add":
                y = sum(inputs)
            elif kind == "GlobalAveragePooling2D":
                y = inputs[0].mean(axis=(1, 2))
            else:
                raise NotImplementedError(kind)
            values[name] = y
        return values[layers[-1]["config"]["name"]]
