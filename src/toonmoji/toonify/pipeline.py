"""Photo -> aligned faces -> latent in the base generator -> toon generator -> pasted back.

Projection (the slow part) runs against the base FFHQ generator, whose latent space describes
real faces; the toon generator (usually a layer-swapped blend of base and a fine-tuned model)
shares that space, so rendering the same latent through it gives the person as a character.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from toonmoji.faces import AlignedFace, align_face, align_faces, paste_back
from toonmoji.faces.align import face_region_mask
from toonmoji.faces.detect import FaceDetector, detect_faces, require_faces
from toonmoji.gan.dataset import image_to_tensor, tensor_to_image
from toonmoji.toonify.latent_cache import LatentCache, latent_key
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project

if TYPE_CHECKING:
    from toonmoji.toonify.models import ToonModels


@dataclass
class ToonifiedFace:
    aligned: AlignedFace
    latent: torch.Tensor  # (num_ws, w_dim)
    reconstruction: np.ndarray  # the base generator's image of the latent, (R, R, 3) uint8
    toon: np.ndarray  # the toon generator's image of the latent, (R, R, 3) uint8
    from_cache: bool


@torch.no_grad()
def render(G: torch.nn.Module, latent: torch.Tensor) -> np.ndarray:
    """Image `(R, R, 3) uint8` of a w+ latent `(num_ws, w_dim)` through G, constant noise."""
    device = next(G.parameters()).device
    return tensor_to_image(G.synthesis(latent[None].to(device), noise_mode="const")[0])


def toonify_face(
    aligned: AlignedFace,
    base: torch.nn.Module,
    toon: torch.nn.Module,
    distance: PerceptualDistance,
    base_digest: str,
    cfg: ProjectConfig,
    cache: LatentCache,
    on_step: Callable[[int, float], None] | None = None,
) -> ToonifiedFace:
    """Project one aligned face into the base (or take its cached latent) and render it twice."""
    key = latent_key(aligned.image, base_digest, {"steps": cfg.steps, "w_plus": cfg.w_plus, "seed": cfg.seed})
    latent = cache.get(key)
    hit = latent is not None
    if latent is None:
        step_cb = (lambda s, loss, _ws: on_step(s, loss)) if on_step else None
        latent = project(base, image_to_tensor(aligned.image), distance, cfg, on_step=step_cb)
        cache.put(key, latent)
    return ToonifiedFace(aligned, latent, render(base, latent), render(toon, latent), hit)


def toonify_faces(
    image: np.ndarray,
    base: torch.nn.Module,
    toon: torch.nn.Module,
    distance: PerceptualDistance,
    base_digest: str,
    cfg: ProjectConfig,
    cache: LatentCache,
    source: str = "the photo",
    on_step: Callable[[int, int, float], None] | None = None,
) -> list[ToonifiedFace]:
    """Toonify every face in an RGB photo; `on_step(face_index, step, loss)` reports progress."""
    resolution = int(base.img_resolution)
    return [
        toonify_face(
            aligned, base, toon, distance, base_digest, cfg, cache,
            (lambda s, loss, i=i: on_step(i, s, loss)) if on_step else None,
        )
        for i, aligned in enumerate(align_faces(image, size=resolution, source=source))
    ]


def toonify_largest_face(
    image: np.ndarray,
    models: ToonModels,
    cfg: ProjectConfig,
    cache: LatentCache,
    detector: str | FaceDetector = "dlib",
    source: str = "the photo",
    on_step: Callable[[int, float], None] | None = None,
) -> ToonifiedFace:
    """Align the largest face at the base's resolution, project it (or reuse its cached latent)."""
    face = require_faces(detect_faces(image, detector), source)[0]
    aligned = align_face(image, face, size=int(models.base.img_resolution))
    return toonify_face(aligned, models.base, models.toon, models.distance, models.base_digest, cfg, cache, on_step)


def paste_toons(image: np.ndarray, faces: list[ToonifiedFace]) -> np.ndarray:
    """The photo with every toonified face blended back in over its face region."""
    out = image
    for f in faces:
        out = paste_back(out, f.aligned, f.toon, mask=face_region_mask(f.aligned))
    return out
