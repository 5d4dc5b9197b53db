"""The avatar beside a live face: it follows the recognised emotion, the head's roll, the mouth's
opening and blinks.

The emotion classifier's (already smoothed, if asked) probabilities blend the seven expressions,
so the avatar moves between them instead of jumping; roll, mouth and eyes come from the 68
landmarks of the main face (found in its box by the shape predictor, about 2 ms) and are eased
over a few frames so landmark jitter does not shake the drawing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import numpy as np

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.expression import blend
from toonmoji.avatar.features import Upright, eye_closure, mouth_opening

EASE = 0.5  # weight of the new measurement per frame


@dataclass
class AvatarPanel:
    """Draws `avatar` in a panel on the right of each frame (half the frame's height wide)."""

    avatar: Avatar
    background: int = 245
    state: dict[str, float] = field(default_factory=dict)

    def measure(self, image: np.ndarray, face) -> dict[str, float]:
        """Roll (degrees), mouth opening and eye closure (0..1) of `face`, eased over frames."""
        lm = getattr(face, "landmarks", None)
        if lm is None or len(lm) != 68:
            from toonmoji.faces.detect import landmarks_68

            lm = landmarks_68(np.ascontiguousarray(image), face.box)
        new = {"roll": Upright.from_landmarks(lm).roll, "mouth": mouth_opening(lm), "blink": eye_closure(lm)}
        for k, v in new.items():
            self.state[k] = v if k not in self.state else (1 - EASE) * self.state[k] + EASE * v
        return dict(self.state)

    def frame(self, image: np.ndarray, drawn: np.ndarray, result) -> np.ndarray:
        """`drawn` `(H, W, 3) uint8` with the panel appended; `result` the main FaceEmotion or None."""
        h = drawn.shape[0]
        side = max(32, h // 2)
        panel = np.full((h, side, 3), self.background, np.uint8)
        if result is not None:
            m = self.measure(image, result.face)
            probs = dict(zip(result.classes, (float(p) for p in result.probabilities)))
            expr = blend(probs).with_live(mouth_open=m["mouth"], blink=1.0 if m["blink"] > 0.6 else 0.0)
            roll = float(np.clip(m["roll"], -45.0, 45.0))
            avatar = Avatar(replace(self.avatar.attributes, face=replace(self.avatar.attributes.face, roll=roll)))
            rgba = avatar.render(size=side - 8, expression=expr)
            top = max(0, (h - rgba.shape[0]) // 2)
            region = panel[top : top + rgba.shape[0], 4 : 4 + rgba.shape[1]].astype(np.float32)
            a = rgba[..., 3:4].astype(np.float32) / 255.0
            panel[top : top + rgba.shape[0], 4 : 4 + rgba.shape[1]] = (rgba[..., :3] * a + region * (1 - a)).astype(np.uint8)
        return np.concatenate([drawn, panel], axis=1)


def load_panel(path: str | os.PathLike[str]) -> AvatarPanel:
    """The panel for an avatar file; a file that is not an avatar is a one-line error."""
    return AvatarPanel(Avatar.load(path))
