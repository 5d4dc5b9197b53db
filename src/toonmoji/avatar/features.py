"""Face and feature measurements from the 68 iBUG landmarks (and a few pixel cues).

Landmarks are first turned upright (the head's roll removed) and measured in face widths (jaw
corner to jaw corner, points 0 and 16). Each measure is mapped to its attribute by its average over
real faces (the `AVERAGE_*` constants, measured on the sample portrait and the real photos in
../shared/data/faces with dlib's predictor), with a gain that exaggerates a little: a caricature
reads more like the person than the average face does.

iBUG order: jaw 0-16, brows 17-21 (image left) and 22-26, nose 27-35, eyes 36-41 and 42-47,
outer lips 48-59, inner lips 60-67.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.faces.detect import landmark_roll_degrees

# median measures (face-width units unless noted) over 44 real faces (the 43 in
# ../shared/data/faces and the sample portrait), dlib's 68-point predictor
AVERAGE_RATIO = 1.20  # face width / face length (nose bridge to chin)
AVERAGE_JAW = 0.816  # width between points 4 and 12
AVERAGE_CHIN = 0.457  # width between points 6 and 10
AVERAGE_EYE = 0.162  # eye width
AVERAGE_SPACING = 0.425  # between eye centres
AVERAGE_OPEN = 0.272  # eye height / eye width
AVERAGE_NOSE = 0.208  # nostril width
AVERAGE_MOUTH = 0.416  # mouth width
AVERAGE_LIPS = 0.095  # upper + lower lip thickness
AVERAGE_ARCH = 0.12  # brow peak above the line through its ends, in brow lengths


@dataclass(frozen=True)
class Upright:
    """Landmarks with the roll removed: `points` (68, 2) in face widths, origin at the nose
    bridge (27), x right, y down. `roll`: degrees (clockwise on screen). `width`: pixels per unit.
    `matrix`: 2x3 affine image -> upright pixels (unscaled, rotated about the nose bridge)."""

    points: np.ndarray
    roll: float
    width: float
    matrix: np.ndarray

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> Upright:
        lm = np.asarray(landmarks, np.float64)
        roll = landmark_roll_degrees(lm)
        m = cv2.getRotationMatrix2D((float(lm[27, 0]), float(lm[27, 1])), roll, 1.0)
        pts = lm @ m[:, :2].T + m[:, 2]
        width = float(np.hypot(*(pts[16] - pts[0])))
        return cls((pts - pts[27]) / max(width, 1e-6), roll, width, m)

    def dist(self, a: int, b: int) -> float:
        return float(np.hypot(*(self.points[a] - self.points[b])))


def _gain(value: float, average: float, gain: float, lo: float, hi: float, centre: float = 1.0) -> float:
    return float(np.clip(centre + (value / average - 1.0) * gain, lo, hi))


def measure_shape(u: Upright) -> dict[str, float]:
    """Face, eyes, brows, nose and mouth attributes from the upright landmarks."""
    p = u.points
    length = u.dist(27, 8)
    eye_w = (u.dist(36, 39) + u.dist(42, 45)) / 2
    eye_h = (u.dist(37, 41) + u.dist(38, 40) + u.dist(43, 47) + u.dist(44, 46)) / 4
    # eye tilt: outer corner above inner is positive, averaged over both eyes (mirror-symmetric)
    tilt_l = np.degrees(np.arctan2(p[39, 1] - p[36, 1], p[39, 0] - p[36, 0]))
    tilt_r = np.degrees(np.arctan2(p[42, 1] - p[45, 1], p[45, 0] - p[42, 0]))
    arches, brow_tilts = [], []
    for a, peak, b in ((17, 19, 21), (26, 24, 22)):
        line = p[b] - p[a]
        n = np.array([line[1], -line[0]]) / (np.hypot(*line) + 1e-9)
        if n[1] > 0:
            n = -n
        arches.append(float(np.dot(p[peak] - p[a], n)) / (np.hypot(*line) + 1e-9))
        brow_tilts.append(float(np.degrees(np.arctan2(p[b, 1] - p[a, 1], abs(p[b, 0] - p[a, 0])))))
    return {
        "face.width": _gain(1.0 / max(length, 1e-6), AVERAGE_RATIO, 1.2, 0.7, 1.3),
        "face.jaw": _gain(u.dist(4, 12), AVERAGE_JAW, 4.0, 0.0, 1.0, 0.5),
        "face.chin": _gain(u.dist(6, 10), AVERAGE_CHIN, -3.0, 0.0, 1.0, 0.5),
        "face.roll": float(np.clip(u.roll, -45.0, 45.0)),
        "eyes.size": _gain(eye_w, AVERAGE_EYE, 1.5, 0.6, 1.5),
        "eyes.spacing": _gain(float(np.hypot(*(p[42:48].mean(0) - p[36:42].mean(0)))), AVERAGE_SPACING, 1.5, 0.75, 1.25),
        "eyes.openness": _gain(eye_h / max(eye_w, 1e-6), AVERAGE_OPEN, 1.2, 0.5, 1.5),
        "eyes.tilt": float(np.clip(-(tilt_l + tilt_r) / 2 * 1.5, -20.0, 20.0)),
        "brows.arch": _gain(float(np.mean(arches)), AVERAGE_ARCH, 0.8, 0.0, 1.0, 0.5),
        "brows.tilt": float(np.clip(np.mean(brow_tilts) * 0.8, -20.0, 20.0)),
        "nose.width": _gain(u.dist(31, 35), AVERAGE_NOSE, 1.5, 0.6, 1.6),
        "mouth.width": _gain(u.dist(48, 54), AVERAGE_MOUTH, 1.5, 0.6, 1.5),
        "mouth.lips": _gain(u.dist(50, 61) / 2 + u.dist(52, 63) / 2 + u.dist(65, 56) / 2 + u.dist(67, 58) / 2,
                            AVERAGE_LIPS, 1.2, 0.5, 1.8),
    }


def mouth_opening(landmarks: np.ndarray) -> float:
    """How open the mouth is, 0 closed .. 1 wide open (inner lips apart by 0.35 face lengths)."""
    lm = np.asarray(landmarks, np.float64)
    gap = np.hypot(*(lm[66] - lm[62]))
    length = np.hypot(*(lm[8] - lm[27])) + 1e-6
    return float(np.clip((gap / length - 0.03) / 0.3, 0.0, 1.0))


def eye_closure(landmarks: np.ndarray) -> float:
    """0 open .. 1 shut, from the eye aspect ratio (Soukupova and Cech 2016): about 0.3 open,
    under 0.15 shut."""
    lm = np.asarray(landmarks, np.float64)

    def ear(e: np.ndarray) -> float:
        return (np.hypot(*(e[1] - e[5])) + np.hypot(*(e[2] - e[4]))) / (2 * np.hypot(*(e[0] - e[3])) + 1e-6)

    ratio = (ear(lm[36:42]) + ear(lm[42:48])) / 2
    return float(np.clip((0.24 - ratio) / 0.1, 0.0, 1.0))
