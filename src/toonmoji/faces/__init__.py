"""Faces: find them (detect.py), align them the FFHQ way and paste results back (align.py)."""

from __future__ import annotations

import numpy as np

from toonmoji.faces.align import AlignedFace, align_face, paste_back
from toonmoji.faces.detect import Face, FaceDetector, detect_faces, make_detector, require_faces

__all__ = [
    "AlignedFace",
    "Face",
    "FaceDetector",
    "align_face",
    "align_faces",
    "detect_faces",
    "make_detector",
    "paste_back",
    "require_faces",
]


def align_faces(
    image: np.ndarray,
    size: int = 1024,
    detector: str | FaceDetector = "auto",
    source: str = "the image",
) -> list[AlignedFace]:
    """Detect every face in an RGB image and align each; NoFaceError if there is none."""
    faces = require_faces(detect_faces(image, detector), source)
    return [align_face(image, face, size) for face in faces]
