"""Built-in sample images, made from one public-domain portrait that ships inside the package.

No personal photos are committed: everything the demo and the tests need is derived here from
NASA's portrait of astronaut Eileen Collins (public domain; the pixels of scikit-image's
`skimage.data.astronaut()`, re-compressed losslessly as `toonmoji/data/astronaut.png`, so the
light core needs neither scikit-image nor SciPy).
"""

from __future__ import annotations

from importlib import resources

import cv2
import numpy as np
from PIL import Image


def sample_portrait() -> np.ndarray:
    """The astronaut portrait, `(512, 512, 3) uint8` RGB, one face."""
    with resources.files("toonmoji").joinpath("data/astronaut.png").open("rb") as f:
        return np.ascontiguousarray(Image.open(f).convert("RGB"))


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image rotated about its centre on a canvas large enough to hold all of it."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def scaled(image: np.ndarray, factor: float) -> np.ndarray:
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=interp)


def darker(image: np.ndarray, gain: float = 0.45) -> np.ndarray:
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def group_photo(copies: int = 3, face_scale: float = 0.6) -> np.ndarray:
    """Several copies of the portrait side by side on one canvas: one face per copy."""
    tile = scaled(sample_portrait(), face_scale)
    return np.concatenate([tile] * copies, axis=1)


def no_face_image(size: int = 256, seed: int = 0) -> np.ndarray:
    """A smooth colourful image with no face in it."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def video_frame_640x480(image: np.ndarray | None = None) -> np.ndarray:
    """The portrait fitted into a 640x480 frame (letterboxed), as a webcam would deliver."""
    img = sample_portrait() if image is None else image
    frame = np.full((480, 640, 3), 40, np.uint8)
    h, w = img.shape[:2]
    s = min(480 / h, 640 / w)
    small = cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    y0, x0 = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
    frame[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    return frame
