"""The `auto` detector for video: CenterFace full scans every few frames, and between them each
known face re-detected by the same net in a small window around where it was.

A full scan of a 320-px copy costs several times one look at a 64x64 window, and a face moves
little from one frame to the next: so between full scans (every `rescan_every` frames, or at
once when a face is lost or none is known) each face is searched for only near its last box, at
about `work_size` pixels wide. Even that look costs about 2 ms, so on most frames in between
(all but every `verify_every`-th) the box is only moved by template matching (`cv2.matchTemplate`
of the face as last detected, sub-pixel peak), a tenth of the cost; a poor match sends the face
back to the detector at once. A face entering the picture is found by the next full scan. Boxes
and CenterFace's two eye points only (emotion levels its crop by them; no landmarks).
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
    verify_every: int = 3  # the detector re-finds known faces every this many frames; 1: every frame
    template_size: int = 48  # template matching sees a face at about this many pixels wide
    min_match: float = 0.7  # normalised correlation below which a face goes back to the detector
    name: str = "auto-tracking"
    _faces: list[tuple[Face, tuple[float, float, float, float]]] = field(default_factory=list, repr=False)
    _templates: list[np.ndarray] = field(default_factory=list, repr=False)
    _since_scan: int = field(default=0, repr=False)
    _since_verify: int = field(default=0, repr=False)

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an `(H, W, 3) uint8` RGB frame, largest first."""
        image = as_rgb(image)
        found, detected = None, True
        if self._faces and self._since_scan + 1 < self.rescan_every:
            if self._since_verify + 1 < self.verify_every and len(self._templates) == len(self._faces):
                moved = [self._follow(image, raw, t, f) for (f, raw), t in zip(self._faces, self._templates)]
                if all(f is not None for f in moved):
                    found, detected, self._since_verify = moved, False, self._since_verify + 1
            if found is None:
                local = [self._redetect(image, raw) for _, raw in self._faces]
                if all(f is not None for f in local):
                    found, self._since_verify = local, 0
            if found is not None:
                self._since_scan += 1
        if found is None:  # time for a full scan, nothing known, or a face was lost
            found, self._since_scan, self._since_verify = self._full_scan(image), 0, 0
        if detected:  # templates come from the detector's own boxes only, so matching never drifts far
            self._templates = [self._template(image, raw) for _, raw in found]
        self._faces = found
        return sorted((f for f, _ in found), key=lambda f: f.width, reverse=True)

    def reset(self) -> None:
        self._faces, self._templates, self._since_scan, self._since_verify = [], [], 0, 0

    def _template(self, image: np.ndarray, raw: tuple[float, float, float, float]) -> np.ndarray:
        """The face as last detected: grey, `template_size` wide (empty if it leaves the frame)."""
        x0, y0, x1, y1 = (round(v) for v in raw)
        h, w = image.shape[:2]
        if x0 < 0 or y0 < 0 or x1 > w or y1 > h or x1 - x0 < 8 or y1 - y0 < 8:
            return np.zeros((0, 0), np.uint8)
        k = self.template_size / (x1 - x0)
        grey = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
        return cv2.resize(grey, (self.template_size, max(8, round((y1 - y0) * k))), interpolation=cv2.INTER_AREA)

    def _follow(self, image: np.ndarray, raw: tuple[float, float, float, float], template: np.ndarray, face: Face):
        """The face moved by template matching near its last box (same size, its eye points moved
        with it); None if it matches poorly or the search leaves the frame."""
        if template.size == 0:
            return None
        h, w = image.shape[:2]
        x0, y0, x1, y1 = raw
        k = self.template_size / (round(x1) - round(x0))
        m = 0.25 * (x1 - x0)
        rx0, ry0, rx1, ry1 = round(x0 - m), round(y0 - m), round(x1 + m), round(y1 + m)
        if rx0 < 0 or ry0 < 0 or rx1 > w or ry1 > h:
            return None
        region = cv2.cvtColor(image[ry0:ry1, rx0:rx1], cv2.COLOR_RGB2GRAY)
        region = cv2.resize(region, (max(template.shape[1] + 2, round((rx1 - rx0) * k)),
                                     max(template.shape[0] + 2, round((ry1 - ry0) * k))), interpolation=cv2.INTER_AREA)
        scores = cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best < self.min_match:
            return None
        dx, dy = bx + _peak(scores[by, max(0, bx - 1) : bx + 2]), by + _peak(scores[max(0, by - 1) : by + 2, bx])
        sx, sy = (rx1 - rx0) / region.shape[1], (ry1 - ry0) / region.shape[0]
        nx0, ny0 = rx0 + dx * sx, ry0 + dy * sy
        eyes = None if face.eyes is None else face.eyes + (nx0 - x0, ny0 - y0)
        return self._face((nx0, ny0, nx0 + (x1 - x0), ny0 + (y1 - y0)), face.confidence, eyes)

    def _full_scan(self, image: np.ndarray) -> list[tuple[Face, tuple[float, float, float, float]]]:
        h, w = image.shape[:2]
        scale = min(1.0, self.detect_width / w)
        small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), max(1, round(h * scale))),
                                                       interpolation=cv2.INTER_AREA)
        return [self._face(tuple(v / scale for v in d.box), d.score, d.points[:2] / scale)
                for d in centerface(small, self.min_confidence)]

    def _face(self, raw: tuple[float, ...], score: float,
              eyes: np.ndarray | None = None) -> tuple[Face, tuple[float, float, float, float]]:
        raw4 = (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))
        eyes = None if eyes is None else np.asarray(eyes, np.float64)
        return Face(box_from_centerface(raw4), float(score), np.zeros((0, 2)), eyes=eyes), raw4

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
        eyes = d.points[:2] / (sx, sy) + (rx0, ry0)
        return self._face((rx0 + bx0 / sx, ry0 + by0 / sy, rx0 + bx1 / sx, ry0 + by1 / sy), d.score, eyes)


def _peak(values: np.ndarray) -> float:
    """Sub-pixel offset of a 1-D peak from three samples around it (a parabola's vertex); 0 at
    an edge."""
    if len(values) != 3:
        return 0.0
    a, b, c = (float(v) for v in values)
    denom = a - 2 * b + c
    return 0.0 if abs(denom) < 1e-9 else float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5))


def auto_live_detector(detect_width: int = 320, rescan_every: int = 10):
    """The `auto` video detector: tracking as above, or a full scan every frame (`rescan_every`
    1) without landmarks."""
    if rescan_every <= 1:
        return AutoDetector(max_side=detect_width, landmarks="none")
    return TrackingAutoDetector(detect_width=detect_width, rescan_every=rescan_every)
