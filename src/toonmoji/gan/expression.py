"""Expression directions in a generator's W space, found with the emotion classifier.

Why: from one photo we want the person's toon showing every emotion. StyleGAN's W space is
roughly linear in facial attributes, so for each emotion we take the direction in which the w of
sampled faces co-varies with the classifier's score for it (the classifier is the only labeller
needed), within the samples' leading principal components (as GANSpace does). Moving a
projected latent along it, in the coarse and middle layers where expression lives, changes the
expression and keeps identity and colours (the fine layers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.crop import crop_face
from toonmoji.gan.sampling import to_uint8

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
