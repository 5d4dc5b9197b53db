"""Toonify: a photo's faces as characters, on top of the StyleGAN2 library in `toonmoji.gan`.

    from toonmoji.toonify import load_toon_models, toonify_faces, paste_toons, ProjectConfig, LatentCache
    models = load_toon_models(Path("ffhq.pkl"), Path("blended.pt"))
    faces = toonify_faces(photo, models.base, models.toon, models.distance, models.base_digest,
                          ProjectConfig(), LatentCache(None))
    result = paste_toons(photo, faces)   # (H, W, 3) uint8

The workflow: blend base and fine-tuned generators (`blend`), invert aligned faces into the base
(`project`, `latent_cache`), render the latent through the toon (`pipeline`), move it along
expression directions (`expression`). `models` loads and checks the pair; `cli` holds the commands.
Names are imported lazily so the CLI starts without PyTorch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ToonModels": "models",
    "load_toon_models": "models",
    "blend_state_dicts": "blend",
    "PerceptualDistance": "project",
    "ProjectConfig": "project",
    "project": "project",
    "LatentCache": "latent_cache",
    "ToonifiedFace": "pipeline",
    "render": "pipeline",
    "toonify_face": "pipeline",
    "toonify_faces": "pipeline",
    "toonify_largest_face": "pipeline",
    "paste_toons": "pipeline",
}

__all__ = [  # noqa: RUF022 - grouped as in _EXPORTS
    "ToonModels", "load_toon_models", "blend_state_dicts", "PerceptualDistance", "ProjectConfig", "project",
    "LatentCache", "ToonifiedFace", "render", "toonify_face", "toonify_faces", "toonify_largest_face", "paste_toons",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"toonmoji.toonify.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'toonmoji.toonify' has no attribute {name!r}")
