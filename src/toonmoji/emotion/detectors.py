"""The Haar face detector as emotion reading uses it: fast, no landmarks, weak hits dropped.

Its own module so that both the photo path (recognize.py) and the video tracker (tracking.py)
can build it without importing each other.
"""

from __future__ import annotations

from toonmoji.faces.detect import FaceDetector, make_detector


def haar_detector(detect_width: int = 640, scale_factor: float = 1.1, min_face: int = 40,
                  min_confidence: float = 2.0) -> FaceDetector:
    """Haar cascade on a copy shrunk to `detect_width`, without landmarks (emotion needs none).

    `min_confidence` 2 drops the weak cascade hits that are mostly not faces (real faces score 4-9)."""
    return make_detector("haar", max_width=detect_width, scale_factor=scale_factor, min_size=min_face,
                         with_landmarks=False, min_confidence=min_confidence)
