"""The mesh turned to face the camera: measures must not move when the head turns."""

import numpy as np

from toonmoji.avatar.frontal import RIGID_PAIRS, frontal_points


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def face_points(seed: int = 0) -> np.ndarray:
    """468 points with the rigid pairs placed left and right of a face-like middle."""
    rng = np.random.default_rng(seed)
    xyz = rng.normal(0, 30, (468, 3)) + [200, 200, 0]
    for k, (a, b) in enumerate(RIGID_PAIRS):
        xyz[a] = [160 - 5 * k, 180 + 8 * k, 10]
        xyz[b] = [240 + 5 * k, 180 + 8 * k, 10]
    xyz[2] = [200, 240, -25]  # the nose's base, in front of the eyes
    return xyz


def test_turning_the_head_does_not_move_the_frontal_points():
    xyz = face_points()
    front = frontal_points(xyz[:, :2], xyz[:, 2])
    turned = (xyz - 200) @ rotation(25, -12, 8).T * 1.3 + [50, 70, 0]
    again = frontal_points(turned[:, :2], turned[:, 2]) / 1.3
    assert np.allclose(front, again, atol=1e-6)


def test_the_frontal_width_is_the_unturned_width():
    xyz = face_points()
    turned = (xyz - 200) @ rotation(25, 0, 0).T
    width = abs(xyz[RIGID_PAIRS[2][1], 0] - xyz[RIGID_PAIRS[2][0], 0])
    seen = abs(turned[RIGID_PAIRS[2][1], 0] - turned[RIGID_PAIRS[2][0], 0])
    front = frontal_points(turned[:, :2], turned[:, 2])
    assert seen < 0.95 * width
    assert np.isclose(abs(front[RIGID_PAIRS[2][1], 0] - front[RIGID_PAIRS[2][0], 0]), width)
