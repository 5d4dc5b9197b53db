"""`toonmoji emoji sheet DIR`: several emoji laid out on one sheet, each with its name under it."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from toonmoji.emoji.sticker import resize_rgba
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.errors import InputError
from toonmoji.imageio import read_image

SHEET_SUFFIXES = {".png", ".webp"}


def emoji_files(folder: str | os.PathLike[str], exclude: Path | None = None) -> list[Path]:
    """The PNG and WebP files in `folder`: emotion names first in FER2013 order, then the rest by name.

    One file per name: `toonmoji avatar set` writes each emotion as .png and as a .webp sticker,
    and a sheet shows each emotion once (the lossless .png)."""
    d = Path(folder)
    if not d.exists():
        raise InputError(f"no such file or folder: {d}")
    if not d.is_dir():
        raise InputError(f"not a folder: {d}")
    skip = exclude.resolve() if exclude is not None else None
    files = [p for p in d.iterdir() if p.is_file() and p.suffix.lower() in SHEET_SUFFIXES and not p.name.startswith(".")
             and p.resolve() != skip]
    if not files:
        raise InputError(f"no emoji in {d}: expected .png or .webp files")
    by_name: dict[str, Path] = {}
    for p in sorted(files, key=lambda p: (p.suffix.lower() != ".png", p.name)):
        by_name.setdefault(p.stem, p)
    rank = {name: i for i, name in enumerate(EMOTIONS)}
    return sorted(by_name.values(), key=lambda p: (rank.get(p.stem, len(rank)), p.name))


def fit_square(rgba: np.ndarray, side: int) -> np.ndarray:
    """`(side, side, 4) uint8`: any RGBA image scaled to fit and centred on a transparent square."""
    h, w = rgba.shape[:2]
    square = np.zeros((max(h, w), max(h, w), 4), np.uint8)
    oy, ox = (square.shape[0] - h) // 2, (square.shape[1] - w) // 2
    square[oy : oy + h, ox : ox + w] = rgba
    return resize_rgba(square, side)


def make_sheet(
    emoji: list[tuple[str, np.ndarray]],
    cell: int = 160,
    columns: int | None = None,
    labels: bool = True,
    background: str = "transparent",
) -> np.ndarray:
    """`(H, W, 4) uint8`: the `(name, RGBA image)` pairs on a grid, `cell` pixels per emoji,
    `columns` across (default: as square a grid as fits), names under each when `labels`.
    `background`: "transparent" or a colour Pillow knows ("white", "#f0f0f0")."""
    if not emoji:
        raise InputError("a sheet needs at least one emoji")
    columns = columns or math.ceil(math.sqrt(len(emoji)))
    rows = math.ceil(len(emoji) / columns)
    pad = max(4, cell // 16)
    font = ImageFont.load_default(size=max(10, cell // 10))
    label_h = (font.size + pad) if labels else 0
    width, height = columns * (cell + pad) + pad, rows * (cell + pad + label_h) + pad
    try:
        fill = (0, 0, 0, 0) if background == "transparent" else ImageColor.getcolor(background, "RGBA")
    except ValueError:
        raise InputError(f"unknown colour {background!r}; use 'transparent', a name or #rrggbb") from None
    sheet = Image.new("RGBA", (width, height), fill)
    draw = ImageDraw.Draw(sheet)
    for i, (name, rgba) in enumerate(emoji):
        r, c = divmod(i, columns)
        x, y = pad + c * (cell + pad), pad + r * (cell + pad + label_h)
        tile = Image.fromarray(fit_square(rgba, cell), "RGBA")
        sheet.alpha_composite(tile, (x, y))
        if labels:
            text_w = draw.textlength(name, font=font)
            draw.text((x + (cell - text_w) / 2, y + cell + pad // 2), name, fill=(40, 40, 40, 255), font=font)
    return np.asarray(sheet, dtype=np.uint8).copy()


def sheet_from_folder(folder: str | os.PathLike[str], exclude: Path | None = None, **kwargs: object) -> np.ndarray:
    """A sheet of every emoji file in `folder` (see `emoji_files` and `make_sheet`)."""
    files = emoji_files(folder, exclude)
    return make_sheet([(p.stem, read_image(p, mode="RGBA")) for p in files], **kwargs)  # type: ignore[arg-type]
