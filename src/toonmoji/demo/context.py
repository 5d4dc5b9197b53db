"""What a demo step gets (the output folder, the sample portrait) and what it returns (items to show).

Kept apart from the runner so each capability's step imports only this, never the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toonmoji.imageio import write_image


@dataclass(frozen=True)
class DemoItem:
    """One result on the page: an image file (relative to the demo folder) and its caption."""

    title: str
    file: str
    caption: str = ""


@dataclass(frozen=True)
class DemoContext:
    out: Path
    portrait: np.ndarray
    force: bool

    def save(self, name: str, image: np.ndarray) -> str:
        write_image(self.out / name, image, force=self.force)
        return name


DemoStep = Callable[[DemoContext], list[DemoItem]]
