"""Face crops shared by the emotion benchmarks: real crops from the sample photos and their
variants, jittered crops, and FER-like synthetic faces. Made here, nothing downloaded."""

from __future__ import annotations

import cv2
import numpy as np

from toonmoji.emotion.crop import crop_face
from toonmoji.emotion.recognize import haar_detector
from toonmoji.samples import (
    darker,
    group_photo,
    rotated,
    sample_portrait,
    scaled,
    video_frame_640x480,
)


def sample_variants() -> list[np.ndarray]:
    """The portrait and the variants the tests use: turned, smaller, larger, darker, grouped."""
    p = sample_portrait()
    return [p, rotated(p, 10), rotated(p, -15), scaled(p, 0.6), scaled(p, 1.5), darker(p),
            group_photo(3), video_frame_640x480(), cv2.flip(p, 1)]


def detected_crops() -> list[np.ndarray]:
    """Grey face crops found by the live pipeline's detector in every sample variant."""
    det = haar_detector(detect_width=640)
    crops = []
    for image in sample_variants():
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        crops += [crop_face(grey, f.box) for f in det.detect(image)]
    return crops


def jittered_crops(n: int, seed: int = 0) -> list[np.ndarray]:
    """The portrait's face cut with random offsets, scales, flips, contrast and noise."""
    rng = np.random.default_rng(seed)
    grey = cv2.cvtColor(sample_portrait(), cv2.COLOR_RGB2GRAY).astype(np.float32)
    x0, y0, x1, y1 = 177, 67, 270, 160
    crops = []
    for _ in range(n):
        s = (x1 - x0) * rng.uniform(0.8, 1.4)
        cx = (x0 + x1) / 2 + rng.uniform(-12, 12)
        cy = (y0 + y1) / 2 + rng.uniform(-12, 12)
        img = grey * rng.uniform(0.5, 1.3) + rng.uniform(-40, 40) + rng.normal(0, rng.uniform(0, 12), grey.shape)
        crop = crop_face(np.clip(img, 0, 255).astype(np.uint8), (cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2))
        crops.append(cv2.flip(crop, 1) if rng.random() < 0.5 else crop)
    return crops


def synthetic_faces(n: int, size: int = 48, seed: int = 1) -> list[np.ndarray]:
    """FER-like 48x48 grey cartoon faces: oval, eyes, brows and a mouth of random shape."""
    rng = np.random.default_rng(seed)
    faces = []
    for _ in range(n):
        img = np.full((size, size), rng.integers(20, 200), np.uint8)
        c = size / 2
        skin = int(rng.integers(90, 230))
        axes = (int(size * rng.uniform(0.3, 0.42)), int(size * rng.uniform(0.38, 0.5)))
        cv2.ellipse(img, (int(c), int(c * 1.05)), axes, 0, 0, 360, skin, -1)
        dark = max(0, skin - int(rng.integers(60, 120)))
        ey = int(c * rng.uniform(0.75, 0.9))
        for ex in (int(c * 0.65), int(c * 1.35)):
            cv2.circle(img, (ex, ey), int(rng.integers(1, 4)), dark, -1)
            tilt = int(rng.integers(-3, 4))
            cv2.line(img, (ex - 4, ey - 5 + tilt), (ex + 4, ey - 5 - tilt), dark, 1)
        smile = rng.uniform(-1, 1)
        mouth_y = int(c * rng.uniform(1.3, 1.5))
        cv2.ellipse(img, (int(c), mouth_y), (int(size * 0.15), max(1, int(abs(smile) * 6))), 0,
                    0 if smile > 0 else 180, 180 if smile > 0 else 360, dark, int(rng.integers(1, 3)))
        noise = rng.normal(0, rng.uniform(2, 15), img.shape)
        faces.append(np.clip(cv2.GaussianBlur(img, (3, 3), 0) + noise, 0, 255).astype(np.uint8))
    return faces


def random_textures(n: int, size: int = 48, seed: int = 2) -> list[np.ndarray]:
    """Smooth random grey images: inputs far from any face, where disagreements would show."""
    rng = np.random.default_rng(seed)
    return [cv2.resize(rng.integers(0, 256, (6, 6), dtype=np.uint8), (size, size),
                       interpolation=cv2.INTER_CUBIC) for _ in range(n)]
