"""Drawing emotion results on frames: boxes, labels, probability bars, and the user's emoji."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from toonmoji.emotion.labels import EMOTIONS
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
    """An annotated copy of an `(H, W, 3) uint8` RGB image: per face a box, the label with its
    probability, and one bar per class beside the box."""
    out = np.ascontiguousarray(image).copy()
    h = out.shape[0]
    scale = max(0.35, min(1.0, h / 900))
    thick = max(1, round(2 * scale))
    for r in results:
        x0, y0, x1, y1 = (round(v) for v in r.face.box)
        colour = _colour(r.label)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, thick)
        text = f"{r.label} {r.score:.0%}"
        (tw, th), base = cv2.getTextSize(text, FONT, scale, thick)
        ty = y0 - 4 if y0 - th - base - 4 >= 0 else y1 + th + 4
        cv2.rectangle(out, (x0, ty - th - base), (x0 + tw + 4, ty + base), colour, -1)
        cv2.putText(out, text, (x0 + 2, ty), FONT, scale, (0, 0, 0), thick, cv2.LINE_AA)
        if bars:
            _draw_bars(out, r, (x0, y0, x1, y1), scale)
    return out


def _draw_bars(out: np.ndarray, r: FaceEmotion, box: tuple[int, int, int, int], scale: float) -> None:
    """Horizontal probability bars, right of the box (left if there is no room)."""
    h, w = out.shape[:2]
    row = max(9, round(16 * scale))
    bar_len = max(30, round(70 * scale))
    label_w = round(62 * scale)
    width = label_w + bar_len + 4
    x0, y0, x1, _ = box
    left = x1 + 6 if x1 + 6 + width <= w else max(0, x0 - 6 - width)
    top = min(max(0, y0), max(0, h - row * len(r.classes)))
    small = scale * 0.5
    for i, (name, p) in enumerate(zip(r.classes, r.probabilities)):
        y = top + i * row
        cv2.rectangle(out, (left, y + 1), (left + width, y + row - 1), (30, 30, 30), -1)
        cv2.putText(out, name[:8], (left + 2, y + row - 3), FONT, small, (255, 255, 255), 1, cv2.LINE_AA)
        bx = left + label_w
        cv2.rectangle(out, (bx, y + 2), (bx + round(bar_len * float(p)), y + row - 2), _colour(name), -1)


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
