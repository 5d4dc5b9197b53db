"""Training augmentation on whole batches at once: the paper's random rotation, shift, zoom and
horizontal flip (Keras ImageDataGenerator with fill mode 'nearest'), and random erasing (Zhong et
al. 2020), which hides part of the face so the network cannot lean on one region.

Both run wherever the batch lives: random numbers are drawn on `x.device` from `generator`, which
must live there too (a CPU generator for CPU batches, a CUDA one for a batch on the GPU), so the
fed training loop augments on the GPU with no host round trip, and on the CPU draws exactly the
numbers the host loop draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Augmentation:
    rotation_degrees: float = 10.0
    shift: float = 0.1
    zoom: float = 0.1
    flip: bool = True

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """`(N, C, H, W) float` -> the same shape, each image moved by its own random transform."""
        n, device = x.shape[0], x.device

        def uniform(limit: float) -> torch.Tensor:
            return (torch.rand(n, generator=generator, device=device) * 2 - 1) * limit

        angle = uniform(math.radians(self.rotation_degrees))
        scale = 1.0 + uniform(self.zoom)
        tx, ty = uniform(2 * self.shift), uniform(2 * self.shift)  # grid units span 2 per side
        flip = (torch.where(torch.rand(n, generator=generator, device=device) < 0.5, -1.0, 1.0) if self.flip
                else torch.ones(n, device=device))
        cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
        theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
        grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def random_erasing(x: torch.Tensor, probability: float, generator: torch.Generator | None = None,
                   area: tuple[float, float] = (0.02, 0.25), aspect: float = 3.0) -> torch.Tensor:
    """`(N, C, H, W)` -> a copy where each image, with `probability`, has one random rectangle
    (`area` share of the image, aspect ratio within 1/aspect..aspect) replaced by uniform noise in
    [-1, 1]."""
    n, _, h, w = x.shape
    rand = torch.rand(n, 6, generator=generator, device=x.device)
    share = area[0] + rand[:, 0] * (area[1] - area[0])
    ratio = torch.exp((rand[:, 1] * 2 - 1) * math.log(aspect))
    eh = (torch.sqrt(share * ratio) * h).clamp(1, h)
    ew = (torch.sqrt(share / ratio) * w).clamp(1, w)
    top, left = rand[:, 2] * (h - eh), rand[:, 3] * (w - ew)
    ys = torch.arange(h, dtype=x.dtype, device=x.device).view(1, h, 1)
    xs = torch.arange(w, dtype=x.dtype, device=x.device).view(1, 1, w)
    inside = ((ys >= top.view(-1, 1, 1)) & (ys < (top + eh).view(-1, 1, 1))
              & (xs >= left.view(-1, 1, 1)) & (xs < (left + ew).view(-1, 1, 1)))
    inside &= (rand[:, 4] < probability).view(-1, 1, 1)
    noise = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) * 2 - 1
    return torch.where(inside.unsqueeze(1), noise, x)
