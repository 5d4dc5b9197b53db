"""Expression directions in a generator's W space, found with the emotion classifier.

Why: from one photo we want the person's toon showing every emotion. StyleGAN's W space is
roughly linear in facial attributes, so for each emotion we take the direction in which the w of
sampled faces co-varies with the classifier's score for it (the classifier is the only labeller
needed), within the samples' leading principal components (as GANSpace does). Moving a
projected latent along it, in the coarse and middle layers where expression lives, changes the
expression and keeps identity and colours (the fine layers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.crop import crop_face
from toonmoji.gan.sampling import to_uint8
from toonmoji.toonify.latent_cache import LatentCache
from toonmoji.toonify.pipeline import render

if TYPE_CHECKING:
    from toonmoji.toonify.models import ToonModels

# Where the face sits in an FFHQ-aligned image, as fractions of its side (x0, y0, x1, y1): the box
# of the 68 landmarks (jaw, brows) of the aligned sample portrait, raised a little for the
# forehead the way a face detector's box includes it. FFHQ alignment puts every face there.
FFHQ_FACE_BOX = (0.22, 0.30, 0.78, 0.92)

# Expression lives in the coarse and middle layers (4-32 px at 1024 px); finer ones hold colour.
EXPRESSION_LAYERS = 8

ScoreFn = Callable[[np.ndarray], np.ndarray]


@dataclass
class ExpressionDirections:
    """`vectors (C, w_dim)`: per class, the direction scaled to one standard deviation of the
    samples along it, so `strength` is in the same units for every emotion and every model."""

    vectors: torch.Tensor
    classes: tuple[str, ...]


def classify_aligned(classifier: EmotionClassifier, images: np.ndarray) -> np.ndarray:
    """Emotion probabilities `(N, C)` for FFHQ-aligned RGB images `(N, S, S, 3) uint8`."""
    crops = []
    for image in images:
        s = image.shape[0]
        box = tuple(v * s for v in FFHQ_FACE_BOX)
        grey = image.mean(axis=2).astype(np.uint8) if image.ndim == 3 else image
        crops.append(crop_face(grey, box))
    return classifier.predict(crops)


@torch.no_grad()
def sample_scores(
    G: torch.nn.Module,
    score: ScoreFn,
    samples: int = 512,
    psi: float = 0.7,
    seed: int = 0,
    batch: int = 4,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[torch.Tensor, np.ndarray]:
    """Sample `samples` faces; return their w `(N, w_dim)` and `score(images) -> (N, C)`."""
    device = next(G.parameters()).device
    z = torch.randn(samples, G.z_dim, generator=torch.Generator().manual_seed(seed))
    ws, scores = [], []
    for i in range(0, samples, batch):
        w = G.mapping(z[i : i + batch].to(device), truncation_psi=psi)
        pixels = to_uint8(G.synthesis(w, noise_mode="const"))
        ws.append(w[:, 0].cpu())
        scores.append(score(pixels))
        if on_batch is not None:
            on_batch(len(pixels))
    return torch.cat(ws), np.concatenate(scores)


def directions_from_scores(ws: torch.Tensor, scores: np.ndarray, max_components: int | None = None) -> torch.Tensor:
    """Per class: how w co-varies with the class score over the samples (the covariance of the
    centred score with the centred w, every sample counting by how far its score is from the
    mean), kept within the leading principal components of the samples (at most N/8 of them, so
    a few hundred samples give a stable direction in a 512-wide W space), scaled to one standard
    deviation of the samples along it. `(C, w_dim)`."""
    n = len(ws)
    if n < 10 or scores.shape[0] != n:
        raise ValueError(f"need at least 10 scored samples, got {n}")
    x = ws.double() - ws.double().mean(0)
    _, _, vt = torch.linalg.svd(x, full_matrices=False)
    k = min(vt.shape[0], max_components or max(1, n // 8))
    basis = vt[:k]  # (k, w_dim) orthonormal rows
    s = torch.from_numpy(np.asarray(scores, np.float64))
    s = s - s.mean(0)
    vectors = []
    for c in range(s.shape[1]):
        d = ((x @ basis.T).T @ s[:, c]) @ basis
        d = d / d.norm().clamp_min(1e-12)
        vectors.append(d * (x @ d).std())
    return torch.stack(vectors).float()


def find_expression_directions(
    G: torch.nn.Module,
    classifier: EmotionClassifier,
    samples: int = 512,
    psi: float = 0.7,
    seed: int = 0,
    on_batch: Callable[[int], None] | None = None,
) -> ExpressionDirections:
    """Sample G, read each face's emotion, and return one direction per emotion class."""
    ws, scores = sample_scores(G, lambda im: classify_aligned(classifier, im), samples, psi, seed, on_batch=on_batch)
    return ExpressionDirections(directions_from_scores(ws, scores), tuple(classifier.classes))


def apply_expression(
    latent: torch.Tensor, direction: torch.Tensor, strength: float = 2.0, layers: int = EXPRESSION_LAYERS
) -> torch.Tensor:
    """The w+ latent `(num_ws, w_dim)` moved `strength` standard deviations along `direction`
    in its first `layers` layers."""
    moved = latent.clone()
    moved[:layers] += strength * direction.to(latent)
    return moved


@dataclass
class ExpressedFace:
    """One emotion's toon from the moved latent, and how strongly the emotion classifier reads
    that emotion in the base generator's image of it (an honest check that the move worked)."""

    emotion: str
    latent: torch.Tensor  # (num_ws, w_dim)
    toon: np.ndarray  # (R, R, 3) uint8
    base_score: float
    score_before: float  # the same, for the person's unmoved latent


def express(
    latent: torch.Tensor,
    reconstruction: np.ndarray,
    models: ToonModels,
    directions: ExpressionDirections,
    classifier: EmotionClassifier,
    strength: float = 2.0,
    on_emotion: Callable[[str], None] | None = None,
) -> list[ExpressedFace]:
    """Per emotion class: the person's latent moved along its direction, rendered as a toon.

    `reconstruction` is the base generator's image of the unmoved latent `(R, R, 3) uint8`."""
    out = []
    before = classify_aligned(classifier, reconstruction[None])[0]
    for i, (name, direction) in enumerate(zip(directions.classes, directions.vectors)):
        moved = apply_expression(latent, direction, strength)
        score = classify_aligned(classifier, render(models.base, moved)[None])[0]
        out.append(ExpressedFace(name, moved, render(models.toon, moved), float(score[i]), float(before[i])))
        if on_emotion is not None:
            on_emotion(name)
    return out


def directions_key(base_digest: str, samples: int, seed: int, psi: float, classifier_name: str) -> str:
    """Cache key of a base model's expression directions (they take minutes at 1024 px on a CPU)."""
    text = f"expression-directions|{base_digest}|{samples}|{seed}|{psi}|{classifier_name}"
    return "dir-" + hashlib.sha256(text.encode()).hexdigest()[:28]


def cached_directions(
    models: ToonModels,
    classifier: EmotionClassifier,
    cache: LatentCache,
    samples: int = 512,
    seed: int = 0,
    psi: float = 0.7,
    on_batch: Callable[[int], None] | None = None,
) -> ExpressionDirections:
    """The base's expression directions, computed once per base model and classifier."""
    key = directions_key(models.base_digest, samples, seed, psi, classifier.name)
    vectors = cache.get(key)
    classes = tuple(classifier.classes)
    if isinstance(vectors, torch.Tensor) and vectors.shape == (len(classes), models.base.w_dim):
        return ExpressionDirections(vectors, classes)
    found = find_expression_directions(models.base, classifier, samples, psi, seed, on_batch=on_batch)
    cache.put(key, found.vectors)
    return found
