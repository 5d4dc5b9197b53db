"""Emoji matte time per photo, GrabCut at a fixed working scale vs at full resolution (baseline).

The matte runs GrabCut on a copy shrunk so the face is about 100 px wide; this prints how much
faster that is than running it at the photo's own resolution, and how closely the two mattes
agree (IoU of their alpha >= 0.5), for the sample portrait at several sizes.

Run: python bench/emoji_bench.py [--repeats 3] [--sizes 512 1024 2048]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from toonmoji.emoji.make import find_face
from toonmoji.emoji.matte import MatteSettings, compute_matte
from toonmoji.samples import sample_portrait, scaled


def seconds(image: np.ndarray, landmarks: np.ndarray, settings: MatteSettings, repeats: int) -> tuple[float, np.ndarray]:
    """Best-of-`repeats` seconds for one matte, and the alpha `(H, W) float32`."""
    best, alpha = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        alpha = compute_matte(image, landmarks, settings=settings).alpha
        best = min(best, time.perf_counter() - t0)
    return best, alpha


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048])
    ap.add_argument("--threads", type=int, default=1, help="OpenCV threads")
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    fast, full = MatteSettings(), MatteSettings(work_face_width=1e9)
    print(f"baseline: GrabCut at full resolution; ours: face {fast.work_face_width:.0f} px wide; "
          f"{args.threads} OpenCV thread(s), best of {args.repeats}")
    print(f"{'photo':>10} {'face px':>8} {'baseline s':>11} {'ours s':>8} {'speed-up':>9} {'IoU':>6}")
    for size in args.sizes:
        image = scaled(sample_portrait(), size / 512)
        face = find_face(image)
        compute_matte(image, face.landmarks, settings=fast)  # warm-up: first calls allocate
        t_full, a_full = seconds(image, face.landmarks, full, args.repeats)
        t_fast, a_fast = seconds(image, face.landmarks, fast, args.repeats)
        m_full, m_fast = a_full >= 0.5, a_fast >= 0.5
        agreement = (m_full & m_fast).sum() / (m_full | m_fast).sum()
        face_px = np.hypot(*(face.landmarks[16] - face.landmarks[0]))
        print(f"{size:>5}x{size:<4} {face_px:>8.0f} {t_full:>11.3f} {t_fast:>8.3f} {t_full / t_fast:>8.1f}x {agreement:>6.3f}")


if __name__ == "__main__":
    main()
