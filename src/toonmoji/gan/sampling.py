"""Render images from a generator: seeds -> latents -> uint8 pictures and grids.

Seeds map to z exactly as NVlabs' `generate.py` does (`np.random.RandomState(seed).randn(1, z_dim)`),
so "seed 42, psi 0.7" gives the same face here as in NVIDIA's tools for the same network.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
import torch

from toonmoji.errors import InputError
from toonmoji.gan.networks import Generator

MAX_SEEDS = 4096


def parse_seeds(text: str) -> list[int]:
    """'0-7' -> [0..7]; '1,5,9' -> [1, 5, 9]; '0-3,10' -> [0, 1, 2, 3, 10]."""
    seeds: list[int] = []
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise InputError(f"bad seed list {text!r}: use e.g. 0-7 or 1,5,9")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise InputError(f"bad seed range {part!r}: the end is before the start")
        if len(seeds) + hi - lo + 1 > MAX_SEEDS:
            raise InputError(f"too many seeds in {text!r} (at most {MAX_SEEDS})")
        seeds.extend(range(lo, hi + 1))
    if any(s >= 2**32 for s in seeds):
        raise InputError("seeds must be below 2**32")
    return seeds


def z_from_seeds(seeds: Sequence[int], z_dim: int) -> torch.Tensor:
    """`(len(seeds), z_dim) float32` latents, one NumPy RandomState per seed."""
    return torch.from_numpy(np.concatenate([np.random.RandomState(s).randn(1, z_dim) for s in seeds])).float()


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Generator output `(N, 3, H, W)` in [-1, 1] -> `(N, H, W, 3) uint8` RGB."""
    x = (images.detach().float() * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def make_grid(images: np.ndarray, columns: int | None = None) -> np.ndarray:
    """Tile `(N, H, W, C) uint8` images row by row into one `(rows*H, cols*W, C)` image."""
    n, h, w, c = images.shape
    cols = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.zeros((rows * h, cols * w, c), dtype=np.uint8)
    for i, img in enumerate(images):
        r, col = divmod(i, cols)
        grid[r * h : (r + 1) * h, col * w : (col + 1) * w] = img
    return grid


@torch.no_grad()
def generate(
    G: Generator,
    seeds: Sequence[int],
    truncation_psi: float = 1.0,
    truncation_cutoff: int | None = None,
    noise_mode: str = "const",
    batch_size: int = 4,
    device: torch.device | str = "cpu",
    on_batch: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Images for `seeds`: `(N, R, R, 3) uint8`. `on_batch(n)` is called after each batch."""
    z = z_from_seeds(seeds, G.z_dim)
    out = []
    for start in range(0, len(seeds), batch_size):
        batch = z[start : start + batch_size].to(device)
        img = G(batch, truncation_psi, truncation_cutoff, noise_mode=noise_mode)
        out.append(to_uint8(img))
        if on_batch is not None:
            on_batch(len(batch))
    return np.concatenate(out)
