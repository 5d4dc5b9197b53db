"""Uploads: size limits, image types checked by decoding (never by name), optional keeping.

An upload is held in memory only while its request is answered; it is written to disk only when
the server was started with `--keep-uploads DIR` (the user asked for it).
"""

from __future__ import annotations

import io
import re
import threading
import time
import uuid
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from toonmoji.errors import ImageReadError, InputError, ToonmojiError
from toonmoji.imageio import decode_image, write_bytes

# Formats decoded for uploads: what cameras and phones export, nothing that runs code (EPS) or
# pulls in rarely used decoders.
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "BMP": ".bmp", "TIFF": ".tif"}
FORMAT_NAMES = "JPEG, PNG, WebP, BMP or TIFF"


class UploadTooLarge(InputError):
    """An upload over the byte or pixel limit (HTTP 413)."""


class UnsupportedImage(ImageReadError):
    """Bytes that are not an image of an accepted type (HTTP 415)."""


class KeptUploadsFull(ToonmojiError):
    """The folder of kept uploads reached its quota (HTTP 507)."""


def display_name(filename: str | None) -> str:
    """A short, one-line, harmless version of a client's file name for messages."""
    name = re.sub(r"[^\w.\- ]", "_", Path(filename or "").name)[:80].strip()
    return name or "the upload"


def check_upload(data: bytes, name: str, max_bytes: int, max_pixels: int) -> str:
    """The image format of `data` (a FORMATS key), read from its header; raises one-line errors
    for an empty, too large, unsupported or unreadable upload before any pixel is decoded."""
    if not data:
        raise InputError(f"{name} is empty")
    if len(data) > max_bytes:
        raise UploadTooLarge(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as im:
            fmt, (w, h) = im.format, im.size
    except UnidentifiedImageError:
        raise UnsupportedImage(f"{name} is not a {FORMAT_NAMES} image") from None
    except Image.DecompressionBombError:
        raise UploadTooLarge(f"{name} has too many pixels to decode safely") from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure on user bytes is the user's file
        raise ImageReadError(f"cannot read {name}: {_one_line(exc)}") from None
    if w * h > max_pixels:
        raise UploadTooLarge(f"{name} is {w}x{h} pixels; the limit is {max_pixels / 1e6:.0f} megapixels")
    return str(fmt)


def decode_upload(data: bytes, name: str, max_bytes: int, max_pixels: int) -> tuple[np.ndarray, str]:
    """`(H, W, 3) uint8` RGB of an uploaded image, EXIF-rotated, fully decoded (so a truncated
    file fails here, as a 400, not half-way through the work), and its format."""
    fmt = check_upload(data, name, max_bytes, max_pixels)
    try:
        return decode_image(data, name), fmt
    except ImageReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above: a crafted file must not become a 500
        raise ImageReadError(f"cannot decode {name}: {_one_line(exc)}") from None


def fit_side(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """The image shrunk so its longest side is at most `side`, and the factor used (<= 1)."""
    h, w = image.shape[:2]
    if max(h, w) <= side:
        return image, 1.0
    scale = side / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return small, scale


def keep_upload(folder: Path, data: bytes, fmt: str) -> Path:
    """Write the upload's bytes, unchanged, to a new file in `folder` (only when asked to). The
    name is made here from the time, a random part and the decoded format, never the client's."""
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}{FORMATS.get(fmt, '.img')}"
    return write_bytes(folder / name, data)


class UploadKeeper:
    """Keeps uploads in a folder (`--keep-uploads`) until the files there add up to `max_bytes`;
    beyond that KeptUploadsFull, so no client can fill the disk. Safe to call from pool threads."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder, self.max_bytes = folder, max_bytes
        self._lock = threading.Lock()
        self.used = self._measure()

    def _measure(self) -> int:
        """Bytes in the folder now (files the user deleted meanwhile free their room)."""
        try:
            return sum(e.stat().st_size for e in self.folder.iterdir() if e.is_file())
        except OSError:
            return 0

    def keep(self, data: bytes, fmt: str) -> Path:
        with self._lock:
            if self.used + len(data) > self.max_bytes:
                self.used = self._measure()
            if self.used + len(data) > self.max_bytes:
                raise KeptUploadsFull(
                    f"the folder for kept uploads is full ({self.used / 2**20:.1f} of "
                    f"{self.max_bytes / 2**20:.0f} MB, --keep-max-mb); the photo was not analysed")
            self.used += len(data)
        try:
            return keep_upload(self.folder, data, fmt)
        except BaseException:
            with self._lock:
                self.used -= len(data)
            raise


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
