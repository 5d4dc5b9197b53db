"""The head's layout on the 100 x 100 avatar canvas: where the features sit and the outline's shape.

Centre (50, 50), cheek half-width 27 x `face.width`, crown near y 17, chin near y 83. Friendly
proportions (big eyes low on the face, a small nose) are fixed here; the person's measurements
move them: `face.shape` picks the outline's family (oval, round, square, long, heart), then
`face.width`, `jaw`, `chin`, `forehead` (crown height), `cheeks` (cheekbones against the jaw)
and `chin_height` (the chin's length below the mouth, which stays in place) tune it. Hair is laid out in "head radii" around the same centre (`radial_points`).
"""

from __future__ import annotations

import functools

import numpy as np

from toonmoji.avatar.geometry import mirror_x, smooth
from toonmoji.avatar.model import Attributes

CX, CY = 50.0, 50.0
HEAD_RX, HEAD_RY = 27.0, 33.0  # the head's reference ellipse: hair radii are in these units
EYE_Y, BROW_Y, NOSE_Y, MOUTH_Y = 51.5, 41.5, 61.0, 70.0
EYE_DX = 11.0  # eye centre from the face's midline at eyes.spacing 1.0
CHIN_BELOW_MOUTH = 13.2  # the average face's chin bottom below MOUTH_Y: `face.chin_height` scales it

# per face shape: x factors of (crown side, temple, cheekbone, jaw, lower jaw, chin side) and the
# crown / chin heights' offsets; what a person means by the name, drawn a little beyond life
SHAPES: dict[str, tuple[tuple[float, ...], float, float]] = {
    "oval": ((0.74, 0.97, 1.0, 0.86, 0.5, 0.2), 0.0, 0.0),
    "round": ((0.82, 1.0, 1.03, 0.95, 0.66, 0.28), 1.0, -1.5),
    "square": ((0.8, 1.0, 1.0, 0.98, 0.8, 0.42), 0.5, -0.5),
    "long": ((0.7, 0.93, 0.95, 0.84, 0.5, 0.2), -2.5, 2.5),
    "heart": ((0.82, 1.03, 1.02, 0.8, 0.4, 0.1), 0.0, 0.8),
}


def half_width(attrs: Attributes) -> float:
    """The face's half-width at the cheeks, in avatar units."""
    return HEAD_RX * attrs.face.width


def eye_centre(attrs: Attributes, side: int) -> float:
    return CX + side * EYE_DX * attrs.eyes.spacing


def head_points(attrs: Attributes) -> np.ndarray:
    """`(N, 2)` control points of the head outline (crown, temples, cheeks, jaw, chin)."""
    f = attrs.face
    return _head_points(f.width, f.jaw, f.chin, f.shape, f.forehead, f.cheeks, f.chin_height)


def chin_drop(chin_height: float) -> float:
    """How far `face.chin_height` moves the chin's bottom down from the average face's (avatar
    units); the mouth stays put."""
    return CHIN_BELOW_MOUTH * (chin_height - 1.0)


@functools.lru_cache(maxsize=256)
def _head_points(width: float, jaw: float, chin: float, shape: str, forehead: float, cheeks: float,
                 chin_height: float = 1.0) -> np.ndarray:
    hw = HEAD_RX * width
    (crown, temple, cheek, jaw_x, low_jaw, chin_x), crown_dy, chin_dy = SHAPES[shape]
    top = 16.8 + crown_dy - 7.0 * (forehead - 1.0)  # a high forehead lifts the crown
    bone = 1.0 + 0.5 * (cheeks - 1.0)  # cheekbones wider than the jaw, or narrower
    under = 1.0 - 0.35 * (cheeks - 1.0)
    drop = chin_drop(chin_height)
    bottom = 83.2 + chin_dy + 0.8 * chin + drop
    right = [
        (CX + hw * crown, top + 3.2),
        (CX + hw * temple, (top + 49.0) / 2 - 0.4),
        (CX + hw * cheek * bone, 49.0),
        (CX + hw * (jaw_x + 0.1 * jaw) * under, 63.0 + 0.3 * chin_dy),
        (CX + hw * (low_jaw + 0.22 * jaw - 0.12 * chin) * under, 77.0 + 0.6 * chin_dy + 0.6 * drop),
        (CX + hw * max(0.05, chin_x - 0.1 * chin), bottom - 0.9),
    ]
    left = mirror_x(np.array(right[::-1]))
    pts = np.vstack([[(CX, top)], right, [(CX, bottom)], left])
    pts.flags.writeable = False
    return pts


def head_radii(attrs: Attributes, count: int = 24) -> np.ndarray:
    """`(count,)` the head outline's distance from the centre at angles clockwise from straight
    up, in head radii: hair drawn around the head stays outside it."""
    f = attrs.face
    return _head_radii(f.width, f.jaw, f.chin, f.shape, f.forehead, f.cheeks, f.chin_height, count)


@functools.lru_cache(maxsize=256)
def _head_radii(width: float, jaw: float, chin: float, shape: str, forehead: float, cheeks: float, chin_height: float,
                count: int) -> np.ndarray:
    pts = smooth(_head_points(width, jaw, chin, shape, forehead, cheeks, chin_height)).flatten(8)
    dx, dy = (pts[:, 0] - CX) / (HEAD_RX * width), (CY - pts[:, 1]) / HEAD_RY
    ang, rad = np.mod(np.arctan2(dx, dy), 2 * np.pi), np.hypot(dx, dy)
    order = np.argsort(ang)
    a = np.arange(count) * 2 * np.pi / count
    out = np.interp(a, ang[order], rad[order], period=2 * np.pi)
    out.flags.writeable = False
    return out


def radial_points(radii: np.ndarray, width: float, start: float = 0.0, stop: float = 360.0) -> np.ndarray:
    """Points at `radii` (head radii) around the head centre, at angles evenly from `start` to
    `stop` degrees clockwise from straight up (the full turn by default, `stop` excluded then)."""
    n = len(radii)
    if stop - start >= 360.0:
        a = np.radians(start) + np.arange(n) * 2 * np.pi / n
    else:
        a = np.radians(np.linspace(start, stop, n))
    return np.stack([CX + HEAD_RX * width * radii * np.sin(a), CY - HEAD_RY * radii * np.cos(a)], axis=1)


def head_radius_at(attrs: Attributes, degrees: np.ndarray) -> np.ndarray:
    """The head outline's radius (head radii) at `degrees` clockwise from straight up."""
    table = head_radii(attrs, 72)
    return np.interp(np.mod(np.asarray(degrees, np.float64), 360.0), np.arange(72) * 5.0, table, period=360.0)
