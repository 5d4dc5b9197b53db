"""The emoji's frame: a tight square around the head with a small margin.

The square holds every landmark and the matte's head (hair and ears included) but not the
shoulders: only matte pixels above the chin and within a head's reach sideways decide its size.
Where the square runs past the photo's edge the emoji is padded with transparent pixels, so it
is always square and never stretched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toonmoji.emoji.geometry import HeadFrame

# Face units (geometry.py): the zone whose matte pixels count as head, from the chin up.
HEAD_ZONE = [(-1.25, 2.4), (1.25, 2.4), (1.25, -1.0), (-1.25, -1.0)]


@dataclass(frozen=True)
class SquareCrop:
    """A square of `side` pixels whose top-left pixel is (`left`, `top`) in the photo (either may
    be negative, or the square may end past the photo: those pixels are transparent)."""

    left: int
    top: int
    side: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1), x1 and y1 exclusive."""
        return self.left, self.top, self.left + self.side, self.top + self.side

    def contains(self, points: np.ndarray) -> bool:
        """Whether every (x, y) point lies on a pixel of the square."""
        p = np.round(np.asarray(points, np.float64))
        x0, y0, x1, y1 = self.box
        return bool(((p[:, 0] >= x0) & (p[:, 0] < x1) & (p[:, 1] >= y0) & (p[:, 1] < y1)).all())


def head_box(alpha: np.ndarray, landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) around every landmark and the opaque head pixels of `alpha` `(H, W)`."""
    lm = np.asarray(landmarks, np.float64)
    frame = HeadFrame.from_landmarks(lm)
    zone = frame.polygon_mask(alpha.shape[:2], HEAD_ZONE)
    ys, xs = np.nonzero((alpha >= 0.5) & zone)
    x0, y0 = lm.min(axis=0)
    x1, y1 = lm.max(axis=0)
    if len(xs):
        x0, y0 = min(x0, xs.min()), min(y0, ys.min())
        x1, y1 = max(x1, xs.max()), max(y1, ys.max())
    return float(x0), float(y0), float(x1), float(y1)


def square_around(box: tuple[float, float, float, float], margin: float = 0.06) -> SquareCrop:
    """The square centred on `box` (x0, y0, x1, y1, pixel positions, inclusive), its side the box's
    longer side plus `margin` of it on each edge."""
    x0, y0, x1, y1 = box
    side = int(np.ceil(max(x1 - x0, y1 - y0) + 1) * (1.0 + 2.0 * margin))
    side = max(side, 1)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    return SquareCrop(int(np.floor(cx - (side - 1) / 2.0)), int(np.floor(cy - (side - 1) / 2.0)), side)


def cut_square(image: np.ndarray, crop: SquareCrop) -> np.ndarray:
    """The square's pixels of an `(H, W, C) uint8` image; outside the photo all channels are 0
    (transparent, for RGBA)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = crop.box
    out = np.zeros((crop.side, crop.side, image.shape[2]), image.dtype)
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out
