"""The avatar's drawing: attributes + expression -> an ordered list of vector shapes.

Everything is laid out on a 100 x 100 canvas in "avatar units" (see `head.py`). The style is a
soft cartoon in the spirit of Memoji and the Noto emoji faces: skin, hair and clothes shaded
with radial gradients and a highlight, hair drawn as locks (`draw_hair.py`), ears, a neck and
shoulders in the clothing's colour, the person's eye, brow, nose and lip shapes
(`draw_eyes.py`, `draw_mouth.py`) and age cues. The list is drawn in order (hair behind the head
first, glasses last) by both `svg.py` and `raster.py`; every shape is a Bezier path, so a
later warp (head turns) can move its points.
"""

from __future__ import annotations

from toonmoji.avatar import draw_eyes, draw_mouth
from toonmoji.avatar.colour import shade
from toonmoji.avatar.draw_hair import ears_hidden, hair_shapes
from toonmoji.avatar.expression import Expression
from toonmoji.avatar.geometry import Gradient, Shape, ellipse, rotation, smooth
from toonmoji.avatar.head import CX, HEAD_RX, MOUTH_Y, eye_centre, head_points
from toonmoji.avatar.model import Attributes

BLUSH = "#f08a8a"
TEAR = "#7cc3f0"


def build_scene(attrs: Attributes, expr: Expression | None = None) -> list[Shape]:
    """The avatar's shapes, in drawing order, tilted by `face.roll`."""
    expr = expr or Expression()
    skin = attrs.skin
    hw = HEAD_RX * attrs.face.width
    hair_back, hair_front = hair_shapes(attrs, draw_eyes.eye_top(attrs, expr))
    shapes: list[Shape] = [*hair_back, *_body(attrs, skin)]
    if not ears_hidden(attrs):
        shapes += _ears(attrs, skin, hw)
    head = smooth(head_points(attrs))
    glow = Gradient((CX - hw * 0.2, 50.0), 44.0, ((0.0, shade(skin, 0.04)), (0.6, skin), (1.0, shade(skin, -0.1))))
    shapes.append(Shape(head, skin, shade(skin, -0.28), 0.8, name="head", gradient=glow))
    for side in (-1, 1):
        shapes.append(Shape(ellipse(CX + side * hw * 0.62, 63.0, 5.0, 3.0), BLUSH,
                            opacity=0.22 + 0.2 * max(0.0, expr.smile), name="blush"))
    shapes += draw_mouth.age_lines(attrs, expr, skin)
    beard, bc = attrs.beard.style, attrs.beard.color
    fur = Gradient((CX - hw * 0.2, 60.0), 30.0, ((0.0, shade(bc, 0.08)), (1.0, shade(bc, -0.1))))
    if beard in ("full", "stubble", "goatee"):
        shapes.append(Shape(draw_mouth.beard_path(attrs, beard), bc, None if beard == "stubble" else shade(bc, -0.12), 0.7,
                            opacity=0.35 if beard == "stubble" else 1.0, name="beard",
                            gradient=None if beard == "stubble" else fur))
    shapes += draw_mouth.nose(attrs, expr, skin)
    shapes += draw_mouth.mouth(attrs, expr)
    if beard in ("full", "moustache", "goatee"):
        shapes.append(Shape(draw_mouth.moustache_path(attrs, expr), bc, shade(bc, -0.12), 0.7, name="moustache", gradient=fur))
    shapes += draw_eyes.eyes(attrs, expr, skin)
    shapes += hair_front
    shapes += draw_eyes.brows(attrs, expr)
    shapes += draw_eyes.glasses(attrs)
    if expr.tears > 0.05:
        ex = eye_centre(attrs, 1)
        drop = smooth([(ex, 56.5), (ex + 1.9, 61.5), (ex, 63.5), (ex - 1.9, 61.5)], tension=0.9)
        shapes.append(Shape(drop, TEAR, shade(TEAR, -0.25), 0.5, opacity=min(1.0, expr.tears), name="tear"))
    if abs(attrs.face.roll) > 0.01:
        m = rotation(attrs.face.roll, CX, 60.0)
        shapes = [s.transformed(m) for s in shapes]
    return shapes


def _body(attrs: Attributes, skin: str) -> list[Shape]:
    """Shoulders in the clothing's colour, a round neckline, the neck with the chin's shadow."""
    cloth = attrs.clothing.color
    nw = 9.5 + 1.5 * (attrs.face.width - 1.0)
    shoulders = smooth([(CX - nw - 1.5, 89.0), (CX - 27.0, 92.5), (CX - 40.0, 96.5), (CX - 46.0, 102.5),
                        (CX + 46.0, 102.5), (CX + 40.0, 96.5), (CX + 27.0, 92.5), (CX + nw + 1.5, 89.0)], tension=0.8)
    cloth_grad = Gradient((CX - 8.0, 84.0), 44.0, ((0.0, shade(cloth, 0.07)), (0.6, cloth), (1.0, shade(cloth, -0.12))))
    neck = smooth([(CX - nw, MOUTH_Y + 2.0), (CX - nw - 0.5, 85.0), (CX - nw + 0.5, 91.0), (CX, 94.5),
                   (CX + nw - 0.5, 91.0), (CX + nw + 0.5, 85.0), (CX + nw, MOUTH_Y + 2.0)], tension=0.85)
    collar = smooth([(CX - nw - 1.8, 88.5), (CX - nw + 0.2, 92.5), (CX, 95.7), (CX + nw - 0.2, 92.5), (CX + nw + 1.8, 88.5)],
                    closed=False)
    neck_skin = shade(skin, -0.08)
    return [Shape(shoulders, cloth, shade(cloth, -0.25), 0.7, name="shoulders", gradient=cloth_grad),
            Shape(collar, None, shade(cloth, -0.2), 1.6, name="collar"),
            Shape(neck, neck_skin, shade(skin, -0.28), 0.7, name="neck"),
            Shape(ellipse(CX, 79.0, nw + 2.0, 6.0), shade(skin, -0.3), opacity=0.3, clip=neck, name="chin_shadow")]


def _ears(attrs: Attributes, skin: str, hw: float) -> list[Shape]:
    """Ears by `ears.size`, set out from the head by `ears.protrusion`."""
    size, out = attrs.ears.size, attrs.ears.protrusion
    shapes = []
    for side in (-1, 1):
        ex = CX + side * hw * (0.93 + 0.1 * out)
        rx, ry = 4.2 * size * (0.85 + 0.35 * out), 6.6 * size
        shapes.append(Shape(ellipse(ex, 53.5, rx, ry), skin, shade(skin, -0.28), 0.8, name="ear"))
        inner = smooth([(ex + side * rx * 0.15, 53.5 - ry * 0.5), (ex + side * rx * 0.5, 53.5), (ex + side * rx * 0.2, 53.5 + ry * 0.5)],
                       closed=False)
        shapes.append(Shape(inner, None, shade(skin, -0.2), 0.8, name="ear_inner"))
    return shapes
