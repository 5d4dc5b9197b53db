"""Long hair that the head matte cuts off at the jaw (issue #24): GrabCut drops everything beside
the neck under the chin (collars, shoulders), and with it hair hanging there. The person matte
keeps it; hair of the crown's colour there counts for length only when it frames the face on both
sides, since a dark background, a neighbour or a jacket joins the hair on one side."""

from __future__ import annotations

import dataclasses
import types

import cv2
import numpy as np
import pytest

from toonmoji.avatar import hair
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import lab_of
from toonmoji.avatar.naming import length_class
from toonmoji.faces import detect_faces

SKIN, HAIR, BACKGROUND = (200, 150, 125), (60, 40, 28), (120, 150, 185)


@pytest.fixture(scope="module")
def canonical(portrait) -> Canonical:
    return Canonical.from_photo(portrait, detect_faces(portrait)[0].landmarks)


def scene(c: Canonical, sides: tuple[int, ...], matte_hair: str = "to the nose") -> tuple[Canonical, np.ndarray, np.ndarray]:
    """A drawn head in the canonical crop: a skin face, dark brown hair over the crown and down
    the sides of the head to the nose's tip, and (on `sides`: -1 the image's left, 1 its right)
    locks hanging beside the jaw and the neck to under the chin. Returns the scene, the head
    matte (its hair stops at the nose's tip, as GrabCut's does at the jaw; `matte_hair` "to the
    brows": it loses the temples too, "none": all of the hair) and the person matte."""
    lm = c.landmarks
    h, w = c.image.shape[:2]
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:h, :w]
    cx, chin, nose = lm[27, 0], lm[8, 1], lm[30, 1]
    face_len = chin - lm[27, 1]
    eye_y = lm[36:48, 1].mean()
    head = ((xx - cx) / 84.0) ** 2 + ((yy - eye_y) / (1.2 * (chin - eye_y))) ** 2 < 1.0
    crown = head & (yy < nose)
    locks = np.zeros((h, w), bool)
    for s in sides:
        dx = s * (xx - cx)
        locks |= (dx > 60) & (dx < 96) & (yy >= nose - 4) & (yy < chin + 0.3 * face_len)
    face = c.polygon_mask(cv2.convexHull(np.vstack([lm[:17], lm[17:27] - (0, 6)]).astype(np.float32))[:, 0])
    neck = (np.abs(xx - cx) < 38) & (yy > lm[57, 1]) & (yy < chin + 0.5 * face_len)
    img = np.empty((h, w, 3), np.float32)
    img[:] = BACKGROUND
    img[crown | locks] = HAIR
    img[face | neck] = SKIN
    img += rng.normal(0.0, 6.0, img.shape)  # strands and grain: hair is not a smooth hat
    drawn = dataclasses.replace(c, image=np.clip(img, 0, 255).astype(np.uint8), valid=np.ones((h, w), bool))
    kept = {"to the nose": crown, "to the brows": crown & (yy < lm[17:27, 1].min()), "none": np.zeros_like(crown)}
    return drawn, kept[matte_hair] | face | neck, crown | face | neck | locks


def fitted(monkeypatch, c: Canonical, sides: tuple[int, ...], below_jaw: bool = True,
           matte_hair: str = "to the nose") -> hair.HairFit:
    drawn, matte, person = scene(c, sides, matte_hair)
    skin = lab_of(np.array([SKIN], np.float64))[0]
    with monkeypatch.context() as patch:
        patch.setattr(hair, "compute_matte", lambda image, lm: types.SimpleNamespace(alpha=matte.astype(np.float32)))
        if not below_jaw:  # what the head matte alone says
            patch.setattr(hair, "_beside_the_head", lambda c: np.zeros(c.image.shape[:2], bool))
        return hair.fit_hair(drawn, skin, None, person)


def test_locks_below_the_jaw_on_both_sides_are_long_hair(monkeypatch, canonical):
    assert length_class(fitted(monkeypatch, canonical, (), below_jaw=False).style) == "short"
    assert length_class(fitted(monkeypatch, canonical, (-1, 1), below_jaw=False).style) == "short"  # the matte lost them
    fit = fitted(monkeypatch, canonical, (-1, 1))
    assert fit.style == "long_straight"
    assert hair.frames_the_face(fit.outline)  # the drawn silhouette reaches down too


def test_hair_coloured_person_pixels_on_one_side_only_stay_short(monkeypatch, canonical):
    """A jacket, a neighbour or a dark background beside one side of the jaw is not long hair."""
    assert length_class(fitted(monkeypatch, canonical, (1,)).style) == "short"
    assert length_class(fitted(monkeypatch, canonical, ()).style) == "short"


def test_framing_needs_reach_below_both_ears():
    r = np.full(24, 1.0)
    r[11:14] = 0.85
    r[8:11] = r[14:17] = hair.LONG_REACH + 0.1
    assert hair.frames_the_face(list(r))
    r[14:17] = 0.9
    assert not hair.frames_the_face(list(r))


def test_locks_joined_to_the_crown_past_temples_the_head_matte_lost_are_long_hair(monkeypatch, canonical):
    """Dark hair on a dark background or hair in shadow: GrabCut keeps the crown but loses the hair
    beside the temples too, so the locks below the ears join the crown only through the person
    matte's hair from the brows down."""
    fit = fitted(monkeypatch, canonical, (-1, 1), matte_hair="to the brows")
    assert fit.style == "long_straight"
    assert length_class(fitted(monkeypatch, canonical, (1,), matte_hair="to the brows").style) == "short"
    assert length_class(fitted(monkeypatch, canonical, (), matte_hair="to the brows").style) == "short"


def test_a_head_matte_that_lost_all_the_hair_still_finds_long_hair(monkeypatch, canonical):
    """Black hair on black: the head matte keeps no hair (the short template), but the person
    matte's hair of the crown's colour framing the face on both sides is long hair."""
    assert fitted(monkeypatch, canonical, (-1, 1), matte_hair="none").style == "long_straight"
    short = fitted(monkeypatch, canonical, (), matte_hair="none")
    assert short.style == "short" and short.outline == []  # the template, as before
    assert length_class(fitted(monkeypatch, canonical, (-1,), matte_hair="none").style) == "short"
