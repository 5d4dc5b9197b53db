"""The skin tone the avatar is drawn in: the colour of the lit, non-specular skin.

A skin pixel is (in linear RGB) the skin's albedo times the light falling on it: shading scales all
three channels together, so it moves the lightness but not the chromaticity (each channel's share
of the sum); a sheen adds the light's own colour, which lowers the saturation (1 - min/max) that
shading leaves alone; brows, stubble and lips have chromaticities of their own. So the tone is
read from the lit side (the luminance band `LIT`) less the sheen (pixels well under the band's
usual saturation) and the odd chromaticities: their median chromaticity at their median
luminance. An under-exposed photo (nothing in it near white) is lifted first: its faces' pixels
are darker than the people are (`exposure_gain`). On the development faces the drawn skin of one
person varies a little less from photo to photo than the old median of the cheeks' CIELAB (which
took in the sheen) and sits about 1 L* lighter; bench/avatar_skin.py measures both.
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import lab_of

BODY = 75.0  # saturation percentile taken as the matte skin's own
SHEEN = 0.85  # a pixel with under this share of that saturation is sheen
LIT = (50.0, 92.0)  # luminance percentiles of the lit side: above the shading, below the sheen
SPREAD = 2.5  # chromaticity farther than this many median deviations from the median is not skin
DARK = 0.02  # linear luminance under which a pixel is shadow, a brow or stubble (sRGB about 40)
EXPOSED = 230.0  # sRGB level the brightest pixels of a well-exposed photo reach
MAX_EXPOSURE = 2.0  # the most an under-exposed photo's light is scaled (about +1 stop)
FALLBACK = (217.0, 162.0, 127.0)  # sRGB of the drawn default when too few skin pixels are seen


def linear(srgb: np.ndarray) -> np.ndarray:
    """Linear-light RGB in [0, 1] of sRGB in [0, 255] (the sRGB transfer curve undone)."""
    c = np.asarray(srgb, np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def srgb(lin: np.ndarray) -> np.ndarray:
    """sRGB in [0, 255] of linear-light RGB (clipped to [0, 1] first)."""
    c = np.clip(np.asarray(lin, np.float64), 0.0, 1.0)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def luminance(lin: np.ndarray) -> np.ndarray:
    """Relative luminance Y (Rec. 709 / sRGB primaries) of linear RGB `(..., 3)`."""
    return np.asarray(lin) @ np.array([0.2126, 0.7152, 0.0722])


def lit_skin_rgb(pixels: np.ndarray) -> np.ndarray | None:
    """sRGB `(3,)` of the lit, non-specular skin among `(N, 3)` sRGB pixels of skin regions (None
    when fewer than 12 of them are bright enough to read)."""
    lin = linear(np.asarray(pixels, np.float64).reshape(-1, 3))
    y = luminance(lin)
    keep = (y > DARK) & (lin.max(axis=1) < 0.98)  # clipped channels have lost their ratio
    if keep.sum() < 12:
        return None
    lin, y = lin[keep], y[keep]
    lo, hi = np.percentile(y, LIT)
    lit = (y >= lo) & (y <= hi)
    sat = 1.0 - lin.min(axis=1) / lin.max(axis=1)  # the same in shade and light; a sheen lowers it
    lit &= sat >= SHEEN * np.percentile(sat[lit], BODY)
    chroma = lin / lin.sum(axis=1, keepdims=True)
    dist = np.linalg.norm(chroma - np.median(chroma[lit], axis=0), axis=1)
    skin = lit & (dist <= SPREAD * (np.median(dist[lit]) + 1e-4))
    skin = skin if skin.sum() >= 6 else lit
    centre = np.median(chroma[skin], axis=0)
    colour = centre / max(float(luminance(centre)), 1e-6) * float(np.median(y[skin]))
    return srgb(colour)


def exposure_gain(image: np.ndarray) -> float:
    """Linear-light gain that lifts an under-exposed photo's brightest pixels (99.9th percentile
    of the brightest channel) to near white: 1.0 when they already reach `EXPOSED`, at most
    `MAX_EXPOSURE`. Nearly every photo holds something white or a highlight; one that holds
    nothing brighter than sRGB 177 was shot too dark, and its faces read darker than the people
    are. `image`: `(H, W, 3) uint8` RGB (read on every few pixels, a quarter million or so)."""
    step = max(1, int(np.sqrt(image.shape[0] * image.shape[1] / 2.5e5)))
    brightest = np.asarray(image)[::step, ::step].max(axis=-1).ravel()
    top = float(np.partition(brightest, int(0.999 * (brightest.size - 1)))[int(0.999 * (brightest.size - 1))])
    if top >= EXPOSED:
        return 1.0
    return float(min(MAX_EXPOSURE, linear(np.array(EXPOSED)) / max(float(linear(np.array(top))), 1e-3)))


def skin_tone_lab(c: Canonical, patches: np.ndarray, gains: np.ndarray | None = None, exposure: float = 1.0) -> np.ndarray:
    """CIELAB `(3,)` of the lit skin in `patches` `(H, W) bool` of the canonical crop, white
    balanced by `gains` `(3,)` when given and its light scaled by `exposure` (`exposure_gain`);
    the drawn default if the skin cannot be read."""
    px = c.pixels(patches & c.valid).astype(np.float64)
    if gains is not None:
        px = np.clip(px * gains, 0, 255)
    rgb = lit_skin_rgb(px)
    if rgb is None:
        return lab_of(np.array(FALLBACK)[None])[0]
    return lab_of(srgb(linear(rgb) * exposure)[None])[0]
