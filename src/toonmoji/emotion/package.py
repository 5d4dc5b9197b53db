"""Put a trained checkpoint into the package as one of its named models (`accurate`, `live`).

The ONNX export (calibrated temperature and softmax inside) is written as
toonmoji/data/<stem>.onnx, where `EmotionClassifier.load(name)` and the defaults find it. Large
networks ship with float16 weights (`half`, about half the file; inference stays float32); the
issue's rule is that a smaller file may cost at most 0.3 points of PublicTest accuracy, which is
checked here when a FER2013 CSV is given. The whole package must keep its wheel under 40 MB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toonmoji.emotion import packaged
from toonmoji.emotion.packaged import DEFAULT_MODEL, PACKAGED
from toonmoji.errors import CheckpointError, InputError
from toonmoji.imageio import check_writable, write_bytes

WHEEL_BUDGET = 40_000_000  # bytes: the wheel's limit
MAX_HALF_LOSS = 0.003  # at most 0.3 points of PublicTest accuracy lost to float16 weights


@dataclass(frozen=True)
class Packaged:
    path: Path
    size: int
    half: bool
    accuracy: dict[str, float]  # PublicTest accuracy (mirror-averaged) of float32 / float16, when measured


def public_test_accuracy(onnx_bytes: bytes, csv: str | os.PathLike[str]) -> float:
    """PublicTest accuracy as photos are read (each face averaged with its mirror image); `csv`:
    a FER2013 CSV or `.npz` array file."""
    from toonmoji.emotion.classifier import EmotionClassifier, to_model_input
    from toonmoji.emotion.data_cache import read_data
    from toonmoji.emotion.evaluate import evaluate

    clf = EmotionClassifier(onnx_bytes, threads=os.cpu_count() or 1, name="candidate")
    images, labels = read_data(csv, usages=("PublicTest",))[0].split("PublicTest")
    return evaluate(clf.probabilities, to_model_input(list(images), clf.input_size), labels, clf.classes).accuracy


def package_model(checkpoint: str | os.PathLike[str], name: str, half: bool = False,
                  csv: str | os.PathLike[str] | None = None, folder: str | os.PathLike[str] | None = None,
                  force: bool = False) -> Packaged:
    """Export `checkpoint` as the packaged model `name` into `folder` (default: the package's
    data folder). Refuses a float16 file that loses more than 0.3 points on `csv`'s PublicTest,
    and any file that would take the package data past the wheel budget."""
    from toonmoji.emotion.checkpoint import load_checkpoint
    from toonmoji.emotion.onnx_export import export_onnx_bytes, halve_weights

    if name not in PACKAGED or name == DEFAULT_MODEL:
        raise InputError(f"package as one of {', '.join(n for n in PACKAGED if n != DEFAULT_MODEL)}, got {name!r}")
    out = Path(folder) if folder is not None else packaged.data_dir()
    target = check_writable(out / f"{PACKAGED[name].stem}.onnx", force)
    ckpt = load_checkpoint(checkpoint)
    config = ckpt.config
    if config.name != name:  # users call it by its packaged name
        from toonmoji.emotion.config import ModelConfig

        config = ModelConfig.from_json({**config.to_json(), "name": name})
    model = ckpt.build_model()
    model.config = config
    meta = {**ckpt.meta, "packaged_from": Path(checkpoint).name, "weights": "float16" if half else "float32"}
    blob = export_onnx_bytes(model, meta)
    accuracy: dict[str, float] = {}
    if half:
        small = halve_weights(blob)
        if csv is not None:
            accuracy = {"float32": public_test_accuracy(blob, csv), "float16": public_test_accuracy(small, csv)}
            if accuracy["float32"] - accuracy["float16"] > MAX_HALF_LOSS:
                raise CheckpointError(f"float16 weights lose {100 * (accuracy['float32'] - accuracy['float16']):.2f} "
                                      f"points of PublicTest accuracy (limit 0.3); package without --half")
        blob = small
    elif csv is not None:
        accuracy = {"float32": public_test_accuracy(blob, csv)}
    root = out if folder is not None else out.parent  # the whole package goes into the wheel
    others = sum(p.stat().st_size for p in root.rglob("*")
                 if p.is_file() and p != target and "__pycache__" not in p.parts)
    if others + len(blob) > WHEEL_BUDGET:
        raise CheckpointError(f"{target.name} ({len(blob) / 1e6:.1f} MB) would take the package data to "
                              f"{(others + len(blob)) / 1e6:.1f} MB, past the wheel's 40 MB (uncompressed, a safe bound); try --half")
    write_bytes(target, blob, force=force)
    return Packaged(target, len(blob), half, {k: float(np.round(v, 4)) for k, v in accuracy.items()})
