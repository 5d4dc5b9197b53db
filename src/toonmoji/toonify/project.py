"""Inversion: find the latent whose image matches an aligned photo.

The optimisation follows StyleGAN2's projector: start from the average w, optimise w (or w+, one
w per layer) with Adam under a ramped learning rate, jitter w with decaying noise early on, and
optimise the per-layer noise maps with a regulariser that keeps them noise-like so they cannot
paint the image by themselves.

The perceptual loss needs a network that knows faces and is available offline. VGG/LPIPS weights
cannot be had here, so toonmoji uses the base model's own discriminator: its blocks at every
resolution were trained on the same faces, and comparing their channel-normalised activations
(LPIPS-style) plus a low-resolution pixel term is a well-behaved perceptual distance for that
generator's domain.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class ProjectConfig:
    steps: int = 300
    w_plus: bool = True
    lr: float = 0.1
    lr_rampdown: float = 0.25
    lr_rampup: float = 0.05
    initial_noise: float = 0.05
    noise_ramp: float = 0.75
    noise_reg: float = 1e5
    pixel_weight: float = 1.0
    w_avg_samples: int = 2000
    optimize_noise: bool = True  # False: keep the generator's own constant noise maps
    seed: int = 0


class PerceptualDistance(torch.nn.Module):
    """LPIPS-style distance from a discriminator's block activations.

    Hooks every feature block of `D`; a distance is the mean over blocks of the squared difference
    of unit-normalised (per position, across channels) activations, plus a pixel MSE at 1/4 size.
    """

    def __init__(self, D: torch.nn.Module, blocks: list[torch.nn.Module], pixel_weight: float = 1.0):
        super().__init__()
        self.D = copy.deepcopy(D).eval().requires_grad_(False)
        names = {id(m): n for n, m in D.named_modules()}
        self._blocks = [dict(self.D.named_modules())[names[id(b)]] for b in blocks]
        self.pixel_weight = pixel_weight

    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        feats: list[torch.Tensor] = []
        hooks = [b.register_forward_hook(lambda _m, _i, out: feats.append(out[0] if isinstance(out, tuple) else out)) for b in self._blocks]
        try:
            self.D(images)
        finally:
            for h in hooks:
                h.remove()
        return [f / (f.norm(dim=1, keepdim=True) + 1e-8) for f in feats]

    def forward(self, a: torch.Tensor, b_features: list[torch.Tensor], b_small: torch.Tensor) -> torch.Tensor:
        """Distance of images `a` `(N, 3, R, R)` in [-1, 1] to precomputed target features."""
        fa = self.features(a)
        dist = sum((x - y).square().sum(dim=1).mean() for x, y in zip(fa, b_features)) / len(fa)
        small = F.adaptive_avg_pool2d(a, b_small.shape[-1])
        return dist + self.pixel_weight * (small - b_small).square().mean()


def noise_buffers(G: torch.nn.Module) -> list[torch.Tensor]:
    """The generator's constant per-layer noise maps (`noise_const` buffers)."""
    return [b for name, b in G.named_buffers() if name.endswith("noise_const")]


def noise_regularisation(noises: list[torch.Tensor]) -> torch.Tensor:
    """Penalises spatial autocorrelation at every octave, so noise stays noise (StyleGAN2)."""
    reg = torch.zeros(())
    for n in noises:
        x = n[None, None, :, :] if n.dim() == 2 else n
        while True:
            reg = reg + (x * torch.roll(x, shifts=1, dims=3)).mean().square()
            reg = reg + (x * torch.roll(x, shifts=1, dims=2)).mean().square()
            if x.shape[-1] <= 8:
                break
            x = F.avg_pool2d(x, 2)
    return reg


@torch.no_grad()
def w_statistics(G: torch.nn.Module, samples: int, seed: int = 0) -> tuple[torch.Tensor, float]:
    """Mean w `(1, w_dim)` and its scalar spread, from `samples` random z."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, G.z_dim, generator=gen).to(next(G.parameters()).device)
    w = G.mapping(z)[:, 0, :]
    w_avg = w.mean(0, keepdim=True)
    return w_avg, float(((w - w_avg).square().sum() / samples).sqrt())


def project(
    G: torch.nn.Module,
    target: torch.Tensor,
    distance: PerceptualDistance,
    cfg: ProjectConfig | None = None,
    on_step: Callable[[int, float, torch.Tensor], None] | None = None,
) -> torch.Tensor:
    """Latent `(num_ws, w_dim)` whose image best matches `target` `(3, R, R)` in [-1, 1].

    `on_step(step, loss, ws)` is called after each step (progress bars, optimisation videos).
    """
    cfg = cfg or ProjectConfig()
    G = copy.deepcopy(G).eval().requires_grad_(False)
    device = next(G.parameters()).device
    target = target[None].to(device)
    torch.manual_seed(cfg.seed)
    w_avg, w_std = w_statistics(G, cfg.w_avg_samples, cfg.seed)
    with torch.no_grad():
        target_features = [f.detach() for f in distance.features(target)]
        target_small = F.adaptive_avg_pool2d(target, min(64, target.shape[-1]))

    num_ws = G.num_ws
    w_opt = (w_avg.repeat(num_ws, 1) if cfg.w_plus else w_avg.clone()).requires_grad_(True)
    noises = noise_buffers(G) if cfg.optimize_noise else []
    for n in noises:
        n.copy_(torch.randn_like(n))
        n.requires_grad_(True)
    opt = torch.optim.Adam([w_opt, *noises], betas=(0.9, 0.999), lr=cfg.lr)

    for step in range(cfg.steps):
        t = step / max(cfg.steps, 1)
        noise_scale = w_std * cfg.initial_noise * max(0.0, 1.0 - t / cfg.noise_ramp) ** 2
        lr_ramp = min(1.0, (1.0 - t) / cfg.lr_rampdown)
        lr_ramp = 0.5 - 0.5 * torch.cos(torch.tensor(lr_ramp * torch.pi)).item()
        lr_ramp *= min(1.0, t / cfg.lr_rampup) if cfg.lr_rampup > 0 else 1.0
        for group in opt.param_groups:
            group["lr"] = cfg.lr * lr_ramp

        w_noisy = w_opt + torch.randn_like(w_opt) * noise_scale
        ws = w_noisy[None] if cfg.w_plus else w_noisy[:, None, :].repeat(1, num_ws, 1)
        image = G.synthesis(ws, noise_mode="const")
        loss = distance(image, target_features, target_small)
        loss = loss + noise_regularisation(noises) * cfg.noise_reg
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():  # keep noise maps at zero mean, unit variance
            for n in noises:
                n.sub_(n.mean()).div_(n.square().mean().sqrt() + 1e-8)
        if on_step:
            on_step(step, loss.item(), _as_w_plus(w_opt, num_ws, cfg.w_plus).detach())
    return _as_w_plus(w_opt, num_ws, cfg.w_plus).detach()


def _as_w_plus(w: torch.Tensor, num_ws: int, w_plus: bool) -> torch.Tensor:
    return w if w_plus else w.repeat(num_ws, 1)
