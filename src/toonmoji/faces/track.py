"""The `auto` detector for video: CenterFace full scans every few frames, and between them each
known face re-detected by the same net in a small window around where it was.

A full scan of a 320-px copy costs several times one look at a 64x64 window, and a face moves
little from one frame to the next: so between full scans (every `rescan_every` frames, or at
once when a face is lost or none is known) each face is searched for only near its last box, at
about `work_size` pixels wide. Every frame still gets fresh boxes from the detector; a face
entering the picture is found by the next full scan. Boxes only (emotion needs no landmarks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from toonmoji.faces.centerface import centerface
from toonmoji.faces.detect import AutoDetector, Face, as_rgb, box_from_centerface


@dataclass
class TrackingAutoDetector:
    """CenterFace scans of a copy `detect_width` wide every `rescan_every` frames; local
    re-detection in between. Frames must come in order."""

    detect_width: int = 320
    rescan_every: int = 10
    min_confidence: float = 0.5
    search_margin: float = 0.5  # the window reaches this share of the face size beyond its box
    work_size: int = 32  # a known face is searched for at about this many pixels wide
    name: str = "auto-tracking"
    _faces: list[tuple[Face, tuple[float, float, float, float]]] = field(default_factory=list, repr=False)
    _since_scan: int = field(default=0, repr=False)

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an `(H, W, 3) uint8` RGB frame, largest first."""
        image = as_rgb(image)
        found = None
        if self._faces and self._since_scan + 1 < self.rescan_every:
            local = [self._redetect(image, raw) for _, raw in self._faces]
            if all(f is not None for f in local):
                found, self._since_scan = local, self._since_scan + 1
        if found is None:  # time for a full scan, nothing known, or a face was lost
            found, self._since_scan = self._full_scan(image), 0
        self._faces = found
        return sorted((f for f, _ in found), key=lambda f: f.width, reverse=True)

    def reset(self) -> None:
        self._faces, self._since_scan = [], 0

    def _full_scan(self, image: np.ndarray) -> list[tuple[Face, tuple[float, float, float, float]]]:
        h, w = image.shape[:2]
        scale = min(1.0, self.detect_width / w)
        small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), max(1, round(h * scale))),
                                                       interpolation=cv2.INTER_AREA)
        return [self._face(tuple(v / scale for v in d.box), d.score) for d in centerface(small, self.min_confidence)]

    def _face(self, raw: tuple[float, ...], score: float) -> tuple[Face, tuple[float, float, float, float]]:
        raw4 = (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))
        return Face(box_from_centerface(raw4), float(score), np.zeros((0, 2))), raw4

    def _redetect(self, image: np.ndarray, raw: tuple[float, float, float, float]):
        h, w = image.shape[:2]
        x0, y0, x1, y1 = raw
        size = max(x1 - x0, y1 - y0)
        m = size * self.search_margin
        rx0, ry0 = max(0, int(x0 - m)), max(0, int(y0 - m))
        rx1, ry1 = min(w, int(np.ceil(x1 + m))), min(h, int(np.ceil(y1 + m)))
        if rx1 - rx0 < 8 or ry1 - ry0 < 8:
            return None
        # the window at about `work_size` per face, never over the net's 32-px step above it: a
        # 65-px window is padded to 96 and costs twice a 64-px one
        limit = 32 * max(1, round(self.work_size * (1 + 2 * self.search_margin) / 32))
        scale = min(self.work_size / size, limit / max(rx1 - rx0, ry1 - ry0))
        ww, wh = min(limit, max(1, round((rx1 - rx0) * scale))), min(limit, max(1, round((ry1 - ry0) * scale)))
        sx, sy = ww / (rx1 - rx0), wh / (ry1 - ry0)
        window = cv2.resize(image[ry0:ry1, rx0:rx1], (ww, wh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        dets = [d for d in centerface(window, self.min_confidence) if d.box[2] - d.box[0] > 0.6 * size * sx]
        if not dets:
            return None
        d = max(dets, key=lambda d: d.score)
        bx0, by0, bx1, by1 = d.box
        return self._face((rx0 + bx0 / sx, ry0 + by0 / sy, rx0 + bx1 / sx, ry0 + by1 / sy), d.score)


def auto_live_detector(detect_width: int = 320, rescan_every: int = 10):
    """The `auto` video detector: tracking as above, or a full scan every frame (`rescan_every`
    1) without landmarks."""
    if rescan_every <= 1:
        return AutoDetector(max_side=detect_width, landmarks="none")
    return TrackingAutoDetector(detect_width=detect_width, rescan_every=rescan_every)
