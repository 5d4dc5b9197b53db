"""Face signals on sequences with a known truth: the pose of a projected canonical face, the
sample portrait (and real photos when present) turned, moved, turned in depth, eyes shut and
mouth opened frame by frame; jitter on a still face; a face that goes missing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from puppet_frames import (
    REAL_FACES,
    eye_shut,
    head_crop,
    mouth_opened,
    noisy,
    projected_mesh,
    rotated,
    turned,
)
from toonmoji.faces.detect import AutoDetector
from toonmoji.faces.follow import MeshFollower
from toonmoji.faces.signals import NEUTRAL, OneEuro, SignalReader, raw_signals


@pytest.fixture(scope="module")
def head(portrait):
    """The portrait's head in a 256-px crop, and its mesh there."""
    face = AutoDetector().detect(portrait)[0]
    return head_crop(portrait, face.mesh)


def _signals(frames, follower=None):
    follower = follower or MeshFollower()
    out = []
    for f in frames:
        mesh = follower.find(f)
        assert mesh is not None
        out.append(raw_signals(mesh, f.shape[1], f.shape[0])[0])
    return out


@pytest.mark.parametrize("axis", ["yaw", "pitch", "roll"])
def test_pose_of_a_projected_canonical_face_is_recovered(axis):
    for angle in (-30.0, -10.0, 0.0, 15.0, 30.0):
        truth = {"yaw": 0.0, "pitch": 0.0, "roll": 0.0, axis: angle}
        s, _ = raw_signals(projected_mesh(**truth), 640, 480)
        assert abs(getattr(s, axis) - angle) < 0.3
        for other in {"yaw", "pitch", "roll"} - {axis}:
            assert abs(getattr(s, other)) < 0.3


def test_a_turned_and_tilted_head_splits_into_yaw_pitch_then_roll():
    for yaw, pitch, roll in ((20.0, 10.0, -15.0), (-25.0, -10.0, 30.0), (30.0, 0.0, 60.0)):
        s, _ = raw_signals(projected_mesh(yaw, pitch, roll), 640, 480)
        assert (s.yaw, s.pitch, s.roll) == pytest.approx((yaw, pitch, roll), abs=0.3)


def test_roll_and_shift_follow_the_frame(head):
    crop, mesh = head
    centre = tuple(mesh[:468].mean(axis=0))
    angles = [-30.0, -15.0, 0.0, 15.0, 30.0]
    rolls = [s.roll for s in _signals([rotated(crop, a, centre) for a in angles])]
    errors = np.array(rolls) - rolls[2] - angles  # the portrait's own tilt taken out
    assert np.abs(errors).max() < 2.5, errors
    shifts = [(-20.0, 10.0), (0.0, 0.0), (15.0, -12.0)]
    got = _signals([rotated(crop, 0.0, centre, d) for d in shifts])
    for (dx, dy), s in zip(shifts, got):
        assert abs(s.x - got[1].x - dx) < 1.5 and abs(s.y - got[1].y - dy) < 1.5


def test_a_turning_head_gives_monotonic_yaw(head):
    crop, mesh = head
    cx, radius = float(mesh[1, 0]), 0.6 * float(np.ptp(mesh[:468, 0]))
    yaws = [s.yaw for s in _signals([turned(crop, a, cx, radius) for a in (-30, -15, 0, 15, 30)])]
    assert all(b > a + 1.0 for a, b in itertools.pairwise(yaws)), yaws
    assert yaws[0] < -5 and yaws[-1] > 5


def test_a_shut_eye_and_an_opened_mouth_are_read(head):
    crop, mesh = head
    rest, shut = _signals([crop, eye_shut(crop, mesh)], MeshFollower())
    assert shut.eye_right < 0.5 * rest.eye_right  # the painted eye
    assert shut.eye_left > 0.8 * rest.eye_left  # the other one stays open
    opened = _signals([mouth_opened(crop, mesh, 0.25)])[0]
    assert opened.mouth_open > rest.mouth_open + 0.15


def test_a_still_face_hardly_jitters(head):
    crop, _ = head
    rng = np.random.default_rng(0)
    follower, reader = MeshFollower(), SignalReader()
    raw, filtered = [], []
    for i in range(24):
        frame = noisy(crop, rng)
        mesh = follower.find(frame)
        raw.append(raw_signals(mesh, 256, 256)[0].as_array())
        filtered.append(reader.read(mesh, 256, 256, i / 30).as_array())
    raw_std, std = np.std(np.diff(raw, axis=0), axis=0), np.std(np.diff(filtered[4:], axis=0), axis=0)
    names = NEUTRAL.to_json().keys()
    got = dict(zip(names, std))
    assert got["yaw"] < 0.5 and got["pitch"] < 0.5 and got["roll"] < 0.3
    for name in ("eye_right", "eye_left", "mouth_open", "smile", "brow_raise", "gaze_x"):
        assert got[name] < 0.03, (name, got[name])
    assert (std <= raw_std + 1e-9).all()


def test_one_euro_is_still_at_rest_and_quick_on_a_move():
    rng = np.random.default_rng(1)
    f = OneEuro(np.array([1.0]), np.array([0.5]))
    still = [f(np.array([rng.normal(0, 0.05)]), i / 30)[0] for i in range(60)]
    assert np.std(still[10:]) < 0.5 * 0.05
    moved = [f(np.array([1.0]), (60 + i) / 30)[0] for i in range(4)]  # a blink-sized step
    assert moved[2] > 0.8


def test_no_face_holds_the_last_signals_then_fades_to_neutral():
    reader = SignalReader(fade=0.5)
    for i in range(10):
        s = reader.read(projected_mesh(25.0, 0.0, 10.0), 640, 480, i / 30)
    assert s.yaw == pytest.approx(25.0, abs=0.5)
    held = reader.read(None, 640, 480, 10 / 30)
    assert held.yaw > 20.0  # the next frame without a face: still where it was
    late = reader.read(None, 640, 480, 10 / 30 + 2.0)
    assert abs(late.yaw) < 1.0 and abs(late.roll) < 0.5  # two seconds on: back to the neutral face
    assert late.x == pytest.approx(held.x)  # where the face was is kept


def test_real_photos_roll_follows(tmp_path):
    photos = sorted(REAL_FACES.glob("*.jpg"))[:3]
    if not photos:
        pytest.skip(f"no real photos in {REAL_FACES}")
    from toonmoji.imageio import read_image

    checked = 0
    for p in photos:
        image = read_image(p)
        faces = [f for f in AutoDetector().detect(image) if f.width > 60]
        if not faces:
            continue
        crop, mesh = head_crop(image, faces[0].mesh)
        centre = tuple(mesh[:468].mean(axis=0))
        rolls = [s.roll for s in _signals([rotated(crop, a, centre) for a in (-20.0, 0.0, 20.0)])]
        assert abs(rolls[0] - rolls[1] + 20) < 4 and abs(rolls[2] - rolls[1] - 20) < 4, (p.name, rolls)
        checked += 1
    assert checked


def test_looking_at_one_eye_a_frame_still_sees_a_wink_within_two_frames(head):
    crop, mesh = head
    shut = eye_shut(crop, mesh)
    centre = tuple(mesh[:468].mean(axis=0))
    fast, full = MeshFollower(alternate_eyes=True), MeshFollower()
    frames = [crop, rotated(crop, 0.0, centre, (6.0, 3.0)), shut, shut, crop]
    got = [raw_signals(fast.find(f), 256, 256)[0] for f in frames]
    want = [raw_signals(full.find(f), 256, 256)[0] for f in frames]
    assert abs(got[1].eye_left - want[1].eye_left) < 0.1  # a carried eye moves with the face
    assert min(got[2].eye_right, got[3].eye_right) < 0.5 * got[0].eye_right
    assert got[3].eye_left > 0.8 * got[0].eye_left


def _lids_closed_by(mesh: np.ndarray, share: float) -> np.ndarray:
    """The mesh with both eyes' upper lids moved `share` of the way down to the lower ones."""
    from toonmoji.faces.signals import EYE_LIDS

    out = mesh.copy()
    for pairs in EYE_LIDS.values():
        for up, down in pairs:
            out[up] += share * (mesh[down] - mesh[up])
    return out


def test_eyes_are_read_against_the_persons_own_rest():
    narrow = _lids_closed_by(projected_mesh(0.0, 0.0, 0.0), 0.3)  # eyes narrower than the average face
    assert raw_signals(narrow, 640, 480)[0].eye_right == pytest.approx(0.7, abs=0.05)
    reader = SignalReader(calibrate=10)
    for i in range(10):
        s = reader.read(narrow, 640, 480, i / 30)
    assert s.eye_right == pytest.approx(1.0, abs=0.05) and s.eye_left == pytest.approx(1.0, abs=0.05)
    shut = _lids_closed_by(projected_mesh(0.0, 0.0, 0.0), 0.9)
    for i in range(10, 16):
        s = reader.read(shut, 640, 480, i / 30)
    assert s.eye_right < 0.2  # shut for this person too
