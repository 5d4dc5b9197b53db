"""The face's measures on the 478-point mesh move the right way when the face is warped, fall back
to the 68 points without a mesh, and name shapes a person would."""

from __future__ import annotations

import numpy as np
import pytest

from toonmoji.avatar.features import (
    Upright,
    measure_mesh,
    measure_shape,
    mesh_measures,
    mirrored_mesh,
)
from toonmoji.faces import detect_faces


@pytest.fixture(scope="module")
def face(portrait):
    found = detect_faces(portrait)
    assert found and found[0].mesh is not None
    return found[0]


def measured(face, mesh: np.ndarray, landmarks: np.ndarray | None = None) -> dict:
    return measure_mesh(mesh, Upright.from_landmarks(face.landmarks if landmarks is None else landmarks))


def stretched(points: np.ndarray, centre: np.ndarray, sx: float, sy: float) -> np.ndarray:
    return centre + (points - centre) * (sx, sy)


def test_a_longer_face_is_named_long_and_drawn_narrower(face):
    centre = face.mesh[168]
    base = measured(face, face.mesh)
    longer = measured(face, stretched(face.mesh, centre, 1.0, 1.25), stretched(face.landmarks, centre, 1.0, 1.25))
    wider = measured(face, stretched(face.mesh, centre, 1.25, 1.0), stretched(face.landmarks, centre, 1.25, 1.0))
    assert longer["face.shape"] == "long" and longer["face.width"] < base["face.width"] < wider["face.width"]
    assert wider["face.shape"] in ("round", "square")


def test_features_follow_their_points(face):
    m = face.mesh.copy()
    base = measured(face, m)
    raw = mesh_measures(m, Upright.from_landmarks(face.landmarks))
    # eyes opened taller: the lower lids lowered -> rounder, more open eyes
    tall = m.copy()
    for _, _, up, lo in ((33, 133, 159, 145), (263, 362, 386, 374)):
        tall[lo] = m[lo] + (m[lo] - m[up]) * 0.6
    opened = measured(face, tall)
    assert opened["eyes.openness"] > base["eyes.openness"] and opened["eyes.shape"] == "round"
    # a longer nose: subnasale lower
    nose = m.copy()
    nose[2] += (0, 0.1 * (m[152, 1] - m[10, 1]))
    assert measured(face, nose)["nose.length"] > base["nose.length"]
    # a fuller upper lip: its top raised
    lip = m.copy()
    lip[0] -= (0, 2.0 * np.hypot(*(m[0] - m[13])))
    fuller = measured(face, lip)
    assert fuller["mouth.upper"] > base["mouth.upper"] and fuller["mouth.lips"] > base["mouth.lips"]
    # brows lowered onto the eyes: the lids' room shrinks -> hooded
    low = m.copy()
    low[[52, 282]] += (0, 0.8 * raw["lid_room"] * raw["eye_w"] * (m[454, 0] - m[234, 0]))
    assert measured(face, low)["eyes.shape"] in ("hooded", "monolid")


def test_without_a_mesh_the_68_points_are_measured(face):
    u = Upright.from_landmarks(face.landmarks)
    plain = measure_shape(u)
    assert plain["face.shape"] in ("oval", "round", "long") and "eyes.shape" not in plain
    with_mesh = measure_shape(u, face.mesh)
    assert with_mesh["eyes.shape"] in ("almond", "round", "hooded", "monolid")
    assert with_mesh["face.roll"] == plain["face.roll"]


DATA = __import__("pathlib").Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces-attributes" / "images"


@pytest.mark.skipif(not DATA.is_dir(), reason="real photos in ../shared/data/faces-attributes are absent")
def test_a_real_face_measures_the_same_in_its_mirror_image():
    from toonmoji.imageio import read_image

    photo = read_image(DATA / "face_recognition__two_people.jpg")
    results = []
    for image in (photo, np.ascontiguousarray(photo[:, ::-1])):
        face = max(detect_faces(image), key=lambda f: f.width)
        results.append(measure_shape(Upright.from_landmarks(face.landmarks), face.mesh, mirrored_mesh(image, face.mesh)))
    plain, mirrored = results
    for key in ("face.width", "face.forehead", "eyes.size", "eyes.openness", "nose.length", "nose.width", "mouth.lips"):
        assert abs(plain[key] - mirrored[key]) < 0.12, key  # the mesh net's own noise: its crop moves
    assert abs(plain["face.roll"] + mirrored["face.roll"]) < 1.0
    assert abs(plain["eyes.tilt"] - mirrored["eyes.tilt"]) < 3.0
