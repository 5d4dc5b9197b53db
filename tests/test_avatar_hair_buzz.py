"""A buzz cut told from a bald scalp (issue #24): stubble lets the scalp show through, so the
scalp walk takes it for skin, but where the stubble starts the scalp steps down in lightness (a
hairline); a bald crown shades gradually over the head's curvature."""

from __future__ import annotations

import types

import numpy as np

from toonmoji.avatar.colour import lab_of, rgb_of_lab
from toonmoji.avatar.hair import (
    BUZZ_STEP,
    FACE_PX_FOR_TEXTURE,
    buzz_if_stepped,
    buzz_step,
    darker_than_skin,
    stubble_colour,
)
from toonmoji.avatar.naming import colour_class, length_class

SKIN = np.array([62.0, 14.0, 17.0])
H, W = 480, 416
BROW, CHIN, CX = 190.0, 330.0, 208.0  # the nose bridge at y 200: a face 130 px long


def head(scalp_light) -> tuple[types.SimpleNamespace, np.ndarray, np.ndarray]:
    """A crop whose strip above the nose bridge is skin up to 0.75 face lengths above the brows
    (the head's top), its lightness there given by `scalp_light(height in face lengths)`, the
    skin's hue and chroma kept (shade, or skin seen through stubble). Returns the crop, CIELAB and
    the head matte."""
    lm = np.zeros((68, 2))
    lm[:, 0] = CX
    lm[17:27, 1] = BROW
    lm[27] = (CX, 200.0)
    lm[8] = (CX, CHIN)
    face_len = CHIN - 200.0
    lab = np.empty((H, W, 3))
    lab[:] = SKIN
    heights = (BROW - np.arange(H)) / face_len
    for y, h in enumerate(heights):
        if h > 0:
            lab[y, :, 0] = scalp_light(h)
            lab[y, :, 1:] = SKIN[1:] * lab[y, 0, 0] / SKIN[0]  # shade keeps the hue, chroma with light
    matte = np.broadcast_to((heights < 0.75)[:, None], (H, W)).copy()
    c = types.SimpleNamespace(landmarks=lm, valid=np.ones((H, W), bool), face_px=2.0 * FACE_PX_FOR_TEXTURE,
                              image=np.zeros((H, W, 3), np.uint8))
    return c, lab, matte


def test_stubble_starting_at_a_hairline_is_a_step_and_draws_a_buzz():
    c, lab, matte = head(lambda h: SKIN[0] - (18.0 if h > 0.45 else 0.0))
    step = buzz_step(c, lab, SKIN, matte)
    assert step >= BUZZ_STEP
    style, score, alternative = buzz_if_stepped("bald", 0.8, "receding", step)
    assert (style, alternative) == ("buzz", "bald") and 0.4 <= score <= 0.6
    assert length_class(style) == "short"


def test_a_crown_shaded_gradually_over_its_curvature_stays_bald():
    """The same 18 L* darker at the top, spread over the head's curve: shade, not a hairline."""
    c, lab, matte = head(lambda h: SKIN[0] - 18.0 * np.clip((h - 0.15) / 0.6, 0.0, 1.0))
    step = buzz_step(c, lab, SKIN, matte)
    assert step < BUZZ_STEP
    assert buzz_if_stepped("bald", 0.8, "receding", step) == ("bald", 0.8, "receding")


def test_only_a_bald_call_becomes_a_buzz():
    assert buzz_if_stepped("receding", 0.5, "bald", 3 * BUZZ_STEP) == ("receding", 0.5, "bald")
    assert buzz_if_stepped("short", 0.6, "buzz", 3 * BUZZ_STEP) == ("short", 0.6, "buzz")


def test_a_colour_beside_the_head_lighter_than_the_skin_is_not_the_stubble():
    """Stubble darkens the scalp: a grey read beside a dark-skinned head is the wall behind it."""
    assert not darker_than_skin("#a29a95", np.array([61.0, 26.0, 29.0]))
    assert darker_than_skin("#413327", np.array([61.0, 26.0, 29.0]))
    assert not darker_than_skin(None, SKIN)


def test_the_stubble_colour_is_read_from_the_darkest_scalp_pixels():
    """Skin showing through black stubble: the darkest pixels name the hair, not the skin."""
    c, lab, matte = head(lambda h: SKIN[0])
    rng = np.random.default_rng(1)
    balanced = np.empty((H, W, 3))
    balanced[:] = rgb_of_lab(SKIN[None])[0]
    dots = matte & (rng.random((H, W)) < 0.2)
    balanced[dots] = (22.0, 20.0, 19.0)
    lab = lab_of(balanced.reshape(-1, 3)).reshape(balanced.shape)
    colour = stubble_colour(c, lab, balanced, SKIN, matte)
    assert colour is not None and colour_class(colour) == "black"
