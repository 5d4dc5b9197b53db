"""Face detection behind one small interface, so a detector can be swapped.

Three detectors ship, all from models inside registry packages (no downloads):
- `auto` (the default): CenterFace (MIT) boxes on a reduced copy of the photo, then MediaPipe's
  478-point face mesh with irises (Apache-2.0) on the original; `Face.landmarks` are the 68 iBUG
  points picked from the mesh. Finds turned, small and partly covered faces, and loads no
  research-only model.
- `dlib`: dlib's HOG detector + dlib's 68-point shape predictor, exactly what FFHQ alignment was
  defined on. Frontal faces only; the predictor was trained on iBUG 300-W (research use only).
- `haar`: OpenCV's Haar cascade boxes + the same 68-point predictor. Fast, frontal faces only.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from toonmoji.errors import CheckpointError, InputError, NoFaceError
from toonmoji.extras import missing_error, require


@dataclass(frozen=True)
class Face:
    """One face: `box` is (x0, y0, x1, y1) in pixels (a square from brows to chin, as dlib's),
    `landmarks` (68, 2) float x, y in iBUG order; `mesh` (478, 2) float x, y from the `auto`
    detector (MediaPipe's mesh, irises at 468-477), else None; `eyes` (2, 2) float x, y of the
    subject's right then left eye from a detector that gave no landmarks (CenterFace), else None;
    `depth` (468,) the mesh net's z for the mesh's first 468 points (image pixels, smaller nearer
    the camera), where the face has a mesh."""

    box: tuple[float, float, float, float]
    confidence: float
    landmarks: np.ndarray = field(repr=False)
    mesh: np.ndarray | None = field(default=None, repr=False, compare=False)
    eyes: np.ndarray | None = field(default=None, repr=False, compare=False)
    depth: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    def to_json(self) -> dict[str, object]:
        return {
            "box": [round(float(v), 1) for v in self.box],
            "confidence": round(float(self.confidence), 4),
            "landmarks": np.round(self.landmarks, 1).tolist(),
        }


def eye_line_degrees(face: Face) -> float | None:
    """The head's roll: the angle of the line from the subject's right eye to the left one, in
    degrees, image y down (0 upright, positive when that line runs down to the image right, near
    180 upside down); None when the face has neither landmarks nor eye points."""
    if face.landmarks.shape == (68, 2):
        return landmark_roll_degrees(face.landmarks)
    if face.eyes is not None and face.eyes.shape == (2, 2):
        return _line_degrees(*face.eyes)
    return None


def landmark_roll_degrees(landmarks: np.ndarray) -> float:
    """`eye_line_degrees` from 68 iBUG landmarks: the line between the two eyes' centres."""
    lm = np.asarray(landmarks, np.float64)
    return _line_degrees(lm[36:42].mean(axis=0), lm[42:48].mean(axis=0))


def _line_degrees(start: np.ndarray, end: np.ndarray) -> float:
    dx, dy = np.asarray(end, np.float64) - np.asarray(start, np.float64)
    return float(np.degrees(np.arctan2(dy, dx)))


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


def as_rgb(image: np.ndarray) -> np.ndarray:
    """`(H, W, 3) uint8` RGB from a grey `(H, W)` / `(H, W, 1)` or RGBA `(H, W, 4)` array."""
    if image.ndim == 2 or image.shape[2] == 1:
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2RGB)
    return image[..., :3] if image.shape[2] == 4 else image


def box_from_centerface(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """CenterFace's box (forehead to chin, taller than wide) as the square, brows-to-chin box that
    dlib and hand-labelled face sets use (fitted on the 43 labelled faces in the project's test
    photos: side 0.87 of the height and 1.13 of the width, centre 0.05 of the height lower)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    side = (0.87 * h + 1.13 * w) / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + 0.05 * h
    return (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)


@dataclass
class AutoDetector:
    """CenterFace on a copy at most `max_side` pixels on its long side, then the 478-point mesh
    on the original (so a 10000-px photo costs the same to search and loses no detail).

    `min_confidence` is CenterFace's heatmap score (real faces 0.7-0.95 here). `landmarks`:
    "mesh" (default; permissive licence), "dlib" (dlib's 68-point predictor on the box: the exact
    FFHQ landmarks, research-only model) or "none" (boxes only: faster, for emotion).
    """

    min_confidence: float = 0.5
    max_side: int = 1280
    landmarks: str = "mesh"
    min_mesh_score: float = 0.5  # the mesh net's own face/no-face score drops false finds
    name: str = "auto"

    def detect(self, image: np.ndarray) -> list[Face]:
        from toonmoji.faces.centerface import centerface

        image = as_rgb(image)
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = image if scale == 1.0 else cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                                                       interpolation=cv2.INTER_AREA)
        faces = []
        for det in centerface(small, self.min_confidence):
            box = tuple(v / scale for v in det.box)
            face = self._face(image, box, det.score, det.points / scale)
            if face is not None:
                faces.append(face)
        return _sorted_largest_first(faces)

    def _face(self, image: np.ndarray, raw_box: tuple[float, ...], score: float, points: np.ndarray) -> Face | None:
        box = box_from_centerface(raw_box)  # type: ignore[arg-type]
        if self.landmarks == "none":
            return Face(box, score, np.zeros((0, 2)), eyes=np.asarray(points[:2], np.float64))
        if self.landmarks == "dlib":
            return Face(box, score, landmarks_68(np.ascontiguousarray(image), box))
        from toonmoji.faces.mesh import face_mesh_depth, landmarks_68_from_mesh

        x0, y0, x1, y1 = raw_box
        eyes = points[1] - points[0]
        mesh, depth, mesh_score = face_mesh_depth(image, np.array([(x0 + x1) / 2, (y0 + y1) / 2]),
                                                  max(x1 - x0, y1 - y0) * 1.5, float(np.arctan2(eyes[1], eyes[0])))
        if mesh_score < self.min_mesh_score:
            return None
        return Face(box, score, landmarks_68_from_mesh(mesh), mesh, depth=depth)


DETECTORS = {"auto": AutoDetector, "dlib": DlibDetector, "haar": HaarDetector}
LANDMARK_MODELS = ("mesh", "dlib")


def make_detector(name: str = "auto", **kwargs: object) -> FaceDetector:
    """Build a detector by name (`auto`, `dlib` or `haar`)."""
    try:
        return DETECTORS[name](**kwargs)
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; choose from {', '.join(DETECTORS)}") from None


def cli_detector(name: str, landmarks: str | None = None) -> FaceDetector:
    """A detector from command-line names; InputError (one line) for an unknown name.

    `landmarks` None means each detector's own: the mesh for `auto`, dlib's for `dlib`/`haar`."""
    if name not in DETECTORS:
        raise InputError(f"unknown detector {name!r}; choose {', '.join(DETECTORS)}")
    if landmarks is not None and landmarks not in LANDMARK_MODELS:
        raise InputError(f"unknown landmark model {landmarks!r}; choose {', '.join(LANDMARK_MODELS)}")
    if name == "auto":
        return AutoDetector(landmarks=landmarks or "mesh")
    if landmarks == "mesh":  # dlib and haar boxes come with dlib's landmarks only
        raise InputError(f"--detector {name} gives dlib's landmarks only; use --landmarks dlib or --detector auto")
    return make_detector(name)


def detect_faces(image: np.ndarray, detector: str | FaceDetector = "auto") -> list[Face]:
    """Every face in an RGB image, largest first."""
    det = make_detector(detector) if isinstance(detector, str) else detector
    return det.detect(image)


def require_faces(faces: list[Face], source: str) -> list[Face]:
    """Raise NoFaceError (one line, naming the source) if `faces` is empty."""
    if not faces:
        raise NoFaceError(f"no face found in {source}")
    return faces
