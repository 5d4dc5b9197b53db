"""Live mode: camera frames from the browser, one WebSocket message each, answered with the faces,
labels and probabilities found in them.

Each connection has its own `EmotionSession` (the video pipeline of `toonmoji emotion --camera`:
CenterFace, tracking known faces between full scans, labels smoothed over a few frames);
the ONNX emotion model is shared. The page sends its next frame when the answer to the last one
has come, so a slow machine lowers the frame rate instead of building a queue.
"""

from __future__ import annotations

import time

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.live import EmotionSession
from toonmoji.emotion.smooth import EmotionSmoother
from toonmoji.faces.track import auto_live_detector
from toonmoji.web.uploads import decode_upload

MAX_FRAME_PIXELS = 4_000_000
MAX_FPS = 30  # frames answered per second and connection: what a camera gives, no more


class LiveSession:
    """State of one camera connection."""

    def __init__(self, classifier: EmotionClassifier, max_bytes: int, smooth_frames: int = 3):
        smoother = EmotionSmoother(smooth_frames) if smooth_frames > 1 else None
        self.session = EmotionSession(classifier, auto_live_detector(320, rescan_every=10), smoother)
        self.max_bytes = max_bytes
        self.frames = 0

    def process(self, data: bytes) -> dict[str, object]:
        """One encoded frame (JPEG, PNG or WebP bytes) -> `{"frame", "width", "height", "faces",
        "ms"}`; ImageReadError (one line) for bytes that are not an image."""
        start = time.perf_counter()
        image, _ = decode_upload(data, f"frame {self.frames}", self.max_bytes, MAX_FRAME_PIXELS)
        results = self.session.classify(image)
        self.frames += 1
        return {
            "frame": self.frames - 1,
            "width": int(image.shape[1]),
            "height": int(image.shape[0]),
            "faces": [r.to_json() for r in results],
            "ms": round((time.perf_counter() - start) * 1000, 1),
        }
