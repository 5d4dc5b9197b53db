"""Benchmark: a real-size fine-tuning run through `toonmoji gan finetune`, seconds per kimg.

No real weights or character data can be had offline, so the base is a random-init config-F
generator (channel_base 32768, channel_max 512) with its discriminator, and the "characters" are
drawn emoji faces (yellow discs with eyes and a smile, random size, position and hue). This
proves the training path at real sizes (snapshots, grids, ADA, regularisers) and measures its
speed; it says nothing about quality. Baseline named in the output: the run's first tick.

    python bench/finetune_bench.py --device cuda --resolution 256 --kimg 2 --out /tmp/ft
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np


def draw_emoji_faces(folder: Path, count: int, size: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        im = np.full((size, size, 3), 255, np.uint8)
        c = (size // 2 + int(rng.integers(-size // 10, size // 10)), size // 2 + int(rng.integers(-size // 10, size // 10)))
        r = int(size * rng.uniform(0.28, 0.42))
        colour = tuple(int(v) for v in rng.integers(0, 80, 3) + np.array([30, 200, 240]).clip(0, 175))
        cv2.circle(im, c, r, colour, -1)
        for dx in (-1, 1):
            cv2.circle(im, (c[0] + dx * r // 3, c[1] - r // 4), max(2, r // 8), (30, 30, 30), -1)
        cv2.ellipse(im, (c[0], c[1] + r // 6), (r // 2, r // 3), 0, 20, 160, (30, 30, 30), max(2, r // 16))
        cv2.imwrite(str(folder / f"emoji{i:04d}.png"), im)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--resolution", type=int, default=256)
    ap.add_argument("--kimg", type=float, default=0.2)
    ap.add_argument("--snap", type=float, default=None)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--out", type=Path, default=Path("finetune-bench"))
    args = ap.parse_args()

    import torch

    from toonmoji.cli import run
    from toonmoji.gan.checkpoints import save_checkpoint
    from toonmoji.gan.networks import Discriminator, Generator

    draw_emoji_faces(args.out / "data", args.images, args.resolution)
    torch.manual_seed(0)
    G, D = Generator(resolution=args.resolution), Discriminator(resolution=args.resolution)
    base = save_checkpoint(args.out / "base.pt", G, G, D, force=True)
    snap = args.snap or args.kimg / 4
    start = time.perf_counter()
    code = run(["gan", "finetune", str(args.out / "data"), "--base", str(base), "--out", str(args.out / "run"),
                "--kimg", str(args.kimg), "--snap", str(snap), "--batch", str(args.batch),
                "--device", args.device, "--force"])
    total = time.perf_counter() - start
    ticks = [json.loads(line) for line in (args.out / "run" / "log.jsonl").read_text().splitlines()]
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(f"\n{device}, {args.resolution} px config-F, batch {args.batch}, exit {code}, {total:.0f} s in all")
    print(f"{'kimg':>7} {'G loss':>7} {'D loss':>7} {'p':>5} {'s/tick':>7} {'s/kimg':>7} {'vs first tick':>13}")
    first = None
    prev_kimg = 0.0
    for t in ticks:
        per_kimg = t["sec_per_tick"] / max(t["kimg"] - prev_kimg, 1e-9)
        first = first or per_kimg
        print(f"{t['kimg']:>7.3f} {t['loss_g']:>7.3f} {t['loss_d']:>7.3f} {t['augment_p']:>5.2f} "
              f"{t['sec_per_tick']:>7.1f} {per_kimg:>7.1f} {first / per_kimg:>12.2f}x")
        prev_kimg = t["kimg"]
    if torch.cuda.is_available() and args.device.startswith("cuda"):
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")


if __name__ == "__main__":
    main()
