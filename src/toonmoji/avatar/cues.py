"""Attributes read from pixels in the canonical crop: skin, lips, irises, brows, a glasses frame's
colour (facial hair: `facial_hair`; whether there are glasses: `glasses`).

All regions are placed from the landmarks; all colours go through `colour.robust_colour`, so a
shadow, a highlight or a stray hair in a region moves the result little.
"""

from __future__ import annotations

import cv2
import numpy as np

from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import colour_hex, hex_of, lab_of, rgb_of_lab, robust_colour

DEFAULT_IRIS = "#4a3526"


def skin_patches(c: Canonical) -> np.ndarray:
    """`(H, W) bool`: both cheeks, the nose bridge and a strip of forehead above the brows."""
    lm = c.landmarks
    r = 0.07 * 128
    mask = np.zeros(c.image.shape[:2], bool)
    for a, b in ((1, 31), (15, 35)):  # cheek: between the jaw side and the nostril, below the eye
        centre = lm[a] * 0.45 + lm[b] * 0.55 + (0.0, -0.02 * 128)
        mask |= c.disc_mask(centre, r)
    mask |= c.disc_mask(lm[28] * 0.5 + lm[29] * 0.5, 0.04 * 128)
    mask |= c.disc_mask(lm[17:27].mean(axis=0) - (0.0, 0.14 * 128), 0.06 * 128)
    return mask


def skin_lab(c: Canonical, gains: np.ndarray) -> np.ndarray:
    """Median CIELAB of the skin patches after white balance (shadows/highlights dropped)."""
    px = np.clip(c.pixels(skin_patches(c)).astype(np.float64) * gains, 0, 255)
    lab = robust_colour(px, 25.0, 92.0)
    return lab if lab is not None else lab_of(np.array([[217.0, 162.0, 127.0]]))[0]


def lip_colour(c: Canonical, gains: np.ndarray) -> str | None:
    lm = c.landmarks
    mask = c.polygon_mask(lm[48:60]) & ~c.polygon_mask(lm[60:68])
    return colour_hex(c.pixels(mask), gains, 10.0, 95.0)


def iris_colour(c: Canonical, gains: np.ndarray, photo_eye_width: float) -> str:
    """The darker half of the eye opening (the iris, not the sclera); the default brown when the eye
    is under 12 photo pixels wide (the colour cannot be resolved)."""
    if photo_eye_width < 12:
        return DEFAULT_IRIS
    lm = c.landmarks
    px = np.vstack([c.pixels(c.polygon_mask(lm[36:42])), c.pixels(c.polygon_mask(lm[42:48]))]).astype(np.float64)
    if len(px) < 10:
        return DEFAULT_IRIS
    lum = px.mean(axis=1)
    dark = px[lum <= np.percentile(lum, 45)]
    return colour_hex(dark, gains, 5.0, 95.0) or DEFAULT_IRIS


def brows(c: Canonical, gains: np.ndarray, skin: np.ndarray, hair: str | None) -> tuple[str, float]:
    """Brow colour (the darkest third of a band along the brow landmarks) and thickness (how much
    of a wider band is brow-dark), 1.0 being average."""
    lm = c.landmarks
    band = np.zeros(c.image.shape[:2], np.uint8)
    wide = np.zeros_like(band)
    for seg in (lm[17:22], lm[22:27]):
        cv2.polylines(band, [np.round(seg).astype(np.int32)], False, 1, 7)
        cv2.polylines(wide, [np.round(seg - (0, 2)).astype(np.int32)], False, 1, 17)
    px = c.pixels(band.astype(bool)).astype(np.float64)
    lab = lab_of(np.clip(px * gains, 0, 255))
    dark = lab[lab[:, 0] <= np.percentile(lab[:, 0], 35)]
    colour_lab = np.median(dark, axis=0)
    if colour_lab[0] > skin[0] - 8 and hair is not None:  # no contrast: brows as light as the skin
        return hair, 0.6
    wide_l = lab_of(np.clip(c.pixels(wide.astype(bool)).astype(np.float64) * gains, 0, 255))[:, 0]
    frac = float(np.mean(wide_l < (skin[0] + colour_lab[0]) / 2))
    return hex_of(rgb_of_lab(colour_lab[None])[0]), float(np.clip(frac / 0.35, 0.5, 2.2))


def frame_colour(c: Canonical) -> str:
    """The frame: the darkest pixels on the bridge line between the eyes."""
    lm = c.landmarks
    eye_y = lm[36:48, 1].mean()
    bx = int(lm[27, 0])
    px = c.image[int(eye_y - 22) : int(eye_y + 2), bx - 5 : bx + 6].reshape(-1, 3).astype(np.float64)
    lum = px.mean(axis=1)
    return hex_of(np.median(px[lum <= np.percentile(lum, 15)], axis=0))
