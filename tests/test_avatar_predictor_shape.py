"""The face's proportions read from dlib's 68 points (photo and mirror averaged) for the
attributes that tell people apart: mirror-symmetric, following the face's real proportions, used
by the fitting, and skipped (the mesh's measures kept) without dlib."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from toonmoji.avatar import features
from toonmoji.avatar.features import MIRROR_68, PREDICTOR_KEYS, predictor_shape, shape_from_z
from toonmoji.extras import missing_error
from toonmoji.faces import detect_faces


def test_mirror_partners_pair_left_with_right():
    assert sorted(MIRROR_68) == list(range(68))
    assert all(MIRROR_68[MIRROR_68[i]] == i for i in range(68))
    assert MIRROR_68[36] == 45 and MIRROR_68[48] == 54 and MIRROR_68[8] == 8 and MIRROR_68[30] == 30


@pytest.fixture(scope="module")
def face_box(portrait):
    pytest.importorskip("dlib", reason="dlib's 68-point predictor is the optional [dlib] extra")
    return detect_faces(portrait)[0].box


def test_same_measures_for_the_photo_and_its_mirror_image(portrait, face_box):
    w = portrait.shape[1]
    x0, y0, x1, y1 = face_box
    flipped = np.ascontiguousarray(portrait[:, ::-1])
    a = predictor_shape(portrait, face_box)
    b = predictor_shape(flipped, (w - 1 - x1, y0, w - 1 - x0, y1))
    assert set(a) == set(PREDICTOR_KEYS) | {"face.shape"}
    assert a["face.shape"] == b["face.shape"]
    for key in PREDICTOR_KEYS:
        assert a[key] == pytest.approx(b[key], abs=1e-6), key


def test_a_wider_face_is_measured_wider(portrait, face_box):
    """Stretching the photo 20% sideways makes the face wider for its length and the eyes wider
    apart: the measures follow the face, not an average face."""
    base = predictor_shape(portrait, face_box)
    wide = cv2.resize(portrait, None, fx=1.2, fy=1.0, interpolation=cv2.INTER_LINEAR)
    x0, y0, x1, y1 = face_box
    stretched = predictor_shape(wide, (x0 * 1.2, y0, x1 * 1.2, y1))
    assert stretched["face.width"] > base["face.width"] + 0.05
    assert stretched["mouth.width"] > base["mouth.width"]


def test_fitting_draws_the_predictor_measures(portrait, face_box):
    from toonmoji.avatar.fitting import fit_attributes

    face = detect_faces(portrait)[0]
    attrs = fit_attributes(portrait, face)
    expected = predictor_shape(portrait, face.box)
    assert attrs.eyes.spacing == pytest.approx(round(expected["eyes.spacing"], 3))
    assert attrs.face.width == pytest.approx(round(expected["face.width"], 3))
    assert attrs.face.shape == expected["face.shape"]


def test_face_shape_names_follow_the_measures():
    assert shape_from_z(1.5, 0.0, 0.0) == "long"
    assert shape_from_z(-1.2, 1.0, 0.0) == "square" and shape_from_z(-1.2, -0.5, 0.0) == "round"
    assert shape_from_z(0.0, -2.0, -0.5) == "heart"  # narrow, pointed jaw under an average forehead
    assert shape_from_z(0.0, 0.0, 0.0) == "oval"


def test_without_dlib_the_mesh_measures_stay(portrait, monkeypatch):
    from toonmoji.avatar.fitting import fit_attributes
    from toonmoji.faces import detect

    face = detect_faces(portrait)[0]
    if face.mesh is None:
        pytest.skip("no mesh face found: nothing to fall back to")

    def missing(*_args, **_kwargs):
        raise missing_error("dlib", "dlib", "dlib's 68-point landmarks")

    monkeypatch.setattr(detect, "landmarks_68", missing)
    assert predictor_shape(portrait, face.box) is None
    attrs = fit_attributes(portrait, face)
    from toonmoji.avatar.canonical import Canonical

    mirrored, mirrored_depth = features.mirrored_mesh_depth(portrait, face.mesh)
    mesh = features.measure_shape(Canonical.from_photo(portrait, face.landmarks).upright, face.mesh, mirrored,
                                  face.depth, mirrored_depth)
    for key in (*PREDICTOR_KEYS, "face.shape"):
        section, name = key.split(".")
        if isinstance(mesh[key], str):
            assert getattr(getattr(attrs, section), name) == mesh[key]
            continue
        assert getattr(getattr(attrs, section), name) == pytest.approx(round(float(mesh[key]), 3)), key


def with_brow_arch(landmarks: np.ndarray, arch: float) -> np.ndarray:
    """`landmarks` with both brows' peaks (iBUG 19, 24) `arch` brow lengths above the line
    through their ends (17-21, 26-22)."""
    lm = np.array(landmarks, np.float64)
    for a, peak, b in ((17, 19, 21), (26, 24, 22)):
        line = lm[b] - lm[a]
        up = np.array([line[1], -line[0]]) / np.hypot(*line)
        up = up if up[1] < 0 else -up
        lm[peak] = lm[a] + 0.5 * line + arch * np.hypot(*line) * up
    return lm


def test_brow_arch_of_real_faces_is_not_pinned_to_the_range_end(portrait):
    """A brow arched like the median real face (0.19 brow lengths) is drawn mid-range, and one a
    robust spread (0.04) more or less arched is still told from one two spreads off: with the
    old average (0.12) more than half of real faces read 1.0, the top of the range, and all
    their arches were drawn alike."""
    from toonmoji.avatar.features import AVERAGE_ARCH, _landmark_shape

    lm = detect_faces(portrait)[0].landmarks
    arch = {a: _landmark_shape(features.Upright.from_landmarks(with_brow_arch(lm, a)))["brows.arch"]
            for a in (0.11, 0.15, 0.19, 0.23, 0.27)}
    assert AVERAGE_ARCH == pytest.approx(0.19, abs=0.01)
    assert arch[0.19] == pytest.approx(0.5, abs=0.02)
    assert 0.0 < arch[0.11] < arch[0.15] < arch[0.19] < arch[0.23] < arch[0.27] < 1.0


def test_brows_further_above_the_eyes_are_measured_higher(portrait):
    """`brows.height`: the brows' height over the upper lids. Raising the brow points by one robust
    spread of real faces (0.033 face widths) raises it by its step (0.05: a third of the other
    measures', since expressions move the brows too); widening
    the cheekbones (points 1 and 15) against the jaw raises `face.cheeks`. Both come from the 68
    points where dlib is installed (`PREDICTOR_KEYS`), and from the mesh without it."""
    from toonmoji.avatar.features import SPREAD_BROW_GAP, _landmark_shape

    face = detect_faces(portrait)[0]
    lm = np.array(face.landmarks, np.float64)
    width = float(np.hypot(*(lm[16] - lm[0])))
    raised = lm.copy()
    raised[17:27, 1] -= SPREAD_BROW_GAP * width  # the sample portrait is upright
    wide = lm.copy()
    wide[1, 0] -= 0.02 * width
    wide[15, 0] += 0.02 * width
    base, up, cheeky = (_landmark_shape(features.Upright.from_landmarks(p)) for p in (lm, raised, wide))
    assert up["brows.height"] - base["brows.height"] == pytest.approx(0.05, abs=0.007)
    assert cheeky["face.cheeks"] > base["face.cheeks"] + 0.03
    assert {"brows.height", "face.cheeks"} <= set(PREDICTOR_KEYS)
    if face.mesh is not None:
        from toonmoji.avatar.features import measure_mesh

        assert 0.5 <= measure_mesh(face.mesh, features.Upright.from_landmarks(lm))["brows.height"] <= 1.6


def test_a_nose_reaching_nearer_the_lip_is_measured_longer(portrait):
    """`nose.length` on the 68 points: where the nose's base (33) lies between the bridge (27) and
    the upper lip (51), the way the drawing shows it (the mouth stays, the nose's base moves)."""
    from toonmoji.avatar.features import _landmark_shape

    lm = np.array(detect_faces(portrait)[0].landmarks, np.float64)
    longer = lm.copy()
    longer[31:36, 1] += 0.3 * (lm[51, 1] - lm[33, 1])  # the nostrils a third of the way down to the lip
    base, long_ = (_landmark_shape(features.Upright.from_landmarks(p)) for p in (lm, longer))
    assert long_["nose.length"] > base["nose.length"] + 0.1
    assert "nose.length" in PREDICTOR_KEYS


def test_brow_length_gap_and_chin_height_follow_the_points(portrait):
    """The three measures version 4 added, on the 68 points: longer brows (outer ends 17 and 26
    moved out) read longer, brows whose inner ends (21, 22) are nearer each other read a smaller
    gap, and a chin (points 6-10) lower below the upper lip (51) reads a taller chin; each stays
    within its range, and the fitting takes all three from dlib's points (`PREDICTOR_KEYS`)."""
    from toonmoji.avatar.features import _landmark_shape
    from toonmoji.avatar.model import RANGES

    lm = np.array(detect_faces(portrait)[0].landmarks, np.float64)
    eyes_apart = float(np.hypot(*(lm[42:48].mean(0) - lm[36:42].mean(0))))
    longer, closer, chin = lm.copy(), lm.copy(), lm.copy()
    longer[17, 0] -= 0.05 * eyes_apart  # the sample portrait is upright, facing the camera
    longer[26, 0] += 0.05 * eyes_apart
    closer[21, 0] += 0.04 * eyes_apart
    closer[22, 0] -= 0.04 * eyes_apart
    chin[6:11, 1] += 0.05 * (lm[8, 1] - lm[27, 1])
    base, long_, near, low = (_landmark_shape(features.Upright.from_landmarks(p)) for p in (lm, longer, closer, chin))
    assert long_["brows.length"] > base["brows.length"] + 0.05
    assert near["brows.gap"] < base["brows.gap"] - 0.05
    assert low["face.chin_height"] > base["face.chin_height"] + 0.05
    assert near["brows.length"] > base["brows.length"]  # the inner ends moved in: longer brows too
    for key in ("brows.length", "brows.gap", "face.chin_height"):
        lo, hi = RANGES[key]
        assert lo <= base[key] <= hi and key in PREDICTOR_KEYS
