"""Colours: robust skin, hair and lip colours from pixels, shades for outlines, Delta-E 2000.

Skin is sampled where it is plain (cheeks, forehead, nose bridge); shadows and highlights are
rejected by lightness percentiles and odd chroma by its median absolute deviation, and the rest's
median in CIELAB is the colour. Where the photo has near-white, near-grey pixels (a white-balance
cue: walls, shirts, the whites of the eyes), a mild von Kries correction towards neutral is applied.
"""

from __future__ import annotations

import functools
import warnings

import cv2
import numpy as np
from skimage import color as skcolor

WB_MAX_GAIN = 0.12  # at most this much correction per channel: a cue, not a repainting
WB_SIDE = 1024  # white balance is read on a copy at most this many px on its long side


def hex_of(rgb: np.ndarray | tuple[float, float, float]) -> str:
    """'#rrggbb' of an RGB triple in [0, 255]."""
    r, g, b = (int(np.clip(round(float(v)), 0, 255)) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def rgb_of(hex_colour: str) -> np.ndarray:
    """`(3,) float` RGB in [0, 255] of '#rrggbb'."""
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def lab_of(rgb: np.ndarray) -> np.ndarray:
    """CIELAB of RGB in [0, 255], any leading shape `(..., 3)`."""
    arr = np.asarray(rgb, dtype=np.float64)
    flat = arr.reshape(-1, 3) / 255.0
    return skcolor.rgb2lab(flat[None])[0].reshape(arr.shape)


def rgb_of_lab(lab: np.ndarray) -> np.ndarray:
    """RGB in [0, 255] of CIELAB `(..., 3)`; colours outside sRGB are clipped (quietly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rgb = skcolor.lab2rgb(np.asarray(lab, np.float64).reshape(1, -1, 3))[0]
    return np.clip(rgb * 255.0, 0, 255).reshape(np.shape(lab))


@functools.lru_cache(maxsize=4096)
def delta_e(hex_a: str, hex_b: str) -> float:
    """CIEDE2000 difference between two '#rrggbb' colours (about 2.3 is just noticeable)."""
    a, b = lab_of(rgb_of(hex_a)), lab_of(rgb_of(hex_b))
    return float(skcolor.deltaE_ciede2000(a, b))


@functools.lru_cache(maxsize=4096)
def shade(hex_colour: str, amount: float) -> str:
    """The colour darkened (amount < 0) or lightened (> 0) by `amount` of CIELAB lightness 100."""
    lab = lab_of(rgb_of(hex_colour)[None])[0]
    lab[0] = np.clip(lab[0] + 100.0 * amount, 0.0, 100.0)
    return hex_of(rgb_of_lab(lab[None])[0])


@functools.lru_cache(maxsize=4096)
def lightness(hex_colour: str) -> float:
    """CIELAB L* (0 black .. 100 white) of '#rrggbb'."""
    return float(lab_of(rgb_of(hex_colour)[None])[0][0])


def mix(hex_a: str, hex_b: str, t: float) -> str:
    """`hex_a` moved a fraction `t` towards `hex_b` (in RGB)."""
    return hex_of(rgb_of(hex_a) * (1.0 - t) + rgb_of(hex_b) * t)


def white_balance_gains(image: np.ndarray) -> np.ndarray:
    """`(3,)` per-channel gains that make the photo's bright near-grey pixels grey (ones if the
    photo gives no such cue). `image`: `(H, W, 3) uint8` RGB. Read on a copy at most
    `WB_SIDE` px on its long side: the cue is an average, and a 40-megapixel photo in float64
    cost 14 s and a gigabyte."""
    side = max(image.shape[:2])
    if side > WB_SIDE:
        k = WB_SIDE / side
        image = cv2.resize(image, (max(1, round(image.shape[1] * k)), max(1, round(image.shape[0] * k))), interpolation=cv2.INTER_AREA)
    px = image.reshape(-1, 3).astype(np.float64)
    mx, mn = px.max(axis=1), px.min(axis=1)
    cue = (mx > 150) & (mx < 252) & ((mx - mn) < 0.12 * mx)
    if cue.sum() < max(50, 0.005 * len(px)):
        return np.ones(3)
    mean = px[cue].mean(axis=0)
    gains = mean.mean() / np.maximum(mean, 1.0)
    return np.clip(gains, 1.0 - WB_MAX_GAIN, 1.0 + WB_MAX_GAIN)


def robust_colour(pixels: np.ndarray, low: float = 20.0, high: float = 90.0) -> np.ndarray | None:
    """Median CIELAB colour of `(N, 3)` RGB pixels after dropping the darkest `low` % (shadows),
    the brightest above `high` % (highlights) and chroma outliers; None if too few pixels."""
    px = np.asarray(pixels, dtype=np.float64).reshape(-1, 3)
    if len(px) < 8:
        return None
    lab = lab_of(px)
    lo, hi = np.percentile(lab[:, 0], [low, high])
    keep = (lab[:, 0] >= lo) & (lab[:, 0] <= hi)
    if keep.sum() >= 8:
        lab = lab[keep]
    ab = lab[:, 1:]
    med = np.median(ab, axis=0)
    dist = np.hypot(*(ab - med).T)
    mad = np.median(dist) + 1e-6
    keep = dist <= 3.0 * mad
    if keep.sum() >= 8:
        lab = lab[keep]
    return np.median(lab, axis=0)


def colour_hex(pixels: np.ndarray, gains: np.ndarray | None = None, low: float = 20.0, high: float = 90.0) -> str | None:
    """`robust_colour` as '#rrggbb', with white-balance `gains` applied first."""
    px = np.asarray(pixels, dtype=np.float64).reshape(-1, 3)
    if gains is not None:
        px = np.clip(px * gains, 0, 255)
    lab = robust_colour(px, low, high)
    return None if lab is None else hex_of(rgb_of_lab(lab[None])[0])
