"""Does the avatar look like the person? A contact sheet (photo beside avatar) for the sample and
the real photos in ../shared/data/faces, and the fitted skin and hair colours' CIEDE2000 distance to
the colours measured in the photo.

"Measured" is the plain median of the photo's pixels in the same regions (skin: cheeks, nose
bridge, forehead; hair: the fitted hair mask), without the fit's shadow/highlight rejection and
white-balance cue: the Delta-E says how far the robust estimate moved from what the pixels say.
Whether the regions themselves are right is what the contact sheet is for: look at it.

    PYTHONPATH=src python bench/avatar_likeness.py [--out avatar_likeness.png] [--min-width 40]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

from avatar_faces import real_faces
from toonmoji.avatar import cues
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import delta_e, hex_of, lab_of
from toonmoji.avatar.fitting import fit_avatar
from toonmoji.avatar.hair import fit_hair

CELL = 160


def measured(photo: np.ndarray, face) -> tuple[str, str | None]:
    """Plain median skin and hair colours of the photo (hair None when no hair was found)."""
    c = Canonical.from_photo(photo, face.landmarks)
    skin_px = c.pixels(cues.skin_patches(c))
    skin = hex_of(np.median(skin_px, axis=0))
    hair = fit_hair(c, lab_of(np.median(skin_px, axis=0).astype(np.float64)))
    hair_px = c.pixels(hair.mask)
    return skin, (hex_of(np.median(hair_px, axis=0)) if len(hair_px) >= 30 else None)


def photo_cell(photo: np.ndarray, face, cell: int = CELL) -> np.ndarray:
    x0, y0, x1, y1 = face.box
    w = x1 - x0
    cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2 - 0.15 * w, 2.1 * w
    m = np.float32([[cell / side, 0, cell / 2 - cx * cell / side], [0, cell / side, cell / 2 - cy * cell / side]])
    return cv2.warpAffine(photo, m, (cell, cell), flags=cv2.INTER_AREA, borderValue=(255, 255, 255))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("avatar_likeness.png"))
    parser.add_argument("--min-width", type=float, default=40.0)
    parser.add_argument("--columns", type=int, default=4)
    args = parser.parse_args()

    cells, skin_de, hair_de = [], [], []
    print("| face | width px | skin fitted / measured | dE | hair | fitted / measured | dE | glasses | beard |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, photo, face in real_faces(args.min_width):
        av = fit_avatar(photo, face)
        a = av.attributes
        skin_m, hair_m = measured(photo, face)
        ds = delta_e(a.skin, skin_m)
        skin_de.append(ds)
        dh = delta_e(a.hair.color, hair_m) if hair_m else float("nan")
        if hair_m:
            hair_de.append(dh)
        print(f"| {name} | {face.width:.0f} | {a.skin} / {skin_m} | {ds:.1f} | {a.hair.style} | "
              f"{a.hair.color} / {hair_m or '-'} | {dh:.1f} | {a.glasses.style} | {a.beard.style} |")
        rgba = av.render("neutral", 1.0, CELL)
        alpha = rgba[..., 3:4].astype(np.float32) / 255.0
        drawn = (rgba[..., :3] * alpha + 255.0 * (1 - alpha)).astype(np.uint8)
        cell = Image.fromarray(np.concatenate([photo_cell(photo, face), drawn], axis=1))
        ImageDraw.Draw(cell).text((4, 2), name, fill=(255, 255, 0))
        cells.append(np.asarray(cell))
    while len(cells) % args.columns:
        cells.append(np.full_like(cells[0], 255))
    rows = [np.concatenate(cells[i : i + args.columns], axis=1) for i in range(0, len(cells), args.columns)]
    Image.fromarray(np.concatenate(rows, axis=0)).save(args.out)
    print(f"\nskin Delta-E 2000: mean {np.mean(skin_de):.1f}, max {np.max(skin_de):.1f} over {len(skin_de)} faces")
    if hair_de:
        print(f"hair Delta-E 2000: mean {np.mean(hair_de):.1f}, max {np.max(hair_de):.1f} over {len(hair_de)} faces with hair")
    print(f"contact sheet: {args.out}")


if __name__ == "__main__":
    main()
