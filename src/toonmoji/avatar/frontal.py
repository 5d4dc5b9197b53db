"""The face mesh turned to face the camera: measures taken on a photo's 2D points change with
the head's yaw and pitch (a face turned 20 degrees looks 6% narrower), so two photos of one
person disagree more than two people do. The mesh net gives each point a depth; the face's own
frame is built from points that neither expression nor speech moves (eye corners, temples,
cheekbones, the nose's root and base), and every point is expressed in it.

The frame: x along the mean of the left-right pairs (subject's right to left, image left to
right for a frontal face), y from the eyes' middle down to the nose's base (made perpendicular
to x) then turned back by `NOSE_PITCH` (the nose's base sits in front of the eyes: that line
leans 26 degrees out of the photo's plane in the median real photo, so y is the photo's
vertical for a face held as most people hold it for a photo), z = x cross y. Mirror-symmetric by construction, so a photo and its mirror image give the
same frame.
"""

from __future__ import annotations

import numpy as np

# MediaPipe mesh pairs (subject's right, left) on rigid parts: eye corners, temples' foot,
# cheekbones, the brows' lower edge over the eyes, nostril wings
RIGID_PAIRS = ((33, 263), (133, 362), (162, 389), (234, 454), (52, 282), (64, 294))
EYE_MIDDLE = (33, 133, 263, 362)
NOSE_BASE = 2  # subnasale
# median angle (degrees) of the eyes' middle -> nose base line out of the photo's plane, over the
# 67 real faces >= 40 px with a mesh in ../shared/data/faces and faces-attributes/images (10% and
# 90%: 14 and 41: the heads' pitch)
NOSE_PITCH = 26.0


def frontal_frame(xyz: np.ndarray) -> np.ndarray:
    """`(3, 3)` rows x, y, z: the face's own axes in image (x, y, depth) coordinates."""
    pairs = np.array([xyz[b] - xyz[a] for a, b in RIGID_PAIRS])
    x = pairs.sum(axis=0)
    x /= np.linalg.norm(x) + 1e-12
    down = xyz[NOSE_BASE] - xyz[list(EYE_MIDDLE)].mean(axis=0)
    y = down - np.dot(down, x) * x
    y /= np.linalg.norm(y) + 1e-12
    z = np.cross(x, y)
    c, s = np.cos(np.radians(NOSE_PITCH)), np.sin(np.radians(NOSE_PITCH))
    return np.vstack([x, c * y + s * z, c * z - s * y])


def frontal_points(mesh: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """`(468, 2)`: the mesh's first 468 points as seen from straight in front of the face (x right,
    y down, in image pixels; origin at the eyes' middle), from image x, y `mesh` and `depth`."""
    xyz = np.hstack([np.asarray(mesh, np.float64)[:468], np.asarray(depth, np.float64)[:468, None]])
    axes = frontal_frame(xyz)
    return (xyz - xyz[list(EYE_MIDDLE)].mean(axis=0)) @ axes[:2].T
