"""Hair colour named as a person names it, and drawn so that it reads as that name.

The colour is read from the lit strands (the 75th percentile of the hair's lightness: most of
hair is in its own shade, darker and duller than the colour people give it) and named with
cues that hold under a photo's exposure and its light's colour:

- black is *dark and colourless*: the lit strands stay near black in CIELAB (lightness and
  chroma together; dark brown hair keeps its warm chroma even in a dim photo), or glossy black
  hair's highlights, lit but colourless and still far darker than the skin, or dark hair as
  neutral as the light (its `warmth`, below);
- how light the rest is, is read *against the skin*: the lit strands' luminance as a share of
  the skin's (the face is in the same light, so the share is a reflectance ratio that an over- or
  under-exposed photo does not change). Light hair is grey/white when neutral and blond when
  warm; below it light brown, then dark brown; red has more chroma than the skin;
- how *warm* the hair is, is read against the skin too: the hair's mid-tones' red/blue ratio in
  linear light over the skin's (`warmth`, natural log). The light's colour multiplies both, so it
  cancels: grey, white and black hair reflect the light as it comes (a shine of the light's own
  colour), far less red than skin; pigmented hair (brown, blond, red) is about as warm as skin or
  warmer. This tells grey from blond and black from brown under a warm or cool light that gives
  colourless hair chroma of its own (a tungsten-lit black head read dark brown), and a neutral
  sheen on dark hair from light brown hair;
- hair whose darker half is neutral (black hair) and whose lighter half is a *different, warmer*
  material is black hair with skin in its sample (a forehead or a shaded temple at the hairline of
  short black hair): shading scales a material's red and blue alike, so one material's lit and
  shaded pixels have the same warmth, and a jump of `SKIN_JUMP` between the halves is two
  materials. Skin joins the lit half because it is lighter than black hair, whatever its colour;
  the lighter half must be as light as shaded skin (its median at least `LIGHT_BROWN` of the
  skin's luminance), not the dim warm lit strands of dark brown hair whose shade is colourless.

The class is then drawn as a colour *in* that class that keeps the person's own hue, so the
drawing and the name agree (`naming.colour_class(drawn) == class`, checked by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toonmoji.avatar.colour import hex_of, lab_of, rgb_of_lab
from toonmoji.avatar.naming import colour_class_lab
from toonmoji.avatar.skin import linear

LIT = 75.0  # lightness percentile of the lit strands
BLACK = 24.0  # hypot(L*, CHROMA_WEIGHT * C*) of the lit strands under which hair reads black
CHROMA_WEIGHT = 3.0
GLOSSY = 0.07  # ... or lit strands this dark against the skin (a share of its luminance)
GLOSSY_CHROMA = 4.0  # ... and this colourless: black hair's highlights, lit but without colour
LIGHT_BROWN = 0.16  # lit strands' luminance / the skin's, from which brown hair reads light brown
LIGHT = 0.30  # ... from which hair reads light: blond, or grey/white when colourless
NEUTRAL = -0.2  # warmth under which hair is neutral (the light's colour): light hair grey, mid-light a sheen
NEUTRAL_BLACK = -0.85  # ... and under which dark hair (under LIGHT_BROWN) is black: a neutral shine, no pigment
SKIN_JUMP = 0.5  # ln(R/B) by which the lighter half of dark, neutral hair is warmer: skin in the sample
TYPICAL_SKIN = (70.0, 12.0, 18.0)  # CIELAB of a lit face, where the skin is not known
RED_CHROMA = 20.0  # C* from which hair of a red hue (under 60 degrees) may be red: and above the skin's


@dataclass(frozen=True)
class Thresholds:
    """The naming thresholds (see the module's constants), as one value the bench can vary."""

    black: float = BLACK
    glossy: float = GLOSSY
    light_brown: float = LIGHT_BROWN
    light: float = LIGHT
    neutral: float = NEUTRAL
    neutral_black: float = NEUTRAL_BLACK
    skin_jump: float = SKIN_JUMP


@dataclass(frozen=True)
class HairCue:
    """What the name is read from: the lit strands' CIELAB `lit`, their luminance as a share of
    the skin's (`reflectance`), the skin's chroma and the mid-tones' `warmth` against the skin; also
    the warmth of the darker and the lighter half of the pixels (`dark_warmth`, `light_warmth`) and
    the lighter half's median luminance as a share of the skin's (`light_share`)."""

    lit: np.ndarray
    reflectance: float
    skin_chroma: float
    warmth: float = 0.0
    dark_warmth: float = 0.0
    light_warmth: float = 0.0
    light_share: float = 0.0


def _lch(lab: np.ndarray) -> tuple[float, float, float]:
    return float(lab[0]), float(np.hypot(lab[1], lab[2])), float(np.degrees(np.arctan2(lab[2], lab[1])))


def _band(lab: np.ndarray, percentile: float) -> np.ndarray:
    """Median colour of the pixels near a lightness percentile (a colour, not a mix)."""
    light = lab[:, 0]
    level = np.percentile(light, percentile)
    near = np.abs(light - level) < 4.0
    return np.median(lab[near] if near.sum() >= 5 else lab, axis=0)


def luminance(light: float) -> float:
    """Relative luminance Y (0..1) of a CIELAB lightness."""
    return ((light + 16.0) / 116.0) ** 3 if light > 8.0 else light / 903.3


def _red_blue(linear: np.ndarray) -> float:
    return float(np.log(max(linear[0], 1e-4) / max(linear[2], 1e-4)))


def warmth(lab: np.ndarray, skin_lab: np.ndarray) -> float:
    """ln(red / blue) of the hair's mid-tones (the mean linear colour of the pixels between the
    lightness quartiles: neither the darkest shade nor the lit edge) minus the skin's. The light's
    colour scales red and blue of both alike, so it cancels: 0 is as warm as the skin, about -1
    the light's own colour (neutral hair)."""
    light = lab[:, 0]
    lo, hi = np.percentile(light, [25.0, 75.0])
    mid = lab[(light >= lo) & (light <= hi)]
    hair = linear(rgb_of_lab(mid)).mean(axis=0)
    skin = linear(rgb_of_lab(np.asarray(skin_lab, np.float64)[None])[0])
    return _red_blue(hair) - _red_blue(skin)


def hair_cue(lab: np.ndarray, skin_lab: np.ndarray | None = None) -> HairCue:
    """The cue of `(N, 3)` CIELAB hair pixels, against `skin_lab` (a typical lit face if None)."""
    lit = _band(lab, LIT)
    skin = np.asarray(TYPICAL_SKIN if skin_lab is None else skin_lab, np.float64)
    skin_c = float(np.hypot(skin[1], skin[2]))
    skin_y = max(luminance(float(skin[0])), 1e-3)
    dark, light = _halves(lab)
    if len(dark) < MIN_HALF or len(light) < MIN_HALF:
        return HairCue(lit, luminance(float(lit[0])) / skin_y, skin_c, warmth(lab, skin))
    return HairCue(lit, luminance(float(lit[0])) / skin_y, skin_c, warmth(lab, skin), warmth(dark, skin),
                   warmth(light, skin), luminance(float(np.median(light[:, 0]))) / skin_y)


MIN_HALF = 15  # pixels each lightness half needs for its own warmth


def _halves(lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pixels darker and lighter than the lightness that best splits them in two (Otsu's
    threshold: the largest between-class variance), e.g. black hair and the skin beside it."""
    light = lab[:, 0]
    levels = np.sort(light)
    n = len(levels)
    if n < 2 * MIN_HALF or levels[-1] - levels[0] < 1e-6:
        return lab, lab[:0]
    cut = np.arange(1, n)
    mean_lo = np.cumsum(levels)[:-1] / cut
    mean_hi = (levels.sum() - np.cumsum(levels)[:-1]) / (n - cut)
    between = cut * (n - cut) * (mean_hi - mean_lo) ** 2
    between[levels[1:] == levels[:-1]] = -1.0  # split only between distinct lightnesses
    level = levels[int(np.argmax(between)) + 1]
    return lab[light < level], lab[light >= level]


def hair_class(cue: HairCue, t: Thresholds = Thresholds()) -> str:
    """black, dark_brown, light_brown, blond, red, grey_white or dyed_other (first match wins)."""
    light, chroma, hue = _lch(cue.lit)
    neutral = cue.warmth < t.neutral
    if chroma >= 28 and not 15 <= hue % 360 <= 110:
        return "dyed_other"
    if neutral and cue.reflectance >= t.light:
        return "grey_white"
    if chroma >= RED_CHROMA and hue % 360 < 60 and chroma > cue.skin_chroma:
        return "red"
    if cue.reflectance >= t.light:
        return "blond"
    if (np.hypot(light, CHROMA_WEIGHT * chroma) < t.black or (cue.reflectance < t.glossy and chroma < GLOSSY_CHROMA)
            or (cue.warmth < t.neutral_black and cue.reflectance < t.light_brown)
            or (cue.dark_warmth < t.neutral and cue.light_warmth - cue.dark_warmth > t.skin_jump
                and cue.light_share >= t.light_brown)):
        return "black"  # ... the last: a neutral dark half, and a warmer material as light as shaded skin
    # lit strands as neutral as the light on hair that is not light: a sheen on darker hair
    return "light_brown" if cue.reflectance >= t.light_brown and not neutral else "dark_brown"


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
        return _vivid(float(np.clip(light, 30, 70)), max(chroma, 30.0), hue)
    ell, c, h = lab
    rad = np.radians(h)
    return hex_of(rgb_of_lab(np.array([[ell, c * np.cos(rad), c * np.sin(rad)]]))[0])


def _vivid(light: float, chroma: float, hue: float) -> str:
    """The dyed colour at the lightness nearest `light` where sRGB can show it vividly: a dark
    teal or blue is outside sRGB, and clipping it there leaves a dull dark colour that reads as
    brown hair, so the drawing would not say what the name says."""
    rad = np.radians(hue)
    for ell in sorted(np.arange(30.0, 71.0, 2.0), key=lambda v: abs(v - light)):
        rgb = rgb_of_lab(np.array([[ell, chroma * np.cos(rad), chroma * np.sin(rad)]]))[0]
        if colour_class_lab(lab_of(np.round(rgb)[None])[0]) == "dyed_other":
            return hex_of(rgb)
    return hex_of(rgb_of_lab(np.array([[light, chroma * np.cos(rad), chroma * np.sin(rad)]]))[0])


def named_hair_colour(pixels: np.ndarray, skin_lab: np.ndarray | None = None) -> tuple[str, str, float] | None:
    """(class, drawn '#rrggbb', grey share 0..1) of `(N, 3)` RGB hair pixels, read against the
    skin's CIELAB `skin_lab` (in the same white balance); None if under 30 pixels."""
    px = np.asarray(pixels, np.float64).reshape(-1, 3)
    if len(px) < 30:
        return None
    lab = lab_of(px)
    cue = hair_cue(lab, skin_lab)
    name = hair_class(cue)
    # salt and pepper: light, colourless strands in hair that is otherwise coloured
    strands = (lab[:, 0] > 50) & (np.hypot(lab[:, 1], lab[:, 2]) < 6)
    grey = 0.0 if name == "grey_white" else float(np.clip((strands.mean() - 0.12) * 2.5, 0.0, 1.0))
    return name, drawn_colour(name, cue.lit), round(grey, 2)
