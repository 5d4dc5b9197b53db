"""`Avatar`: a person's attributes plus the ways to draw them (SVG, RGBA at any size, JSON)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toonmoji.avatar.expression import Expression, expression_for
from toonmoji.avatar.model import Attributes, AvatarError, from_json_text, to_json_text
from toonmoji.avatar.raster import render_shapes
from toonmoji.avatar.scene import build_scene
from toonmoji.avatar.svg import svg_document

MAX_SIZE = 4096


@dataclass
class Avatar:
    """A parametric cartoon face. `attributes` is everything the avatar file stores."""

    attributes: Attributes

    def expression(self, emotion: str = "neutral", intensity: float = 1.0) -> Expression:
        try:
            return expression_for(emotion, intensity)
        except ValueError as exc:
            raise AvatarError(str(exc)) from None

    def shapes(self, emotion: str = "neutral", intensity: float = 1.0, expression: Expression | None = None):
        return build_scene(self.attributes, expression or self.expression(emotion, intensity))

    def render(self, emotion: str = "neutral", intensity: float = 1.0, size: int = 256,
               expression: Expression | None = None) -> np.ndarray:
        """`(size, size, 4) uint8` RGBA, transparent around the head. `emotion`: a FER2013 class
        name; `intensity` in [0, 1]; `expression` (controls) overrides both."""
        if not isinstance(size, int | np.integer) or not 8 <= size <= MAX_SIZE:
            raise AvatarError(f"size must be a whole number of pixels in [8, {MAX_SIZE}], got {size!r}")
        return render_shapes(self.shapes(emotion, intensity, expression), int(size))

    def to_svg(self, emotion: str = "neutral", intensity: float = 1.0, size: int = 512) -> str:
        """The same drawing as SVG text (viewBox 100 x 100, displayed at `size` px)."""
        return svg_document(self.shapes(emotion, intensity), size)

    def to_json(self) -> str:
        return to_json_text(self.attributes)

    @classmethod
    def from_json(cls, text: str, source: str = "avatar") -> Avatar:
        """Parse and validate an avatar file's text; AvatarError (one line) if it is not one."""
        return cls(from_json_text(text, source))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Avatar:
        from toonmoji.imageio import require_file

        p = require_file(path)
        try:
            text = Path(p).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise AvatarError(f"{p}: not a toonmoji avatar file (not text)") from None
        return cls.from_json(text, str(p))

    def with_set(self, *assignments: str) -> Avatar:
        """A copy with `key=value` edits applied in order (see `Attributes.with_set`)."""
        attrs = self.attributes
        for a in assignments:
            attrs = attrs.with_set(a)
        return Avatar(attrs)
