"""The face warped upright to a fixed scale, so every region the fit samples is defined once.

In the canonical crop the face is 128 px wide (jaw corners 0 to 16), the roll is removed and the
nose bridge (landmark 27) sits at `BRIDGE`; the crop reaches far enough above and beside the face
for curly hair and below it for long hair.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.avatar.features import Upright

FACE_WIDTH = 128.0
SIZE = (416, 480)  # width, height
BRIDGE = (208.0, 190.0)


@dataclass(frozen=True)
class Canonical:
    """`image` `(480, 416, 3) uint8` RGB; `valid` `(480, 416) bool`: inside the photo (the rest
    is edge-replicated filler); `landmarks` (68, 2) in it; `scale`: canonical pixels per photo
    pixel; `upright`: the measurements' frame."""

    image: np.ndarray
    valid: np.ndarray
    landmarks: np.ndarray
    scale: float
    upright: Upright

    @classmethod
    def from_photo(cls, image: np.ndarray, landmarks: np.ndarray) -> Canonical:
        u = Upright.from_landmarks(landmarks)
        s = FACE_WIDTH / max(u.width, 1e-6)
        lm = np.asarray(landmarks, np.float64)
        m = cv2.getRotationMatrix2D((float(lm[27, 0]), float(lm[27, 1])), u.roll, s)
        m[:, 2] += np.array(BRIDGE) - lm[27]
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
        warped = cv2.warpAffine(image, m, SIZE, flags=interp, borderMode=cv2.BORDER_REPLICATE)
        inside = cv2.warpAffine(np.ones(image.shape[:2], np.uint8), m, SIZE, flags=cv2.INTER_NEAREST,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)
        return cls(warped, inside, lm @ m[:, :2].T + m[:, 2], s, u)

    @property
    def face_px(self) -> float:
        """The face's width in photo pixels: what decides whether fine detail (strands, dots,
        frame lines) can be seen at all."""
        return FACE_WIDTH / max(self.scale, 1e-6)

    def polygon_mask(self, points: np.ndarray) -> np.ndarray:
        """`(H, W) bool` inside the polygon `points` (canonical pixels)."""
        mask = np.zeros(self.image.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.round(np.asarray(points)).astype(np.int32)], 1)
        return mask.astype(bool)

    def disc_mask(self, centre: np.ndarray, radius: float) -> np.ndarray:
        mask = np.zeros(self.image.shape[:2], np.uint8)
        cv2.circle(mask, (round(float(centre[0])), round(float(centre[1]))), max(1, round(radius)), 1, -1)
        return mask.astype(bool)

    def pixels(self, mask: np.ndarray) -> np.ndarray:
        return self.image[mask]
