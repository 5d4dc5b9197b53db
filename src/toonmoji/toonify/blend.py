"""Blending two generators by layer swapping (Pinkney & Adler 2020, resolution-dependent interpolation).

A fine-tuned "toon" generator shares its architecture with the FFHQ base it came from, so their
synthesis layers can be mixed: the low-resolution layers decide structure (head shape, eye size,
pose), the high-resolution ones texture and rendering. Taking the structure from one model and
the rest from the other gives, for example, a cartoon-shaped face with the base model's detail.
The mapping network and w_avg always come from the base, so latents projected into the base still
mean the same thing in the blend.
"""

from __future__ import annotations

import math
import re

import torch

_RES = re.compile(r"(?:^|\.)synthesis\.b(\d+)\.")


def layer_resolution(name: str) -> int | None:
    """The resolution a synthesis parameter works at (`synthesis.b64.conv0.weight` -> 64)."""
    m = _RES.search(name)
    return int(m.group(1)) if m else None


def structure_weight(resolution: int, swap: int, transition: float = 0.0) -> float:
    """Weight in [0, 1] of the *structure* model at `resolution`: 1 at and below `swap`, 0 above.

    `transition` > 0 spreads the change over that many octaves around the swap point with a
    logistic curve instead of a hard step.
    """
    if transition <= 0:
        return 1.0 if resolution <= swap else 0.0
    x = (math.log2(resolution) - (math.log2(swap) + 0.5)) / transition
    return 1.0 / (1.0 + math.exp(4.0 * x))


def blend_state_dicts(
    base: dict[str, torch.Tensor],
    toon: dict[str, torch.Tensor],
    swap: int,
    structure: str = "toon",
    transition: float = 0.0,
) -> dict[str, torch.Tensor]:
    """Mix two generator state dicts of the same architecture by resolution.

    `structure` names which model gives the layers at and below `swap` ("toon" or "base");
    the other gives the layers above. Non-synthesis tensors (mapping, w_avg) come from `base`.
    """
    if structure not in ("toon", "base"):
        raise ValueError("structure must be 'toon' or 'base'")
    low, high = (toon, base) if structure == "toon" else (base, toon)
    out = {}
    for name, tensor in base.items():
        res = layer_resolution(name)
        if res is None or not torch.is_floating_point(tensor):
            out[name] = tensor.clone()
            continue
        w = structure_weight(res, swap, transition)
        out[name] = (low[name] * w + high[name] * (1 - w)).to(tensor.dtype)
    return out


def synthesis_resolutions(state: dict[str, torch.Tensor]) -> list[int]:
    """The resolutions present in a generator's synthesis network, ascending."""
    return sorted({r for r in map(layer_resolution, state) if r is not None})
