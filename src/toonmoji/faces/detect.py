"""Face detection behind one small interface, so a detector can be swapped.

Two detectors ship, both from models inside registry packages (no downloads):
- `dlib`: dlib's HOG detector + the 68-point shape predictor, exactly what FFHQ alignment was
  defined on. Accurate and the default for photos.
- `haar`: OpenCV's Haar cascade boxes + the same 68-point predictor. Several times faster; the
  choice for live video.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from toonmoji.errors import CheckpointError, NoFaceError
from toonmoji.extras import missing_error, require


@dataclass(frozen=True)
class Face:
    """One face: `box` is (x0, y0, x1, y1) in pixels, `landmarks` (68, 2) float x, y."""

    box: tuple[float, float, float, float]
    confidence: float
    landmarks: np.ndarray = field(repr=False)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    def to_json(self) -> dict[str, object]:
        return {
            "box": [round(float(v), 1) for v in self.box],
            "confidence": round(float(self.confidence), 4),
            "landmarks": np.round(self.landmarks, 1).tolist(),
        }


class FaceDetector(Protocol):
    """Anything that finds faces in an `(H, W, 3) uint8` RGB image."""

    name: str

    def detect(self, image: np.ndarray) -> list[Face]: ...


def model_file(name: str) -> Path:
    """A model file shipped in the `face-recognition-models` package.

    Located without importing the package: its `__init__` needs `pkg_resources`, which current
    setuptools no longer provides.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise missing_error("face_recognition_models", extra="dlib", feature="dlib's 68-point landmarks")
    path = Path(spec.submodule_search_locations[0]) / "models" / name
    if not path.is_file():
        raise CheckpointError(f"model file missing from face-recognition-models: {path}")
    return path


@functools.cache
def _shape_predictor_68():
    dlib = require("dlib", extra="dlib", feature="dlib's 68-point landmarks")
    return dlib.shape_predictor(str(model_file("shape_predictor_68_face_landmarks.dat")))


@functools.cache
def _hog_detector():
    dlib = require("dlib", extra="dlib", feature="the dlib face detector")
    return dlib.get_frontal_face_detector()


@functools.cache
def _haar_cascade() -> cv2.CascadeClassifier:
    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():  # pragma: no cover - only if the OpenCV wheel is broken
        raise RuntimeError(f"cannot load Haar cascade {path}")
    return cascade


def landmarks_68(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The 68 iBUG landmarks inside `box`, as `(68, 2) float64` x, y."""
    dlib = require("dlib", extra="dlib", feature="dlib's 68-point landmarks")
    rect = dlib.rectangle(*(round(v) for v in box))
    shape = _shape_predictor_68()(image, rect)
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def _sorted_largest_first(faces: list[Face]) -> list[Face]:
    return sorted(faces, key=lambda f: f.width, reverse=True)


@dataclass
class DlibDetector:
    """dlib HOG detector; `min_confidence` is the SVM score threshold (0 is dlib's default)."""

    min_confidence: float = 0.3
    upsample: int = 1
    name: str = "dlib"

    def detect(self, image: np.ndarray) -> list[Face]:
        image = np.ascontiguousarray(image)
        rects, scores, _ = _hog_detector().run(image, self.upsample, self.min_confidence)
        faces = []
        for rect, score in zip(rects, scores):
            box = (float(rect.left()), float(rect.top()), float(rect.right()), float(rect.bottom()))
            faces.append(Face(box, float(score), landmarks_68(image, box)))
        return _sorted_largest_first(faces)


@dataclass
class HaarDetector:
    """OpenCV Haar cascade; fast. Landmarks come from the 68-point predictor unless turned off.

    Detection runs on a copy at most `max_width` wide (the cascade's cost grows with area);
    `min_confidence` is the cascade's final-stage weight: real faces score about 5-8 here, the
    occasional false hit below 2.
    """

    min_confidence: float = 3.0
    min_size: int = 30
    with_landmarks: bool = True
    max_width: int = 320
    scale_factor: float = 1.1  # pyramid step; 1.2 is about twice as fast, for video
    name: str = "haar"

    def detect(self, image: np.ndarray) -> list[Face]:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        scale = 1.0
        if grey.shape[1] > self.max_width:  # detect on a smaller copy: the cascade's cost is area
            scale = self.max_width / grey.shape[1]
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(grey)
        rects, _, weights = _haar_cascade().detectMultiScale3(
            grey,
            scaleFactor=self.scale_factor,
            minNeighbors=5,
            minSize=(max(8, int(self.min_size * scale)),) * 2,
            outputRejectLevels=True,
        )
        faces = []
        for (x, y, w, h), weight in zip(rects, np.ravel(weights)):
            if weight < self.min_confidence:
                continue
            box = (x / scale, y / scale, (x + w) / scale, (y + h) / scale)
            lms = landmarks_68(image, box) if self.with_landmarks else np.zeros((0, 2))
            faces.append(Face(box, float(weight), lms))
        return _sorted_largest_first(faces)


DETECTORS = {"dlib": DlibDetector, "haar": HaarDetector}


def make_detector(name: str = "dlib", **kwargs: object) -> FaceDetector:
    """Build a detector by name (`dlib` or `haar`)."""
    try:
        return DETECTORS[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; choose from {', '.join(DETECTORS)}") from None


def detect_faces(image: np.ndarray, detector: str | FaceDetector = "dlib") -> list[Face]:
    """Every face in an RGB image, largest first."""
    det = make_detector(detector) if isinstance(detector, str) else detector
    return det.detect(image)


def require_faces(faces: list[Face], source: str) -> list[Face]:
    """Raise NoFaceError (one line, naming the source) if `faces` is empty."""
    if not faces:
        raise NoFaceError(f"no face found in {source}")
    return faces
