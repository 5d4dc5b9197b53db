"""Where a head is, measured from its 68 landmarks in "face units".

Everything the matte and the crop assume about a head (how far the hair reaches above the brows,
how wide the ears sit, where the shoulders start) is written here once, as multiples of two
lengths that do not change with the photo's size or the head's tilt: the face width (jaw corner to
jaw corner, landmarks 0 and 16) and the face length (nose bridge 27 to chin 8).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

NOSE_BRIDGE, CHIN, JAW_LEFT, JAW_RIGHT = 27, 8, 0, 16


@dataclass(frozen=True)
class HeadFrame:
    """A head's position, scale and tilt.

    `origin`: the nose bridge (x, y). `up`: unit vector from the chin towards the top of the head.
    `right`: unit vector perpendicular to it (image-right for an upright face). `width`, `length`:
    face width and face length in pixels.
    """

    origin: np.ndarray
    up: np.ndarray
    right: np.ndarray
    width: float
    length: float

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> HeadFrame:
        lm = np.asarray(landmarks, dtype=np.float64)
        if lm.shape != (68, 2):
            raise ValueError(f"a head frame needs 68 landmarks, got shape {lm.shape}")
        up = lm[NOSE_BRIDGE] - lm[CHIN]
        length = float(np.hypot(*up))
        width = float(np.hypot(*(lm[JAW_RIGHT] - lm[JAW_LEFT])))
        if length < 1.0 or width < 1.0:
            raise ValueError("degenerate landmarks: the face has no size")
        up = up / length
        right = np.array([-up[1], up[0]])  # image y points down: rotate `up` by +90 degrees
        return cls(lm[NOSE_BRIDGE].copy(), up, right, width, length)

    def point(self, across: float, along: float) -> np.ndarray:
        """Image point `across` face widths to the right and `along` face lengths up from the origin."""
        return self.origin + self.right * across * self.width + self.up * along * self.length

    @property
    def angle_degrees(self) -> float:
        """Tilt of the head in OpenCV's ellipse convention (0 for an upright face)."""
        return float(np.degrees(np.arctan2(self.right[1], self.right[0])))

    def ellipse_mask(
        self, shape: tuple[int, int], across: float, along: float, half_width: float, half_length: float
    ) -> np.ndarray:
        """`(H, W) bool`: a filled ellipse centred `across`/`along` from the origin, its half-axes
        in face widths (sideways) and face lengths (up), tilted with the head."""
        mask = np.zeros(shape, np.uint8)
        centre = self.point(across, along)
        axes = (max(1, round(half_width * self.width)), max(1, round(half_length * self.length)))
        cv2.ellipse(mask, (round(centre[0]), round(centre[1])), axes, self.angle_degrees, 0, 360, 1, -1)
        return mask.astype(bool)

    def polygon_mask(self, shape: tuple[int, int], corners: list[tuple[float, float]]) -> np.ndarray:
        """`(H, W) bool`: a filled polygon whose corners are given as (across, along) face units."""
        pts = np.array([self.point(a, b) for a, b in corners], dtype=np.float64)
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
        return mask.astype(bool)

    def bounding_box(self, corners: list[tuple[float, float]]) -> tuple[float, float, float, float]:
        """Axis-aligned (x0, y0, x1, y1) around points given in face units."""
        pts = np.array([self.point(a, b) for a, b in corners])
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())
