"""Per-face cost of the emotion models: ONNX Runtime, batch 1, one thread, the resize to the
model's input included; mini-Xception's single pass is the baseline, measured in the same run,
interleaved, so a busy machine slows all alike. Every model is timed single-pass (how video
frames are read) and with its mirror image in one batch of two, averaged (how photos are read).

    python bench/emotion_model_bench.py [--faces 2000] [--model fer-resnet --model run/best.pt ...]

Prints median and 90th-percentile ms per face, the ratio to mini-Xception, and each model's file
sizes. Crops are real: the sample portrait's face cut at random sizes (80-240 px), grey.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.packaged import PACKAGED, model_file, shipped_models
from toonmoji.samples import sample_portrait

BASELINE = "mini-xception"


def portrait_crops(n: int, seed: int = 0) -> list[np.ndarray]:
    """`n` grey crops of the portrait's face at random sizes, as a detector would hand them over."""
    rng = np.random.default_rng(seed)
    grey = cv2.cvtColor(sample_portrait(), cv2.COLOR_RGB2GRAY)
    crops = []
    for _ in range(n):
        side = int(rng.integers(80, 240))
        cx, cy = 223 + int(rng.integers(-8, 9)), 113 + int(rng.integers(-8, 9))
        x0, y0 = max(0, cx - side // 2), max(0, cy - side // 2)
        crops.append(np.ascontiguousarray(grey[y0 : y0 + side, x0 : x0 + side]))
    return crops


def sizes(name: str) -> str:
    if name in PACKAGED:
        files = [model_file(name, s) for s in (".pt", ".onnx")]
        return ", ".join(f"{f.suffix} {f.stat().st_size / 1e6:.2f} MB" for f in files if f.is_file())
    return f"{Path(name).stat().st_size / 1e6:.2f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=2000)
    parser.add_argument("--model", action="append", default=None,
                        help="Packaged name, .pt or .onnx (repeatable; default: every model this build ships).")
    args = parser.parse_args()
    names = [BASELINE] + [m for m in (args.model or shipped_models()) if m != BASELINE]
    models, files = {}, {}
    for name in names:
        for flip in (False, True):
            label = f"{name}{' + mirror' if flip else ''}"
            try:
                models[label], files[label] = EmotionClassifier.load(name, threads=1, flip=flip), name
            except Exception as exc:  # noqa: BLE001 - a model that is not packaged is reported, not fatal
                print(f"{name}: skipped ({exc})")
                break
    crops = portrait_crops(args.faces)
    times: dict[str, list[float]] = {name: [] for name in models}
    for clf in models.values():  # warm-up
        for crop in crops[:50]:
            clf.predict([crop])
    for crop in crops:  # interleaved: every model sees the same load
        for name, clf in models.items():
            t = time.perf_counter()
            clf.predict([crop])
            times[name].append(time.perf_counter() - t)
    base = float(np.median(times[BASELINE]))  # the single pass
    print(f"{args.faces} faces, batch 1, one ONNX Runtime thread, resize included")
    print(f"{'model':>27} {'input':>6} {'median ms':>10} {'p90 ms':>8} {'x ' + BASELINE:>17}   files")
    for name, clf in models.items():
        t = np.array(times[name]) * 1000
        print(f"{name:>27} {clf.input_size:>6} {np.median(t):10.3f} {np.percentile(t, 90):8.3f} "
              f"{np.median(t) / 1000 / base:17.2f}   {sizes(files[name])}")


if __name__ == "__main__":
    main()
