"""Photo -> aligned faces -> latent in the base generator -> toon generator -> pasted back.

Projection (the slow part) runs against the base FFHQ generator, whose latent space describes
real faces; the toon generator (usually a layer-swapped blend of base and a fine-tuned model)
shares that space, so rendering the same latent through it gives the person as a character.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch

from toonmoji.faces import AlignedFace, align_face, paste_back
from toonmoji.faces.align import face_region_mask
from toonmoji.faces.detect import Face, FaceDetector, detect_faces, require_faces
from toonmoji.gan.dataset import image_to_tensor, tensor_to_image
from toonmoji.toonify.identity import likeness
from toonmoji.toonify.latent_cache import LatentCache, latent_key
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project

if TYPE_CHECKING:
    from toonmoji.toonify.encoder import Encoder
    from toonmoji.toonify.models import ToonModels


@dataclass
class ToonifiedFace:
    aligned: AlignedFace
    latent: torch.Tensor  # (num_ws, w_dim)
    toon: np.ndarray  # the toon generator's image of the latent, (R, R, 3) uint8
    from_cache: bool
    base: torch.nn.Module = field(repr=False)  # renders `reconstruction` when it is first asked for

    @functools.cached_property
    def reconstruction(self) -> np.ndarray:
        """The base generator's image of the latent, `(R, R, 3) uint8`: rendered on first use
        (the identity check and the web page want it; a plain toonify does not, and at 1024 px
        a render costs seconds on a CPU)."""
        return render(self.base, self.latent)


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
    encoder: Encoder | None = None,
    encoder_digest: str = "",
) -> ToonifiedFace:
    """Project one aligned face into the base (or take its cached latent) and render it twice.

    With an `encoder`, its one-pass guess is where the projection starts."""
    settings = dict(cfg.cache_settings(), encoder=encoder_digest if encoder is not None else None)
    key = latent_key(aligned.image, base_digest, settings)
    latent = cache.get(key)
    hit = latent is not None
    if latent is None:
        step_cb = (lambda s, loss, _ws: on_step(s, loss)) if on_step else None
        target = image_to_tensor(aligned.image)
        start = encoder.guess(target, cfg.latent) if encoder is not None else None
        latent = project(base, target, distance, cfg, on_step=step_cb, start=start)
        cache.put(key, latent)
    return ToonifiedFace(aligned, latent, render(toon, latent), hit, base)


def toonify_faces(
    image: np.ndarray,
    models: ToonModels,
    cfg: ProjectConfig,
    cache: LatentCache,
    source: str = "the photo",
    on_step: Callable[[int, int, float], None] | None = None,
    faces: list[Face] | None = None,
) -> list[ToonifiedFace]:
    """Toonify every face in an RGB photo (or the `faces` already detected in it);
    `on_step(face_index, step, loss)` reports progress."""
    resolution = int(models.base.img_resolution)
    found = require_faces(detect_faces(image) if faces is None else faces, source)
    return [
        toonify_with(models, align_face(image, face, resolution), cfg, cache,
                     (lambda s, loss, i=i: on_step(i, s, loss)) if on_step else None)
        for i, face in enumerate(found)
    ]


def toonify_largest_face(
    image: np.ndarray,
    models: ToonModels,
    cfg: ProjectConfig,
    cache: LatentCache,
    detector: str | FaceDetector = "auto",
    source: str = "the photo",
    on_step: Callable[[int, float], None] | None = None,
) -> ToonifiedFace:
    """Align the largest face at the base's resolution, project it (or reuse its cached latent)."""
    face = require_faces(detect_faces(image, detector), source)[0]
    aligned = align_face(image, face, size=int(models.base.img_resolution))
    return toonify_with(models, aligned, cfg, cache, on_step)


def toonify_with(
    models: ToonModels, aligned: AlignedFace, cfg: ProjectConfig, cache: LatentCache,
    on_step: Callable[[int, float], None] | None = None,
) -> ToonifiedFace:
    """`toonify_face` with everything a loaded model set brings (generators, distance, encoder)."""
    return toonify_face(aligned, models.base, models.toon, models.distance, models.base_digest, cfg, cache,
                        on_step, models.encoder, models.encoder_digest)


def paste_toons(image: np.ndarray, faces: list[ToonifiedFace]) -> np.ndarray:
    """The photo with every toonified face blended back in over its face region."""
    out = image
    for f in faces:
        out = paste_back(out, f.aligned, f.toon, mask=face_region_mask(f.aligned))
    return out


def face_report(face: ToonifiedFace, identity: bool = True) -> dict[str, object]:
    """A face's box, whether its latent came from the cache, and (with `identity`) how far the
    reconstruction and the toon are from the photo's face in dlib's embedding."""
    report: dict[str, object] = {
        "box": [round(float(v), 1) for v in face.aligned.face.box], "from_cache": face.from_cache,
    }
    if identity:
        found = likeness(face.aligned.image, {"reconstruction": face.reconstruction, "toon": face.toon},
                         face.aligned.landmarks)
        report["identity"] = {k: v.to_json() for k, v in found.items()}
    return report
