"""Benchmark: seconds per projection step and per toonified face, config-F widths, 256 and 1024 px.

Random-init networks (no weights ship; speed does not depend on the values). One projection step
is a synthesis forward + backward through G and the discriminator's perceptual features; a
toonified face is `--face-steps` projection steps plus one render through the toon generator.
Baseline named in the output: "256 px on the same device". Optionally a fine-tuning step too
(G + D forward/backward with ADA), to size real training runs.

    python bench/toonify_bench.py                       # CPU, a few minutes on 2 cores
    python bench/toonify_bench.py --device cuda --finetune --face-steps 300
"""

from __future__ import annotations

import argparse
import itertools
import time

import torch

from toonmoji.gan.networks import Discriminator, Generator
from toonmoji.gan.train import FinetuneConfig, Finetuner
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_projection(res: int, steps: int, device: str) -> float:
    """Seconds per projection step (median of the timed steps after one warm-up step)."""
    G = Generator(resolution=res).to(device).eval()
    D = Discriminator(resolution=res).to(device).eval()
    distance = PerceptualDistance(D)
    target = torch.rand(3, res, res, device=device) * 2 - 1
    stamps: list[float] = []

    def on_step(_s: int, _loss: float, _ws: torch.Tensor) -> None:
        sync(device)
        stamps.append(time.perf_counter())

    cfg = ProjectConfig(steps=steps + 1, w_avg_samples=1000)
    project(G, target, distance, cfg, on_step=on_step)
    deltas = sorted(b - a for a, b in itertools.pairwise(stamps))
    return deltas[len(deltas) // 2]


def time_render(res: int, device: str) -> float:
    G = Generator(resolution=res).to(device).eval()
    ws = G.mapping(torch.randn(1, G.z_dim, device=device))
    with torch.no_grad():
        G.synthesis(ws)
        sync(device)
        start = time.perf_counter()
        G.synthesis(ws)
        sync(device)
    return time.perf_counter() - start


def time_finetune_step(res: int, batch: int, device: str, steps: int = 6) -> float:
    G, D = Generator(resolution=res), Discriminator(resolution=res)
    tuner = Finetuner(G, D, FinetuneConfig(batch=batch, augment_p=0.2), device)
    reals = torch.rand(batch, 3, res, res, device=device) * 2 - 1
    tuner.train_step(reals)  # warm-up, includes both lazy regularisers
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        tuner.train_step(reals)
    sync(device)
    return (time.perf_counter() - start) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--resolutions", default="256,1024")
    ap.add_argument("--steps", type=int, default=3, help="timed projection steps per resolution")
    ap.add_argument("--face-steps", type=int, default=300, help="projection steps of one toonified face")
    ap.add_argument("--finetune", action="store_true", help="also time fine-tuning steps")
    ap.add_argument("--batch", type=int, default=4)
    args = ap.parse_args()
    torch.manual_seed(0)
    resolutions = [int(r) for r in args.resolutions.split(",")]
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {name}; baseline: {resolutions[0]} px on the same device")
    rows = []
    for res in resolutions:
        step = time_projection(res, args.steps, args.device)
        face = step * args.face_steps + time_render(res, args.device)
        ft = time_finetune_step(res, args.batch, args.device) if args.finetune else None
        rows.append((res, step, face, ft))
    base_step = rows[0][1]
    print(f"{'res':>5} {'s/projection step':>18} {'s/face (' + str(args.face_steps) + ' steps)':>20} {'vs baseline':>12}"
          + (f" {'s/finetune step':>16} {'s/kimg':>8}" if args.finetune else ""))
    for res, step, face, ft in rows:
        line = f"{res:>5} {step:>18.3f} {face:>20.1f} {step / base_step:>11.1f}x"
        if ft is not None:
            line += f" {ft:>16.3f} {ft * 1000 / args.batch:>8.0f}"
        print(line)


if __name__ == "__main__":
    main()
