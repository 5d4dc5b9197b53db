"""Synthetic videos with faces for the tracking and report tests: the sample portrait's head (and a
mirrored, differently lit copy of it as a second person) moved over a plain background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from toonmoji.imageio import VideoSink
from toonmoji.samples import no_face_image, sample_portrait, scaled

SIZE = (640, 480)  # width, height
FPS = 25.0


def background() -> np.ndarray:
    """A soft colourful backdrop (a flat one would upset the detector's histogram equalisation)."""
    return cv2.resize(no_face_image(64, seed=3), SIZE, interpolation=cv2.INTER_CUBIC)


def heads() -> tuple[np.ndarray, np.ndarray]:
    """Two head tiles `(h, w, 3) uint8`: the astronaut, and a mirrored, cooler-lit copy."""
    head = scaled(sample_portrait()[30:200, 140:310], 1.0)
    other = np.ascontiguousarray(head[:, ::-1]).astype(np.float32) * np.array([0.75, 0.95, 1.15])
    return head, np.clip(other, 0, 255).astype(np.uint8)


def paste(canvas: np.ndarray, tile: np.ndarray, x: int, y: int) -> None:
    """Draw `tile` with its top-left corner at (x, y), clipped to the canvas."""
    h, w = tile.shape[:2]
    H, W = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = tile[y0 - y : y1 - y, x0 - x : x1 - x]


Placement = list[tuple[np.ndarray, int, int]]


def write_scene(path: Path, frames: int, place: Callable[[int], Placement], fps: float = FPS) -> Path:
    """A video of `frames` frames; `place(i)` lists the (tile, x, y) drawn in frame i, back first."""
    backdrop = background()
    with VideoSink(path, fps, SIZE) as sink:
        for i in range(frames):
            canvas = backdrop.copy()
            for tile, x, y in place(i):
                paste(canvas, tile, x, y)
            sink.write(canvas)
    return path
