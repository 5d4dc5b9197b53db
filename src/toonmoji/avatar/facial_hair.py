"""Facial hair from the photo: hair texture, not shadow.

A jaw's shadow and a beard both make the lower face darker than the cheeks, so darkness alone
drew beards on clean-shaven men and stubble on most women. Three things tell them apart here:

- **Where**: a beard darkens the upper lip, the chin *and* both sides of the jaw together; a shadow
  from the nose, the lower lip or a side light darkens one or two of them.
- **Texture**: hair is fine dark strokes, so a good share of its pixels are clearly darker than
  their own neighbourhood (a high-pass residual under -4 L*); a shadow is smooth and follows the
  light. Texture is only read where the photo resolves it (a face at least `TEXTURE_PX` wide);
  a smaller face needs a much darker lower face (`SMALL_FACE` times the usual) to be given a beard.
- **Dots** (stubble): short dark dots with the skin still showing between them, on both jaw
  bands and not on the cheeks (`dark_dots`: a black-hat that ignores lines, so strands of hair
  and wrinkles do not count), the bands also darker than the cheek unless the dots are twice
  as strong (grey stubble does not darken); read on faces at least `MOTTLE_PX` wide. A beard
  only just over its thresholds on a jaw dotted like this is drawn as the plainer stubble, and
  so is a moustache only just over its thresholds where the whole lower face is darker and
  textured like stubble (heavy stubble darkens the upper lip most, which alone read as a
  moustache).

Darkness is read against the skin under the same light: each jaw against the cheek on its own
side, the upper lip and chin against the two cheeks' mean, so a side light that darkens half
the face is not a beard (`lit_skin`). In the shaded half the same beard is also less far below
its skin in L*, and its strokes and dots are shallower (shading takes the same share off both,
which moves L* less where it is darker), so darkness, strokes and dots are all scaled back to
the lit half's light (`shade_gains`).

Make-up (lipstick, blush) makes regions redder, not darker-and-textured, so it does not count.
When the evidence is weak the answer is the plainer one ("none", or stubble for a beard), with
a score that says how close the call was and the runner-up as the alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.avatar.canonical import FACE_WIDTH, Canonical
from toonmoji.avatar.colour import hex_of, lab_of, rgb_of_lab

TEXTURE_PX = 80  # photo pixels across the face below which hair strokes are not resolved
# The two thresholds were picked on the labelled development set; picked leaving each photo out
# in turn they agreed on the left-out photos as well as on the rest (bench/avatar_attributes.py).
DARK = 18.0  # L* below the lit cheek that every lower-face region needs for a beard
STROKES = 0.04  # share of stroke pixels (darker than their surroundings) for a beard
# the other cues as multiples of those two
SMALL_FACE = 22.0 / 15.0  # darkness for a beard on a face too small to show strokes
MOUSTACHE = (25.0 / 15.0, 0.15 / 0.08)  # darkness and strokes on the upper lip alone
STUBBLE = (10.0 / 15.0, 0.06 / 0.08)  # darkness and strokes for stubble
MOTTLE_PX = 60  # photo pixels across the face from which the jaw's mottle is resolved
MOTTLE = 0.8  # L*: how much more mottled both jaw bands are than the cheeks, for stubble
MOTTLE_DARK = 0.5  # the jaw bands' darkness for mottled stubble, as a multiple of DARK
WEAK = 1.1  # a beard's evidence under this (within 10% of its thresholds) is only just a beard
LINE, LINE_SIGMA = 0.4, 4.0  # dots lined up this coherently (over 4 canonical px) are a line
DOT = 5  # canonical pixels (1/25 of the face width): the size of a dark dot the mottle counts
# L*: a jaw band darker than this (about 3% of white) is in black shadow, where a dot that takes a
# third off the skin's light moves L* by about 4 and the photo's noise and compression wipe it
# out: its dots are not read, the other band's are (15-40 give the same on the development set)
DOTS_FLOOR = 20.0
REGIONS = ("upper", "chin", "jaw_left", "jaw_right")


@dataclass(frozen=True)
class FacialHair:
    style: str  # none, stubble, moustache, goatee, full
    color: str | None
    score: float  # how sure, 0..1
    alternative: str  # the runner-up a person may prefer


@dataclass(frozen=True)
class Measures:
    """What `decide` reads. `dark`, `strokes`: per region of `REGIONS` (L* below the skin under
    the same light, `lit_skin`; share of stroke pixels; both scaled to undo a side light,
    `shade_gains`). `mottle`: L*, how much more dotted with
    small dark spots the less dotted of the two jaw bands is than the cheeks (a band in black
    shadow left out; each side's dots scaled to undo a side light, `shade_gains`); `band_dark`:
    L*, the less dark jaw band below its own side's cheek. `resolved`: the photo resolves
    strokes; `mottle_resolved`: dots."""

    dark: dict[str, float]
    strokes: dict[str, float]
    mottle: float = 0.0
    band_dark: float = 0.0
    resolved: bool = True
    mottle_resolved: bool = True


def jaw_bands(c: Canonical) -> dict[str, np.ndarray]:
    """Each side's band inside the lower face outline (iBUG 4-7 and 9-12), where stubble grows
    along the jaw; the chin's point (8) is left out (its underside catches the neck's shadow)."""
    lm = c.landmarks
    centre = lm[57] * 0.5 + lm[33] * 0.5
    out = {}
    for name, idx in (("band_left", [4, 5, 6, 7]), ("band_right", [9, 10, 11, 12])):
        outline = lm[idx]
        out[name] = c.polygon_mask(np.vstack([outline * 0.92 + centre * 0.08, (outline * 0.7 + centre * 0.3)[::-1]])) & c.valid
    return out


def regions(c: Canonical) -> dict[str, np.ndarray]:
    """Upper lip, chin, the two lower jaws (inside the face outline) and the two lit cheeks."""
    lm = c.landmarks
    out = {
        "upper": c.polygon_mask(np.array([lm[48] * 0.8 + lm[31] * 0.2, lm[31] + (0, 4), lm[33] + (0, 4), lm[35] + (0, 4),
                                          lm[54] * 0.8 + lm[35] * 0.2, lm[52] - (0, 3), lm[50] - (0, 3)])),
        "chin": c.polygon_mask(np.array([lm[57] + (0, 5), lm[57] * 0.35 + lm[7] * 0.65, lm[8] * 0.8 + lm[57] * 0.2,
                                         lm[57] * 0.35 + lm[9] * 0.65])),
        "jaw_left": c.disc_mask(lm[5] * 0.45 + lm[48] * 0.55, 8),
        "jaw_right": c.disc_mask(lm[11] * 0.45 + lm[54] * 0.55, 8),
    }
    for name, (a, b) in (("cheek_left", (1, 31)), ("cheek_right", (15, 35))):
        out[name] = c.disc_mask(lm[a] * 0.45 + lm[b] * 0.55 + (0.0, -0.02 * FACE_WIDTH), 9)
    return {k: m & c.valid for k, m in out.items()}


def dark_dots(light: np.ndarray) -> np.ndarray:
    """How much darker than its surroundings each pixel is, counting only dark dots: a black-hat
    (closing minus image) keeps dark spots up to DOT wide and drops smooth shading and broad
    shadows; where the dots line up into one direction (a strand of hair, a wrinkle, an edge:
    structure-tensor coherence over LINE_SIGMA at or above LINE) they do not count. The cheeks'
    own dots (pores, grain, noise) are the baseline the jaw's are read against."""
    hat = cv2.morphologyEx(light, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (DOT, DOT)))
    gx, gy = cv2.Sobel(hat, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(hat, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = (cv2.GaussianBlur(v, (0, 0), LINE_SIGMA) for v in (gx * gx, gy * gy, gx * gy))
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-3)
    return np.where(coherence < LINE, hat, 0.0).astype(np.float32)


def lit_skin(left: float, right: float) -> dict[str, float]:
    """The skin's L* under the light each region gets: a side light leaves one half of the face
    darker, jaw and cheek alike, so each jaw is read against the cheek on its own side and the
    upper lip and chin (midway) against the two cheeks' mean. Against the lit cheek alone, the
    shaded half's jaw and the chin read as dark as a beard. A cheek outside the photo is
    replaced by the other."""
    left = right if np.isnan(left) else left
    right = left if np.isnan(right) else right
    centre = (left + right) / 2
    return {"upper": centre, "chin": centre, "jaw_left": left, "jaw_right": right,
            "band_left": left, "band_right": right, "cheek_left": left, "cheek_right": right}


def shade_gains(lit: dict[str, float]) -> dict[str, float]:
    """Per region, what undoes a side light's effect on the depth of dots, strokes and a beard's
    darkness. Hair that takes a share of the skin's light off moves L* by about that share times
    (L* + 16) / 3, so in the shaded half the same stubble's dots, the same beard's strokes and its
    darkness below the cheek are shallower by the ratio of the two cheeks' L* + 16. Scaling each
    side by that ratio reads both halves as if lit alike (the lit half is left as it is); the
    skin's own tone (the same on both cheeks) does not enter, so darker skin is not boosted."""
    top = max(lit.values())
    return {k: (top + 16.0) / (v + 16.0) for k, v in lit.items()}


def measure(c: Canonical, gains: np.ndarray) -> tuple[Measures, np.ndarray, dict[str, np.ndarray]]:
    """The `Measures` of a face, its white-balanced CIELAB image and the region masks."""
    img = np.clip(c.image.astype(np.float64) * gains, 0, 255)
    lab = lab_of(img.reshape(-1, 3)).reshape(img.shape)
    light = lab[..., 0].astype(np.float32)
    photo_px = c.face_px
    sigma = 1.5 * max(1.0, FACE_WIDTH / photo_px)  # about 1.5 photo pixels
    residual = light - cv2.GaussianBlur(light, (0, 0), sigma)
    masks = regions(c) | jaw_bands(c)
    median = {k: float(np.median(light[m])) if m.sum() >= 8 else np.nan for k, m in masks.items()}
    lit = lit_skin(median["cheek_left"], median["cheek_right"])
    relit = shade_gains(lit)
    dark = {k: float(lit[k] - median[k]) * relit[k] if not np.isnan(median[k]) else 0.0 for k in REGIONS}
    strokes = {k: float(np.mean(residual[masks[k]] * relit[k] < -4.0)) if masks[k].sum() >= 8 else 0.0 for k in REGIONS}
    dots = dark_dots(light)
    spots = {k: float(np.mean(dots[masks[k]])) * relit[k] if masks[k].sum() >= 8 else np.nan for k in masks}
    bands = ("band_left", "band_right")
    readable = [k for k in bands if median[k] >= DOTS_FLOOR] or list(bands)  # not lost in black shadow
    mottle = min(spots[k] for k in readable) - float(np.nanmean([spots["cheek_left"], spots["cheek_right"]]))
    band_dark = min((lit[k] - median[k]) * relit[k] for k in bands)
    measures = Measures(dark, strokes, 0.0 if np.isnan(mottle) else float(mottle),
                        0.0 if np.isnan(band_dark) else float(band_dark), resolves_strokes(c),
                        photo_px >= MOTTLE_PX)
    return measures, lab, masks


def decide(m: Measures, dark_t: float = DARK, strokes_t: float = STROKES,
           mottle_t: float = MOTTLE) -> tuple[str, float, str]:
    """(style, evidence, alternative) from the measures; evidence is 1 at the thresholds of the
    style's own cue. The stubble and small-face thresholds scale with `dark_t` and `strokes_t`
    (the bench varies those and `mottle_t` to see whether thresholds picked on some photos hold
    on others). A beard only just over its thresholds on a jaw dotted like stubble (the skin
    showing between the dots) is drawn as the plainer stubble, with the beard as the alternative."""
    dark, strokes, resolved = m.dark, m.strokes, m.resolved
    whole = min(dark["upper"], dark["chin"], (dark["jaw_left"] + dark["jaw_right"]) / 2)  # all of it darker
    texture = float(np.mean(list(strokes.values())))
    small_t = dark_t * SMALL_FACE  # a face too small for strokes needs a much darker lower face
    dotted = dots_evidence(m.mottle / mottle_t, m.band_dark / (dark_t * MOTTLE_DARK)) if m.mottle_resolved else 0.0

    def cue(k: str, dark_k: float = 1.0, strokes_k: float = 1.0) -> float:
        return min(dark[k] / (dark_t * dark_k), strokes[k] / (strokes_t * strokes_k))

    evidence = min(whole / dark_t, texture / strokes_t) if resolved else whole / small_t
    beard: tuple[str, float] | None = None
    if evidence >= 1.0:
        beard = ("full", evidence)
    elif resolved and min(cue("upper"), cue("chin")) >= 1.0:
        beard = ("goatee", min(cue("upper"), cue("chin")))
    elif resolved and cue("upper", *MOUSTACHE) >= 1.0:
        beard = ("moustache", cue("upper", *MOUSTACHE))
    stubble_dark, stubble_strokes = dark_t * STUBBLE[0], strokes_t * STUBBLE[1]
    stubble = min(whole / stubble_dark, texture / stubble_strokes) if resolved else 0.0
    if beard is not None:
        if beard[1] < WEAK and dotted >= 1.0:
            return "stubble", dotted, beard[0]
        if beard[1] < WEAK and beard[0] == "moustache" and stubble >= 1.0:
            # an upper lip only just dark enough for a moustache, over a lower face that is
            # textured and darker all over: the stubble the whole lower face shows
            return "stubble", stubble, beard[0]
        return beard[0], beard[1], "stubble"
    if stubble >= 1.0:
        return "stubble", stubble, "none"
    if dotted >= 1.0:  # both jaw bands dotted with dark spots the cheeks do not have (and darker)
        return "stubble", dotted, "none"
    return "none", max(evidence, dotted), "stubble"


def dots_evidence(dots: float, dark: float) -> float:
    """Stubble's dots cue, 1 at its threshold, from the jaw bands' dots and their darkness below
    the lit cheek, each as a multiple of its threshold. The dots must reach their threshold; the
    darkness asked for falls as the dots get stronger (the two add up: all of it at the dots'
    threshold, none at twice it), since grey or white stubble dots the jaw without darkening it,
    and dots that strong are not the skin's own grain."""
    return min(dots, dots + dark - 1.0)


def resolves_strokes(c: Canonical) -> bool:
    return c.face_px >= TEXTURE_PX


def fit_facial_hair(c: Canonical, gains: np.ndarray) -> FacialHair:
    """The facial hair style, its colour (None for none), a confidence and the alternative."""
    m, lab, masks = measure(c, gains)
    style, evidence, alternative = decide(m)
    if style == "none":
        near = max(0.0, min(1.0, evidence))
        score = round(0.95 - 0.45 * near, 2) if m.resolved else round(0.75 - 0.25 * near, 2)
        return FacialHair("none", None, score, "stubble")
    score = float(np.clip(0.45 + 0.3 * (evidence - 1.0), 0.4, 0.9)) if style != "stubble" else \
        float(np.clip(0.4 + 0.5 * (evidence - 1.0), 0.35, 0.7))
    used = [k for k in REGIONS if m.dark[k] >= DARK * STUBBLE[0]] or list(REGIONS)
    px = np.concatenate([lab[masks[k]] for k in used])
    dark_px = px[px[:, 0] <= np.percentile(px[:, 0], 50)]
    colour = hex_of(rgb_of_lab(np.median(dark_px, axis=0)[None])[0]) if len(dark_px) >= 8 else None
    return FacialHair(style, colour, round(score, 2), alternative)
