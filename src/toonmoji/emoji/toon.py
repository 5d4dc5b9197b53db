"""Emoji from a toonified face: toonify the photo's largest face first, then cut the toon out.

The toon is rendered in the aligned frame of the photo's face. Cartoon proportions can fool the
face detector, so when it finds no face in the toon, the photo's landmarks carried into that frame
stand in: the matte uses them only as a hint of where the face is (GrabCut finds the edge).
With a toon model pair, the emotion set is made by moving the person's projected latent along
expression directions of the base generator (`toonmoji.gan.expression`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from toonmoji.emoji.make import Emoji, make_emoji
from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.faces import align_face
from toonmoji.faces.detect import Face, FaceDetector, detect_faces, require_faces
from toonmoji.gan.expression import (
    ExpressionDirections,
    apply_expression,
    classify_aligned,
    find_expression_directions,
)
from toonmoji.gan.latent_cache import LatentCache
from toonmoji.gan.project import ProjectConfig
from toonmoji.gan.toon_models import ToonModels
from toonmoji.toonify import ToonifiedFace, render, toonify_face


@dataclass
class ExpressionEmoji:
    """One emotion's emoji from the moved latent, and how strongly the emotion classifier reads
    that emotion in the base generator's image of it (an honest check that the move worked)."""

    emotion: str
    emoji: Emoji
    toon: np.ndarray
    base_score: float
    score_before: float  # the same, for the person's unmoved latent


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
    return toonify_face(aligned, models.base, models.toon, models.distance, models.base_digest, cfg, cache, on_step)


def face_in_toon(toon: np.ndarray, toonified: ToonifiedFace, detector: str | FaceDetector = "auto") -> Face:
    """The face in a toon image: detected if the detector finds one, else the photo's landmarks."""
    found = detect_faces(toon, detector)
    if found:
        return found[0]
    lm = toonified.aligned.landmarks
    x0, y0 = lm.min(axis=0)
    x1, y1 = lm.max(axis=0)
    return Face((float(x0), float(y0), float(x1), float(y1)), 0.0, lm.copy())


def toon_emoji(
    toonified: ToonifiedFace, detector: str | FaceDetector = "auto", margin: float = 0.06, toon: np.ndarray | None = None
) -> Emoji:
    """The emoji cut out of the toonified face (or of `toon`, another render of the same face)."""
    image = toonified.toon if toon is None else toon
    return make_emoji(image, face_in_toon(image, toonified, detector), margin=margin, source="the toonified face")


def expression_emoji(
    toonified: ToonifiedFace,
    models: ToonModels,
    directions: ExpressionDirections,
    classifier: EmotionClassifier,
    strength: float = 2.0,
    detector: str | FaceDetector = "auto",
    margin: float = 0.06,
    on_emotion: Callable[[str], None] | None = None,
) -> list[ExpressionEmoji]:
    """One emoji per emotion class: the person's latent moved along that emotion's direction."""
    out = []
    before = classify_aligned(classifier, toonified.reconstruction[None])[0]
    for name, direction in zip(directions.classes, directions.vectors):
        moved = apply_expression(toonified.latent, direction, strength)
        toon = render(models.toon, moved)
        score = classify_aligned(classifier, render(models.base, moved)[None])[0]
        i = directions.classes.index(name)
        emoji = toon_emoji(toonified, detector, margin, toon)
        out.append(ExpressionEmoji(name, emoji, toon, float(score[i]), float(before[i])))
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
