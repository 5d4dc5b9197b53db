"""StyleGAN2 in plain PyTorch, and safe loaders for the checkpoint formats people actually have.

    from toonmoji.gan import load_generator
    G = load_generator("stylegan2-ffhq-config-f.pkl")      # any supported format, G_ema, eval()
    images = G(torch.randn(4, G.z_dim), truncation_psi=0.7)  # (4, 3, 1024, 1024) in [-1, 1]

Names are imported lazily so that `toonmoji` commands that do not need PyTorch start fast.
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

_EXPORTS = {
    "Generator": "networks",
    "Discriminator": "networks",
    "GeneratorConfig": "networks",
    "DiscriminatorConfig": "networks",
    "style_mix": "networks",
    "truncate": "networks",
    "tiny_networks": "networks",
    "GanCheckpoint": "checkpoints",
    "load_checkpoint": "checkpoints",
    "load_generator": "checkpoints",
    "save_checkpoint": "checkpoints",
    "convert_checkpoint": "checkpoints",
    "g_nonsaturating_loss": "losses",
    "d_logistic_loss": "losses",
    "r1_penalty": "losses",
    "path_length_penalty": "losses",
}

__all__ = [  # noqa: RUF022 - grouped as in _EXPORTS
    "Generator", "Discriminator", "GeneratorConfig", "DiscriminatorConfig", "style_mix", "truncate",
    "tiny_networks", "GanCheckpoint", "load_checkpoint", "load_generator", "save_checkpoint",
    "convert_checkpoint", "g_nonsaturating_loss", "d_logistic_loss", "r1_penalty", "path_length_penalty",
]


def _require_torch() -> None:
    from toonmoji.extras import require

    require("torch", feature="toonmoji.gan")


__getattr__ = lazy_getattr(__name__, _EXPORTS, before=_require_torch)
