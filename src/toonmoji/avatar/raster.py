"""Direct anti-aliased drawing of the avatar's shapes into an RGBA array.

The same Beziers the SVG holds are flattened into polygons and filled/stroked with OpenCV's
anti-aliased scan converter (sub-pixel vertices via `shift`) on a premultiplied-alpha canvas:
OpenCV's edge blend, `pixel + (colour - pixel) * coverage`, is exactly premultiplied "over" for an
opaque colour, so opaque shapes go straight onto the canvas. Translucent or clipped shapes are
drawn as a coverage mask in their own small region and blended there; a radial gradient fill is
painted per pixel in that region from a 256-entry colour ramp (sRGB mixing and padding as SVG
does), so the PNG shades exactly as the SVG's `radialGradient`. A general SVG renderer
spends most of a 256 px frame's time parsing; this takes a few milliseconds.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from toonmoji.avatar.colour import rgb_of
from toonmoji.avatar.geometry import Gradient, Path, Shape, flatten_all

SHIFT = 4  # fixed-point bits for sub-pixel vertices
ONE = 1 << SHIFT


def render_shapes(shapes: list[Shape], size: int, background: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """`(size, size, 4) uint8` RGBA of `shapes` on the 100 x 100 avatar canvas, transparent
    unless `background` (RGBA) is given."""
    canvas = np.zeros((size, size, 4), np.uint8)  # premultiplied RGBA
    if background is not None:
        a = background[3] / 255.0
        canvas[:] = (round(background[0] * a), round(background[1] * a), round(background[2] * a), background[3])
    scale = size / 100.0
    steps = 4 if size <= 160 else 6 if size <= 512 else 12
    paths = list({id(p): p for s in shapes for p in (s.path, s.clip) if p is not None}.values())
    flat = flatten_all(paths, steps)
    sizes = np.cumsum([len(f) for f in flat])[:-1]
    pixels = np.concatenate(flat) * scale - 0.5  # pixel centres sit at +0.5
    fixed = np.split(np.round(pixels * ONE).astype(np.int32), sizes)  # one rounding for every fill
    normals = np.split(_all_normals(pixels, np.concatenate([[0], sizes]), [p.closed for p in paths]), sizes)
    frame = _Frame(canvas, {id(p): (pts, fx, n) for p, pts, fx, n in zip(paths, np.split(pixels, sizes), fixed, normals)}, scale)
    for shape in shapes:
        frame.draw(shape)
    return unpremultiply(canvas)


class _Frame:
    """One render: the canvas, every path flattened to pixels (float, fixed-point for OpenCV, and
    unit normals for strokes), and the clip masks drawn so far (the eye outline clips iris, pupil
    and glint)."""

    def __init__(self, canvas: np.ndarray, pixels: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]], scale: float):
        self.canvas, self.pixels, self.scale = canvas, pixels, scale
        self.clips: dict[int, np.ndarray] = {}

    def clip_mask(self, clip: Path) -> np.ndarray:
        if id(clip) not in self.clips:
            mask = np.zeros(self.canvas.shape[:2], np.uint8)
            cv2.fillPoly(mask, [self.pixels[id(clip)][1]], 255, cv2.LINE_AA, SHIFT)
            self.clips[id(clip)] = mask
        return self.clips[id(clip)]

    def draw(self, shape: Shape) -> None:
        pts, fixed, normals = self.pixels[id(shape.path)]
        if shape.clip is None and shape.opacity >= 1.0 and shape.gradient is None:
            if shape.fill is not None and shape.path.closed:
                cv2.fillPoly(self.canvas, [fixed], _colour(shape.fill), cv2.LINE_AA, SHIFT)
            if shape.stroke is not None and shape.width > 0:
                polys = stroke_polygons(pts, shape.width * self.scale, shape.path.closed, normals)
                cv2.fillPoly(self.canvas, [_fixed(p) for p in polys], _colour(shape.stroke), cv2.LINE_AA, SHIFT)
            return
        self.draw_blended(shape, pts, normals)

    def draw_blended(self, shape: Shape, flat: np.ndarray, normals: np.ndarray) -> None:
        """A clipped and/or translucent shape: coverage masks in its bounding region, blended."""
        canvas, scale = self.canvas, self.scale
        h, w = canvas.shape[:2]
        pad = int(np.ceil(shape.width * scale / 2)) + 2
        x0, y0 = np.floor(flat.min(axis=0)).astype(int) - pad
        x1, y1 = np.ceil(flat.max(axis=0)).astype(int) + pad + 1
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1 <= x0 or y1 <= y0:
            return
        region = canvas[y0:y1, x0:x1]
        clip = None if shape.clip is None else self.clip_mask(shape.clip)[y0:y1, x0:x1]
        if shape.fill is not None and shape.path.closed:
            cov = np.zeros(region.shape[:2], np.uint8)
            cv2.fillPoly(cov, [_fixed(flat, (x0, y0))], 255, cv2.LINE_AA, SHIFT)
            paint = shape.fill if shape.gradient is None else _radial_paint(shape.gradient, (x0, y0, x1, y1), scale)
            _blend(region, cov, clip, paint, shape.opacity)
        if shape.stroke is not None and shape.width > 0:
            cov = np.zeros(region.shape[:2], np.uint8)
            polys = stroke_polygons(flat, shape.width * scale, shape.path.closed, normals)
            cv2.fillPoly(cov, [_fixed(p, (x0, y0)) for p in polys], 255, cv2.LINE_AA, SHIFT)
            _blend(region, cov, clip, shape.stroke, shape.opacity)


def unpremultiply(canvas: np.ndarray) -> np.ndarray:
    """Straight-alpha `(H, W, 4) uint8` from premultiplied."""
    b, g, r, alpha = cv2.split(canvas)
    return cv2.merge([cv2.divide(c, alpha, scale=255.0) for c in (b, g, r)] + [alpha])


@functools.lru_cache(maxsize=1024)
def _colour(hex_colour: str) -> tuple[int, int, int, int]:
    r, g, b = (int(v) for v in rgb_of(hex_colour))
    return (r, g, b, 255)


_CAP = np.array([(np.cos(p), np.sin(p)) for p in np.radians([36.0, 72.0, 108.0, 144.0])])  # (normal, tangent) weights


def _all_normals(pts: np.ndarray, starts: np.ndarray, closed: list[bool]) -> np.ndarray:
    """Unit normals at each vertex of many polylines stored end to end in `pts` (path i begins at
    `starts[i]`), each averaged over the vertex's two segments; a closed path wraps around, an
    open one uses its end segments."""
    ends = np.append(starts[1:], len(pts)) - 1
    nxt, prev = np.arange(1, len(pts) + 1), np.arange(-1, len(pts) - 1)
    wrap = np.asarray(closed, bool)
    prev[starts] = np.where(wrap, ends, starts)
    nxt[ends] = np.where(wrap, starts, ends)
    short = ends == starts  # a single point: no direction
    nxt[ends[short]], prev[starts[short]] = ends[short], starts[short]
    d = pts[nxt] - pts[prev]
    n = np.stack([-d[:, 1], d[:, 0]], axis=1)
    return n / (np.sqrt((n * n).sum(axis=1))[:, None] + 1e-9)


def stroke_polygons(pts: np.ndarray, width: float, closed: bool, normals: np.ndarray | None = None) -> list[np.ndarray]:
    """The outline of a stroke `width` wide along `pts` as polygons to fill even-odd: a ring (two
    contours) for a closed path, one outline with round caps for an open one. Filling polygons is
    several times faster than OpenCV's thick anti-aliased lines and keeps sub-pixel widths.
    `normals`: the unit normals at `pts` when already known."""
    if normals is None:
        normals = _all_normals(pts, np.array([0]), [closed])
    n = normals * (width / 2.0)
    if closed:
        return [pts + n, pts - n]
    t_end = np.array([n[-1, 1], -n[-1, 0]])  # points forwards along the path at its end
    t_start = -np.array([n[0, 1], -n[0, 0]])
    cap_end = pts[-1] + _CAP[:, :1] * n[-1] + _CAP[:, 1:] * t_end
    cap_start = pts[0] - _CAP[:, :1] * n[0] + _CAP[:, 1:] * t_start
    return [np.concatenate([pts + n, cap_end, (pts - n)[::-1], cap_start])]


def _fixed(points: np.ndarray, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    return np.round((points - offset) * ONE).astype(np.int32)


def _blend(region: np.ndarray, cov: np.ndarray, clip: np.ndarray | None, colour: str | np.ndarray, opacity: float) -> None:
    """`region` (premultiplied, in place) = region over `colour` (a hex colour, or opaque RGBA
    pixels the region's size) at coverage x clip x opacity."""
    a = cov.astype(np.float32) * (opacity / 255.0)
    if clip is not None:
        a = cv2.multiply(a, clip.astype(np.float32), scale=1.0 / 255.0)
    if isinstance(colour, str):
        solid = np.empty_like(region)
        solid[:] = _colour(colour)
    else:
        solid = colour
    region[:] = cv2.blendLinear(region, solid, 1.0 - a, a)


@functools.lru_cache(maxsize=256)
def _ramp(stops: tuple[tuple[float, str], ...]) -> np.ndarray:
    """`(1, 256, 4) uint8` RGBA along a gradient's stops, offsets 0 .. 1 (index 255 pads)."""
    offsets = np.array([o for o, _ in stops])
    rgb = np.array([rgb_of(c) for _, c in stops])
    t = np.linspace(0.0, 1.0, 256)
    out = np.stack([np.interp(t, offsets, rgb[:, k]) for k in range(3)] + [np.full(256, 255.0)], axis=1)
    return np.round(out).astype(np.uint8)[None]


@functools.lru_cache(maxsize=64)
def _radial_paint(g: Gradient, box: tuple[int, int, int, int], scale: float) -> np.ndarray:
    """`(H, W, 4) uint8` opaque RGBA of gradient `g` over pixel box (x0, y0, x1, y1). Cached:
    a live avatar repaints the same head, hair and clothes every frame."""
    x0, y0, x1, y1 = box
    k = 255.0 / max(g.radius * scale, 1e-6)
    dx = (np.arange(x0, x1, dtype=np.float32) - np.float32(g.centre[0] * scale - 0.5)) * np.float32(k)
    dy = (np.arange(y0, y1, dtype=np.float32) - np.float32(g.centre[1] * scale - 0.5)) * np.float32(k)
    index = cv2.convertScaleAbs(cv2.sqrt(dy[:, None] ** 2 + dx[None, :] ** 2))  # saturates: pads at 255
    paint = cv2.LUT(cv2.merge([index] * 4), _ramp(g.stops))
    paint.flags.writeable = False
    return paint
