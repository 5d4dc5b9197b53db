"""Glasses from the photo: a frame is a thin line, darker or lighter than the skin on *both* sides
of it, that runs across places where a bare face has no line.

Everything is measured in eye units: the eye centres (landmarks 36-41, 42-47) and their distance
`d` (about 63 mm on an adult), because a frame is built around the eyes (a lens is about 0.8 `d`
wide, its bridge about 0.3 `d`), and because on a small group-photo face the eyes are where the
landmarks are surest (the jaw line often is not). Three places are read in CIELAB lightness of
the canonical crop (which upsamples a small face from the photo, so nothing is lost there):

- **the bridge**: a horizontal line across the top of the nose between the eyes, from a little
  above the eye line down to just below it (a bare face has the smooth top of the nose there);
- **the temple arms**: a horizontal line just outside the lenses, 0.45-0.65 `d` out from each
  eye towards the ear, on *both* sides (bare temples are smooth skin);
- **the lower rims**: the bottom of each lens under the eye, 0.15-0.7 `d` below it, a straight,
  tilted or (round lenses) curved line over the lens width, under *both* eyes.

A line's strength is its two-sided ridge depth: per column, how far its lightness lies below (or
above) the skin `LINE_PX` photo pixels to *each* side, the smaller of the two (an edge, such as a
shadow's border or the face's outline, is dark on one side only and scores nothing), then the
median over the place's columns (so it must run across, not be a spot). Frames are one or two
photo pixels wide even on a 30 px face, so the same reading works from `MIN_FACE_PX` up; what
changes with size is only how sure the answer is (`SURE_PX`). But a wire frame (1-2 mm) is about
one photo pixel on an 80 px face; on a face of `w` px it covers `w / SURE_PX` of a pixel and keeps
that share of its depth, so a frame that would just reach the thresholds shows as evidence
`w / SURE_PX`. A `none` read with at least that much evidence is therefore doubtful (`square` one
click away), not a sure bare face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import lab_of
from toonmoji.avatar.model import DOUBTFUL

MIN_FACE_PX = 24  # photo pixels across the face below which nothing is read (not measured lower)
SURE_PX = 80  # below this a frame is about one photo pixel: answers are capped at `SMALL_SCORE`
SMALL_SCORE = 0.65
# Below this glasses found are always doubtful (score under 0.6, `none` one click away):
# sharp bare faces shrunk to 32-40 px show bridge- and rim-like lines (brows, lid creases) as deep
# as a frame's: the development set's 37 bare faces of 88-410 px, shrunk (and JPEG-saved) to 32
# and 40 px, got glasses 8 times in 74; shrunk to 48 and 60 px, never.
DOUBT_PX = 48
DOUBT_SCORE = 0.55
LINE_PX = 1.5  # photo pixels from a frame's centre line to the skin beside it
# Ridge depths (L*) that count as a frame, each midway between the highest bare face and the
# lowest frame standing apart from them on the labelled development set: bare faces reach 3.5 on
# the bridge, 3.0 at the temples and 2.4 under the eyes; frames 4.3-11, 4.4-11 and 3.1-11 where
# they show (most frames show in one or two places). Picked again leaving each photo out in turn
# (a false positive counting twice) they stay within 3.75-4.75, 3.25-3.7 and 2.75-4.25, and
# the left-out photos agree 80/86 with no bare face given glasses (bench/avatar_attributes.py).
BRIDGE = 4.0
TEMPLE = 3.7
RIM = 2.75
# (lens centre, curvature, tilt) of the lower-rim lines tried, in eye units (x from the eye centre
# towards the ear): y = y0 - curvature (x - centre)^2 + tilt x. A lens is centred on the pupil or
# a little outside it; round lenses curve up towards their sides.
RIM_SHAPES = tuple((x0, cv, t) for x0 in (0.0, 0.05, 0.1) for cv in (0.0, 0.6, 1.2, 1.8) for t in (-0.15, 0.0, 0.15))


@dataclass(frozen=True)
class Glasses:
    style: str  # none or square
    score: float  # how sure, 0..1
    alternative: str
    evidence: float  # 1.0 at the thresholds


@dataclass(frozen=True)
class FrameLines:
    """Ridge depths (L*) of the three places, each the weaker of the two sides where there are two."""

    bridge: float
    temple: float
    rim: float

    def evidence(self, bridge_t: float = BRIDGE, temple_t: float = TEMPLE, rim_t: float = RIM) -> float:
        return max(self.bridge / bridge_t, self.temple / temple_t, self.rim / rim_t)


@dataclass(frozen=True)
class _Eyes:
    light: np.ndarray  # (H, W) float32 L*, lightly blurred
    left: np.ndarray
    right: np.ndarray
    d: float  # eye distance, canonical px
    k: float  # LINE_PX in eye units

    def line(self, origin: np.ndarray, outward: float, xs: np.ndarray, ys: np.ndarray,
             shapes: tuple[tuple[float, float, float], ...] = ((0.0, 0.0, 0.0),)) -> float:
        """The strongest line across columns `xs` among rows `ys` (eye units from `origin`, x
        towards the ear when `outward` is 1, mirrored when -1), over the given line shapes."""
        x, y = np.meshgrid(xs, ys)
        best = -np.inf
        for centre, curvature, tilt in shapes:
            yc = y - curvature * (x - centre) ** 2 + tilt * x
            px = (origin[0] + outward * x * self.d).astype(np.float32)
            mid, above, below = (
                cv2.remap(self.light, px, (origin[1] + (yc + dy) * self.d).astype(np.float32), cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
                for dy in (0.0, -self.k, self.k))
            dark = np.minimum(above - mid, below - mid)
            light = np.minimum(mid - above, mid - below)
            best = max(best, float(np.median(dark, axis=1).max()), float(np.median(light, axis=1).max()))
        return best


def _eyes(c: Canonical) -> _Eyes:
    light = lab_of(c.image.reshape(-1, 3)).reshape(c.image.shape)[..., 0].astype(np.float32)
    light = cv2.GaussianBlur(light, (0, 0), max(1.0, 0.5 * c.scale))
    left, right = c.landmarks[36:42].mean(axis=0), c.landmarks[42:48].mean(axis=0)
    d = max(float(np.linalg.norm(right - left)), 1.0)
    return _Eyes(light, left, right, d, max(3.0, LINE_PX * c.scale) / d)


def frame_lines(c: Canonical) -> FrameLines:
    """The bridge, temple-arm and lower-rim line depths (L*) of the canonical face."""
    e = _eyes(c)
    bridge = e.line((e.left + e.right) / 2, 1.0, np.linspace(-0.12, 0.12, 16), np.arange(-0.3, 0.1, 0.02))
    sides = ((e.left, -1.0), (e.right, 1.0))
    tilts = tuple((0.0, 0.0, t) for t in (-0.15, 0.0, 0.15))
    temple = min(e.line(o, s, np.linspace(0.45, 0.65, 16), np.arange(-0.3, 0.1, 0.02), tilts) for o, s in sides)
    rim = min(e.line(o, s, np.linspace(-0.3, 0.4, 18), np.arange(0.15, 0.7, 0.02), RIM_SHAPES) for o, s in sides)
    return FrameLines(bridge, temple, rim)


def decide(lines: FrameLines | None, width_px: float, bridge_t: float = BRIDGE, temple_t: float = TEMPLE,
           rim_t: float = RIM) -> Glasses:
    """Glasses or none from the line depths (None: the face is too small to read), how sure, and
    the alternative; on faces under `SURE_PX` the score is capped (`SMALL_SCORE`), under `DOUBT_PX`
    glasses found are always doubtful (`DOUBT_SCORE`), and `none` is doubtful where the evidence
    reaches what a frame thinner than a pixel would still show (`width_px / SURE_PX`)."""
    if lines is None:
        return Glasses("none", 0.5, "square", 0.0)
    evidence = lines.evidence(bridge_t, temple_t, rim_t)
    found = evidence >= 1.0
    cap = 0.9 if width_px >= SURE_PX else DOUBT_SCORE if found and width_px < DOUBT_PX else SMALL_SCORE
    margin = evidence - 1.0 if found else 1.0 - evidence
    score = round(float(np.clip(0.5 + margin, 0.5, cap)), 2)
    if found:
        return Glasses("square", score, "none", evidence)
    kept = width_px / SURE_PX  # the share of its depth a frame of about one pixel at SURE_PX keeps
    if kept < 1.0 and evidence >= kept:  # as much as a diluted frame would show: doubtful, 0.5-0.59
        score = round(0.5 + (DOUBTFUL - 0.51) * (1.0 - evidence) / (1.0 - kept), 2)
    return Glasses("none", score, "square", evidence)


def fit_glasses(c: Canonical) -> Glasses:
    """Glasses or none, how sure, and the alternative."""
    width = c.face_px
    return decide(frame_lines(c) if width >= MIN_FACE_PX else None, width)
