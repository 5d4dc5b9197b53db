"""The avatar's drawing: attributes + expression -> an ordered list of vector shapes.

Everything is laid out on a 100 x 100 canvas in "avatar units" around a fixed head: centre
(50, 50), cheek half-width 27 x `face.width`, crown at y 17, chin at y 83. Friendly proportions
(big eyes low on the face, a small nose) are in the constants below; the person's measurements
move them within their ranges. The list is drawn in order (back hair first, glasses last) by both
`svg.py` and `raster.py`.
"""

from __future__ import annotations

import functools

import numpy as np

from toonmoji.avatar.colour import lightness, shade
from toonmoji.avatar.expression import Expression
from toonmoji.avatar.geometry import Path, Shape, ellipse, mirror_x, polyline, rotation, smooth
from toonmoji.avatar.model import OUTLINE_POINTS, Attributes

CX, CY = 50.0, 50.0
HEAD_RX, HEAD_RY = 27.0, 33.0  # the head's reference ellipse: hair radii are in these units
EYE_Y, BROW_Y, NOSE_Y, MOUTH_Y = 51.5, 41.5, 61.0, 70.0
INK = "#2b1d18"  # outlines of features
BROW_THICKNESS, MOUTH_HALF_WIDTH, MOUTH_OPENING = 2.3, 8.5, 11.0
WIDE_EYE_GROWTH = 0.3  # eyes opened wide also grow wider (surprise, fear): read 48 -> 56% and 40 -> 53%
MOUTH_INSIDE, TEETH, TONGUE = "#240a0d", "#fbfbf8", "#e07a80"  # an opening darker than the darkest skin
BLUSH = "#f08a8a"
TEAR = "#7cc3f0"
TEAR_SHADOW = "#3a0d18"  # eyes reddened and puffy from crying, under the lids

TEMPLATES: dict[str, list[float]] = {
    # hair reach at 24 angles clockwise from straight up (head radii); < 1 hides under the head
    "bald": [0.85] * OUTLINE_POINTS,
    "short": [1.16, 1.16, 1.15, 1.13, 1.1, 1.06, 1.02, 0.92, 0.85, 0.8, 0.8, 0.8,
              0.8, 0.8, 0.8, 0.8, 0.8, 0.85, 0.92, 1.02, 1.06, 1.1, 1.13, 1.15],
    "long_straight": [1.16, 1.16, 1.15, 1.14, 1.13, 1.12, 1.13, 1.16, 1.22, 1.3, 1.25, 1.0,
             0.9, 1.0, 1.25, 1.3, 1.22, 1.16, 1.13, 1.12, 1.13, 1.14, 1.15, 1.16],
    "curly": [1.38, 1.38, 1.37, 1.36, 1.35, 1.33, 1.3, 1.25, 1.16, 1.05, 0.9, 0.8,
              0.8, 0.8, 0.9, 1.05, 1.16, 1.25, 1.3, 1.33, 1.35, 1.36, 1.37, 1.38],
    "ponytail": [1.07, 1.07, 1.07, 1.06, 1.05, 1.03, 1.0, 0.92, 0.85, 0.8, 0.8, 0.8,
             0.8, 0.8, 0.8, 0.8, 0.8, 0.85, 0.92, 1.0, 1.03, 1.05, 1.06, 1.07],
}
# styles drawn with another style's silhouette until they get their own
for _style, _like in (("receding", "short"), ("buzz", "short"), ("side_part", "short"),
                      ("medium", "long_straight"), ("long_wavy", "long_straight"), ("afro", "curly"),
                      ("bun", "ponytail")):
    TEMPLATES[_style] = TEMPLATES[_like]


def hair_radii(attrs: Attributes) -> np.ndarray:
    """`(24,)` the hair's reach: the fitted silhouette, else the style's template."""
    r = np.array(attrs.hair.outline or TEMPLATES[attrs.hair.style], dtype=np.float64)
    if attrs.hair.style != "bald":  # the upper head is always covered: the fringe sits on it
        upper = np.abs(np.arange(OUTLINE_POINTS) - OUTLINE_POINTS / 2) >= OUTLINE_POINTS / 4
        r = np.where(upper, np.maximum(r, head_radii(attrs) + 0.06), r)
    if attrs.hair.style == "bald":
        r = np.minimum(r, np.where(np.abs(np.sin(np.arange(OUTLINE_POINTS) * 2 * np.pi / OUTLINE_POINTS)) > 0.8, r, 0.9))
    return r


def head_radii(attrs: Attributes) -> np.ndarray:
    """`(24,)` the drawn head outline's distance from the centre along the hair rays (head radii)."""
    return _head_radii(attrs.face.width, attrs.face.jaw, attrs.face.chin)


@functools.lru_cache(maxsize=256)
def _head_radii(width: float, jaw: float, chin: float) -> np.ndarray:
    attrs = Attributes()
    attrs.face.width, attrs.face.jaw, attrs.face.chin = width, jaw, chin
    pts = smooth(head_points(attrs)).flatten(8)
    dx, dy = (pts[:, 0] - CX) / (HEAD_RX * attrs.face.width), (CY - pts[:, 1]) / HEAD_RY
    ang, rad = np.mod(np.arctan2(dx, dy), 2 * np.pi), np.hypot(dx, dy)
    order = np.argsort(ang)
    a = np.arange(OUTLINE_POINTS) * 2 * np.pi / OUTLINE_POINTS
    return np.interp(a, ang[order], rad[order], period=2 * np.pi)


def radial_points(radii: np.ndarray, width: float) -> np.ndarray:
    """Points at `radii` (head radii) around the head centre, clockwise from straight up."""
    a = np.arange(len(radii)) * 2 * np.pi / len(radii)
    return np.stack([CX + HEAD_RX * width * radii * np.sin(a), CY - HEAD_RY * radii * np.cos(a)], axis=1)


def head_points(attrs: Attributes) -> np.ndarray:
    """`(N, 2)` control points of the head outline (crown, temples, cheeks, jaw, chin)."""
    hw = HEAD_RX * attrs.face.width
    jaw, chin = attrs.face.jaw, attrs.face.chin
    right = [
        (CX + hw * 0.74, 20.0),
        (CX + hw * 0.97, 33.0),
        (CX + hw * 1.0, 49.0),
        (CX + hw * (0.86 + 0.1 * jaw), 63.0),
        (CX + hw * (0.5 + 0.22 * jaw - 0.12 * chin), 77.0),
        (CX + hw * (0.2 - 0.1 * chin), 82.3),
    ]
    left = mirror_x(np.array(right[::-1]))
    return np.vstack([[(CX, 16.8)], right, [(CX, 83.2 + 0.8 * chin)], left])


def build_scene(attrs: Attributes, expr: Expression | None = None) -> list[Shape]:
    """The avatar's shapes, in drawing order, tilted by `face.roll`."""
    expr = expr or Expression()
    skin = attrs.skin
    skin_line = shade(skin, -0.28)
    hair_c, hair_line = attrs.hair.color, shade(attrs.hair.color, -0.18 if _light(attrs.hair.color) > 25 else 0.12)
    shapes: list[Shape] = []
    hw = HEAD_RX * attrs.face.width

    # back hair, bun
    radii = hair_radii(attrs)
    if attrs.hair.style in ("ponytail", "bun"):
        shapes.append(Shape(ellipse(CX, 11.5, 9.5, 8.0), hair_c, hair_line, 0.9, name="bun"))
    if (radii > 1.0).any():
        shapes.append(Shape(_hair_path(radii, attrs), hair_c, hair_line, 0.9, name="hair_back"))

    # neck, ears, head
    neck = smooth([(CX - 9.5, 72), (CX - 10.5, 88), (CX - 12, 99.5), (CX + 12, 99.5), (CX + 10.5, 88), (CX + 9.5, 72)], closed=False)
    shapes.append(Shape(_closed(neck), shade(skin, -0.1), skin_line, 0.9, name="neck"))
    for side in (-1, 1):
        ex = CX + side * hw * 0.97
        shapes.append(Shape(ellipse(ex, 53.0, 4.6, 6.8), skin, skin_line, 0.9, name="ear"))
        inner = smooth([(ex + side * 0.8, 49.5), (ex + side * 2.2, 53), (ex + side * 0.9, 56.5)], closed=False)
        shapes.append(Shape(inner, None, shade(skin, -0.18), 0.8, name="ear_inner"))
    head = smooth(head_points(attrs))
    shapes.append(Shape(head, skin, skin_line, 1.0, name="head"))

    # cheeks
    for side in (-1, 1):
        shapes.append(Shape(ellipse(CX + side * hw * 0.62, 63.0, 5.0, 3.0), BLUSH,
                            opacity=0.22 + 0.2 * max(0.0, expr.smile), name="blush"))

    # beard
    beard = attrs.beard.style
    if beard in ("full", "stubble", "goatee"):
        shapes.append(Shape(_beard_path(attrs, beard), attrs.beard.color,
                            None if beard == "stubble" else shade(attrs.beard.color, -0.12), 0.7,
                            opacity=0.35 if beard == "stubble" else 1.0, name="beard"))

    shapes += _nose(attrs, expr, skin)
    shapes += _mouth(attrs, expr)
    if beard in ("full", "moustache", "goatee"):
        shapes.append(Shape(_moustache_path(attrs, expr), attrs.beard.color, shade(attrs.beard.color, -0.12), 0.7, name="moustache"))
    shapes += _eyes(attrs, expr, skin)
    if attrs.hair.style != "bald":
        shapes.append(Shape(_fringe_path(attrs, radii, expr), hair_c, hair_line, 0.9, name="hair_front"))
    shapes += _brows(attrs, expr)
    shapes += _glasses(attrs)
    if expr.tears > 0.05:
        ex = CX + 11.0 * attrs.eyes.spacing
        drop = smooth([(ex, 56.5), (ex + 1.9, 61.5), (ex, 63.5), (ex - 1.9, 61.5)], tension=0.9)
        shapes.append(Shape(drop, TEAR, shade(TEAR, -0.25), 0.5, opacity=min(1.0, expr.tears), name="tear"))
    if abs(attrs.face.roll) > 0.01:
        m = rotation(attrs.face.roll, CX, 60.0)
        shapes = [_rotated(s, m) for s in shapes]
    return shapes


def _rotated(s: Shape, m: np.ndarray) -> Shape:
    return Shape(s.path.transformed(m), s.fill, s.stroke, s.width, s.opacity,
                 None if s.clip is None else s.clip.transformed(m), s.name)


def _closed(p: Path) -> Path:
    return Path(p.start, p.segments, True)


def _light(hex_colour: str) -> float:
    return lightness(hex_colour)


def _hair_path(radii: np.ndarray, attrs: Attributes) -> Path:
    pts = radial_points(np.maximum(radii, 0.8), attrs.face.width)
    if attrs.hair.style == "curly":  # scalloped: the radii sampled finely, bumped outwards
        fine = np.interp(np.arange(96) / 4.0, np.arange(OUTLINE_POINTS + 1), np.append(radii, radii[0]))
        bump = 0.06 * np.abs(np.sin(np.arange(96) * np.pi / 4.0))
        pts = radial_points(np.maximum(fine + bump * (fine > 1.0), 0.8), attrs.face.width)
    return smooth(pts)


def _fringe_path(attrs: Attributes, radii: np.ndarray, expr: Expression) -> Path:
    """Front hair over the forehead: the head's top (inside the back hair's reach), down to a
    hairline set by `fringe`, parted; never over eyes opened wide."""
    hw = HEAD_RX * attrs.face.width
    eye_top = min(_eye_outline(CX + side * 11.0 * attrs.eyes.spacing, side, attrs, expr)[0][:, 1].min() for side in (-1, 1))
    y_line = min(23.0 + 9.0 * attrs.hair.fringe, eye_top - 10.0)  # at most just above the brows: they must show
    part = CX + attrs.hair.part * hw * 0.45
    idx = [18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6]  # -90 .. 90 degrees
    reach = np.clip(radii, head_radii(attrs) + 0.03, head_radii(attrs) + 0.07)
    top = [tuple(p) for p in radial_points(reach, attrs.face.width)[idx]]
    lift = 3.0 if attrs.hair.style in ("ponytail", "bun") else 0.0
    line = [(CX + hw * 0.93, 48.0), (CX + hw * 0.86, y_line + 8.0 - lift),
            (part + (hw - abs(part - CX)) * 0.45, y_line + 2.5 - lift * 0.5), (part, y_line - 3.0 - lift),
            (part - (hw - abs(part - CX)) * 0.4, y_line + 1.0 - lift * 0.5), (CX - hw * 0.86, y_line + 8.0 - lift),
            (CX - hw * 0.93, 48.0)]
    return smooth(top + line, tension=0.9)


def _beard_path(attrs: Attributes, style: str) -> Path:
    hw = HEAD_RX * attrs.face.width
    if style == "goatee":
        return smooth([(CX - 7, 74.5), (CX, 73.5), (CX + 7, 74.5), (CX + 5.5, 82), (CX, 85), (CX - 5.5, 82)])
    pts = head_points(attrs)
    lower = pts[(pts[:, 1] > 55.0)]
    lower = lower[np.argsort(-np.arctan2(lower[:, 1] - 55.0, lower[:, 0] - CX))]  # right cheek -> chin -> left
    inner = [(CX - hw * 0.8, 57.0), (CX - 12.0, 64.5), (CX, 64.0), (CX + 12.0, 64.5), (CX + hw * 0.8, 57.0)]
    outer = [(CX + hw * 0.99, 52.0), *[(x, y) for x, y in lower[::-1]], (CX - hw * 0.99, 52.0)]
    return smooth(outer[::-1] + inner[::-1], tension=0.85)


def _moustache_path(attrs: Attributes, expr: Expression) -> Path:
    w = 9.0 * attrs.mouth.width * (1 + 0.4 * expr.mouth_width)
    y = MOUTH_Y - 3.2 - 0.8 * expr.mouth_open
    lift = -2.0 * expr.smile
    return smooth([(CX - w, y + 2.8 + lift), (CX - w * 0.5, y - 0.9), (CX, y - 0.3), (CX + w * 0.5, y - 0.9),
                   (CX + w, y + 2.8 + lift), (CX + w * 0.5, y + 1.6), (CX, y + 1.2), (CX - w * 0.5, y + 1.6)], tension=0.9)


def _nose(attrs: Attributes, expr: Expression, skin: str) -> list[Shape]:
    nw = 3.4 * attrs.nose.width
    y = NOSE_Y - 1.0 * expr.nose_wrinkle
    out = [Shape(smooth([(CX - nw, y - 1.2), (CX - nw * 0.55, y + 1.6), (CX, y + 2.2), (CX + nw * 0.55, y + 1.6), (CX + nw, y - 1.2)],
                        closed=False), None, shade(skin, -0.3), 1.1, name="nose")]
    out.append(Shape(ellipse(CX + nw * 0.3, y - 2.5, 1.6, 1.1), "#ffffff", opacity=0.25, name="nose_light"))
    if expr.nose_wrinkle > 0.05:
        a = min(1.0, expr.nose_wrinkle)
        for dy in (0.0, 2.0):
            out.append(Shape(smooth([(CX - 3.2, 52.5 + dy), (CX, 51.6 + dy), (CX + 3.2, 52.5 + dy)], closed=False),
                             None, shade(skin, -0.35), 0.8, opacity=a, name="wrinkle"))
        for side in (-1, 1):
            out.append(Shape(smooth([(CX + side * (nw + 0.6), y - 2.8), (CX + side * (nw + 2.2), y + 0.2),
                                     (CX + side * (nw + 3.0), y + 3.2)], closed=False),
                             None, shade(skin, -0.3), 0.8, opacity=a, name="sneer_line"))
    return out


def _mouth(attrs: Attributes, expr: Expression) -> list[Shape]:
    """Closed: lips as one lens with a dark parting line. Open: lips around a dark opening with
    teeth on top (clenched: upper and lower rows) and a tongue below."""
    lip = attrs.mouth.color
    lips = attrs.mouth.lips
    w = MOUTH_HALF_WIDTH * attrs.mouth.width * (1.0 + 0.45 * expr.mouth_width) * (1.0 - 0.3 * expr.mouth_round)
    smile = expr.smile
    corner_y = MOUTH_Y - 3.6 * smile
    mid_y = MOUTH_Y + 1.2 * smile
    o = MOUTH_OPENING * expr.mouth_open * (1.0 - 0.15 * expr.mouth_round)
    sneer = 2.2 * expr.upper_lip
    lc, rc = np.array([CX - w, corner_y]), np.array([CX + w, corner_y])
    shapes: list[Shape] = []
    if o < 0.9:
        up_t, lo_t = 1.3 * lips, 2.2 * lips
        line = smooth([lc, (CX - w * 0.5, mid_y - 0.15 * smile - sneer * 0.5), (CX, mid_y - 0.3), (CX + w * 0.5, mid_y - 0.15 * smile), rc], closed=False)
        lens = smooth([lc, (CX - w * 0.45, mid_y - up_t - sneer), (CX, mid_y - up_t * 0.7), (CX + w * 0.45, mid_y - up_t),
                       rc, (CX + w * 0.45, mid_y + lo_t * 0.9), (CX, mid_y + lo_t), (CX - w * 0.45, mid_y + lo_t * 0.9)], tension=0.9)
        shapes.append(Shape(lens, lip, shade(lip, -0.2), 0.5, name="lips"))
        shapes.append(Shape(line, None, shade(lip, -0.45), 1.0, name="mouth_line"))
        return shapes
    # open: upper edge flat-ish for a smile, lower edge deep; a frown reverses it
    # crying: the opening rises into an arch above the dropped corners, its lower edge flat
    cry = min(1.0, expr.cry)
    up_mid = mid_y - o * (0.22 + 0.25 * expr.mouth_round) + 2.0 * max(0.0, -smile) * (1 - cry) - sneer - o * 0.55 * cry
    lo_mid = mid_y + o * (0.78 + 0.25 * expr.mouth_round) * (1 - 0.4 * max(0.0, -smile)) * (1 - 0.55 * cry)
    rnd = expr.mouth_round
    upper = [(CX - w * 0.55, up_mid + (0.35 - 0.2 * cry) * (corner_y - up_mid) * (1 - rnd) - sneer * 0.6), (CX, up_mid),
             (CX + w * 0.55, up_mid + (0.35 - 0.2 * cry) * (corner_y - up_mid) * (1 - rnd))]
    lower = [(CX + w * 0.6, lo_mid - (0.25 + 0.5 * cry) * (lo_mid - corner_y) * (1 - rnd)), (CX, lo_mid),
             (CX - w * 0.6, lo_mid - (0.25 + 0.5 * cry) * (lo_mid - corner_y) * (1 - rnd))]
    opening = smooth([lc, *upper, rc, *lower], tension=0.95)
    shapes.append(Shape(opening, MOUTH_INSIDE, lip, 1.5 * lips, name="mouth"))
    if expr.teeth > 0.05:
        depth = (lo_mid - up_mid) * (0.32 + 0.5 * max(0.0, expr.teeth - 0.8) / 0.2 * (1 - max(0.0, smile)))
        teeth = polyline([(CX - w - 2, up_mid - 4), (CX + w + 2, up_mid - 4), (CX + w + 2, up_mid + depth), (CX - w - 2, up_mid + depth)], closed=True)
        shapes.append(Shape(teeth, TEETH, opacity=min(1.0, expr.teeth * 1.2), clip=opening, name="teeth"))
        if expr.teeth > 0.8 and smile < 0.5:  # clenched: a lower row too
            low = polyline([(CX - w - 2, lo_mid - depth * 0.8), (CX + w + 2, lo_mid - depth * 0.8), (CX + w + 2, lo_mid + 3), (CX - w - 2, lo_mid + 3)], closed=True)
            shapes.append(Shape(low, TEETH, clip=opening, name="teeth_lower"))
    # a tongue in a wide-open mouth; none in crying's arch or surprise's dark O
    if (o > 3.0 and expr.teeth < 0.8 and expr.cry < 0.5 and expr.mouth_round < 0.7) or smile > 0.5:
        shapes.append(Shape(ellipse(CX, lo_mid - 0.2, w * 0.55, max(1.0, (lo_mid - up_mid) * 0.28)), TONGUE, clip=opening, name="tongue"))
    shapes.append(Shape(opening, None, shade(lip, -0.3), 0.6, name="mouth_edge"))
    return shapes


def _eye_outline(cx: float, side: int, attrs: Attributes, expr: Expression) -> tuple[np.ndarray, float, float]:
    """Eye corner-to-corner points (inner, upper x3, outer, lower x3), the upper and lower lid heights."""
    ew = 5.0 * attrs.eyes.size * (1.0 + WIDE_EYE_GROWTH * max(0.0, expr.eye_open))
    shut = expr.blink + (expr.lid_left if side < 0 else expr.lid_right)  # side -1: the image's left eye
    openness = attrs.eyes.openness * max(0.0, 1.0 + expr.eye_open) * (1.0 - min(1.0, shut))
    brow_low = BROW_Y - 3.6 * expr.brow_raise + 0.6  # where the brows sit: the lid stays under them
    hu = min(4.0 * attrs.eyes.size * openness, EYE_Y - brow_low - 3.0)
    hl = 2.4 * attrs.eyes.size * min(openness, 1.0 + 0.3 * max(0.0, expr.eye_open)) * (1.0 - 0.35 * max(0.0, expr.smile))
    tilt = np.tan(np.radians(attrs.eyes.tilt)) * ew
    inner = np.array([cx - side * ew, EYE_Y + 0.5])
    outer = np.array([cx + side * ew, EYE_Y - tilt])
    mid = (inner + outer) / 2
    d = outer - inner

    def at(t: float, h: float) -> tuple[float, float]:
        return (inner[0] + d[0] * t, inner[1] + d[1] * t + h)

    pts = np.array([inner, at(0.22, -hu * 0.78), at(0.52, -hu), at(0.82, -hu * 0.75), outer,
                    at(0.78, hl * 0.8), at(0.5, hl), at(0.2, hl * 0.75)])
    del mid
    return pts, hu, hl


def _eyes(attrs: Attributes, expr: Expression, skin: str) -> list[Shape]:
    shapes: list[Shape] = []
    for side in (-1, 1):
        cx = CX + side * 11.0 * attrs.eyes.spacing
        if expr.tears > 0.05:  # crying darkens the eyes: sad read 56 -> 61% (random) and 52 -> 75% (fitted)
            shapes.append(Shape(ellipse(cx, EYE_Y + 3.0, 6.0, 3.0), TEAR_SHADOW, opacity=0.5 * min(1.0, expr.tears), name="tear_shadow"))
        pts, hu, hl = _eye_outline(cx, side, attrs, expr)
        upper = smooth(pts[:5], closed=False)
        if hu + hl < 1.2:  # closed: a lash line, curved down
            shut = smooth([pts[0], (cx, EYE_Y + 1.4), pts[4]], closed=False)
            shapes.append(Shape(shut, None, INK, 1.3, name="eye_shut"))
            continue
        eye = smooth(pts, tension=0.95)
        shapes.append(Shape(eye, "#ffffff", None, 0.0, name="eye_white"))
        ir = 2.9 * attrs.eyes.size
        iy = EYE_Y - 0.6
        shapes.append(Shape(ellipse(cx, iy, ir, ir), attrs.eyes.color, shade(attrs.eyes.color, -0.25), 0.5, clip=eye, name="iris"))
        shapes.append(Shape(ellipse(cx, iy, ir * 0.5, ir * 0.5), "#120c0a", clip=eye, name="pupil"))
        shapes.append(Shape(ellipse(cx + ir * 0.38, iy - ir * 0.4, ir * 0.3, ir * 0.3), "#ffffff", clip=eye, name="glint"))
        shapes.append(Shape(eye, None, shade(skin, -0.35), 0.5, name="eye_edge"))
        shapes.append(Shape(upper, None, INK, 1.25, name="lash"))
        outer = pts[4]
        shapes.append(Shape(polyline([outer, outer + (side * 1.3, -1.0)]), None, INK, 0.9, name="lash_tip"))
    return shapes


def _brows(attrs: Attributes, expr: Expression) -> list[Shape]:
    shapes = []
    colour = attrs.brows.color  # at least 40 L* darker than the skin, or the expression is lost
    gap = lightness(colour) - (lightness(attrs.skin) - 40.0)
    if gap > 0:
        colour = shade(colour, -gap / 100.0)
    t = BROW_THICKNESS * attrs.brows.thickness * (1.0 + 0.3 * max(0.0, -expr.brow_inner))
    lift = -3.6 * expr.brow_raise
    for side in (-1, 1):
        cx = CX + side * 11.0 * attrs.eyes.spacing
        inner = np.array([cx - side * 6.0 + side * 1.2 * max(0.0, -expr.brow_inner), BROW_Y + lift - 3.8 * expr.brow_inner + 0.6])
        outer = np.array([cx + side * 6.8, BROW_Y + lift + 0.6 - np.tan(np.radians(attrs.brows.tilt)) * 6.0
                          + 1.5 * max(0.0, expr.brow_inner)])
        arch = 0.6 + 2.4 * attrs.brows.arch
        peak = inner + (outer - inner) * 0.62 + (0.0, -arch)
        centre = [inner, inner + (peak - inner) * 0.5 + (0.0, -arch * 0.3), peak, outer]
        shapes.append(Shape(_tapered(np.array(centre), t), colour, None, 0.0, name="brow"))
    frown = max(0.0, -expr.brow_inner)
    if frown > 0.35:  # the vertical creases of a frown between the brows (not a resting knit)
        for side in (-1, 1):
            x = CX + side * 2.2
            shapes.append(Shape(smooth([(x, BROW_Y + lift + 0.5), (x + side * 0.4, BROW_Y + lift + 3.5), (x + side * 0.2, BROW_Y + lift + 6.0)],
                                       closed=False), None, shade(attrs.skin, -0.35), 0.8, opacity=min(1.0, frown), name="frown_line"))
    return shapes


def _tapered(centre: np.ndarray, t: float) -> Path:
    """A stroke-like filled shape along `centre`: full thickness `t` at the start, tapered at the end."""
    seg = np.gradient(centre, axis=0)
    normal = np.stack([seg[:, 1], -seg[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9
    half = t / 2 * np.linspace(1.0, 0.45, len(centre))[:, None]
    top, bottom = centre + normal * half, centre - normal * half
    if normal[0, 1] > 0:  # keep `top` above
        top, bottom = bottom, top
    return smooth(np.vstack([top, bottom[::-1]]), tension=0.7)


def _glasses(attrs: Attributes) -> list[Shape]:
    style = attrs.glasses.style
    if style == "none":
        return []
    c = attrs.glasses.color
    shapes = []
    r = 7.2 * max(1.0, attrs.eyes.size ** 0.5)
    for side in (-1, 1):
        cx = CX + side * 11.0 * attrs.eyes.spacing
        if style == "round":
            lens = ellipse(cx, EYE_Y - 0.5, r, r * 0.92)
        else:
            lens = _rounded_rect(cx - r * 1.05, EYE_Y - 0.5 - r * 0.78, cx + r * 1.05, EYE_Y - 0.5 + r * 0.78, 2.2)
        shapes.append(Shape(lens, "#dff0ff", None, 0.0, opacity=0.2, name="lens"))
        shapes.append(Shape(lens, None, c, 1.4, name="frame"))
        x_out = cx + side * r * (1.0 if style == "round" else 1.05)
        shapes.append(Shape(polyline([(x_out, EYE_Y - 2.5), (CX + side * HEAD_RX * attrs.face.width * 0.98, EYE_Y - 3.0)]),
                            None, c, 1.3, name="temple"))
    gap = CX + 11.0 * attrs.eyes.spacing - r * (1.0 if style == "round" else 1.05)
    bridge = smooth([(CX - gap + CX, EYE_Y - 1.5), (CX, EYE_Y - 3.3), (gap, EYE_Y - 1.5)], closed=False)
    shapes.append(Shape(bridge, None, c, 1.3, name="bridge"))
    return shapes


def _rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Path:
    pts = [(x0 + r, y0), (x1 - r, y0), (x1, y0 + r), (x1, y1 - r), (x1 - r, y1), (x0 + r, y1), (x0, y1 - r), (x0, y0 + r)]
    return smooth(pts, tension=0.35)

