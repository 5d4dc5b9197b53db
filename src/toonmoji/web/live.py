"""Live mode: camera frames from the browser, one WebSocket message each, answered with the faces,
labels and probabilities found in them.

Each connection has its own `EmotionSession` (the video pipeline of `toonmoji emotion --camera`:
CenterFace, tracking known faces between full scans, labels smoothed over a few frames);
the ONNX emotion model is shared. The page sends its next frame when the answer to the last one
has come, so a slow machine lowers the frame rate instead of building a queue. When the page has
an avatar it sends it once as a text message; each answer then also carries the avatar moved by
the face (`avatar.puppet`, the face mesh followed on every frame), drawn as SVG.
"""

from __future__ import annotations

import json
import time

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.live import EmotionSession
from toonmoji.emotion.smooth import EmotionSmoother
from toonmoji.errors import ToonmojiError
from toonmoji.faces.track import auto_live_detector
from toonmoji.web.uploads import decode_upload

MAX_FRAME_PIXELS = 4_000_000
MAX_FPS = 30  # frames answered per second and connection: what a camera gives, no more
PUPPET_SIZE = 192  # the puppet's SVG display size on the page


class LiveSession:
    """State of one camera connection; with an avatar sent (`configure`), its puppet too."""

    def __init__(self, classifier: EmotionClassifier, max_bytes: int, smooth_frames: int = 3):
        smoother = EmotionSmoother(smooth_frames) if smooth_frames > 1 else None
        self.session = EmotionSession(classifier, auto_live_detector(320, rescan_every=10), smoother)
        self.max_bytes = max_bytes
        self.frames = 0
        self.puppet = None
        self.start = time.perf_counter()

    def configure(self, text: str) -> dict[str, object]:
        """A text message `{"avatar": {...the avatar file's JSON...}}`: from now on each answer
        carries the avatar moved by the face (`"puppet"`); `{"avatar": null}` stops it."""
        from toonmoji.avatar.avatar import Avatar
        from toonmoji.avatar.puppet import Puppet
        from toonmoji.faces.follow import MeshFollower

        try:
            message = json.loads(text)
            avatar = message["avatar"]
        except (ValueError, KeyError, TypeError):
            return {"configured": False, "error": 'send {"avatar": ...} as text, or frames as binary messages'}
        try:
            self.puppet = None if avatar is None else Puppet(Avatar.from_json(json.dumps(avatar), "the avatar sent"),
                                                             size=PUPPET_SIZE, follower=MeshFollower(alternate_eyes=True))
        except ToonmojiError as exc:
            return {"configured": False, "error": str(exc)}
        return {"configured": True}

    def process(self, data: bytes) -> dict[str, object]:
        """One encoded frame (JPEG, PNG or WebP bytes) -> `{"frame", "width", "height", "faces",
        "ms"}`; ImageReadError (one line) for bytes that are not an image."""
        start = time.perf_counter()
        image, _ = decode_upload(data, f"frame {self.frames}", self.max_bytes, MAX_FRAME_PIXELS)
        results = self.session.classify(image)
        self.frames += 1
        reply: dict[str, object] = {
            "frame": self.frames - 1,
            "width": int(image.shape[1]),
            "height": int(image.shape[0]),
            "faces": [r.to_json() for r in results],
        }
        if self.puppet is not None:
            reply["puppet"] = self._puppet(image, results[0] if results else None)
        reply["ms"] = round((time.perf_counter() - start) * 1000, 1)
        return reply

    def _puppet(self, image, main) -> dict[str, object]:
        """The avatar following the face in this frame, as SVG text, with the signals behind it;
        the emotion is the session's own reading of the main face."""
        from toonmoji.avatar.svg import svg_document

        probs = None if main is None else dict(zip(main.classes, (float(p) for p in main.probabilities)))
        shapes, frame = self.puppet.pose(image, time.perf_counter() - self.start, probs)
        return {"svg": svg_document(shapes, PUPPET_SIZE), "face": frame.face, "signals": frame.signals.to_json()}
