"""Hair colour named as a person names it, and drawn so that it reads as that name.

Hair in a photo is mostly in its own shade: the median of its pixels is darker and duller than
the colour people give it ("dark brown comes out near-black, blond comes out light brown"). So
the colour is read from two points of the hair's lightness distribution: the median says how
dark the hair is (black hair stays black in its shade), the 75th percentile (the lit strands)
says which colour it is. The class is chosen from those with the data set's naming rule in mind,
then drawn as a colour *in* that class that keeps the person's own hue, so the drawing and the
name agree (`naming.colour_class(drawn) == class`, checked by the tests).
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.colour import hex_of, lab_of, rgb_of_lab


def _lch(lab: np.ndarray) -> tuple[float, float, float]:
    return float(lab[0]), float(np.hypot(lab[1], lab[2])), float(np.degrees(np.arctan2(lab[2], lab[1])))


def _band(lab: np.ndarray, percentile: float) -> np.ndarray:
    """Median colour of the pixels near a lightness percentile (a colour, not a mix)."""
    light = lab[:, 0]
    level = np.percentile(light, percentile)
    near = np.abs(light - level) < 4.0
    return np.median(lab[near] if near.sum() >= 5 else lab, axis=0)


def hair_class(mid: np.ndarray, lit: np.ndarray) -> str:
    """black, dark_brown, light_brown, blond, red, grey_white or dyed_other from the median (`mid`)
    and lit (`lit`, 75th percentile) CIELAB colours of the hair."""
    mid_l = float(mid[0])
    light, chroma, hue = _lch(lit)
    if chroma >= 28 and not 15 <= hue % 360 <= 110:
        return "dyed_other"
    if chroma >= 20 and hue < 60 and 33 <= light <= 65:
        return "red"
    if (light >= 40 and chroma < 8) or (light >= 60 and chroma < 12):
        return "grey_white"
    if mid_l < 12:  # even the hair's median is black by the naming rule's own bound
        return "black"
    if light >= 55 or (light >= 45 and hue >= 65 and chroma >= 10):
        return "blond"
    if light < 36 or mid_l < 24:
        return "dark_brown"
    return "light_brown"


def drawn_colour(name: str, lit: np.ndarray) -> str:
    """A colour of class `name` that keeps the hair's own hue and depth where the class allows."""
    light, chroma, hue = _lch(lit)
    if name == "black":
        lab = (9.0, min(chroma, 2.5), hue)
    elif name == "dark_brown":
        lab = (float(np.clip(light, 21, 31)), float(np.clip(chroma, 7, 16)), float(np.clip(hue, 35, 75)))
    elif name == "light_brown":
        lab = (float(np.clip(light, 40, 50)), float(np.clip(chroma, 12, 20)), float(np.clip(hue, 40, 75)))
    elif name == "blond":
        lab = (float(np.clip(light + 8, 64, 78)), float(np.clip(chroma, 18, 23)), float(np.clip(hue, 62, 88)))
    elif name == "red":
        lab = (float(np.clip(light, 40, 52)), float(np.clip(chroma, 40, 50)), float(np.clip(hue, 32, 52)))
    elif name == "grey_white":
        lab = (float(np.clip(light, 64, 88)), min(chroma, 4.0), hue)
    else:  # dyed: the lit colour itself, kept vivid
        lab = (float(np.clip(light, 30, 70)), max(chroma, 30.0), hue)
    ell, c, h = lab
    rad = np.radians(h)
    return hex_of(rgb_of_lab(np.array([[ell, c * np.cos(rad), c * np.sin(rad)]]))[0])


def named_hair_colour(pixels: np.ndarray) -> tuple[str, str, float] | None:
    """(class, drawn '#rrggbb', grey share 0..1) of `(N, 3)` RGB hair pixels; None if under 30."""
    px = np.asarray(pixels, np.float64).reshape(-1, 3)
    if len(px) < 30:
        return None
    lab = lab_of(px)
    mid, lit = _band(lab, 50), _band(lab, 75)
    name = hair_class(mid, lit)
    # salt and pepper: light, colourless strands in hair that is otherwise coloured
    strands = (lab[:, 0] > 50) & (np.hypot(lab[:, 1], lab[:, 2]) < 6)
    grey = 0.0 if name == "grey_white" else float(np.clip((strands.mean() - 0.12) * 2.5, 0.0, 1.0))
    return name, drawn_colour(name, lit), round(grey, 2)
