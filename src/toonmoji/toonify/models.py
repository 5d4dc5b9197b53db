"""Loading the models of the toonify workflow for their roles, and checking they fit together.

A base model must bring its discriminator (the perceptual loss of projection is built from it);
a toon model must share the base's latent space (same resolution, w size and layer count), or a
projected latent would mean nothing to it. Both are checked before any heavy work.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from toonmoji.errors import CheckpointError
from toonmoji.gan.checkpoints import load_checkpoint
from toonmoji.gan.networks import Generator
from toonmoji.gan.sampling import generate, make_grid
from toonmoji.toonify.blend import blend_state_dicts, synthesis_resolutions
from toonmoji.toonify.encoder import Encoder, load_encoder
from toonmoji.toonify.latent_cache import file_digest
from toonmoji.toonify.project import PerceptualDistance


def load_base(path: Path, device: str = "cpu") -> tuple[Generator, PerceptualDistance, str]:
    """The base generator, the perceptual distance from its discriminator, and the file's digest.

    Both networks come back frozen (eval mode, no gradients): projection then uses them as they
    are, without private copies."""
    ckpt = load_checkpoint(path, device, roles=("G_ema", "D"))
    if ckpt.D is None:
        raise CheckpointError(
            f"{path.name} has no discriminator, so it cannot serve as the base model: projection "
            "builds its perceptual loss from it (use the full base checkpoint, not a blend)"
        )
    return ckpt.G_ema.requires_grad_(False), PerceptualDistance(ckpt.D.requires_grad_(False)), file_digest(path)


def load_toon(path: Path, device: str = "cpu") -> Generator:
    """A generator for rendering (frozen: eval mode, no gradients)."""
    return load_checkpoint(path, device, roles=("G_ema",)).G_ema.requires_grad_(False)


def check_same_space(base: Generator, toon: Generator, base_path: Path, toon_path: Path) -> None:
    """Refuse a toon model whose latent space cannot be the base's."""
    b, t = base.config, toon.config
    if b.resolution != t.resolution:
        raise CheckpointError(
            f"resolution mismatch: {base_path.name} is {b.resolution} px, {toon_path.name} is {t.resolution} px"
        )
    if (b.w_dim, base.num_ws) != (t.w_dim, toon.num_ws):
        raise CheckpointError(
            f"latent mismatch: {base_path.name} has w {b.w_dim} x {base.num_ws} layers, "
            f"{toon_path.name} has {t.w_dim} x {toon.num_ws}"
        )


@dataclass
class ToonModels:
    """Everything toonify needs: base and toon generators in one latent space, the perceptual
    distance of projection, the base file's digest (the latent cache key), maybe an encoder."""

    base: Generator
    toon: Generator
    distance: PerceptualDistance
    base_digest: str
    encoder: Encoder | None = None  # starts projections near the answer (`gan train-encoder`)
    encoder_digest: str = ""


def load_toon_models(base: Path, toon: Path, device: str = "cpu", encoder: Path | None = None) -> ToonModels:
    """Load and check a base/toon pair (and an encoder for the base) before any heavy work."""
    G_base, distance, digest = load_base(base, device)
    G_toon = load_toon(toon, device)
    check_same_space(G_base, G_toon, base, toon)
    if encoder is None:
        return ToonModels(G_base, G_toon, distance, digest)
    return ToonModels(G_base, G_toon, distance, digest, load_encoder(encoder, G_base, device), file_digest(encoder))


def load_pair(base: Path, toon: Path, device: str = "cpu") -> tuple[Generator, Generator]:
    """Base and toon generators of the same architecture (blending swaps their layers)."""
    G_base, G_toon = load_toon(base, device), load_toon(toon, device)
    check_same_space(G_base, G_toon, base, toon)
    if G_base.config != G_toon.config:
        raise CheckpointError(f"{base.name} and {toon.name} have different architectures; cannot swap layers")
    return G_base, G_toon


def blended_generator(base: Generator, state: dict[str, torch.Tensor]) -> Generator:
    G = copy.deepcopy(base)
    G.load_state_dict(state)
    return G.eval()


@torch.no_grad()
def blend_preview(
    base: Generator, toon: Generator, seeds: list[int], structure: str, transition: float, psi: float
) -> np.ndarray:
    """Rows: base, toon, then the blend swapped at each resolution; columns: seeds."""
    rows = [generate(base, seeds, psi), generate(toon, seeds, psi)]
    b_state, t_state = base.state_dict(), toon.state_dict()
    for res in synthesis_resolutions(b_state):
        G = blended_generator(base, blend_state_dicts(b_state, t_state, res, structure, transition))
        rows.append(generate(G, seeds, psi))
    return make_grid(np.concatenate(rows), columns=len(seeds))
