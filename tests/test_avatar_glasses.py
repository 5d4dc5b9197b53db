"""Glasses: a frame's thin lines under both eyes and across the nose bridge are glasses; the bare
sample, a soft shadow under the eyes and a face too small to resolve a frame are not (the last
with a low confidence and glasses as the alternative). Real photos from the labelled development
set when ../shared/data is present."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from toonmoji.avatar import fit
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.glasses import fit_glasses
from toonmoji.faces import detect_faces
from toonmoji.imageio import read_image

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces-attributes"


@pytest.fixture(scope="module")
def landmarks(portrait):
    return detect_faces(portrait)[0].landmarks


def with_frames(image: np.ndarray, lm: np.ndarray, colour=(35, 30, 30), thickness: int = 2) -> np.ndarray:
    """A pair of rectangular frames drawn around the eyes, joined by a bridge over the nose."""
    out = image.copy()
    eye_y = lm[36:48, 1].mean()
    boxes = []
    for a, b in ((36, 39), (42, 45)):
        x0, x1 = int(lm[a, 0]) - 8, int(lm[b, 0]) + 8
        boxes.append((x0, x1))
        cv2.rectangle(out, (x0, int(eye_y - 9)), (x1, int(eye_y + 13)), colour, thickness)
    cv2.line(out, (boxes[0][1], int(eye_y - 4)), (boxes[1][0], int(eye_y - 4)), colour, thickness)
    return out


def glasses_of(image: np.ndarray, lm: np.ndarray):
    return fit_glasses(Canonical.from_photo(image, lm))


def test_the_bare_sample_has_no_glasses(portrait, landmarks):
    g = glasses_of(portrait, landmarks)
    assert g.style == "none" and g.alternative == "square" and g.score >= 0.7


def test_drawn_frames_are_glasses(portrait, landmarks):
    g = glasses_of(with_frames(portrait, landmarks), landmarks)
    assert g.style == "square" and g.alternative == "none" and g.evidence >= 1.0


def test_thin_wire_frames_are_glasses_too(portrait, landmarks):
    g = glasses_of(with_frames(portrait, landmarks, colour=(90, 80, 70), thickness=1), landmarks)
    assert g.style == "square"


def test_a_soft_shadow_under_the_eyes_is_not_glasses(portrait, landmarks):
    """Tired eyes or a light from above: a darker band under the eyes with soft edges."""
    band = np.zeros(portrait.shape[:2], np.float32)
    eye_y = landmarks[36:48, 1].mean()
    band[int(eye_y + 4) : int(eye_y + 16), int(landmarks[36, 0]) - 8 : int(landmarks[45, 0]) + 8] = 1.0
    band = cv2.GaussianBlur(band, (0, 0), 5.0)
    shaded = np.clip(portrait * (1 - 0.35 * band)[..., None], 0, 255).astype(np.uint8)
    assert glasses_of(shaded, landmarks).style == "none"


def test_a_face_too_small_to_resolve_a_frame_is_a_doubtful_none(portrait, landmarks):
    framed = with_frames(portrait, landmarks)
    small = cv2.resize(framed, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    g = glasses_of(small, landmarks * 0.5)
    assert g.style == "none" and g.score < 0.6 and g.alternative == "square"


def test_the_avatar_draws_the_glasses_it_found(portrait, landmarks):
    a = fit(with_frames(portrait, landmarks)).attributes
    assert a.glasses.style == "square" and a.confidence["glasses.style"].alternative == "none"


def labelled(name: str) -> list[tuple[dict, np.ndarray, object]]:
    """(label, photo, detected face) for the labelled faces of one development photo."""
    if not (DATA / "labels.json").is_file():
        pytest.skip(f"the labelled development set is not at {DATA} (shared/data is not checked out)")
    entries = [e for e in json.loads((DATA / "labels.json").read_text()) if e["file"].endswith(name)]
    photo = read_image(DATA / entries[0]["file"])
    faces = detect_faces(photo)
    out = []
    for e in entries:
        x0, y0, x1, y1 = e["box"]
        face = min(faces, key=lambda f: abs(f.box[0] - x0) + abs(f.box[1] - y0) + abs(f.box[2] - x1) + abs(f.box[3] - y1))
        out.append((e, photo, face))
    return out


@pytest.mark.parametrize("name", ["openface__clapton-2.jpg", "openface__lennon-1.jpg"])
def test_real_glasses_are_found(name):
    (label, photo, face), = labelled(name)
    assert label["glasses"] is True
    assert glasses_of(photo, face.landmarks).style == "square"


def test_real_bare_faces_get_no_glasses():
    for label, photo, face in labelled("openface__longoria-cooper.jpg") + labelled("face_recognition__two_people.jpg"):
        assert label["glasses"] is False
        assert glasses_of(photo, face.landmarks).style == "none"
