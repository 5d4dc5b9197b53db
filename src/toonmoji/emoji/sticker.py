"""Sticker sizes: 512x512 WebP with transparency (the messenger sticker format) and a 128x128 PNG.

RGBA images are resized with premultiplied alpha: averaging a transparent pixel's (meaningless)
colour into its visible neighbours is what puts dark fringes around cut-outs.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

STICKER_SIDE = 512
ICON_SIDE = 128
STICKER_MAX_BYTES = 100_000  # messenger apps refuse larger static stickers


def resize_rgba(rgba: np.ndarray, side: int) -> np.ndarray:
    """`(side, side, 4) uint8` from a square `(S, S, 4) uint8` RGBA image, premultiplied."""
    if rgba.shape[:2] == (side, side):
        return rgba.copy()
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    pre = np.concatenate([rgba[..., :3].astype(np.float32) * a, a * 255.0], axis=2)
    interp = cv2.INTER_AREA if side < rgba.shape[0] else cv2.INTER_CUBIC
    out = np.clip(cv2.resize(pre, (side, side), interpolation=interp), 0.0, 255.0)
    alpha = out[..., 3:4] / 255.0
    rgb = np.where(alpha > 1e-4, out[..., :3] / np.maximum(alpha, 1e-4), 0.0)
    return np.clip(np.rint(np.concatenate([rgb, out[..., 3:4]], axis=2)), 0, 255).astype(np.uint8)


def webp_bytes(rgba: np.ndarray, max_bytes: int = STICKER_MAX_BYTES) -> bytes:
    """Encode RGBA as WebP with alpha, lowering quality until it fits `max_bytes`."""
    im = Image.fromarray(rgba, "RGBA")
    data = b""
    for quality in (90, 80, 70, 60, 50, 40, 30):
        buf = io.BytesIO()
        im.save(buf, format="WEBP", quality=quality, alpha_quality=100, method=4)
        data = buf.getvalue()
        if len(data) <= max_bytes:
            break
    return data


def png_bytes(rgba: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return buf.getvalue()


def _rgba_of(emoji: object) -> np.ndarray:
    rgba = getattr(emoji, "rgba", emoji)
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.shape[0] != rgba.shape[1] or rgba.dtype != np.uint8:
        raise ValueError(f"a sticker needs a square (S, S, 4) uint8 RGBA image, got {rgba.shape} {rgba.dtype}")
    return rgba


def sticker_bytes(emoji: object, side: int = STICKER_SIDE) -> bytes:
    """A 512x512 WebP with alpha for an `Emoji` (or a square `(S, S, 4) uint8` RGBA array)."""
    return webp_bytes(resize_rgba(_rgba_of(emoji), side))


def icon_bytes(emoji: object, side: int = ICON_SIDE) -> bytes:
    """A 128x128 RGBA PNG of an `Emoji` (or a square RGBA array)."""
    return png_bytes(resize_rgba(_rgba_of(emoji), side))
