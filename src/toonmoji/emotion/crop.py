"""Cutting a face out of a frame the way FER2013 faces look: a square on the detector's box, grey.

FER2013 faces are tight: measured with dlib's landmarks (bench/emotion_crop_framing.py), the eyes
span half the crop's width, the brows sit at 29% of its height and the chin at its bottom edge.
OpenCV's Haar box, which the photo and live pipelines use, already frames a face that way (every
landmark within 2.5% of the side); the 10% margin used before made faces about 20% smaller in the
crop than the model was trained on. dlib's HOG box is tighter and sits lower on the face, so its
crop grows by 5% per edge and moves up by 6.5% of the box (`framing("dlib")`).
"""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[float, float, float, float]

MARGIN = 0.0  # share of the box side added on each edge for Haar boxes (see above)
# (margin, shift down as a share of the box height) fitted per detector on real faces
# `auto` (CenterFace, photos and its live tracker) boxes are centred lower than the face: fitted
# against dlib landmarks on 227 FER2013 faces and 70 real faces (bench/emotion_crop_framing.py)
AUTO_FRAMING = (0.02, -0.09)
# the model was trained on roughly upright faces (FER2013, rotation augmentation up to 10 degrees);
# its PublicTest accuracy falls from 66.3% to 64.0, 59.4 and 52.3% with the faces turned by 10, 20
# and 30 degrees, so a tilted head's crop is levelled by its eyes from this angle on
LEVEL_FROM = 5.0
FRAMING = {"haar": (MARGIN, 0.0), "dlib": (0.05, -0.065), "auto": AUTO_FRAMING, "auto-tracking": AUTO_FRAMING}


def framing(detector: str) -> tuple[float, float]:
    """(margin, shift) that make this detector's boxes frame faces like FER2013 (Haar's otherwise)."""
    return FRAMING.get(detector, FRAMING["haar"])


def square_box(box: Box, margin: float = MARGIN, shift: float = 0.0) -> tuple[int, int, int, int]:
    """The square (x0, y0, x1, y1) centred on `box` moved down by `shift` of its height, its side
    the box's longer side plus `margin` of it on each edge (may reach outside the image)."""
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * (1.0 + 2.0 * margin)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0 + shift * (y1 - y0)
    left, top = round(cx - side / 2.0), round(cy - side / 2.0)
    s = max(1, round(side))
    return left, top, left + s, top + s


def crop_face(grey: np.ndarray, box: Box, margin: float = MARGIN, shift: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """The square face crop from a `(H, W) uint8` grey frame; parts outside the frame are filled
    by repeating its edge, so faces at the border keep their proportions. `roll`: the head's
    eye-line angle in degrees (`faces.detect.eye_line_degrees`); from `LEVEL_FROM` degrees on, the
    crop is turned about its centre so the eyes are level, as FER2013's faces are."""
    h, w = grey.shape[:2]
    x0, y0, x1, y1 = square_box(box, margin, shift)
    if abs(roll) >= LEVEL_FROM:
        turn = cv2.getRotationMatrix2D(((x0 + x1) / 2.0, (y0 + y1) / 2.0), roll, 1.0)
        turn[:, 2] -= (x0, y0)
        return cv2.warpAffine(grey, turn, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    inner = grey[max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)]
    if inner.size == 0:
        return np.zeros((max(1, y1 - y0), max(1, x1 - x0)), np.uint8)
    pads = (max(0, -y0), max(0, y1 - h), max(0, -x0), max(0, x1 - w))
    if any(pads):
        inner = cv2.copyMakeBorder(inner, *pads, borderType=cv2.BORDER_REPLICATE)
    return inner


def jittered_boxes(box: Box, n: int, rng: np.random.Generator) -> list[tuple[float, float, float, float]]:
    """`n` copies of `box` shifted by up to +-10% of its size and scaled by 0.9-1.1: the small box
    jitter under which a face's label should hold (the jitter test and bench)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    out = []
    for _ in range(n):
        dx, dy = rng.uniform(-0.1, 0.1, 2) * (w, h)
        s = rng.uniform(0.9, 1.1)
        cx, cy = (x0 + x1) / 2 + dx, (y0 + y1) / 2 + dy
        out.append((cx - s * w / 2, cy - s * h / 2, cx + s * w / 2, cy + s * h / 2))
    return out
