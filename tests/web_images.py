"""Images for the web tests: encoded photos, crafted headers, data URLs read back."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(image: np.ndarray, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return buf.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A valid PNG header claiming `width` x `height` grey pixels, with almost no pixel data: what
    a decompression bomb looks like before anything is decoded."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b"")


def decode_data_url(url: str, mime: str, mode: str = "RGB") -> np.ndarray:
    """The image in a `data:MIME;base64,...` URL, checked to really be of that type."""
    prefix = f"data:{mime};base64,"
    assert url.startswith(prefix), url[:40]
    with Image.open(io.BytesIO(base64.b64decode(url[len(prefix):]))) as im:
        assert im.format == mime.split("/")[1].upper(), im.format
        return np.asarray(im.convert(mode))
