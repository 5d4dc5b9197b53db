"""A learnable FER2013-format CSV made in the test: each class is a stripe pattern of its own
frequency (random phase, orientation and noise), so a small network can tell them apart."""

from __future__ import annotations

import numpy as np


def synthetic_faces(labels: np.ndarray, side: int = 48, seed: int = 0) -> np.ndarray:
    """`(N, side, side) uint8` images; class k has k + 1 stripes across the image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    out = np.empty((len(labels), side, side), np.uint8)
    for i, k in enumerate(labels):
        angle = rng.uniform(0, np.pi)
        wave = np.sin(2 * np.pi * (k + 1) * (xx * np.cos(angle) + yy * np.sin(angle)) + rng.uniform(0, 2 * np.pi))
        img = 128 + 80 * wave + rng.normal(0, 20, wave.shape)
        out[i] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def synthetic_csv_text(per_class: dict[str, int], classes: int = 7, side: int = 48, seed: int = 0) -> str:
    """CSV text with header `emotion,pixels,Usage`, `per_class[usage]` rows of each class."""
    rows = ["emotion,pixels,Usage"]
    for u, (usage, n) in enumerate(per_class.items()):
        labels = np.repeat(np.arange(classes), n)
        np.random.default_rng(seed + u).shuffle(labels)
        for k, img in zip(labels, synthetic_faces(labels, side, seed + 100 * u)):
            rows.append(f"{k},{' '.join(map(str, img.ravel()))},{usage}")
    return "\n".join(rows) + "\n"
