"""Photo -> faces -> emotion probabilities per face."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.crop import MARGIN, crop_face, framing
from toonmoji.emotion.detectors import haar_detector
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.emotion.tracking import TrackingFaceDetector
from toonmoji.faces.detect import Face, FaceDetector, eye_line_degrees, make_detector

__all__ = ["FaceEmotion", "classify_faces", "classify_image", "haar_detector", "live_detector"]


@dataclass(frozen=True)
class FaceEmotion:
    """One face and its emotion probabilities `(C,) float32` summing to 1, in `classes` order;
    on video, `track` is the face's id across frames (see identity.py)."""

    face: Face
    probabilities: np.ndarray
    classes: tuple[str, ...] = EMOTIONS
    track: int | None = None

    @property
    def label(self) -> str:
        return self.classes[int(np.argmax(self.probabilities))]

    @property
    def score(self) -> float:
        return float(np.max(self.probabilities))

    def to_json(self) -> dict[str, object]:
        track = {} if self.track is None else {"track": self.track}
        return {
            **track,
            "box": [round(float(v), 1) for v in self.face.box],
            "label": self.label,
            "probabilities": {c: round(float(p), 4) for c, p in zip(self.classes, self.probabilities)},
        }


def live_detector(detect_width: int = 320, rescan_every: int = 10) -> FaceDetector:
    """The video detector: full Haar scans of a 320-px copy with a coarser pyramid (1.2) every
    `rescan_every` frames, local re-detection of known faces in between (see tracking.py)."""
    full = haar_detector(detect_width, scale_factor=1.2)
    return full if rescan_every <= 1 else TrackingFaceDetector(full=full, rescan_every=rescan_every)


def classify_faces(
    image: np.ndarray, faces: list[Face], classifier: EmotionClassifier, margin: float = MARGIN, shift: float = 0.0
) -> list[FaceEmotion]:
    """Emotion of each given face in an `(H, W, 3) uint8` RGB image (one batched model call)."""
    if not faces:
        return []
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    probs = classifier.predict([crop_face(grey, f.box, margin, shift, eye_line_degrees(f) or 0.0) for f in faces])
    return [FaceEmotion(f, p, classifier.classes) for f, p in zip(faces, probs)]


def classify_image(
    image: np.ndarray,
    classifier: EmotionClassifier | None = None,
    detector: str | FaceDetector = "auto",
) -> list[FaceEmotion]:
    """Every face in an RGB image with its emotion probabilities, largest face first.

    `detector` "auto" (CNN, the default), "haar" (fast, frontal) or "dlib", or a detector object.
    """
    classifier = classifier or EmotionClassifier.default()
    if isinstance(detector, str):
        kwargs = {"landmarks": "none"} if detector == "auto" else {}  # emotion needs boxes only
        detector = haar_detector() if detector == "haar" else make_detector(detector, **kwargs)
    return classify_faces(image, detector.detect(image), classifier, *framing(detector.name))
