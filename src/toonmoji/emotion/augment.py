"""The paper's training augmentation, on whole batches at once: random rotation, shift, zoom and
horizontal flip (Keras ImageDataGenerator with fill mode 'nearest')."""

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
        n = x.shape[0]

        def uniform(limit: float) -> torch.Tensor:
            return (torch.rand(n, generator=generator) * 2 - 1) * limit

        angle = uniform(math.radians(self.rotation_degrees))
        scale = 1.0 + uniform(self.zoom)
        tx, ty = uniform(2 * self.shift), uniform(2 * self.shift)  # grid units span 2 per side
        flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0) if self.flip else torch.ones(n)
        cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
        theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
        grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
