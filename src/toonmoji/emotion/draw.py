"""Drawing emotion results on frames: boxes, labels, probability bars, and the user's emoji."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from toonmoji.emotion.labels import EMOTIONS
from toonmoji.emotion.layout import Card, place_cards
from toonmoji.emotion.recognize import FaceEmotion
from toonmoji.errors import InputError
from toonmoji.imageio import read_image

# One RGB colour per class, so a label reads at a glance.
COLOURS: dict[str, tuple[int, int, int]] = {
    "angry": (230, 40, 40), "disgust": (120, 170, 30), "fear": (150, 60, 200), "happy": (255, 200, 0),
    "sad": (40, 110, 230), "surprise": (255, 120, 200), "neutral": (200, 200, 200),
}
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _colour(name: str) -> tuple[int, int, int]:
    return COLOURS.get(name, (0, 255, 0))


def draw_emotions(image: np.ndarray, results: list[FaceEmotion], bars: bool = True) -> np.ndarray:
    """An annotated copy of an `(H, W, 3) uint8` RGB image: per face a box and a card with the
    label, its probability and (with `bars`) one bar per class, placed by `emotion_cards` so no
    card covers a face or another card or leaves the picture."""
    out = np.ascontiguousarray(image).copy()
    cards = emotion_cards(out.shape[:2], results, bars)
    for r, card in zip(results, cards):
        x0, y0, x1, y1 = (round(v) for v in r.face.box)
        colour = _colour(r.label)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, _thickness(card.scale))
        if not card.beside:
            _leader(out, card.rect, (x0, y0, x1, y1), colour)
        _draw_card(out, r, card)
    return out


def picture_scale(size: tuple[int, int]) -> float:
    """Text scale for a picture of `size` (height, width): readable, and small enough that cards
    fit beside faces."""
    return max(0.35, min(1.0, size[0] / 900))


def _thickness(scale: float) -> int:
    return max(1, round(2 * scale))


def _bar_metrics(scale: float) -> tuple[int, float, int, int]:
    """Row height, class-name font scale, name column width and bar length for one card."""
    row = max(9, round(16 * scale))
    small = max(0.28, scale * 0.5)
    (name_w, _), _ = cv2.getTextSize("surprise", FONT, small, 1)
    return row, small, name_w + 4, max(24, round(70 * scale))


def _card_size(text: str, classes: int) -> Callable[[float, bool], tuple[int, int]]:
    def size(scale: float, bars: bool) -> tuple[int, int]:
        (tw, th), base = cv2.getTextSize(text, FONT, scale, _thickness(scale))
        w, h = tw + 6, th + base + 6
        if bars:
            row, _, name_w, bar_len = _bar_metrics(scale)
            w, h = max(w, name_w + bar_len + 6), h + row * classes + 2
        return w, h

    return size


def emotion_cards(size: tuple[int, int], results: list[FaceEmotion], bars: bool = True) -> list[Card]:
    """Where each face's card goes on a picture of `size` (height, width): see layout.py."""
    scale = picture_scale(size)
    boxes = np.array([r.face.box for r in results], float).reshape(-1, 4)
    sizes = [_card_size(f"{r.label} {r.score:.0%}", len(r.classes)) for r in results]
    if not results:
        return []
    # cards differ only by their label's width: lay out with the widest, draw each at its own
    widest = max(sizes, key=lambda f: f(scale, bars)[0])
    return place_cards(size, boxes, widest, scale, bars)


def _draw_card(out: np.ndarray, r: FaceEmotion, card: Card) -> None:
    x0, y0, x1, y1 = card.rect
    scale, thick = card.scale, _thickness(card.scale)
    text = f"{r.label} {r.score:.0%}"
    (_, th), base = cv2.getTextSize(text, FONT, scale, thick)
    header = th + base + 6
    cv2.rectangle(out, (x0, y0), (x1 - 1, y0 + header - 1), _colour(r.label), -1)
    cv2.putText(out, text, (x0 + 3, y0 + 3 + th), FONT, scale, (0, 0, 0), thick, cv2.LINE_AA)
    if not card.bars:
        return
    row, small, name_w, bar_len = _bar_metrics(scale)
    cv2.rectangle(out, (x0, y0 + header), (x1 - 1, y1 - 1), (30, 30, 30), -1)
    for i, (name, p) in enumerate(zip(r.classes, r.probabilities)):
        y = y0 + header + 1 + i * row
        cv2.putText(out, name[:8], (x0 + 3, y + row - 3), FONT, small, (255, 255, 255), 1, cv2.LINE_AA)
        bx = x0 + 3 + name_w
        if p > 0.005:
            cv2.rectangle(out, (bx, y + 2), (bx + round(bar_len * float(p)), y + row - 2), _colour(name), -1)


def _leader(out: np.ndarray, rect: tuple[int, int, int, int], box: tuple[int, int, int, int],
            colour: tuple[int, int, int]) -> None:
    """A thin line from a card placed away from its face to the face's box."""
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    bx, by = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
    px, py = min(max(bx, rect[0]), rect[2] - 1), min(max(by, rect[1]), rect[3] - 1)
    cv2.line(out, (round(px), round(py)), (round(bx), round(by)), colour, 1, cv2.LINE_AA)


class EmojiSet:
    """The user's emoji, one `(S, S, 4) uint8` RGBA image per emotion name (`DIR/<emotion>.png`)."""

    def __init__(self, images: dict[str, np.ndarray], source: str = "emoji set"):
        self.images = images
        self.source = source
        self._sized: dict[tuple[str, int], np.ndarray] = {}

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> EmojiSet:
        """Read every `<emotion>.png` in `folder`; at least one must exist."""
        d = Path(folder)
        if not d.is_dir():
            raise InputError(f"emoji set folder not found: {d}")
        images = {name: read_image(d / f"{name}.png", mode="RGBA") for name in EMOTIONS
                  if (d / f"{name}.png").is_file()}
        if not images:
            raise InputError(f"no emoji in {d}: expected <emotion>.png files (e.g. happy.png) for {', '.join(EMOTIONS)}")
        return cls(images, str(d))

    def sized(self, emotion: str, size: int) -> np.ndarray | None:
        """The emotion's emoji fitted into `size` x `size` (RGBA), or None if the set lacks it."""
        key = (emotion, size)
        if key not in self._sized:
            rgba = self.images.get(emotion)
            if rgba is None:
                return None
            h, w = rgba.shape[:2]
            s = size / max(h, w)
            small = cv2.resize(rgba, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
            canvas = np.zeros((size, size, 4), np.uint8)
            oy, ox = (size - small.shape[0]) // 2, (size - small.shape[1]) // 2
            canvas[oy : oy + small.shape[0], ox : ox + small.shape[1]] = small
            self._sized[key] = canvas
        return self._sized[key]


def with_emoji_panel(frame: np.ndarray, label: str | None, emoji: EmojiSet, background: int = 245) -> np.ndarray:
    """The frame with a panel on its right showing the emoji for `label` (the main face's
    emotion) and its name; the panel is half the frame's height wide, so video size stays fixed."""
    h = frame.shape[0]
    pw = max(32, h // 2)
    panel = np.full((h, pw, 3), background, np.uint8)
    if label is not None:
        side = pw - 8
        rgba = emoji.sized(label, side)
        top = max(0, (h - side) // 2 - 12)
        if rgba is not None:
            alpha = rgba[..., 3:4].astype(np.float32) / 255.0
            region = panel[top : top + side, 4 : 4 + side].astype(np.float32)
            panel[top : top + side, 4 : 4 + side] = (rgba[..., :3] * alpha + region * (1 - alpha)).astype(np.uint8)
        scale = max(0.4, pw / 300)
        (tw, _), _ = cv2.getTextSize(label, FONT, scale, 1)
        cv2.putText(panel, label, (max(2, (pw - tw) // 2), min(h - 6, top + side + 24)), FONT, scale,
                    (40, 40, 40), 2, cv2.LINE_AA)
    return np.concatenate([frame, panel], axis=1)
