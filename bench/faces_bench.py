"""Detection + FFHQ alignment time per 640x480 frame, per detector, against dlib HOG as baseline.

Run: python bench/faces_bench.py [--frames 30]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from toonmoji.faces import align_face, make_detector
from toonmoji.samples import sample_portrait, video_frame_640x480


def time_per_frame(detector_name: str, frames: list[np.ndarray], align_size: int) -> tuple[float, float]:
    """Mean seconds per frame for detection alone and for detection + alignment of every face."""
    det = make_detector(detector_name)
    det.detect(frames[0])  # load models outside the timing
    t0 = time.perf_counter()
    found = [det.detect(f) for f in frames]
    t_detect = (time.perf_counter() - t0) / len(frames)
    t0 = time.perf_counter()
    for frame, faces in zip(frames, found):
        for face in faces:
            align_face(frame, face, align_size)
    t_align = (time.perf_counter() - t0) / len(frames)
    assert all(found), f"{detector_name} missed a face"
    return t_detect, t_detect + t_align


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--size", type=int, default=256, help="aligned output size")
    args = ap.parse_args()
    base = video_frame_640x480(sample_portrait())
    rng = np.random.default_rng(0)
    frames = [np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8) for _ in range(args.frames)]
    results = {name: time_per_frame(name, frames, args.size) for name in ("dlib", "haar")}
    baseline = results["dlib"][1]
    print(f"640x480 frames: {args.frames}, aligned size {args.size}, baseline: dlib HOG + align")
    print(f"{'detector':<8} {'detect ms':>10} {'detect+align ms':>16} {'fps':>7} {'speed vs dlib':>14}")
    for name, (t_det, t_all) in results.items():
        print(f"{name:<8} {t_det * 1e3:>10.1f} {t_all * 1e3:>16.1f} {1 / t_all:>7.1f} {baseline / t_all:>13.2f}x")


if __name__ == "__main__":
    main()
