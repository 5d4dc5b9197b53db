"""Synthetic hair pixels for the hair-colour tests: one colour under the shading real hair shows."""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.colour import rgb_of_lab


def shaded_hair(colour_lab, n: int = 2000, seed: int = 1) -> np.ndarray:
    """RGB pixels of hair of one colour under shading: most of it darker than it reads."""
    rng = np.random.default_rng(seed)
    lab = np.repeat(np.asarray(colour_lab, np.float64)[None], n, axis=0)
    shade = rng.uniform(0.35, 1.05, n)
    lab[:, 0] *= shade
    lab[:, 1:] *= np.clip(shade, 0.5, 1.0)[:, None]
    return rgb_of_lab(lab)
