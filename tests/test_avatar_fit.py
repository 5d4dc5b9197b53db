"""Fitting an avatar to a photo: deterministic, and the attributes follow the photo (colours,
mirroring, hair); grey and EXIF-rotated photos work; unusable photos fail in one line."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from toonmoji.avatar import fit
from toonmoji.avatar.colour import delta_e, lab_of, rgb_of
from toonmoji.avatar.fitting import fit_avatar, largest_face
from toonmoji.errors import NoFaceError
from toonmoji.faces import detect_faces
from toonmoji.faces.detect import Face
from toonmoji.imageio import decode_image
from toonmoji.samples import no_face_image


@pytest.fixture(scope="module")
def base(portrait):
    return fit(portrait)


@pytest.fixture(scope="module")
def face_hull(portrait):
    lm = detect_faces(portrait)[0].landmarks
    mask = np.zeros(portrait.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(lm.astype(np.int32)), 1)
    return mask.astype(bool)


def test_fitting_is_deterministic(portrait, base):
    assert fit(portrait.copy()).to_json() == base.to_json()


def test_sample_fit_is_plausible(base):
    a = base.attributes
    assert a.hair.style != "bald" and a.glasses.style == "none" and a.beard.style == "none"
    assert lab_of(rgb_of(a.skin)[None])[0][0] > lab_of(rgb_of(a.hair.color)[None])[0][0]  # skin lighter than her hair


def test_skin_colour_follows_the_photo(portrait, base, face_hull):
    redder = portrait.astype(np.float32)
    redder[face_hull] *= (1.15, 0.92, 0.85)
    a = fit(np.clip(redder, 0, 255).astype(np.uint8)).attributes
    before, after = rgb_of(base.attributes.skin), rgb_of(a.skin)
    assert after[0] - after[2] > before[0] - before[2] + 15  # warmer by about the shift
    assert delta_e(a.skin, base.attributes.skin) > 5
    assert delta_e(a.hair.color, base.attributes.hair.color) < 6  # hair untouched


def test_hair_colour_follows_the_photo(portrait, base, face_hull):
    bluer = portrait.astype(np.float32)
    outside = ~cv2.dilate(face_hull.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    bluer[outside] *= (0.8, 0.9, 1.35)
    a = fit(np.clip(bluer, 0, 255).astype(np.uint8)).attributes
    before, after = rgb_of(base.attributes.hair.color), rgb_of(a.hair.color)
    assert after[2] - after[0] > before[2] - before[0] + 15
    assert delta_e(a.skin, base.attributes.skin) < 6


def test_mirrored_photo_gives_a_mirrored_avatar(portrait, base):
    m = fit(np.ascontiguousarray(portrait[:, ::-1])).attributes
    a = base.attributes
    assert m.face.roll == pytest.approx(-a.face.roll, abs=3.0)
    assert np.sign(m.hair.part) == -np.sign(a.hair.part) or abs(a.hair.part) < 0.1
    r, rm = np.array(a.hair.outline), np.array(m.hair.outline)
    mirrored = np.roll(r[::-1], 1)  # the ray at angle t is the mirror's ray at -t
    assert np.abs(rm - mirrored).mean() < np.abs(rm - r).mean()
    alpha = base.render("neutral", 1.0, 128)[..., 3] > 127
    alpha_m = fit(np.ascontiguousarray(portrait[:, ::-1])).render("neutral", 1.0, 128)[..., 3] > 127
    iou = (alpha[:, ::-1] & alpha_m).sum() / (alpha[:, ::-1] | alpha_m).sum()
    assert iou > 0.9


def test_cropping_the_hair_away_changes_the_hair(portrait, base):
    face = detect_faces(portrait)[0]
    top = int(face.landmarks[17:27, 1].min()) - 8  # just above the brows
    a = fit(np.ascontiguousarray(portrait[top:])).attributes
    full = np.array(base.attributes.hair.outline)
    cut = np.array(a.hair.outline or [0.85] * 24)
    assert cut[[0, 1, 23]].mean() < full[[0, 1, 23]].mean() - 0.1  # nothing above the head any more


def test_grey_photo(portrait):
    grey = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    a = fit(grey).attributes
    lab = lab_of(rgb_of(a.skin)[None])[0]
    assert np.hypot(lab[1], lab[2]) < 3  # no colour invented


def test_exif_rotated_photo(portrait, base):
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: viewers turn it 90 degrees clockwise
    Image.fromarray(np.ascontiguousarray(np.rot90(portrait, 1))).save(buf, format="JPEG", quality=95, exif=exif)
    image = decode_image(buf.getvalue(), "rotated.jpg")
    assert image.shape == portrait.shape
    a = fit(image).attributes
    assert a.face.roll == pytest.approx(base.attributes.face.roll, abs=3.0)
    assert delta_e(a.skin, base.attributes.skin) < 5


def test_no_face_and_tiny_face_fail_in_one_line(monkeypatch, portrait):
    with pytest.raises(NoFaceError, match="no face"):
        fit(no_face_image())
    face = detect_faces(portrait)[0]
    small = Face((0.0, 0.0, 20.0, 20.0), 1.0, face.landmarks * 0.2)
    monkeypatch.setattr("toonmoji.avatar.fitting.detect_faces", lambda image, detector: [small])
    with pytest.raises(NoFaceError, match="too small") as info:
        largest_face(portrait, "dlib", "tiny.jpg")
    assert "\n" not in str(info.value)


def test_fit_with_a_given_face_uses_it(portrait, base):
    face = detect_faces(portrait)[0]
    assert fit_avatar(portrait, face=face).to_json() == base.to_json()
