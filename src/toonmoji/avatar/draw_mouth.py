"""Nose, mouth, facial hair and age lines as vector shapes, by the person and the expression.

The nose's tip moves down with `nose.length` and grows with `nose.size`; lips keep their
fullness (`mouth.lips`) and their upper/lower balance (`mouth.upper`); `age.lines` draws smile
lines from the nose to the mouth's corners (they follow the smile), crow's feet and, when marked,
forehead lines. Open mouths keep the expression's dark opening, teeth and tongue: those are what
the emotion reads by.
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.colour import shade
from toonmoji.avatar.expression import Expression
from toonmoji.avatar.geometry import Path, Shape, ellipse, polyline, smooth
from toonmoji.avatar.head import (
    CX,
    EYE_Y,
    HEAD_RX,
    MOUTH_Y,
    NOSE_Y,
    chin_drop,
    eye_centre,
    head_points,
)
from toonmoji.avatar.model import Attributes

MOUTH_HALF_WIDTH, MOUTH_OPENING = 8.5, 11.0
MOUTH_INSIDE, TEETH, TONGUE = "#240a0d", "#fbfbf8", "#e07a80"  # an opening darker than the darkest skin


def beard_path(attrs: Attributes, style: str) -> Path:
    hw = HEAD_RX * attrs.face.width
    if style == "goatee":
        low = chin_drop(attrs.face.chin_height)  # down to the chin, however long
        return smooth([(CX - 7, 74.5), (CX, 73.5), (CX + 7, 74.5), (CX + 5.5, 82 + 0.8 * low), (CX, 85 + low),
                       (CX - 5.5, 82 + 0.8 * low)])
    pts = head_points(attrs)
    lower = pts[(pts[:, 1] > 55.0)]
    lower = lower[np.argsort(-np.arctan2(lower[:, 1] - 55.0, lower[:, 0] - CX))]  # right cheek -> chin -> left
    inner = [(CX - hw * 0.8, 57.0), (CX - 12.0, 64.5), (CX, 64.0), (CX + 12.0, 64.5), (CX + hw * 0.8, 57.0)]
    outer = [(CX + hw * 0.99, 52.0), *[(x, y) for x, y in lower[::-1]], (CX - hw * 0.99, 52.0)]
    return smooth(outer[::-1] + inner[::-1], tension=0.85)


def moustache_path(attrs: Attributes, expr: Expression) -> Path:
    w = 9.0 * attrs.mouth.width * (1 + 0.4 * expr.mouth_width)
    y = MOUTH_Y - 3.2 - 0.8 * expr.mouth_open
    lift = -2.0 * expr.smile
    return smooth([(CX - w, y + 2.8 + lift), (CX - w * 0.5, y - 0.9), (CX, y - 0.3), (CX + w * 0.5, y - 0.9),
                   (CX + w, y + 2.8 + lift), (CX + w * 0.5, y + 1.6), (CX, y + 1.2), (CX - w * 0.5, y + 1.6)], tension=0.9)


def nose_tip_y(attrs: Attributes, expr: Expression) -> float:
    return NOSE_Y + 3.2 * (attrs.nose.length - 1.0) - 1.0 * expr.nose_wrinkle


def nose(attrs: Attributes, expr: Expression, skin: str) -> list[Shape]:
    """The tip's curve (width by `nose.width` and `size`, height by `length`), a soft shadow
    down one side of the bridge and under the tip, a highlight on the tip."""
    size = attrs.nose.size
    nw = 3.4 * attrs.nose.width * size ** 0.5
    y = nose_tip_y(attrs, expr)
    dip = 1.6 + 0.8 * (size - 1.0)
    out = [Shape(smooth([(CX + nw * 0.35, 50.5), (CX + nw * 0.75, y - 5.0 * attrs.nose.length), (CX + nw * 1.05, y - 1.6)],
                        closed=False), None, shade(skin, -0.14), 1.0 + 0.5 * size, opacity=0.45, name="nose_bridge"),
           Shape(ellipse(CX, y + 2.6, nw * 0.85, 1.1 * size), shade(skin, -0.2), opacity=0.3, name="nose_shadow"),
           Shape(smooth([(CX - nw, y - 1.2), (CX - nw * 0.55, y + dip), (CX, y + dip + 0.6), (CX + nw * 0.55, y + dip), (CX + nw, y - 1.2)],
                        closed=False), None, shade(skin, -0.3), 1.1, name="nose")]
    out.append(Shape(ellipse(CX + nw * 0.3, y - 2.5, 1.6 * size, 1.1 * size), "#ffffff", opacity=0.25, name="nose_light"))
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


def mouth(attrs: Attributes, expr: Expression) -> list[Shape]:
    """Closed: lips as one lens with a dark parting line. Open: lips around a dark opening with
    teeth on top (clenched: upper and lower rows) and a tongue below."""
    lip = attrs.mouth.color
    lips = attrs.mouth.lips
    w, corner_y = mouth_corner(attrs, expr)
    smile = expr.smile
    mid_y = MOUTH_Y + 1.2 * smile
    o = MOUTH_OPENING * expr.mouth_open * (1.0 - 0.15 * expr.mouth_round)
    sneer = 2.2 * expr.upper_lip
    lc, rc = np.array([CX - w, corner_y]), np.array([CX + w, corner_y])
    shapes: list[Shape] = []
    if o < 0.9:
        up_t, lo_t = 1.3 * lips * attrs.mouth.upper ** 0.8, 2.2 * lips / attrs.mouth.upper ** 0.5
        line = smooth([lc, (CX - w * 0.5, mid_y - 0.15 * smile - sneer * 0.5), (CX, mid_y - 0.3), (CX + w * 0.5, mid_y - 0.15 * smile), rc], closed=False)
        lens = smooth([lc, (CX - w * 0.45, mid_y - up_t - sneer), (CX, mid_y - up_t * 0.7), (CX + w * 0.45, mid_y - up_t),
                       rc, (CX + w * 0.45, mid_y + lo_t * 0.9), (CX, mid_y + lo_t), (CX - w * 0.45, mid_y + lo_t * 0.9)], tension=0.9)
        shapes.append(Shape(lens, lip, shade(lip, -0.2), 0.5, name="lips"))
        shapes.append(Shape(line, None, shade(lip, -0.45), 1.0, name="mouth_line"))
        shapes.append(Shape(ellipse(CX + w * 0.15, mid_y + lo_t * 0.55, w * 0.3, lo_t * 0.22), "#ffffff", opacity=0.22,
                            name="lip_light"))
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
    if o < 4.0:  # lips just parted: the lips' own fullness and balance show around the gap, slim
        # (drawn as full as closed lips, the resting face read as happy: neutral 65 -> 55% held out)
        up_t, lo_t = 0.52 * lips * attrs.mouth.upper ** 0.8, 0.8 * lips / attrs.mouth.upper ** 0.5
        lens = smooth([lc + (-0.5, 0.0), (CX - w * 0.45, up_mid - up_t), (CX, up_mid - up_t * 0.7), (CX + w * 0.45, up_mid - up_t),
                       rc + (0.5, 0.0), (CX + w * 0.45, lo_mid + lo_t * 0.9), (CX, lo_mid + lo_t), (CX - w * 0.45, lo_mid + lo_t * 0.9)],
                      tension=0.9)
        shapes.append(Shape(lens, lip, shade(lip, -0.2), 0.5, name="lips"))
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


def mouth_corner(attrs: Attributes, expr: Expression) -> tuple[float, float]:
    """(half-width, y) of the mouth's corners, as `mouth` draws them."""
    w = MOUTH_HALF_WIDTH * attrs.mouth.width * (1.0 + 0.45 * expr.mouth_width) * (1.0 - 0.3 * expr.mouth_round)
    return w, MOUTH_Y - 3.6 * expr.smile


def age_lines(attrs: Attributes, expr: Expression, skin: str) -> list[Shape]:
    """Smile lines (nose wing to past the mouth's corner), crow's feet and forehead lines, their
    strength by `age.lines`: thin, translucent, in the skin's own darker shade."""
    a = attrs.age.lines
    if a < 0.05:
        return []
    ink, width, out = shade(skin, -0.3), 0.55 + 0.35 * a, []
    nw = 3.4 * attrs.nose.width * attrs.nose.size ** 0.5
    y = nose_tip_y(attrs, expr)
    w, cy = mouth_corner(attrs, expr)
    for side in (-1, 1):
        fold = [(CX + side * (nw + 1.6), y - 1.8), (CX + side * (nw + 3.6 + 0.3 * w), (y + cy) / 2 + 0.5),
                (CX + side * (w + 2.6), cy + 2.2 + 1.5 * a)]
        out.append(Shape(smooth(fold, closed=False), None, ink, width, opacity=0.35 + 0.45 * a, name="smile_line"))
        ex = eye_centre(attrs, side) + side * (5.0 * attrs.eyes.size + 2.0)
        for k, dy in enumerate((-1.5, 0.8, 3.0)[: 2 + (a > 0.4)]):
            out.append(Shape(polyline([(ex, EYE_Y + dy * 0.4), (ex + side * (2.0 + 0.8 * a), EYE_Y + dy)]), None, ink,
                             width * 0.8, opacity=0.3 + 0.4 * a, name="crows_foot"))
    if a > 0.45:  # forehead lines, under any fringe (hair is drawn over them)
        top = float(head_points(attrs)[0, 1])
        hw = HEAD_RX * attrs.face.width * 0.5
        for k in range(2):
            yy = top + 13.0 + 3.0 * k
            out.append(Shape(smooth([(CX - hw, yy + 0.6), (CX, yy - 0.4), (CX + hw, yy + 0.6)], closed=False), None, ink,
                             width * 0.8, opacity=0.2 + 0.4 * a, name="forehead_line"))
    return out
