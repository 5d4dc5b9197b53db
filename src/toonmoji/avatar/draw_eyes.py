"""Eyes, brows and glasses as vector shapes, by the person's shapes and the expression.

Eye shapes change the lids (round: taller and rounder; hooded: a fold of skin over the outer
upper lid; monolid: a lower, flatter lid with no crease), `eyes.lashes` draws lashes at the outer
upper lid, brow shapes move the brow's peak and corner (straight, soft, arched, angled), and
`brows.gap` and `brows.length` place the brow's inner end and its length about the eyes. The
expression moves lids and brows on top of all that; expressions must stay legible, so nothing
here may cover the lids or brows an expression moves.
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.colour import lightness, shade
from toonmoji.avatar.expression import Expression
from toonmoji.avatar.geometry import Path, Shape, ellipse, polyline, smooth
from toonmoji.avatar.head import BROW_Y, CX, EYE_Y, HEAD_RX, eye_centre
from toonmoji.avatar.model import Attributes

INK = "#2b1d18"  # outlines of features
BROW_THICKNESS = 2.3
BROW_INNER, BROW_LENGTH = 6.0, 12.8  # the average brow's inner end inside the eye centre, its length
WIDE_EYE_GROWTH = 0.3  # eyes opened wide also grow wider (surprise, fear): read 48 -> 56% and 40 -> 53%
TEAR_SHADOW = "#3a0d18"  # eyes reddened and puffy from crying, under the lids
# per eye shape: upper and lower lid height factors, the upper lid's profile at 22 / 52 / 82% of
# its length, extra tilt (degrees)
EYE_SHAPES: dict[str, tuple[float, float, tuple[float, float, float], float]] = {
    "almond": (1.0, 1.0, (0.78, 1.0, 0.75), 0.0),
    "round": (1.12, 1.35, (0.93, 1.0, 0.9), 0.0),
    "hooded": (0.88, 0.95, (0.85, 1.0, 0.6), 0.0),
    "monolid": (0.78, 0.82, (0.92, 1.0, 0.72), 4.0),
}
# per brow shape: peak position along the brow, arch gain, arch offset, outline tension
BROW_SHAPES: dict[str, tuple[float, float, float, float]] = {
    "straight": (0.55, 0.35, 0.1, 0.7),
    "soft": (0.62, 1.0, 0.6, 0.7),
    "arched": (0.58, 1.5, 1.2, 0.8),
    "angled": (0.68, 1.3, 1.0, 0.3),
}


def brow_y(attrs: Attributes) -> float:
    """Where the brows rest: `brows.height` times the average face's height above the eyes."""
    return EYE_Y - (EYE_Y - BROW_Y) * attrs.brows.height


def eye_outline(cx: float, side: int, attrs: Attributes, expr: Expression) -> tuple[np.ndarray, float, float]:
    """Eye corner-to-corner points (inner, upper x3, outer, lower x3), the upper and lower lid heights."""
    up_k, low_k, profile, extra_tilt = EYE_SHAPES[attrs.eyes.shape]
    ew = 5.0 * attrs.eyes.size * (1.0 + WIDE_EYE_GROWTH * max(0.0, expr.eye_open))
    shut = expr.blink + (expr.lid_left if side < 0 else expr.lid_right)  # side -1: the image's left eye
    openness = attrs.eyes.openness * max(0.0, 1.0 + expr.eye_open) * (1.0 - min(1.0, shut))
    brow_low = brow_y(attrs) - 3.6 * expr.brow_raise + 0.6  # where the brows sit: the lid stays under them
    hu = min(4.0 * up_k * attrs.eyes.size * openness, EYE_Y - brow_low - 3.0)
    hl = 2.4 * low_k * attrs.eyes.size * min(openness, 1.0 + 0.3 * max(0.0, expr.eye_open)) * (1.0 - 0.35 * max(0.0, expr.smile))
    tilt = np.tan(np.radians(np.clip(attrs.eyes.tilt + extra_tilt, -20.0, 20.0))) * ew
    inner = np.array([cx - side * ew, EYE_Y + 0.5])
    outer = np.array([cx + side * ew, EYE_Y - tilt])
    d = outer - inner

    def at(t: float, h: float) -> tuple[float, float]:
        return (inner[0] + d[0] * t, inner[1] + d[1] * t + h)

    pts = np.array([inner, at(0.22, -hu * profile[0]), at(0.52, -hu * profile[1]), at(0.82, -hu * profile[2]), outer,
                    at(0.78, hl * 0.8), at(0.5, hl), at(0.2, hl * 0.75)])
    return pts, hu, hl


def eye_top(attrs: Attributes, expr: Expression) -> float:
    """The highest point of either drawn eye (the fringe stays above it)."""
    return min(eye_outline(eye_centre(attrs, side), side, attrs, expr)[0][:, 1].min() for side in (-1, 1))


def eyes(attrs: Attributes, expr: Expression, skin: str) -> list[Shape]:
    shapes: list[Shape] = []
    shape = attrs.eyes.shape
    for side in (-1, 1):
        cx = eye_centre(attrs, side)
        if expr.tears > 0.05:  # crying darkens the eyes: sad read 56 -> 61% (random) and 52 -> 75% (fitted)
            shapes.append(Shape(ellipse(cx, EYE_Y + 3.0, 6.0, 3.0), TEAR_SHADOW, opacity=0.5 * min(1.0, expr.tears), name="tear_shadow"))
        pts, hu, hl = eye_outline(cx, side, attrs, expr)
        upper = smooth(pts[:5], closed=False)
        if hu + hl < 1.2:  # closed: a lash line, curved down
            shut = smooth([pts[0], (cx, EYE_Y + 1.4), pts[4]], closed=False)
            shapes.append(Shape(shut, None, INK, 1.3, name="eye_shut"))
            continue
        if shape in ("almond", "round") and hu > 2.0:  # the lid's crease above the lashes
            crease = smooth([pts[0] + (side * 1.2, -1.6), pts[1] + (0, -1.5), pts[2] + (0, -1.6), pts[3] + (0, -1.3)], closed=False)
            shapes.append(Shape(crease, None, shade(skin, -0.12), 0.45, name="eye_crease"))
        eye = smooth(pts, tension=0.95)
        shapes.append(Shape(eye, "#ffffff", None, 0.0, name="eye_white"))
        ir = 2.9 * attrs.eyes.size
        iy = EYE_Y - 0.6
        shapes.append(Shape(ellipse(cx, iy, ir, ir), attrs.eyes.color, shade(attrs.eyes.color, -0.25), 0.5, clip=eye, name="iris"))
        shapes.append(Shape(ellipse(cx, iy, ir * 0.5, ir * 0.5), "#120c0a", clip=eye, name="pupil"))
        shapes.append(Shape(ellipse(cx + ir * 0.38, iy - ir * 0.4, ir * 0.3, ir * 0.3), "#ffffff", clip=eye, name="glint"))
        shapes.append(Shape(eye, None, shade(skin, -0.35), 0.5, name="eye_edge"))
        shapes.append(Shape(upper, None, INK, 1.25 + 0.45 * attrs.eyes.lashes, name="lash"))
        outer = pts[4]
        shapes.append(Shape(polyline([outer, outer + (side * 1.3, -1.0)]), None, INK, 0.9, name="lash_tip"))
        if attrs.eyes.lashes > 0.05:
            length = 0.8 + 1.8 * attrs.eyes.lashes
            for base, angle in ((pts[3], 60.0), ((pts[3] + pts[4]) / 2, 35.0), (pts[2], 80.0)):
                a = np.radians(angle)
                tip = base + (side * np.cos(a) * length, -np.sin(a) * length)
                mid = (base + tip) / 2 + (side * 0.25, 0.15)
                shapes.append(Shape(smooth([base, mid, tip], closed=False), None, INK, 0.55, name="eyelash"))
        if shape == "hooded" and hu > 1.5:  # a fold of skin over the outer upper lid
            d = pts[4] - pts[0]
            fold = smooth([pts[1] + (0, -0.9), pts[2] + (0, -0.5), pts[3] + (0, 0.1), pts[4] + d * 0.08 + (0, 0.2)], closed=False)
            shapes.append(Shape(fold, None, shade(skin, -0.28), 0.75, name="eye_fold"))
    return shapes


def brows(attrs: Attributes, expr: Expression) -> list[Shape]:
    shapes = []
    colour = attrs.brows.color  # at least 40 L* darker than the skin, or the expression is lost
    gap = lightness(colour) - (lightness(attrs.skin) - 40.0)
    if gap > 0:
        colour = shade(colour, -gap / 100.0)
    peak_at, gain, offset, tension = BROW_SHAPES[attrs.brows.shape]
    t = BROW_THICKNESS * attrs.brows.thickness * (1.0 + 0.3 * max(0.0, -expr.brow_inner))
    lift = -3.6 * expr.brow_raise
    rest = brow_y(attrs)
    for side in (-1, 1):
        x0 = brow_inner_x(attrs, side)
        inner = np.array([x0 + side * 1.2 * max(0.0, -expr.brow_inner), rest + lift - 3.8 * expr.brow_inner + 0.6])
        reach = min(abs(x0 - CX) + BROW_LENGTH * attrs.brows.length, 0.88 * HEAD_RX * attrs.face.width)  # inside the face
        outer = np.array([CX + side * reach, rest + lift + 0.6
                          - np.tan(np.radians(attrs.brows.tilt)) * 6.0 + 1.5 * max(0.0, expr.brow_inner)])
        arch = offset + 2.4 * gain * attrs.brows.arch
        peak = inner + (outer - inner) * peak_at + (0.0, -arch)
        centre = [inner, inner + (peak - inner) * 0.5 + (0.0, -arch * 0.3), peak, outer]
        shapes.append(Shape(_tapered(np.array(centre), t, tension), colour, None, 0.0, name="brow"))
    frown = max(0.0, -expr.brow_inner)
    if frown > 0.6:  # the vertical creases of a frown between the brows (not a resting knit)
        for side in (-1, 1):
            x = CX + side * 2.2
            shapes.append(Shape(smooth([(x, rest + lift + 0.5), (x + side * 0.4, rest + lift + 3.5), (x + side * 0.2, rest + lift + 6.0)],
                                       closed=False), None, shade(attrs.skin, -0.35), 0.8, opacity=min(1.0, frown), name="frown_line"))
    return shapes


def brow_inner_x(attrs: Attributes, side: int) -> float:
    """x of the brow's inner end at rest: the average face's gap to the midline (from the eyes'
    spacing) times `brows.gap`, never past the eye centre's 1.5 units."""
    cx = eye_centre(attrs, side)
    half_gap = max(0.5, abs(cx - CX) - BROW_INNER) * attrs.brows.gap
    return CX + side * min(half_gap, abs(cx - CX) - 1.5)


def _tapered(centre: np.ndarray, t: float, tension: float = 0.7) -> Path:
    """A stroke-like filled shape along `centre`: full thickness `t` at the start, tapered at the end."""
    seg = np.gradient(centre, axis=0)
    normal = np.stack([seg[:, 1], -seg[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9
    half = t / 2 * np.linspace(1.0, 0.45, len(centre))[:, None]
    top, bottom = centre + normal * half, centre - normal * half
    if normal[0, 1] > 0:  # keep `top` above
        top, bottom = bottom, top
    return smooth(np.vstack([top, bottom[::-1]]), tension=tension)


def glasses(attrs: Attributes) -> list[Shape]:
    style = attrs.glasses.style
    if style == "none":
        return []
    c = attrs.glasses.color
    shapes = []
    r = 7.2 * max(1.0, attrs.eyes.size ** 0.5)
    for side in (-1, 1):
        cx = eye_centre(attrs, side)
        if style == "round":
            lens = ellipse(cx, EYE_Y - 0.5, r, r * 0.92)
        else:
            lens = _rounded_rect(cx - r * 1.05, EYE_Y - 0.5 - r * 0.78, cx + r * 1.05, EYE_Y - 0.5 + r * 0.78, 2.2)
        shapes.append(Shape(lens, "#dff0ff", None, 0.0, opacity=0.2, name="lens"))
        shapes.append(Shape(lens, None, c, 1.4, name="frame"))
        x_out = cx + side * r * (1.0 if style == "round" else 1.05)
        shapes.append(Shape(polyline([(x_out, EYE_Y - 2.5), (CX + side * HEAD_RX * attrs.face.width * 0.98, EYE_Y - 3.0)]),
                            None, c, 1.3, name="temple"))
    gap = eye_centre(attrs, 1) - r * (1.0 if style == "round" else 1.05)
    bridge = smooth([(CX - gap + CX, EYE_Y - 1.5), (CX, EYE_Y - 3.3), (gap, EYE_Y - 1.5)], closed=False)
    shapes.append(Shape(bridge, None, c, 1.3, name="bridge"))
    return shapes


def _rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Path:
    pts = [(x0 + r, y0), (x1 - r, y0), (x1, y0 + r), (x1, y1 - r), (x1 - r, y1), (x0 + r, y1), (x0, y1 - r), (x0, y0 + r)]
    return smooth(pts, tension=0.35)
