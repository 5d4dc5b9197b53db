"""Emoji from a toonified face: the toon is cut out like a photo's head.

The toon is rendered in the aligned frame of the photo's face. Cartoon proportions can fool the
face detector, so when it finds no face in the toon, the photo's landmarks carried into that frame
stand in: the matte uses them only as a hint of where the face is (GrabCut finds the edge).
The toonifying itself (projection, expression directions) is `toonmoji.toonify`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from toonmoji.emoji.make import Emoji, make_emoji
from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.faces.detect import Face, FaceDetector, detect_faces
from toonmoji.toonify.expression import ExpressionDirections, express
from toonmoji.toonify.models import ToonModels
from toonmoji.toonify.pipeline import ToonifiedFace


@dataclass
class ExpressionEmoji:
    """One emotion's emoji from the moved latent, and how strongly the emotion classifier reads
    that emotion in the base generator's image of it (an honest check that the move worked)."""

    emotion: str
    emoji: Emoji
    toon: np.ndarray
    base_score: float
    score_before: float  # the same, for the person's unmoved latent


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
    expressed = express(toonified.latent, toonified.reconstruction, models, directions, classifier, strength, on_emotion)
    return [
        ExpressionEmoji(e.emotion, toon_emoji(toonified, detector, margin, e.toon), e.toon, e.base_score, e.score_before)
        for e in expressed
    ]
