"""Frame sequences with a known truth, made from one still face: turned in the picture, moved,
turned in depth (a cylinder warp), eyes shut, mouth opened, camera noise; and meshes made by
projecting the canonical face in a known pose."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from toonmoji.faces.signals import camera_matrix, canonical_face

REAL_FACES = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces"
RIGHT_EYE_RING = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7]
INNER_LIPS = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95]


def head_crop(image: np.ndarray, mesh: np.ndarray, side: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A `side` x `side` crop with the face filling half of it, and the mesh moved into it."""
    lo, hi = mesh[:468].min(axis=0), mesh[:468].max(axis=0)
    size = max(hi - lo) * 2.0
    centre = (lo + hi) / 2
    k = side / size
    m = np.array([[k, 0, side / 2 - k * centre[0]], [0, k, side / 2 - k * centre[1]]])
    crop = cv2.warpAffine(image, m, (side, side), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)
    return crop, mesh @ m[:, :2].T + m[:, 2]


def rotated(image: np.ndarray, degrees: float, centre: tuple[float, float], shift=(0.0, 0.0)) -> np.ndarray:
    """The picture turned `degrees` clockwise on screen about `centre`, then moved by `shift`."""
    m = cv2.getRotationMatrix2D(centre, -degrees, 1.0)
    m[:, 2] += shift
    return cv2.warpAffine(image, m, image.shape[1::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def turned(image: np.ndarray, degrees: float, cx: float, radius: float) -> np.ndarray:
    """The face as if it turned `degrees` about a vertical axis (nose to the image right for +):
    the columns within `radius` of `cx` mapped as a cylinder's surface turning."""
    h, w = image.shape[:2]
    xs = np.arange(w, dtype=np.float64)
    u = np.clip((xs - cx) / radius, -1.0, 1.0)
    src = cx + radius * np.sin(np.clip(np.arcsin(u) - np.radians(degrees), -np.pi / 2, np.pi / 2))
    src = np.where(np.abs(xs - cx) < radius, src, xs).astype(np.float32)
    map_x = np.repeat(src[None], h, axis=0)
    map_y = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def eye_shut(image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """The subject's right eye painted shut: skin from below the eye over it, a lash line across."""
    out = image.copy()
    ring = mesh[RIGHT_EYE_RING]
    width = np.hypot(*(mesh[133] - mesh[33]))
    below = mesh[[145, 153, 144]].mean(axis=0) + (0, 0.45 * width)
    skin = image[int(below[1]) - 2 : int(below[1]) + 3, int(below[0]) - 2 : int(below[0]) + 3].reshape(-1, 3).mean(axis=0)
    centre = ring.mean(axis=0)
    grown = centre + (ring - centre) * (1.5, 2.2)
    cv2.fillPoly(out, [np.round(grown).astype(np.int32)], tuple(float(v) for v in skin), cv2.LINE_AA)
    lash = np.array([mesh[33], mesh[145] + (0, 0.05 * width), mesh[133]])
    cv2.polylines(out, [np.round(lash).astype(np.int32)], False, (40, 25, 20), max(1, round(width * 0.06)), cv2.LINE_AA)
    return cv2.GaussianBlur(out, (3, 3), 0)


def mouth_opened(image: np.ndarray, mesh: np.ndarray, amount: float) -> np.ndarray:
    """The jaw dropped by `amount` of the mouth's width: everything below the lips' parting line
    moved down (a smooth ramp to the chin's bottom), the gap dark inside."""
    h, w = image.shape[:2]
    width = np.hypot(*(mesh[291] - mesh[61]))
    drop = amount * width
    parting = (mesh[13, 1] + mesh[14, 1]) / 2
    chin = mesh[152, 1] + 0.3 * width
    ys = np.arange(h, dtype=np.float64)
    ramp = np.clip((ys - parting) / max(1.0, drop), 0, 1) * np.clip((chin + drop - ys) / max(1.0, 0.4 * width), 0, 1)
    xs = np.arange(w, dtype=np.float64)
    near = np.clip(1.5 - np.abs(xs - mesh[152, 0]) / (1.2 * width), 0, 1)
    map_y = (ys[:, None] - drop * ramp[:, None] * near[None]).astype(np.float32)
    map_x = np.repeat(xs[None].astype(np.float32), h, axis=0)
    out = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    lips = mesh[INNER_LIPS].copy()
    lower = lips[:, 1] > parting
    lips[lower, 1] += drop
    cv2.fillPoly(out, [np.round(lips).astype(np.int32)], (45, 15, 20), cv2.LINE_AA)
    return out


def noisy(image: np.ndarray, rng: np.random.Generator, sigma: float = 3.0) -> np.ndarray:
    """Camera-like sensor noise on a still frame."""
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def projected_mesh(yaw: float, pitch: float, roll: float, width: int = 640, height: int = 480,
                   distance: float = 50.0) -> np.ndarray:
    """`(468, 2)` the canonical face seen in a known pose (degrees, the signals' convention) by
    the signals' own camera, centred in the picture `distance` cm away."""
    a, b, c = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), np.sin(b)], [0, -np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    obj = canonical_face() * (1.0, -1.0, -1.0)
    rvec, _ = cv2.Rodrigues(rz @ ry @ rx)
    pts, _ = cv2.projectPoints(obj, rvec, np.array([0.0, 0.0, distance]), camera_matrix(width, height), None)
    return pts.reshape(-1, 2)
