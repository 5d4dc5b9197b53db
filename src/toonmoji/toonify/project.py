"""Inversion: find the latent whose image matches an aligned photo.

The optimisation follows StyleGAN2's projector: start from the average w (or an encoder's guess),
optimise one w for every layer (W, NVIDIA's choice and the default: a latent in W carries over to
a fine-tuned toon generator better) or one w per layer (W+, closer in the base), with Adam under a
ramped learning rate and decaying latent noise; optionally the per-layer noise maps too, under a
regulariser that keeps them noise-like so they cannot paint the image by themselves.

Coarse to fine: with `resolution` set, each step renders only up to that synthesis block. The
skip architecture sums every block's RGB output, so the running sum at 128 px is a real 128-px
image of the face; optimising against the photo shrunk to that size costs a fraction of a
full-resolution step (the 512 and 1024 px blocks dominate a step). `refine_steps` then polish at
full resolution, if any.

The perceptual loss needs a network that knows faces and is available offline. VGG/LPIPS weights
cannot be had here, so toonmoji uses the base model's own discriminator: its blocks were trained
on the same faces, and comparing their channel-normalised activations (LPIPS-style) plus a
low-resolution pixel term is a well-behaved perceptual distance for that generator's domain. A
coarse image goes through the same blocks from the top (their filters then see the face at a
smaller scale): cheap, and still a distance between faces rather than between pixels alone.

No global state is touched: every random draw comes from a `torch.Generator` seeded by `seed`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from toonmoji.errors import InputError

LATENT_SPACES = ("w", "w+")
QUALITIES = ("fast", "best")
COARSE_RESOLUTION = 32  # fast: optimise against the synthesis' partial image at this size
# (64 until this was chosen for speed: a 32-px step costs about a third of a 64-px one; what
# that costs in likeness needs real weights to tell, see README "Fast toonify")


@dataclass
class ProjectConfig:
    steps: int = 300
    latent: str = "w"  # "w": one w for every layer; "w+": one w per layer
    resolution: int | None = None  # optimise against the partial image at this size (None: full)
    refine_steps: int = 0  # full-resolution steps after `steps` coarse ones (with `resolution`)
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

    def __post_init__(self) -> None:
        if self.latent not in LATENT_SPACES:
            raise ValueError(f"latent must be one of {LATENT_SPACES}, got {self.latent!r}")

    @property
    def w_plus(self) -> bool:
        return self.latent == "w+"

    @property
    def total_steps(self) -> int:
        return self.steps + (self.refine_steps if self.resolution is not None else 0)

    def cache_settings(self) -> dict[str, object]:
        """What determines the result (the latent cache key)."""
        return {k: v for k, v in vars(self).items()}


def quality_config(
    quality: str, latent: str = "w", steps: int | None = None, encoder: bool = False, seed: int = 0
) -> ProjectConfig:
    """The settings behind `--quality`.

    best: today's optimisation (300 full-resolution steps from w_avg, noise maps optimised).
    fast: steps against the 32-px partial image, the generator's own noise maps; from an
    encoder's guess 50 steps without ramp-up or latent noise (the guess is already close), else
    150 from w_avg.
    """
    if quality not in QUALITIES:
        raise InputError(f"--quality takes {' or '.join(QUALITIES)}, not {quality!r}")
    if latent not in LATENT_SPACES:
        raise InputError(f"--latent takes {' or '.join(LATENT_SPACES)}, not {latent!r}")
    if quality == "best":
        return ProjectConfig(steps=steps or 300, latent=latent, seed=seed)
    if encoder:
        return ProjectConfig(steps=steps or 50, latent=latent, resolution=COARSE_RESOLUTION,
                             lr_rampup=0.0, initial_noise=0.0, optimize_noise=False, seed=seed)
    return ProjectConfig(steps=steps or 150, latent=latent, resolution=COARSE_RESOLUTION,
                         optimize_noise=False, seed=seed)


def coarse_resolution(G: torch.nn.Module, cfg: ProjectConfig) -> int:
    """The block size a step renders to: `cfg.resolution` capped at the generator's own."""
    full = int(G.img_resolution)
    return full if cfg.resolution is None else min(cfg.resolution, full)


class PerceptualDistance(torch.nn.Module):
    """LPIPS-style distance from a discriminator's block activations.

    Runs the blocks of `D` from the top on an image of any size up to D's (a smaller one is seen
    by the same filters at a smaller scale) until the features are 4 px; a distance is the mean
    over blocks of the squared difference of unit-normalised (per position, across channels)
    activations, plus `pixel_weight` times a pixel MSE at up to 64 px.
    """

    def __init__(self, D: torch.nn.Module, pixel_weight: float = 1.0):
        super().__init__()
        self.D = D if is_frozen(D) else copy.deepcopy(D).eval().requires_grad_(False)
        self.pixel_weight = pixel_weight

    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Normalised activations of each block for images `(N, 3, r, r)` in [-1, 1], r <= D's."""
        feats: list[torch.Tensor] = []
        x = None
        for res in self.D.block_resolutions:
            if images.shape[-1] >> len(feats) <= 4:
                break
            x = getattr(self.D, f"b{res}")(x, images)
            feats.append(x)
        return [f / (f.norm(dim=1, keepdim=True) + 1e-8) for f in feats]

    def target(self, images: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """What `forward` compares against: features and the small image of `(N, 3, r, r)`."""
        with torch.no_grad():
            return [f.detach() for f in self.features(images)], F.adaptive_avg_pool2d(images, min(64, images.shape[-1]))

    def forward(self, a: torch.Tensor, b_features: list[torch.Tensor], b_small: torch.Tensor) -> torch.Tensor:
        """Distance of images `a` `(N, 3, r, r)` in [-1, 1] to precomputed target features."""
        fa = self.features(a)
        dist = sum((x - y).square().sum(dim=1).mean() for x, y in zip(fa, b_features)) / len(fa)
        small = F.adaptive_avg_pool2d(a, b_small.shape[-1])
        return dist + self.pixel_weight * (small - b_small).square().mean()


def is_frozen(module: torch.nn.Module) -> bool:
    """In eval mode with no trainable parameter: safe to use as is for inference or as a fixed
    function under optimisation, without a private copy (a loaded base model is frozen)."""
    return not module.training and not any(p.requires_grad for p in module.parameters())


def noise_buffers(G: torch.nn.Module, max_resolution: int | None = None) -> list[torch.Tensor]:
    """The generator's constant per-layer noise maps (`noise_const` buffers), up to a size."""
    return [b for name, b in G.named_buffers()
            if name.endswith("noise_const") and (max_resolution is None or b.shape[-1] <= max_resolution)]


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


def shrink(images: torch.Tensor, size: int) -> torch.Tensor:
    """Images `(N, C, R, R)` area-averaged to `(N, C, size, size)` (R a multiple of size)."""
    return images if images.shape[-1] == size else F.adaptive_avg_pool2d(images, size)


def learning_rate(cfg: ProjectConfig, t: float) -> float:
    """StyleGAN2 projector's schedule at progress `t` in [0, 1): cosine ramp-down, linear ramp-up."""
    ramp = min(1.0, (1.0 - t) / cfg.lr_rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    ramp *= min(1.0, t / cfg.lr_rampup) if cfg.lr_rampup > 0 else 1.0
    return cfg.lr * ramp


class Adam:
    """torch.optim.Adam's update (no weight decay, no AMSGrad), the same operations in the same
    order, for the few tensors of a projection. `torch.optim` imports TorchDynamo on first use,
    which costs more start-up time (about 1.3 s) than a whole fast projection step."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        self.steps = 0

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor]) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        step_size = self.lr / (1 - beta1**self.steps)
        bias_correction2_sqrt = (1 - beta2**self.steps) ** 0.5
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            p.addcdiv_(m, (v.sqrt() / bias_correction2_sqrt).add_(self.eps), value=-step_size)


def project(
    G: torch.nn.Module,
    target: torch.Tensor,
    distance: PerceptualDistance,
    cfg: ProjectConfig | None = None,
    on_step: Callable[[int, float, torch.Tensor], None] | None = None,
    start: torch.Tensor | None = None,
) -> torch.Tensor:
    """Latent `(num_ws, w_dim)` whose image best matches `target` `(3, R, R)` in [-1, 1].

    `start` `(num_ws, w_dim)` (an encoder's guess) replaces the average w as the starting point
    (in W its mean over layers). `on_step(step, loss, ws)` is called after each step (progress
    bars, optimisation videos); steps count coarse then full-resolution ones.
    """
    cfg = cfg or ProjectConfig()
    if cfg.optimize_noise or not is_frozen(G):  # its noise maps are about to change, or its weights' gradients
        G = copy.deepcopy(G).eval().requires_grad_(False)
    device = next(G.parameters()).device
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    target = target[None].to(device)
    if start is not None and cfg.initial_noise == 0:
        w_avg, w_std = torch.zeros(1, G.w_dim, device=device), 0.0  # neither is used: no latent noise, start given
    else:
        w_avg, w_std = w_statistics(G, cfg.w_avg_samples, cfg.seed)
    if start is not None:
        start = start.to(device, torch.float32)
        w_avg = start.mean(0, keepdim=True)
    num_ws = G.num_ws
    if cfg.w_plus:
        w_opt = (start.clone() if start is not None else w_avg.repeat(num_ws, 1)).requires_grad_(True)
    else:
        w_opt = w_avg.clone().requires_grad_(True)

    stages = [(coarse_resolution(G, cfg), cfg.steps)]
    if stages[0][0] < G.img_resolution and cfg.refine_steps > 0:
        stages.append((int(G.img_resolution), cfg.refine_steps))
    total = sum(n for _, n in stages)
    noises = noise_buffers(G, stages[-1][0]) if cfg.optimize_noise else []
    for n in noises:
        n.copy_(torch.randn(n.shape, generator=gen, device=device))
        n.requires_grad_(True)
    params = [w_opt, *noises]
    opt = Adam(params, lr=cfg.lr)

    step = 0
    for res, count in stages:
        target_features, target_small = distance.target(shrink(target, res))
        for _ in range(count):
            t = step / max(total, 1)
            noise_scale = w_std * cfg.initial_noise * max(0.0, 1.0 - t / cfg.noise_ramp) ** 2
            opt.lr = learning_rate(cfg, t)
            w_noisy = w_opt + torch.randn(w_opt.shape, generator=gen, device=device) * noise_scale
            ws = w_noisy[None] if cfg.w_plus else w_noisy[:, None, :].repeat(1, num_ws, 1)
            # unfused: with the weights frozen, its backward pass needs no weight gradients
            # (the fused grouped convolution's does): a step costs about a third less
            image = G.synthesis(ws, noise_mode="const", resolution=res, fused=False)
            loss = distance(image, target_features, target_small)
            loss = loss + noise_regularisation(noises) * cfg.noise_reg
            opt.step(list(torch.autograd.grad(loss, params)))
            with torch.no_grad():  # keep noise maps at zero mean, unit variance
                for n in noises:
                    n.sub_(n.mean()).div_(n.square().mean().sqrt() + 1e-8)
            if on_step:
                on_step(step, loss.item(), _as_w_plus(w_opt, num_ws, cfg.w_plus).detach())
            step += 1
    return _as_w_plus(w_opt, num_ws, cfg.w_plus).detach()


def _as_w_plus(w: torch.Tensor, num_ws: int, w_plus: bool) -> torch.Tensor:
    return w if w_plus else w.repeat(num_ws, 1)
