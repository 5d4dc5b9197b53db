"""Steadier labels on video: each face's probabilities averaged over its last few frames.

Faces are followed by their track id where they have one (identity.py), otherwise from frame to
frame by box overlap (IoU); a face unseen for a few frames is forgotten.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from toonmoji.emotion.recognize import FaceEmotion


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    box: tuple[float, ...]
    history: deque
    missed: int = 0
    id: int | None = None


@dataclass
class EmotionSmoother:
    """Average each face's probabilities over its last `frames` frames (1 = no smoothing)."""

    frames: int = 5
    min_iou: float = 0.3
    forget_after: int = 5
    tracks: list[_Track] = field(default_factory=list)

    def update(self, results: list[FaceEmotion]) -> list[FaceEmotion]:
        """Smoothed copies of this frame's results, matched to earlier faces by track id, or
        greedily by IoU for faces without one."""
        free = list(self.tracks)
        smoothed = []
        for r in results:
            if r.track is not None:
                best = next((t for t in free if t.id == r.track), None)
            else:
                best = max(free, key=lambda t: iou(t.box, r.face.box), default=None)
                best = None if best is None or iou(best.box, r.face.box) < self.min_iou else best
            if best is None:
                best = _Track(r.face.box, deque(maxlen=max(1, self.frames)), id=r.track)
                self.tracks.append(best)
            else:
                free.remove(best)
            best.box, best.missed = r.face.box, 0
            best.history.append(r.probabilities)
            mean = np.mean(np.stack(best.history), axis=0).astype(np.float32)
            smoothed.append(dataclasses.replace(r, probabilities=mean))
        for t in free:
            t.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.forget_after]
        return smoothed
