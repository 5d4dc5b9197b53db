"""Does a side light give clean-shaven faces a beard? The labelled development faces
(../shared/data/faces-attributes) relit with a synthetic side light, and the facial hair class
read again.

A side light darkens one half of the face, cheek and jaw alike. Each face's canonical crop is
relit in linear light (shading scales the three channels together): the half beyond the nose
gets `light` of the other half's light, with a soft edge 0.15 face widths wide down the middle,
once from each side. The labels do not change with the light, so this is a check on real skin,
real stubble and real photo noise that the 78 labels alone cannot give: how many clean-shaven
faces are given hair, and how many labels still agree.

    PYTHONPATH=src python bench/avatar_facial_hair_light.py [--light 0.5 0.25]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from avatar_attributes import DATA, labelled_faces, percent
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import white_balance_gains
from toonmoji.avatar.facial_hair import decide, measure
from toonmoji.avatar.naming import facial_hair_class


def side_lit(c: Canonical, light: float, from_left: bool) -> Canonical:
    """The crop with the half of the face beyond the nose (right in the photo, or left when
    `from_left` is False) at `light` of the light."""
    lm = c.landmarks
    x = np.arange(c.image.shape[1], dtype=np.float32)
    shade = 1 / (1 + np.exp(-(x - lm[30, 0]) / ((lm[16, 0] - lm[0, 0]) * 0.15)))
    if not from_left:
        shade = 1 - shade
    linear = (c.image.astype(np.float32) / 255) ** 2.2 * (1 - (1 - light) * shade)[None, :, None]
    return dataclasses.replace(c, image=np.clip(255 * linear ** (1 / 2.2), 0, 255).astype(np.uint8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--light", type=float, nargs="+", default=[1.0, 0.5, 0.25],
                        help="the shaded half's share of the light (1: the photo as it is)")
    args = parser.parse_args()
    if not (DATA / "labels.json").is_file():
        sys.exit(f"no labelled set at {DATA}")
    faces = []
    for entry, photo, face in labelled_faces():
        if face is not None and entry["facial_hair"] != "unsure":
            faces.append((entry["facial_hair"], Canonical.from_photo(photo, face.landmarks), white_balance_gains(photo)))
    print("| shaded half's light | labels agree | clean-shaven given hair |")
    print("|---|---|---|")
    for light in args.light:
        hit = n = given = shaven = 0
        for label, c, gains in faces:
            for from_left in (True, False) if light < 1 else (True,):
                fitted = facial_hair_class(decide(measure(side_lit(c, light, from_left) if light < 1 else c, gains)[0])[0])
                n += 1
                hit += fitted == label
                if label == "none":
                    shaven += 1
                    given += fitted != "none"
        print(f"| {light:g} | {percent(hit, n)} | {percent(given, shaven)} |")


if __name__ == "__main__":
    main()
