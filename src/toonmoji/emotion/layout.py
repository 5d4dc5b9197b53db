"""Where each face's label card goes on an annotated picture.

A card is a face's label (and, for photos, its seven probability bars under it). Cards must not
cover any face, each other, or leave the picture, in crowded group photos too. Each face, the
largest first, takes the first free spot beside its box (right, left, above, below); failing that
the free spot nearest to it anywhere in the picture (then a leader line joins them); failing that
a smaller card, then its label alone. Only when no size fits anywhere does a card overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GAP = 3  # pixels between a box and its card
SHRINK = (1.0, 0.8, 0.65)  # card sizes tried, as a share of the picture's own scale


@dataclass(frozen=True)
class Card:
    """Where one face's card goes: `rect` (x0, y0, x1, y1) in pixels, exclusive ends; `scale` of
    its text; `bars` whether it holds the probability bars; `free` False only when it had to
    overlap something; `beside` whether it touches its box (else a leader line joins them)."""

    face: int
    rect: tuple[int, int, int, int]
    scale: float
    bars: bool
    free: bool
    beside: bool


CardSize = Callable[[float, bool], tuple[int, int]]  # (scale, bars) -> (width, height)


def _overlaps(cands: np.ndarray, obstacles: np.ndarray) -> np.ndarray:
    """`(N,) bool`: which candidate rects `(N, 4)` share area with any obstacle `(M, 4)`."""
    if len(obstacles) == 0:
        return np.zeros(len(cands), bool)
    ix = np.minimum(cands[:, None, 2], obstacles[None, :, 2]) - np.maximum(cands[:, None, 0], obstacles[None, :, 0])
    iy = np.minimum(cands[:, None, 3], obstacles[None, :, 3]) - np.maximum(cands[:, None, 1], obstacles[None, :, 1])
    return ((ix > 0) & (iy > 0)).any(axis=1)


def _overlap_area(cands: np.ndarray, obstacles: np.ndarray) -> np.ndarray:
    if len(obstacles) == 0:
        return np.zeros(len(cands))
    ix = np.minimum(cands[:, None, 2], obstacles[None, :, 2]) - np.maximum(cands[:, None, 0], obstacles[None, :, 0])
    iy = np.minimum(cands[:, None, 3], obstacles[None, :, 3]) - np.maximum(cands[:, None, 1], obstacles[None, :, 1])
    return (np.clip(ix, 0, None) * np.clip(iy, 0, None)).sum(axis=1)


def _beside(box: np.ndarray, cw: int, ch: int) -> np.ndarray:
    """Top-left corners of the spots next to the box, in order of preference."""
    x0, y0, x1, y1 = box
    return np.array([
        (x1 + GAP, y0), (x0 - GAP - cw, y0), (x1 + GAP, y1 - ch), (x0 - GAP - cw, y1 - ch),
        (x0, y0 - GAP - ch), (x1 - cw, y0 - GAP - ch), (x0, y1 + GAP), (x1 - cw, y1 + GAP),
        (x1 + GAP, (y0 + y1 - ch) // 2), (x0 - GAP - cw, (y0 + y1 - ch) // 2),
    ])


def _grid(width: int, height: int, cw: int, ch: int, step: int) -> np.ndarray:
    xs = np.unique(np.append(np.arange(0, width - cw + 1, step), width - cw))
    ys = np.unique(np.append(np.arange(0, height - ch + 1, step), height - ch))
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _distance(rects: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Gap between each rect and the box (0 where they touch)."""
    dx = np.maximum(0, np.maximum(box[0] - rects[:, 2], rects[:, 0] - box[2]))
    dy = np.maximum(0, np.maximum(box[1] - rects[:, 3], rects[:, 1] - box[3]))
    return np.hypot(dx, dy)


def _rects(corners: np.ndarray, cw: int, ch: int) -> np.ndarray:
    return np.concatenate([corners, corners + (cw, ch)], axis=1)


def _find_spot(box: np.ndarray, cw: int, ch: int, size: tuple[int, int], obstacles: np.ndarray,
               reach: float) -> tuple[np.ndarray, bool] | None:
    """A free rect for a cw x ch card at most `reach` pixels from `box` (the nearest one), and
    whether it is right beside it; None if there is no such spot."""
    height, width = size
    if cw > width or ch > height:
        return None
    near = _beside(box, cw, ch)
    inside = (near[:, 0] >= 0) & (near[:, 1] >= 0) & (near[:, 0] + cw <= width) & (near[:, 1] + ch <= height)
    near = near[inside]
    if len(near):
        ok = ~_overlaps(_rects(near, cw, ch), obstacles)
        if ok.any():
            return _rects(near[ok][:1], cw, ch)[0], True
    rects = _rects(_grid(width, height, cw, ch, max(2, min(cw, ch) // 4)), cw, ch)
    gap = _distance(rects, box)
    rects, gap = rects[gap <= reach], gap[gap <= reach]
    free = ~_overlaps(rects, obstacles)
    if not free.any():
        return None
    rects, gap = rects[free], gap[free]
    best = int(np.argmin(gap))
    return rects[best], bool(gap[best] <= 2 * GAP)


def place_cards(size: tuple[int, int], boxes: np.ndarray, card_size: CardSize, scale: float,
                bars: bool = True) -> list[Card]:
    """One Card per face box `(N, 4)` (x0, y0, x1, y1) on a picture of `size` (height, width)."""
    height, width = size
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    faces = np.round(boxes).astype(int)
    faces[:, [0, 2]] = faces[:, [0, 2]].clip(0, width)
    faces[:, [1, 3]] = faces[:, [1, 3]].clip(0, height)
    padded = faces + (-2, -2, 2, 2)  # the box's outline is drawn on its edge, up to 2 px thick
    order = np.argsort(-(faces[:, 2] - faces[:, 0]) * (faces[:, 3] - faces[:, 1]), kind="stable")
    placed: list[np.ndarray] = []
    cards: dict[int, Card] = {}
    tries = [(s, b) for b in ((True, False) if bars else (False,)) for s in SHRINK]
    for i in order:
        obstacles = np.concatenate([padded, np.array(placed).reshape(-1, 4)]) if placed else padded
        # near the face (within half its width) at any size first, then anywhere in the picture
        face_w = faces[i, 2] - faces[i, 0]
        for reach, (share, with_bars) in [(r, t) for r in (max(2 * GAP, face_w / 2), np.inf) for t in tries]:
            cw, ch = card_size(scale * share, with_bars)
            spot = _find_spot(faces[i], cw, ch, size, obstacles, reach)
            if spot is not None:
                rect, beside = spot
                cards[int(i)] = Card(int(i), tuple(int(v) for v in rect), scale * share, with_bars, True, beside)
                break
        else:  # nowhere free: the label alone where it covers least
            share = SHRINK[-1]
            cw, ch = card_size(scale * share, False)
            cw, ch = min(cw, width), min(ch, height)
            rects = np.concatenate([_rects(_beside(faces[i], cw, ch), cw, ch),
                                    _rects(_grid(width, height, cw, ch, max(2, ch // 2)), cw, ch)])
            rects = rects[(rects[:, 0] >= 0) & (rects[:, 1] >= 0) & (rects[:, 2] <= width) & (rects[:, 3] <= height)]
            cost = _overlap_area(rects, obstacles) * 1e3 + _distance(rects, faces[i])
            rect = rects[int(np.argmin(cost))]
            beside = bool(_distance(rect[None], faces[i])[0] <= 2 * GAP)
            cards[int(i)] = Card(int(i), tuple(int(v) for v in rect), scale * share, False, False, beside)
        placed.append(np.array(cards[int(i)].rect))
    return [cards[i] for i in range(len(faces))]
