"""W or W+ for toonify? Reconstruction in the base vs agreement of base and toon renders.

A small base generator (random weights) and a "toon" made from it the way fine-tuning makes one:
every synthesis weight drifted by `--drift` of its spread (the mapping network, hence the latent
space, stays the base's). Targets are the base's own images of style-mixed latents (so no single w
reproduces them exactly), optionally made photo-like (`--augment`: blur, JPEG, noise, colour,
background, crop jitter). For each target we project with W and with W+ and report:
- base error: pixel MSE of the base's render of the projection vs the target (lower: closer);
- toon error: pixel MSE of the toon's render of the projection vs the toon's render of the
  target's true latent, i.e. how far the toonified face is from the ideal one.
Baseline named in the output: W (NVIDIA's projector's space). Ratios are W+ / W.

    python bench/projection_latent_bench.py --targets 6 --steps 200
"""

from __future__ import annotations

import argparse
import copy

import torch

from toonmoji.gan.networks import tiny_networks
from toonmoji.toonify.photo_augment import PhotoAugment
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project


def drifted(G: torch.nn.Module, drift: float, seed: int) -> torch.nn.Module:
    """A copy of G whose synthesis weights moved by `drift` standard deviations (a fine-tune)."""
    toon = copy.deepcopy(G)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in toon.synthesis.named_parameters():
            if p.numel() > 1:
                p.add_(torch.randn(p.shape, generator=gen) * p.std() * drift)
    return toon.eval()


def mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).square().mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--targets", type=int, default=6)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--drift", type=float, default=0.5)
    ap.add_argument("--augment", action="store_true", help="make targets photo-like")
    args = ap.parse_args()
    G, D = tiny_networks(resolution=args.resolution)
    toon = drifted(G, args.drift, seed=1)
    distance = PerceptualDistance(D)
    gen = torch.Generator().manual_seed(5)
    with torch.no_grad():
        ws = G.mapping(torch.randn(args.targets, G.z_dim, generator=gen), truncation_psi=0.8)
        other = G.mapping(torch.randn(args.targets, G.z_dim, generator=gen), truncation_psi=0.8)
        ws[:, G.num_ws // 2:] = other[:, G.num_ws // 2:]  # style-mixed: W cannot match exactly
        targets = G.synthesis(ws, noise_mode="const")
        if args.augment:
            targets = PhotoAugment()(targets, gen)
        ideal = toon.synthesis(ws, noise_mode="const")
    rows = {}
    for latent in ("w", "w+"):
        base_err, toon_err = [], []
        for i in range(args.targets):
            cfg = ProjectConfig(steps=args.steps, latent=latent, optimize_noise=False, w_avg_samples=1000)
            found = project(G, targets[i], distance, cfg)[None]
            with torch.no_grad():
                base_err.append(mse(G.synthesis(found, noise_mode="const")[0], targets[i]))
                toon_err.append(mse(toon.synthesis(found, noise_mode="const")[0], ideal[i]))
        rows[latent] = (sum(base_err) / len(base_err), sum(toon_err) / len(toon_err))
        print(f"{latent:>3}: base error {rows[latent][0]:.4f}  toon error {rows[latent][1]:.4f}", flush=True)
    (bw, tw), (bp, tp) = rows["w"], rows["w+"]
    print(f"baseline W; {args.targets} targets, {args.steps} steps, {args.resolution} px, drift {args.drift}, "
          f"augment {args.augment}")
    print(f"W+ / W: base error x{bp / bw:.2f}, toon error x{tp / tw:.2f}")


if __name__ == "__main__":
    main()
