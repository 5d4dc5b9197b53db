"""Attribute values named the way a person (and the labelled development set) names them.

The rules are the ones `shared/data/faces-attributes/README.md` fixes for comparing a drawn
avatar with labels, so the fit can check that a drawn colour *reads* as the class it measured
(a colour sampled from shaded hair is darker and duller than the hair looks), and the bench
scores every helper the same way.
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.colour import lab_of, rgb_of

COLOUR_CLASSES = ("black", "dark_brown", "light_brown", "blond", "red", "grey_white", "dyed_other")


def colour_class_lab(lab: np.ndarray) -> str:
    """The class of a CIELAB colour (first match wins, as in the data set's README)."""
    L, a, b = (float(v) for v in lab)
    chroma = float(np.hypot(a, b))
    hue = float(np.degrees(np.arctan2(b, a))) % 360.0
    if chroma >= 25 and not 15 <= hue <= 110:
        return "dyed_other"
    if chroma >= 35 and 15 <= hue < 60 and 25 <= L <= 65:
        return "red"
    if L < 12 or (L < 20 and chroma < 4):
        return "black"
    if L >= 55:
        return "grey_white" if chroma < 12 else "blond"
    if chroma < 5 and L >= 40:
        return "grey_white"
    return "dark_brown" if L < 35 else "light_brown"


def colour_class(hex_colour: str) -> str:
    return colour_class_lab(lab_of(rgb_of(hex_colour)[None])[0])


def length_class(style: str) -> str:
    """bald, short or long from a hair style's name. Curly and afro are drawn as a head of curls
    that ends above the chin (long curls are `long_wavy`), so they read as short."""
    if style == "bald":
        return "bald"
    if style in ("curly", "afro"):
        return "short"
    if any(k in style for k in ("short", "buzz", "crop")):
        return "short"
    if any(k in style for k in ("long", "ponytail", "bun", "tied", "braid", "wavy", "shoulder")):
        return "long"
    return "short"


def facial_hair_class(style: str) -> str:
    return "none" if style == "none" else "stubble" if "stubble" in style else "beard"
