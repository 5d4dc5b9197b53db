"""Time each shipped face model alone in ONNX Runtime (one thread), as the model cards report.

    python bench/face_models_bench.py [--runs 30]

Prints the median and 90th percentile ms per call on random input of each model's own size, and
each as a ratio against CenterFace on a 320x320 copy (the baseline: the detector's live-video
scan size), all in one run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from toonmoji.faces.onnx_models import model_path, session

CASES = [  # (model file, input shape, what the pipeline feeds it)
    ("centerface.onnx", (1, 3, 320, 320), "a video frame shrunk to 320 px (baseline)"),
    ("centerface.onnx", (1, 3, 480, 640), "a 640x480 frame"),
    ("centerface.onnx", (1, 3, 736, 1280), "a photo shrunk to 1280 px"),
    ("face_mesh_468.onnx", (1, 192, 192, 3), "one face crop"),
    ("iris_landmark.onnx", (1, 64, 64, 3), "one eye crop"),
    ("selfie_segmentation.onnx", (1, 256, 256, 3), "the head's region"),
]


def time_call(name: str, shape: tuple[int, ...], runs: int) -> np.ndarray:
    s = session(name, threads=1)
    feeds = {s.get_inputs()[0].name: np.random.default_rng(0).random(shape, np.float32)}
    for _ in range(3):
        s.run(None, feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        s.run(None, feeds)
        times.append(time.perf_counter() - t)
    return np.array(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    rows = [(name, shape, what, time_call(name, shape, args.runs)) for name, shape, what in CASES]
    base = np.median(rows[0][3])
    print(f"{'model':26} {'input':18} {'MB':>5} {'median ms':>10} {'p90 ms':>8} {'vs base':>8}  fed with")
    for name, shape, what, ms in rows:
        mb = model_path(name).stat().st_size / 1e6
        print(f"{name:26} {'x'.join(map(str, shape)):18} {mb:5.2f} {np.median(ms):10.2f} "
              f"{np.percentile(ms, 90):8.2f} {np.median(ms) / base:8.2f}  {what}")


if __name__ == "__main__":
    main()
