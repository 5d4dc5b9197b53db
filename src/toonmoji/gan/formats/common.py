"""What every format reader shares: the result type, renaming tables, and one-line diagnostics."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from toonmoji.errors import CheckpointError
from toonmoji.gan.resample import filter_2d, make_filter

Tensor = torch.Tensor


@dataclass
class SourceNetworks:
    """Networks read from a file, renamed to toonmoji's names, not yet built.

    generators: role ('G_ema', 'G') -> state dict. discriminator: state dict or None.
    g_hints / d_hints: GeneratorConfig / DiscriminatorConfig fields known from the file's metadata.
    """

    format: str
    generators: dict[str, dict[str, Tensor]]
    discriminator: dict[str, Tensor] | None = None
    g_hints: dict = field(default_factory=dict)
    d_hints: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    has_w_avg: bool = True
    g_config: dict | None = None  # exact configs, when the file stores them (toonmoji format)
    d_config: dict | None = None


@dataclass(frozen=True)
class Rename:
    """One tensor: its name in the file, its toonmoji name, and the layout change between them."""

    source: str
    target: str
    transform: Callable[[Tensor], Tensor] | None = None


def shape_str(t: Tensor | np.ndarray | None) -> str:
    return "[" + ", ".join(str(int(s)) for s in np.shape(t)) + "]" if t is not None else "[?]"


def name_list(names: Iterable[str], shapes: Mapping[str, object] | None = None, limit: int = 4) -> str:
    """`a [3, 3], b [4] and 7 more`: a short list for a one-line error."""
    names = list(names)
    shown = [f"{n} {shape_str(shapes[n])}" if shapes is not None and n in shapes else n for n in names[:limit]]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(shown) + more


def apply_renames(
    tensors: Mapping[str, Tensor],
    table: list[Rename],
    what: str,
    ignore: Callable[[str], bool] = lambda name: False,
) -> dict[str, Tensor]:
    """Rename `tensors` by `table`; raise one CheckpointError naming missing/unexpected tensors."""
    missing = [r.source for r in table if r.source not in tensors]
    used = {r.source for r in table}
    unexpected = [k for k in tensors if k not in used and not ignore(k)]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing tensors: {name_list(missing)}")
        if unexpected:
            parts.append(f"unexpected tensors: {name_list(unexpected, tensors)}")
        raise CheckpointError(f"{what} is not a StyleGAN2 config-F network: " + "; ".join(parts))
    out = {}
    for r in table:
        t = tensors[r.source]
        out[r.target] = r.transform(t) if r.transform is not None else t
    return out


def as_tensor(value: object, what: str) -> Tensor:
    """A float32 CPU tensor from a tensor, NumPy array or NumPy scalar."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float32)
    try:
        return torch.from_numpy(np.array(value, dtype=np.float32))
    except (TypeError, ValueError):
        raise CheckpointError(f"{what} is not a numeric array") from None


def check_blur_kernel(kernel: Tensor, scale: float, what: str) -> None:
    """Refuse files built with a resampling filter other than StyleGAN2's [1, 3, 3, 1].

    `kernel` is the 2-D filter stored in the file, `scale` its gain (4 for upsampling).
    """
    expected = filter_2d(make_filter()) * scale
    kernel = torch.as_tensor(kernel, dtype=torch.float32)
    if kernel.shape != expected.shape or not torch.allclose(kernel, expected, atol=1e-6):
        raise CheckpointError(
            f"{what} uses a resampling filter {shape_str(kernel)} other than [1, 3, 3, 1] (unsupported)"
        )


def roles_present(found: Mapping[str, object], roles: Iterable[str]) -> list[str]:
    return [r for r in roles if found.get(r) is not None]
