"""The 478-point face mesh: MediaPipe's 468-point face landmark model plus its iris model on each
eye (Apache-2.0, converted to ONNX), and the map from mesh points to the 68 iBUG points that the
rest of toonmoji (FFHQ alignment, emoji matte, emotion crops, avatars) is written against.

MediaPipe's own pipeline, redone with OpenCV warps: a square region around the face, rotated so
the eyes are level, is resampled to 192x192 and the net returns 468 (x, y, z) points in it; a
second pass on the region the first pass's points span makes the fit tight. Each eye's region
(2.3 eye widths around its corners) goes to the iris model at 64x64, which returns 5 iris points
(centre first); the subject's left eye is mirrored first, as the model expects a right eye.
Points 468-472 are the iris around mesh points 33/133, 473-477 the one around 362/263, as in
MediaPipe's 478-point mesh.
"""

from __future__ import annotations

import cv2
import numpy as np

from toonmoji.faces.onnx_models import run

MESH_MODEL = "face_mesh_468.onnx"
IRIS_MODEL = "iris_landmark.onnx"
MESH_INPUT, IRIS_INPUT = 192, 64

# Mesh index for each of the 68 iBUG points (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47,
# mouth 48-67): the mapping widely used to feed MediaPipe meshes to 68-point code.
MESH_TO_68 = np.array([
    162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
    71, 63, 105, 66, 107, 336, 296, 334, 293, 301,
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
    78, 82, 13, 312, 308, 317, 14, 87,
])  # fmt: skip
RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS = (33, 133), (362, 263)  # the subject's right and left eye
RIGHT_IRIS, LEFT_IRIS = slice(468, 473), slice(473, 478)
# the mesh points that the iris model's first 16 contour points stand for (lower lid corner to
# corner, then the upper lid), right eye then left, as MediaPipe's iris pipeline maps them
EYE_CONTOURS = (
    np.array([33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173]),
    np.array([263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398]),
)
EYES = ((RIGHT_EYE_CORNERS, EYE_CONTOURS[0], False), (LEFT_EYE_CORNERS, EYE_CONTOURS[1], True))  # (corners, lids, mirror)


def roi_matrix(centre: np.ndarray, size: float, angle: float, out: int) -> np.ndarray:
    """2x3 affine from image pixels to an `out` x `out` crop of the square of side `size` around
    `centre`, turned by `angle` (radians, the face's tilt in the image) so the face is upright."""
    c, s = np.cos(angle), np.sin(angle)
    k = out / size
    rot = np.array([[c, s], [-s, c]]) * k
    return np.hstack([rot, (out / 2 - rot @ centre)[:, None]])


def _crop(image: np.ndarray, m: np.ndarray, out: int) -> np.ndarray:
    return cv2.warpAffine(image, m, (out, out), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _back(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Crop coordinates (N, 2) -> image coordinates, through the inverse of `m`."""
    inv = cv2.invertAffineTransform(m)
    return points @ inv[:, :2].T + inv[:, 2]


def mesh_468(image: np.ndarray, centre: np.ndarray, size: float, angle: float) -> tuple[np.ndarray, float]:
    """468 mesh points `(468, 2)` image x, y for the face in the given square region, and the
    net's face-presence score in [0, 1]."""
    points, score = mesh_468_xyz(image, centre, size, angle)
    return points[:, :2], score


def mesh_468_xyz(image: np.ndarray, centre: np.ndarray, size: float, angle: float) -> tuple[np.ndarray, float]:
    """`(468, 3)`: image x, y and the net's depth z (image pixels, smaller nearer the camera:
    the face's 3D shape, which lets measures be taken as if it faced the camera), and the score."""
    m = roi_matrix(centre, size, angle, MESH_INPUT)
    x = _crop(image, m, MESH_INPUT).astype(np.float32)[None] / 255.0
    coords, flag = run(MESH_MODEL, x)
    pts = coords.reshape(468, 3).astype(np.float64)
    scale = size / MESH_INPUT  # crop pixels -> image pixels, for z as for x and y
    xyz = np.hstack([_back(pts[:, :2], m), pts[:, 2:] * scale])
    return xyz, float(1.0 / (1.0 + np.exp(-float(flag.ravel()[0]))))


def region_from_mesh(mesh: np.ndarray, scale: float = 1.5) -> tuple[np.ndarray, float, float]:
    """(centre, size, angle) of the square region MediaPipe tracks a face with: the points' extent
    in the face's upright frame (eye corners 33 -> 263 give the tilt), times `scale`."""
    d = mesh[263] - mesh[33]
    angle = float(np.arctan2(d[1], d[0]))
    c, s = np.cos(angle), np.sin(angle)
    upright = mesh @ np.array([[c, -s], [s, c]])
    lo, hi = upright.min(axis=0), upright.max(axis=0)
    centre = ((lo + hi) / 2) @ np.array([[c, s], [-s, c]])
    return centre, float(max(hi - lo) * scale), angle


def iris_points(image: np.ndarray, corners: tuple[np.ndarray, np.ndarray], mirror: bool) -> np.ndarray:
    """The 5 iris points `(5, 2)` (centre, then the rim) of the eye between two corner points."""
    return eye_points(image, corners, mirror)[1]


def eye_points(image: np.ndarray, corners: tuple[np.ndarray, np.ndarray], mirror: bool) -> tuple[np.ndarray, np.ndarray]:
    """The iris model's two answers for the eye between two corner points: `(71, 2)` points of
    the eye's contour, rings around it and the brow (the first 16 are the lids, see
    `EYE_CONTOURS`), and the 5 iris points `(5, 2)`."""
    a, b = corners
    d = b - a
    angle = float(np.arctan2(d[1], d[0]))
    m = roi_matrix((a + b) / 2, float(np.hypot(*d)) * 2.3, angle, IRIS_INPUT)
    if mirror:
        m = np.array([[-1.0, 0, IRIS_INPUT], [0, 1.0, 0]]) @ np.vstack([m, [0, 0, 1]])
    x = _crop(image, m, IRIS_INPUT).astype(np.float32)[None] / 255.0
    contour, iris = run(IRIS_MODEL, x)
    return (_back(contour.reshape(71, 3)[:, :2].astype(np.float64), m),
            _back(iris.reshape(5, 3)[:, :2].astype(np.float64), m))


def face_mesh(image: np.ndarray, centre: np.ndarray, size: float, angle: float) -> tuple[np.ndarray, float]:
    """The full `(478, 2)` mesh (irises last) of the face in a square region, and the face-presence
    score; the region is refined once from the first pass's points."""
    mesh, _, score = face_mesh_depth(image, centre, size, angle)
    return mesh, score


def face_mesh_depth(image: np.ndarray, centre: np.ndarray, size: float, angle: float) -> tuple[np.ndarray, np.ndarray, float]:
    """`face_mesh`'s `(478, 2)` mesh, the depth `(468,)` of its first 468 points (see
    `mesh_468_xyz`) and the score."""
    mesh, _ = mesh_468(image, centre, size, angle)
    xyz, score = mesh_468_xyz(image, *region_from_mesh(mesh))
    return with_irises(image, xyz[:, :2]), xyz[:, 2].copy(), score


def with_irises(image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """`(478, 2)`: the 468 mesh points followed by each eye's 5 iris points (right eye first)."""
    right = iris_points(image, (mesh[RIGHT_EYE_CORNERS[0]], mesh[RIGHT_EYE_CORNERS[1]]), mirror=False)
    left = iris_points(image, (mesh[LEFT_EYE_CORNERS[0]], mesh[LEFT_EYE_CORNERS[1]]), mirror=True)
    return np.vstack([mesh[:468], right, left])


def refined_mesh(image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """`(478, 2)`: the mesh with each eye's lids replaced by the iris model's (it sees the eye at
    64 px where the mesh net sees it at about 20: blinks and winks show), then the irises. For
    video (the puppet); `face_mesh` keeps the mesh net's own lids."""
    out = np.array(mesh[:468], np.float64)
    irises = []
    for (a, b), idx, mirror in EYES:
        contour, iris = eye_points(image, (mesh[a], mesh[b]), mirror)
        out[idx] = contour[:16]
        irises.append(iris)
    return np.vstack([out, *irises])


def landmarks_68_from_mesh(mesh: np.ndarray) -> np.ndarray:
    """`(68, 2)` iBUG-order points picked from a 468- or 478-point mesh."""
    return np.asarray(mesh, np.float64)[MESH_TO_68]
