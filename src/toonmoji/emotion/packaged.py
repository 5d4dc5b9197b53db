"""Where the pretrained FER2013 model ships inside the package (no torch needed to find it)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from toonmoji.errors import CheckpointError

PRETRAINED_NAME = "emotion_mini_xception_fer"


def packaged_path(suffix: str = ".pt") -> Path:
    """Path of the pretrained FER2013 model shipped inside the package (`.pt` or `.onnx`)."""
    path = Path(str(resources.files("toonmoji") / "data" / f"{PRETRAINED_NAME}{suffix}"))
    if not path.is_file():
        raise CheckpointError(f"packaged emotion model missing: {path} (reinstall toonmoji)")
    return path
