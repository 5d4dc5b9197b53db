"""A disk cache of projected latents, keyed by what determines them.

Projection is the slow step of toonify (hundreds of generator passes per face); the toon model
only renders the result. Keying by the aligned face's pixels, the base model's file content and
the projection settings lets a user try several toon models on one photo without projecting
again, and never serves a latent made with another base model.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import numpy as np
import torch

from toonmoji.imageio import atomic_path


def default_cache_dir() -> Path:
    root = os.environ.get("TOONMOJI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "toonmoji"
    )
    return Path(root) / "latents"


def file_digest(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file's content, read in chunks (checkpoints are hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def latent_key(image: np.ndarray, model_digest: str, settings: dict[str, object]) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(image).tobytes())
    h.update(str(image.shape).encode())
    h.update(model_digest.encode())
    h.update(json.dumps(settings, sort_keys=True).encode())
    return h.hexdigest()[:32]


class LatentCache:
    """Get/put latents `(num_ws, w_dim)` by key; a `None` folder disables caching."""

    def __init__(self, folder: str | Path | None):
        self.folder = Path(folder) if folder is not None else None

    def get(self, key: str) -> torch.Tensor | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.pt"
        if not path.is_file():
            return None
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, OSError, EOFError, pickle.UnpicklingError):  # damaged entry: a miss
            return None

    def put(self, key: str, latent: torch.Tensor) -> None:
        if self.folder is None:
            return
        with atomic_path(self.folder / f"{key}.pt", force=True) as tmp:
            torch.save(latent.detach().cpu(), tmp)
