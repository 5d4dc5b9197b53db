"""Adaptive discriminator augmentation (ADA, Karras et al. 2020) for fine-tuning on tiny data sets.

Every image the discriminator sees, real or fake, passes through the same random, differentiable
augmentations, each applied with probability `p`. `p` is tuned during training from the overfitting
heuristic r_t = E[sign(D(real))]: above the target the discriminator is memorising the few real
images, so augment more; below it, less. This is what lets a few hundred character faces
fine-tune a generator without the discriminator collapsing.

The pipeline is ADA's "bgc" family in plain PyTorch: x-flip, 90-degree rotation, integer
translation, isotropic scale, rotation, anisotropic scale (geometric, one resampling through
`grid_sample` with reflection padding), then brightness, contrast, luma flip-free saturation and
hue rotation (colour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def _gate(n: int, p: float, device: torch.device) -> torch.Tensor:
    """(n,) float: 1 where an augmentation is applied to that image, else 0."""
    return (torch.rand(n, device=device) < p).float()


def _rotation(theta: torch.Tensor) -> torch.Tensor:
    c, s = torch.cos(theta), torch.sin(theta)
    z, o = torch.zeros_like(c), torch.ones_like(c)
    return torch.stack([torch.stack([c, -s, z], -1), torch.stack([s, c, z], -1), torch.stack([z, z, o], -1)], -2)


def _scale(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    z, o = torch.zeros_like(sx), torch.ones_like(sx)
    return torch.stack([torch.stack([sx, z, z], -1), torch.stack([z, sy, z], -1), torch.stack([z, z, o], -1)], -2)


def _translate(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    z, o = torch.zeros_like(tx), torch.ones_like(tx)
    return torch.stack([torch.stack([o, z, tx], -1), torch.stack([z, o, ty], -1), torch.stack([z, z, o], -1)], -2)


def geometric_matrices(n: int, p: float, device: torch.device) -> torch.Tensor:
    """(n, 3, 3) random output->input maps in normalised [-1, 1] coordinates."""
    eye = torch.eye(3, device=device).expand(n, 3, 3)
    m = eye.clone()
    flip = 1 - 2 * (torch.randint(0, 2, (n,), device=device) * _gate(n, p, device))
    m = m @ _scale(flip, torch.ones(n, device=device))
    quarter = torch.randint(0, 4, (n,), device=device) * _gate(n, p, device)
    m = m @ _rotation(quarter * (math.pi / 2))
    shift = (torch.rand(n, 2, device=device) * 2 - 1) * 0.125 * 2 * _gate(n, p, device)[:, None]
    m = m @ _translate(shift[:, 0], shift[:, 1])
    iso = torch.exp2(torch.randn(n, device=device) * 0.2 * _gate(n, p, device))
    m = m @ _scale(iso, iso)
    angle = (torch.rand(n, device=device) * 2 - 1) * math.pi * _gate(n, p, device)
    m = m @ _rotation(angle)
    aniso = torch.exp2(torch.randn(n, device=device) * 0.2 * _gate(n, p, device))
    m = m @ _scale(aniso, 1 / aniso)
    return m


def apply_geometric(images: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Resample `(N, C, H, W)` images through `(N, 3, 3)` output->input maps (differentiable)."""
    grid = F.affine_grid(matrices[:, :2, :], list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def apply_colour(images: torch.Tensor, p: float) -> torch.Tensor:
    """Brightness, contrast, saturation and hue, each with probability p; images in [-1, 1]."""
    n, device = images.shape[0], images.device
    x = images + (torch.randn(n, 1, 1, 1, device=device) * 0.2 * _gate(n, p, device)[:, None, None, None])
    c = torch.exp2(torch.randn(n, 1, 1, 1, device=device) * 0.5 * _gate(n, p, device)[:, None, None, None])
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * c + mean
    if x.shape[1] == 3:
        luma = x.mean(dim=1, keepdim=True)
        s = torch.exp2(torch.randn(n, 1, 1, 1, device=device) * _gate(n, p, device)[:, None, None, None])
        x = luma + (x - luma) * s
        # hue: rotate the chroma around the grey axis
        theta = (torch.rand(n, device=device) * 2 - 1) * math.pi * _gate(n, p, device)
        axis = torch.ones(3, device=device) / math.sqrt(3)
        k = torch.tensor([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]], device=device)
        eye = torch.eye(3, device=device)
        rot = eye + torch.sin(theta)[:, None, None] * k + (1 - torch.cos(theta))[:, None, None] * (k @ k)
        x = torch.einsum("nij,njhw->nihw", rot, x)
    return x


def augment(images: torch.Tensor, p: float) -> torch.Tensor:
    """Augment `(N, C, H, W)` float in [-1, 1] with probability `p` per transform; p=0 is identity."""
    if p <= 0:
        return images
    m = geometric_matrices(images.shape[0], p, images.device)
    return apply_colour(apply_geometric(images, m), p)


@dataclass
class AdaptiveP:
    """The ADA controller: nudges `p` so that r_t = E[sign(D(real))] stays near `target`.

    `speed_images`: how many real images it takes for p to move by 1 (ADA's ada_kimg * 1000).
    """

    p: float = 0.0
    target: float = 0.6
    speed_images: float = 500_000.0
    _signs: float = 0.0
    _count: int = 0

    def observe(self, real_logits: torch.Tensor) -> None:
        self._signs += float(torch.sign(real_logits.detach()).sum())
        self._count += int(real_logits.numel())

    @property
    def rt(self) -> float:
        return self._signs / self._count if self._count else 0.0

    def all_reduce(self) -> None:
        """Pool the observations of every process in a torchrun group."""
        import torch.distributed as dist

        t = torch.tensor([self._signs, float(self._count)], dtype=torch.float64)
        dist.all_reduce(t)
        self._signs, self._count = float(t[0]), int(t[1])

    def update(self, images_seen: int) -> float:
        """Adjust p after `images_seen` real images since the last update; returns the new p."""
        if self._count:
            step = math.copysign(images_seen / self.speed_images, self.rt - self.target)
            self.p = min(max(self.p + step, 0.0), 1.0)
        self._signs, self._count = 0.0, 0
        return self.p
