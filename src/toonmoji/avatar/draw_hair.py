"""The twelve hair styles as vector shapes: hair behind the head, hair in front of it, locks.

Each style is drawn the way a cartoonist reads it from the front: its silhouette around the head
(`back`, drawn before the head), the hair over the forehead and down the face (`front`: a
parting, a fringe whose lower edge is a row of lock tips swept away from the parting, side
curtains over the ears for the longer styles), darker strand lines for the locks, a soft radial
gradient with a sheen for volume, and grey strands by `hair.grey`. The fitted silhouette
(`hair.outline`) only adds or takes away a little volume: the style's shape is what must read.
Coordinates are avatar units (see `head.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toonmoji.avatar.colour import lightness, mix, shade
from toonmoji.avatar.geometry import Gradient, Path, Shape, ellipse, smooth
from toonmoji.avatar.head import CX, head_points, head_radius_at, radial_points
from toonmoji.avatar.model import Attributes

EARS_HIDDEN = frozenset({"medium", "long_straight", "long_wavy", "curly", "afro"})
TIED = frozenset({"ponytail", "bun"})
GREY = "#e4e4e4"
SHEEN = "#ffffff"


@dataclass
class Hairdo:
    """One style's geometry: filled `back` paths (behind the head), the `front` path (over the
    forehead), strand centre-lines `locks` (over the front), `extras` drawn behind the head
    with their own colours (a tie), and `fill` when the hair is thin enough to show skin."""

    back: list[Path] = field(default_factory=list)
    front: Path | None = None
    locks: list[np.ndarray] = field(default_factory=list)
    extras: list[Shape] = field(default_factory=list)
    fill: str | None = None
    parting: np.ndarray | None = None


def ears_hidden(attrs: Attributes) -> bool:
    return attrs.hair.style in EARS_HIDDEN


def hair_shapes(attrs: Attributes, eye_top: float) -> tuple[list[Shape], list[Shape]]:
    """(shapes behind the head, shapes in front of the face) for the avatar's hair; `eye_top`:
    the highest point of the drawn eyes, which the fringe must stay clear of."""
    style = attrs.hair.style
    hw = 27.0 * attrs.face.width
    top_y = float(head_points(attrs)[0, 1])
    if style == "bald":
        shine = ellipse(CX - hw * 0.3, top_y + 7.0, hw * 0.28, 3.2)
        return [], [Shape(shine, SHEEN, opacity=0.3, name="scalp_shine")]
    y_line = min(23.0 + 9.0 * attrs.hair.fringe, eye_top - 10.0)
    hairdo = STYLES[style](attrs, hw, y_line, _volume(attrs))
    colour = attrs.hair.color
    fill = hairdo.fill or colour
    dark = lightness(colour) < 25
    line = shade(colour, -0.1 if dark else -0.18)
    lock = shade(colour, 0.16 if dark else -0.2)
    grad = Gradient((CX - hw * 0.35, top_y + 5.0), 58.0,
                    ((0.0, shade(fill, 0.12)), (0.45, fill), (1.0, shade(fill, -0.12))))
    back = [*hairdo.extras]
    for i, p in enumerate(hairdo.back):
        back.append(Shape(p, fill, line, 0.7, name="hair_back" if i == 0 else "hair_back_part", gradient=grad))
    front: list[Shape] = []
    if hairdo.front is not None:
        front.append(Shape(hairdo.front, fill, line, 0.7, name="hair_front", gradient=grad))
        arc = radial_points(head_radius_at(attrs, np.linspace(-62, -12, 6)) + 0.06, attrs.face.width, -62, -12)
        front.append(Shape(smooth(arc, closed=False), None, SHEEN, 2.6, opacity=0.22, clip=hairdo.front, name="hair_sheen"))
    for pts in hairdo.locks:
        front.append(Shape(smooth(pts, closed=False), None, lock, 0.55, name="hair_lock"))
    if hairdo.parting is not None:
        front.append(Shape(smooth(hairdo.parting, closed=False), None, shade(colour, -0.3 if not dark else 0.2), 0.8,
                           name="hair_parting"))
    grey = attrs.hair.grey
    if grey > 0.02 and hairdo.locks:
        # salt and pepper: light strands beside the locks, more of them the greyer the hair
        strands = [(pts + (1.1, 0.3)) * (1, 1) for pts in hairdo.locks] + [pts + (-1.2, 0.5) for pts in hairdo.locks]
        for pts in strands[: max(1, round(grey * len(strands)))]:
            short = pts[:1] + (pts - pts[:1]) * 0.8 + (pts[-1] - pts[0]) * 0.2
            front.append(Shape(smooth(short, closed=False), None, mix(GREY, colour, 0.12), 0.45, name="hair_grey"))
    return back, front


def _volume(attrs: Attributes) -> float:
    """Extra reach above the style's own from the fitted silhouette (head radii, small)."""
    out = attrs.hair.outline
    if not out:
        return 0.0
    top = np.mean([out[i] for i in (22, 23, 0, 1, 2)])
    return float(np.clip(top - 1.18, -0.06, 0.1))


def _arc(attrs: Attributes, a0: float, a1: float, extra: np.ndarray | float, n: int = 15) -> np.ndarray:
    """Points just outside the head outline from `a0` to `a1` degrees (clockwise from up)."""
    deg = np.linspace(a0, a1, n)
    r = head_radius_at(attrs, deg) + np.broadcast_to(np.asarray(extra, np.float64), deg.shape)
    return radial_points(r, attrs.face.width, a0, a1)


def _domed(deg: np.ndarray, top: float, side: float) -> np.ndarray:
    """Extra reach: `top` over the crown falling to `side` at 90 degrees and beyond."""
    c = np.clip(np.cos(np.radians(deg)), 0.0, 1.0)
    return side + (top - side) * c


def _lock_edge(px: float, y_part: float, x_end: float, y_end: float, n: int, depth: float, sweep: float,
               drop: float = 1.6) -> list[tuple[float, float]]:
    """Lock tips and notches from the parting (px, y_part) to a temple (x_end, y_end), part to
    temple order: `n` tips `depth` below the base curve, pushed `sweep` lock widths outwards."""
    pts = []
    width = (x_end - px) / max(n, 1)
    for k in range(n):
        for t, dy, dx in (((k + 0.15) / n, -0.2 * depth, 0.0), ((k + 0.6) / n, depth, 0.35 * sweep * width)):
            base = y_part + (y_end - y_part) * t ** drop
            pts.append((px + (x_end - px) * t + dx, base + dy))
    return pts


def _fringe_front(attrs: Attributes, hw: float, y_line: float, px: float, locks: tuple[int, int],
                  depth: float, sweep: float, extra: float, side_y: float, sideburn: float = 51.0,
                  lower: tuple[list, list] | None = None) -> tuple[Path, list[np.ndarray]]:
    """A cap over the crown whose lower edge is lock tips parted at `px`; `locks` per side
    (right, left); `lower`: the outer-then-inner points that continue each side down the face
    (curtains), else a short sideburn ending at y `sideburn`."""
    top = _arc(attrs, -98.0, 98.0, extra, 17)
    xr, xl = CX + hw * 0.86, CX - hw * 0.86
    right = _lock_edge(px, y_line - 3.0, xr, side_y, locks[0], depth, sweep)
    left = _lock_edge(px, y_line - 3.0, xl, side_y, locks[1], depth, sweep)
    right_tail, left_tail = lower if lower is not None else ([(CX + hw * 0.97, sideburn)], [(CX - hw * 0.97, sideburn)])
    edge = [*right_tail, *right[::-1], (px, y_line - 3.2), *left, *left_tail]
    pts = np.vstack([top, np.array(edge)])
    strands = []
    for tips in (right[1::2], left[1::2]):
        for tx, ty in tips:
            start = (px + (tx - px) * 0.35, (float(top[8, 1]) + ty) / 2 - 2.0)
            strands.append(np.array([start, (px + (tx - px) * 0.6, (start[1] + ty) / 2 - 1.0), (tx, ty - depth * 0.9)]))
    return smooth(pts, tension=0.85), strands


def _back_cap(attrs: Attributes, top: float, side: float, reach: float) -> Path:
    deg = np.linspace(-reach, reach, 19)
    pts = radial_points(head_radius_at(attrs, deg) + _domed(deg, top, side), attrs.face.width, -reach, reach)
    hw = 27.0 * attrs.face.width
    return smooth(np.vstack([pts, [(CX + hw * 0.5, 62.0), (CX - hw * 0.5, 62.0)]]), tension=0.9)


def _short(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    px = CX + attrs.hair.part * hw * 0.45
    front, locks = _fringe_front(attrs, hw, y_line, px, (3, 3), 3.0, 1.2, 0.09 + 0.5 * vol, y_line + 9.0)
    return Hairdo([_back_cap(attrs, 0.15 + vol, 0.04, 110.0)], front, locks)


def _buzz(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    y0 = min(27.0 + 2.0 * attrs.hair.fringe, y_line)
    top = _arc(attrs, -97.0, 97.0, 0.03, 17)
    edge = [(CX + hw * 0.96, 50.0), (CX + hw * 0.9, 37.0), (CX + hw * 0.74, y0 + 2.0), (CX, y0),
            (CX - hw * 0.74, y0 + 2.0), (CX - hw * 0.9, 37.0), (CX - hw * 0.96, 50.0)]
    front = smooth(np.vstack([top, edge]), tension=0.8)
    return Hairdo([_back_cap(attrs, 0.035, 0.03, 105.0)], front, fill=mix(attrs.hair.color, attrs.skin, 0.3))


def _side_part(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    sgn = 1.0 if attrs.hair.part > 0 else -1.0
    px = CX + sgn * hw * max(0.42, 0.6 * abs(attrs.hair.part))
    # the parting's side: one short lock; the far side: the hair swept across in two big locks
    near, far = (1, 3) if sgn > 0 else (3, 1)
    front, locks = _fringe_front(attrs, hw, y_line - 1.0, px, (near, far), 2.8, 1.8, 0.09 + 0.5 * vol, y_line + 8.0)
    top_y = float(head_points(attrs)[0, 1])
    parting = np.array([(px, y_line - 4.0), (px + sgn * 0.8, (y_line + top_y) / 2), (px + sgn * 2.5, top_y + 1.0)])
    deg = np.linspace(-110, 110, 19)
    extra = _domed(deg, 0.17 + vol, 0.05) + 0.04 * np.clip(-sgn * np.sin(np.radians(deg)), 0, 1)
    pts = radial_points(head_radius_at(attrs, deg) + extra, attrs.face.width, -110, 110)
    back = smooth(np.vstack([pts, [(CX + hw * 0.5, 62.0), (CX - hw * 0.5, 62.0)]]), tension=0.9)
    return Hairdo([back], front, locks, parting=parting)


def _curtains(hw: float, bottom: float, outer: float, inner: float, wave: float) -> tuple[list, list]:
    """Side curtains from the temples down to `bottom` (outer, then inner points per side)."""
    ys_out = np.linspace(56.0, bottom - 2.0, 5)
    ys_in = np.linspace(bottom - 1.0, 46.0, 6)

    def w(y: np.ndarray, phase: float) -> np.ndarray:
        return wave * np.sin((y - 40.0) / 5.5 + phase)

    tips = np.linspace(outer, inner, 4)
    right_out = [(CX + hw * outer + w(y, 0.0), y) for y in ys_out]
    right_bottom = [(CX + hw * x + 0.8 * wave, bottom + (1.5 if k % 2 == 0 else -0.5)) for k, x in enumerate(tips)]
    inner_x = np.interp(ys_in, [46.0, 56.0, 66.0, 80.0, 100.0], [0.86, 0.93, 0.9, 0.94, 0.98])
    right_in = [(CX + hw * min(x, inner) + w(y, 1.2), y) for x, y in zip(inner_x, ys_in)]
    right = right_out + right_bottom + right_in
    left = [(2 * CX - x, y) for x, y in right[::-1]]
    return right, left


def _long(attrs: Attributes, hw: float, y_line: float, vol: float, bottom: float = 97.0, wave: float = 0.0) -> Hairdo:
    px = CX + attrs.hair.part * hw * 0.45
    right, left = _curtains(hw, bottom, 1.2 + 0.5 * vol, 0.98, wave)
    # right: outer down, bottom tips, inner up; the cap's own edge continues from the inner top
    front, locks = _fringe_front(attrs, hw, y_line, px, (2, 2), 1.8, 0.6, 0.08 + 0.5 * vol, y_line + 11.0,
                                 lower=(right, left))
    deg = np.linspace(-112, 112, 19)
    arc = radial_points(head_radius_at(attrs, deg) + _domed(deg, 0.14 + vol, 0.18 + vol), attrs.face.width, -112, 112)
    ys = np.linspace(min(72.0, bottom - 4.0), bottom, 4)
    side_r = [(CX + hw * (1.24 + 0.5 * vol) + wave * np.sin(y / 5.0), y) for y in ys]
    back = np.vstack([arc, side_r, [(CX + hw * 0.4, bottom + 1.0), (CX - hw * 0.4, bottom + 1.0)],
                      [(2 * CX - x, y) for x, y in side_r[::-1]]])
    for side in (1, -1):
        for k, f in enumerate((1.06, 1.14)):
            x = CX + side * hw * f
            locks.append(np.array([(x, 50.0 + 3 * k), (x + side * wave * 0.8, 70.0), (x - side * wave * 0.5, bottom - 6.0 + 2 * k)]))
    return Hairdo([smooth(back, tension=0.9)], front, locks)


def _long_straight(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    return _long(attrs, hw, y_line, vol)


def _long_wavy(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    return _long(attrs, hw, y_line, vol + 0.05, wave=1.7)


def _medium(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    return _long(attrs, hw, y_line, vol, bottom=75.0)


def _bumpy(attrs: Attributes, reach: float, top: float, side: float, bumps: int, size: float,
           bottom_pts: list) -> Path:
    deg = np.linspace(-reach, reach, bumps * 4 + 1)
    bump = size * np.abs(np.sin(np.arange(len(deg)) * np.pi / 4.0))
    r = head_radius_at(attrs, deg) + _domed(deg, top, side) + bump
    pts = radial_points(r, attrs.face.width, -reach, reach)
    return smooth(np.vstack([pts, bottom_pts]), tension=0.9)


def _coils(centres: list[tuple[float, float]], r: float) -> list[np.ndarray]:
    out = []
    for k, (x, y) in enumerate(centres):
        a = np.radians(np.linspace(200, 470, 4) + 60 * k)
        out.append(np.stack([x + r * np.cos(a), y + r * np.sin(a)], axis=1))
    return out


def _curly(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    back = _bumpy(attrs, 128.0, 0.3 + vol, 0.3 + vol, 10, 0.07, [(CX + hw * 0.7, 74.0), (CX - hw * 0.7, 74.0)])
    lower_r = [(CX + hw * 1.16, 58.0), (CX + hw * 1.08, 68.0), (CX + hw * 0.96, 66.0), (CX + hw * 0.93, 52.0)]
    lower_l = [(2 * CX - x, y) for x, y in lower_r[::-1]]
    front, _ = _fringe_front(attrs, hw, y_line, CX, (4, 4), 2.2, 0.0, 0.14 + 0.5 * vol, y_line + 10.0, lower=(lower_r, lower_l))
    top_y = float(head_points(attrs)[0, 1])
    spots = [(CX + hw * dx, top_y + dy) for dx, dy in ((-0.5, 2.0), (0.1, -1.0), (0.6, 2.5), (-0.2, 6.0), (0.35, 7.5),
                                                       (-0.75, 9.0), (0.85, 11.0))]
    spots += [(CX + s * hw * 1.17, y) for s in (-1, 1) for y in (36.0, 50.0, 62.0)]
    return Hairdo([back], front, _coils(spots, 1.6))


def _afro(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    top_y = float(head_points(attrs)[0, 1])
    room = (top_y - 3.0) / 33.0  # the afro's crown stays on the canvas
    crown = min(0.5 + vol, room)
    back = _bumpy(attrs, 130.0, crown, min(0.52 + vol, crown + 0.08), 14, 0.045, [(CX + hw * 0.8, 72.0), (CX - hw * 0.8, 72.0)])
    lower_r = [(CX + hw * 1.2, 56.0), (CX + hw * 1.1, 64.0), (CX + hw * 0.96, 60.0), (CX + hw * 0.93, 50.0)]
    lower_l = [(2 * CX - x, y) for x, y in lower_r[::-1]]
    front, _ = _fringe_front(attrs, hw, min(y_line, 29.0), CX, (5, 5), 1.3, 0.0, 0.2, min(y_line, 29.0) + 9.0,
                             lower=(lower_r, lower_l))
    spots = [(CX + hw * dx, top_y + dy) for dx in (-0.9, -0.45, 0.0, 0.45, 0.9) for dy in (-4.0, 3.0)]
    spots += [(CX + s * hw * f, y) for s in (-1, 1) for f, y in ((1.3, 30.0), (1.38, 44.0), (1.3, 58.0))]
    return Hairdo([back], front, _coils(spots, 1.2))


def _sleek(attrs: Attributes, hw: float, towards: tuple[float, float]) -> tuple[Path, list[np.ndarray]]:
    """Hair combed back from a smooth hairline (no fringe), comb lines towards the tie."""
    y0 = 24.5 + 3.0 * attrs.hair.fringe
    top = _arc(attrs, -97.0, 97.0, 0.04, 17)
    edge = [(CX + hw * 0.97, 50.0), (CX + hw * 0.88, 38.0), (CX + hw * 0.55, y0 + 2.5), (CX + hw * 0.2, y0 + 0.4),
            (CX, y0 + 1.0), (CX - hw * 0.2, y0 + 0.4), (CX - hw * 0.55, y0 + 2.5), (CX - hw * 0.88, 38.0), (CX - hw * 0.97, 50.0)]
    locks = []
    for x, y in edge[1:-1:2]:
        locks.append(np.array([(x, y - 1.0), ((x + towards[0]) / 2, (y + towards[1]) / 2 - 2.0), towards]))
    return smooth(np.vstack([top, edge]), tension=0.85), locks


def _ponytail(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    s = -1.0 if attrs.hair.part < 0 else 1.0
    top_y = float(head_points(attrs)[0, 1])
    base = (CX + s * hw * 0.55, top_y + 1.5)
    front, locks = _sleek(attrs, hw, base)
    tail = [base, (CX + s * hw * 1.05, top_y - 3.5), (CX + s * hw * 1.5, top_y + 8.0), (CX + s * hw * 1.62, 45.0),
            (CX + s * hw * 1.5, 68.0), (CX + s * hw * 1.22, 86.0), (CX + s * hw * 1.2, 72.0), (CX + s * hw * 1.12, 50.0),
            (CX + s * hw * 0.95, top_y + 14.0), (CX + s * hw * 0.7, top_y + 8.0)]
    tie = ellipse(CX + s * hw * 0.82, top_y + 1.0, 2.4, 3.2)
    extras = [Shape(tie, shade(attrs.clothing.color, -0.1), shade(attrs.clothing.color, -0.3), 0.5, name="hair_tie")]
    tail_locks = [np.array([(CX + s * hw * f, top_y + 4.0), (CX + s * hw * (f + 0.3), 48.0), (CX + s * hw * (f + 0.05), 80.0)])
                  for f in (1.12, 1.28)]
    return Hairdo([_back_cap(attrs, 0.05, 0.04, 104.0), smooth(tail, tension=0.9)], front, locks + tail_locks,
                  extras=extras)


def _bun(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    top_y = float(head_points(attrs)[0, 1])
    by = max(9.5, top_y - 6.0)
    front, locks = _sleek(attrs, hw, (CX, top_y + 1.0))
    bun = ellipse(CX, by, 9.0, 7.8)
    swirl = [np.array([(CX - 5.0, by + 1.0), (CX - 1.0, by - 4.5), (CX + 5.0, by - 1.0)]),
             np.array([(CX - 3.0, by + 4.0), (CX + 2.0, by + 2.0), (CX + 6.0, by + 3.5)])]
    tie = ellipse(CX, by + 6.6, 5.5, 1.6)
    extras = [Shape(tie, shade(attrs.clothing.color, -0.1), shade(attrs.clothing.color, -0.3), 0.5, name="hair_tie")]
    hairdo = Hairdo([_back_cap(attrs, 0.05, 0.04, 104.0), bun], front, locks, extras=extras)
    hairdo.locks += swirl
    return hairdo


def _receding(attrs: Attributes, hw: float, y_line: float, vol: float) -> Hairdo:
    top_y = float(head_points(attrs)[0, 1])
    y0 = top_y + 6.0 + 3.0 * attrs.hair.fringe  # a high hairline, deep at the temples (an M)
    top = _arc(attrs, -97.0, 97.0, 0.035, 17)
    edge = [(CX + hw * 0.97, 50.0), (CX + hw * 0.9, 36.0), (CX + hw * 0.66, top_y + 5.0), (CX + hw * 0.42, top_y + 3.5),
            (CX + hw * 0.18, y0), (CX, y0 + 1.0), (CX - hw * 0.18, y0), (CX - hw * 0.42, top_y + 3.5),
            (CX - hw * 0.66, top_y + 5.0), (CX - hw * 0.9, 36.0), (CX - hw * 0.97, 50.0)]
    front = smooth(np.vstack([top, edge]), tension=0.8)
    locks = [np.array([(CX + s * hw * 0.93, 36.0), (CX + s * hw * 1.0, 43.0), (CX + s * hw * 0.98, 49.0)]) for s in (-1, 1)]
    return Hairdo([_back_cap(attrs, 0.04, 0.07, 108.0)], front, locks, fill=mix(attrs.hair.color, attrs.skin, 0.25))


STYLES = {"short": _short, "buzz": _buzz, "side_part": _side_part, "medium": _medium,
          "long_straight": _long_straight, "long_wavy": _long_wavy, "curly": _curly, "afro": _afro,
          "ponytail": _ponytail, "bun": _bun, "receding": _receding}
