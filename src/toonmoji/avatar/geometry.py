"""Vector shapes shared by the SVG writer and the rasterizer, so both draw the same geometry.

A `Path` is a chain of cubic Bezier segments (what SVG's `C` command draws); smooth outlines are
made from a few control points with Catmull-Rom splines (`smooth`), circles and ellipses from four
arcs. The rasterizer flattens the very same Beziers into polygons (`Path.flatten`).
Coordinates are avatar units: the canvas is 100 x 100, y down.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

KAPPA = 0.5522847498  # control distance that makes four cubic arcs a circle


@dataclass(frozen=True)
class Path:
    """`start` (2,) and `segments` (N, 3, 2): each row is (control 1, control 2, end point)."""

    start: np.ndarray
    segments: np.ndarray
    closed: bool = True

    def flatten(self, steps: int = 8) -> np.ndarray:
        """`(M, 2) float` points along the curve, `steps` per segment."""
        b = _bernstein(steps)  # (steps, 4)
        seg = self.segments
        p0 = np.vstack([self.start[None, :], seg[:-1, 2]])
        ctrl = np.stack([p0, seg[:, 0], seg[:, 1], seg[:, 2]], axis=1)  # (N, 4, 2)
        pts = np.einsum("sk,nkd->nsd", b, ctrl).reshape(-1, 2)
        return np.vstack([self.start[None, :], pts])

    def transformed(self, matrix: np.ndarray) -> Path:
        """The path under a 2x3 affine `matrix` (Beziers stay Beziers under affine maps)."""
        a, t = matrix[:, :2], matrix[:, 2]
        return Path(self.start @ a.T + t, self.segments @ a.T + t, self.closed)

    def svg_d(self) -> str:
        """The SVG path data: `M x y C ... [Z]`, two decimals."""
        parts = [f"M{fmt(self.start[0])} {fmt(self.start[1])}"]
        for c1, c2, p in self.segments:
            parts.append(f"C{fmt(c1[0])} {fmt(c1[1])} {fmt(c2[0])} {fmt(c2[1])} {fmt(p[0])} {fmt(p[1])}")
        return "".join(parts) + ("Z" if self.closed else "")


@dataclass(frozen=True)
class Gradient:
    """A radial colour ramp in avatar units, SVG's `radialGradient` with gradientUnits
    userSpaceOnUse: `stops` are (offset in [0, 1], "#rrggbb") from `centre` out to `radius`, the
    last colour padded beyond it; colours are mixed in sRGB, as SVG mixes them. Soft shading on
    skin, hair and clothes without any raster texture."""

    centre: tuple[float, float]
    radius: float
    stops: tuple[tuple[float, str], ...]

    def transformed(self, matrix: np.ndarray) -> Gradient:
        c = matrix[:, :2] @ np.asarray(self.centre, np.float64) + matrix[:, 2]
        scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
        return Gradient((float(c[0]), float(c[1])), self.radius * scale, self.stops)


@dataclass(frozen=True)
class Shape:
    """One drawn element: a filled and/or stroked path, optionally clipped by another path.

    `fill`, `stroke`: "#rrggbb" or None. `width`: stroke width in avatar units. `opacity` in
    [0, 1] applies to the whole shape. `gradient`, when set, paints the fill instead of `fill`
    (which stays as the shape's flat colour for anything that cannot draw gradients)."""

    path: Path
    fill: str | None = None
    stroke: str | None = None
    width: float = 0.0
    opacity: float = 1.0
    clip: Path | None = None
    name: str = field(default="", compare=False)
    gradient: Gradient | None = None

    def transformed(self, matrix: np.ndarray) -> Shape:
        """The shape under a 2x3 affine `matrix` (path, clip and gradient alike)."""
        return Shape(self.path.transformed(matrix), self.fill, self.stroke, self.width, self.opacity,
                     None if self.clip is None else self.clip.transformed(matrix), self.name,
                     None if self.gradient is None else self.gradient.transformed(matrix))


def flatten_all(paths: list[Path], steps: int = 8) -> list[np.ndarray]:
    """`Path.flatten` of many paths in one vectorised pass (a frame draws about 50 of them: one
    NumPy call each would cost more than the drawing)."""
    if not paths:
        return []
    counts = np.array([len(p.segments) for p in paths])
    seg = np.concatenate([p.segments for p in paths])  # (N, 3, 2)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    p0 = np.empty((len(seg), 2))
    p0[1:] = seg[:-1, 2]
    p0[first] = np.array([p.start for p in paths])
    ctrl = np.stack([p0, seg[:, 0], seg[:, 1], seg[:, 2]], axis=1)
    pts = np.einsum("sk,nkd->nsd", _bernstein(steps), ctrl)  # (N, steps, 2)
    sizes = 1 + counts * steps
    out = np.empty((int(sizes.sum()), 2))
    heads = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out[heads] = p0[first]
    body = np.ones(len(out), bool)
    body[heads] = False
    out[body] = pts.reshape(-1, 2)
    return np.split(out, np.cumsum(sizes)[:-1])


@functools.cache
def _bernstein(steps: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
    u = 1.0 - t
    return np.hstack([u**3, 3 * u**2 * t, 3 * u * t**2, t**3])


def fmt(v: float) -> str:
    """A number as SVG text: at most two decimals, no trailing zeros."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def smooth(points: np.ndarray | list, closed: bool = True, tension: float = 1.0) -> Path:
    """A Catmull-Rom spline through `points` `(N, 2)` as cubic Beziers (smooth, passes through
    every point). `tension` < 1 rounds less (tighter corners)."""
    p = np.asarray(points, dtype=np.float64)
    if closed:
        ext = np.concatenate([p[-1:], p, p[:2]])  # wrapped around (np.roll thrice costs more)
        prev, p1, nxt, nxt2 = ext[:-3], ext[1:-2], ext[2:-1], ext[3:]
    else:
        ext = np.vstack([p[:1], p, p[-1:]])  # end points repeated: the curve starts along its chord
        prev, p1, nxt, nxt2 = ext[:-3], ext[1:-2], ext[2:-1], ext[3:]
    c1 = p1 + (nxt - prev) * (tension / 6.0)
    c2 = nxt - (nxt2 - p1) * (tension / 6.0)
    return Path(p[0].copy(), np.stack([c1, c2, nxt], axis=1), closed)


def polyline(points: np.ndarray | list, closed: bool = False) -> Path:
    """Straight segments through `points` (as degenerate Beziers)."""
    p = np.asarray(points, dtype=np.float64)
    ends = np.vstack([p[1:], p[:1]]) if closed else p[1:]
    starts = np.vstack([p[:-1], p[-1:]]) if closed else p[:-1]
    segs = np.stack([starts + (ends - starts) / 3, starts + 2 * (ends - starts) / 3, ends], axis=1)
    return Path(p[0].copy(), segs, closed)


def ellipse(cx: float, cy: float, rx: float, ry: float) -> Path:
    """An axis-aligned ellipse as four cubic arcs."""
    c = np.array([cx, cy])
    k = KAPPA
    pts = [(rx, 0), (0, ry), (-rx, 0), (0, -ry)]
    ctrl = [((rx, k * ry), (k * rx, ry)), ((-k * rx, ry), (-rx, k * ry)),
            ((-rx, -k * ry), (-k * rx, -ry)), ((k * rx, -ry), (rx, -k * ry))]
    segs = [(c + ctrl[i][0], c + ctrl[i][1], c + pts[(i + 1) % 4]) for i in range(4)]
    return Path(c + pts[0], np.array(segs, dtype=np.float64), True)


def rotation(degrees: float, cx: float = 50.0, cy: float = 50.0) -> np.ndarray:
    """2x3 affine matrix rotating by `degrees` (clockwise on screen, y down) about (cx, cy)."""
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, cx - c * cx + s * cy], [s, c, cy - s * cx - c * cy]])


def mirror_x(points: np.ndarray, cx: float = 50.0) -> np.ndarray:
    """Points reflected about the vertical line x = cx (the face's other side)."""
    p = np.array(points, dtype=np.float64)
    p[..., 0] = 2 * cx - p[..., 0]
    return p
