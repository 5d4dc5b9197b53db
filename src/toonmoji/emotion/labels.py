"""The seven FER2013 emotion classes, in the data set's index order (0 angry ... 6 neutral)."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
