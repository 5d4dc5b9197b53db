"""Pictures to look at after every change that moves the avatar's drawing.

- contact sheet: each labelled face of ../shared/data/faces-attributes (photo crop) beside its
  fitted avatar, with the labels' hair length / facial hair beside the fitted style;
- styles: the twelve hair styles across a few skin and hair colours;
- expressions: the sample portrait's avatar in the seven expressions.

    PYTHONPATH=src python bench/avatar_sheets.py [--out docs] [--load avatars.json]

`--load`: avatars saved by `bench/avatar_identity.py --save` (same order as labels.json), so
the photos are not fitted twice. PNGs are palette-quantised to stay small enough for the docs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

from toonmoji.avatar import Attributes, Avatar, fit
from toonmoji.avatar.model import CHOICES
from toonmoji.emoji.sheet import make_sheet
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.samples import sample_portrait

CELL = 128
LOOKS = [  # skin, hair colour, clothing: light to dark skin, varied hair
    ("#f6d7c3", "#d9b26a", "#c0504d"), ("#e0ac87", "#3b2a20", "#4a6fa5"),
    ("#a8704a", "#1c1410", "#5b9e6b"), ("#5a3825", "#151010", "#e0a030"),
]


def on_white(rgba: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3] * a + 255.0 * (1 - a)).astype(np.uint8)


def photo_cell(photo: np.ndarray, box) -> np.ndarray:
    x0, y0, x1, y1 = box
    w = x1 - x0
    cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2 - 0.1 * w, 2.0 * w
    m = np.float32([[CELL / side, 0, CELL / 2 - cx * CELL / side], [0, CELL / side, CELL / 2 - cy * CELL / side]])
    return cv2.warpAffine(photo, m, (CELL, CELL), flags=cv2.INTER_AREA, borderValue=(255, 255, 255))


def contact_sheet(load: Path | None, columns: int = 6) -> np.ndarray:
    from avatar_identity import labelled_faces
    from toonmoji.avatar.fitting import fit_attributes

    faces = list(labelled_faces())
    if load:
        avatars = [Attributes.from_dict(d) for d in json.loads(load.read_text())]
    else:
        avatars = [fit_attributes(photo, face) for _, photo, face in faces]
    cells = []
    for (label, photo, _), attrs in zip(faces, avatars):
        drawn = on_white(Avatar(attrs).render("neutral", 1.0, CELL))
        cell = Image.fromarray(np.concatenate([photo_cell(photo, label["box"]), drawn], axis=1))
        d = ImageDraw.Draw(cell)
        d.text((3, 2), f"{label['hair_length']}/{label['facial_hair']}", fill=(255, 255, 0), stroke_width=1, stroke_fill=(0, 0, 0))
        d.text((CELL + 3, 2), f"{attrs.hair.style}/{attrs.beard.style}", fill=(0, 0, 0))
        d.text((CELL + 3, CELL - 12), f"{attrs.face.shape} {attrs.eyes.shape} {attrs.brows.shape}", fill=(60, 60, 60))
        cells.append(np.asarray(cell))
    while len(cells) % columns:
        cells.append(np.full_like(cells[0], 255))
    gap = np.full((CELL, 4, 3), 200, np.uint8)
    rows = [np.concatenate([c for cell in cells[i : i + columns] for c in (cell, gap)], axis=1)
            for i in range(0, len(cells), columns)]
    return np.concatenate(rows, axis=0)


def styles_sheet() -> np.ndarray:
    items = []
    for skin, hair, cloth in LOOKS:
        base = Avatar(Attributes()).with_set(f"skin={skin}", f"hair.color={hair}", f"brows.color={hair}",
                                             f"clothing.color={cloth}")
        items += [(s, base.with_set(f"hair.style={s}").render("happy", 0.4, CELL)) for s in CHOICES["hair.style"]]
    return make_sheet(items, cell=CELL, columns=12, background="white")


def expressions_sheet() -> np.ndarray:
    avatar = fit(sample_portrait(), source="the sample portrait")
    return make_sheet([(e, avatar.render(e, 1.0, 160)) for e in EMOTIONS], cell=160, columns=7)


def save(image: np.ndarray, path: Path) -> None:
    img = Image.fromarray(image)
    if img.mode == "RGB":
        img = img.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(path, optimize=True)
    print(f"{path}: {image.shape[1]}x{image.shape[0]}, {path.stat().st_size / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--load", type=Path)
    parser.add_argument("--only", choices=("contact", "styles", "expressions"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "styles"):
        save(styles_sheet(), args.out / "avatar_styles.png")
    if args.only in (None, "expressions"):
        save(expressions_sheet(), args.out / "avatar_expressions.png")
    if args.only in (None, "contact"):
        save(contact_sheet(args.load), args.out / "avatar_contact_sheet.png")


if __name__ == "__main__":
    main()
