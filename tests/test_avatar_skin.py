"""The drawn skin tone: the lit, non-specular skin, whatever the shading, sheen, stubble or
exposure of the photo; dark skin stays dark."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000

from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import lab_of
from toonmoji.avatar.skin import (
    MAX_EXPOSURE,
    exposure_gain,
    linear,
    lit_skin_rgb,
    skin_tone_lab,
    srgb,
)

LIGHT = np.array([226.0, 178.0, 150.0])
DARK_SKIN = np.array([104.0, 66.0, 46.0])


def pixels(colour: np.ndarray, shares: dict[str, float], n: int = 2000, seed: int = 0) -> np.ndarray:
    """`(n, 3)` sRGB pixels of skin `colour`: lit (with a little texture), shaded to 30 % of the
    light, with a white sheen added, or stubble, by `shares`."""
    rng = np.random.default_rng(seed)
    lin = linear(colour)
    out = []
    for kind, share in shares.items():
        k = int(n * share)
        scale = rng.uniform(0.9, 1.05, (k, 1))
        px = lin * scale
        if kind == "shade":
            px = lin * rng.uniform(0.2, 0.4, (k, 1))
        elif kind == "sheen":
            px = px + rng.uniform(0.03, 0.4, (k, 1))  # from a faint sheen to a glare
        elif kind == "stubble":
            px = np.tile(linear(np.array([40.0, 32.0, 28.0])), (k, 1)) * scale
        out.append(srgb(px))
    return np.vstack(out)


def de(a: np.ndarray, b: np.ndarray) -> float:
    return float(deltaE_ciede2000(lab_of(np.asarray(a)[None])[0], lab_of(np.asarray(b)[None])[0]))


def test_a_face_half_in_shadow_is_drawn_in_its_lit_tone():
    px = pixels(LIGHT, {"lit": 0.45, "shade": 0.55})
    assert de(lit_skin_rgb(px), LIGHT) < 3.0
    assert de(np.median(px, axis=0), LIGHT) > 10  # the plain median is the shade's


def test_a_sheen_does_not_pale_the_skin():
    px = pixels(LIGHT, {"lit": 0.55, "sheen": 0.45})
    assert de(lit_skin_rgb(px), LIGHT) < 1.2  # the faint sheen too: it is less saturated than the skin
    assert de(np.median(px[-900:], axis=0), LIGHT) > 5  # the sheen itself is paler


def test_stubble_and_brows_are_not_skin():
    px = pixels(LIGHT, {"lit": 0.6, "stubble": 0.4})
    assert de(lit_skin_rgb(px), LIGHT) < 3.0


def test_dark_skin_stays_dark():
    dark = lit_skin_rgb(pixels(DARK_SKIN, {"lit": 0.5, "shade": 0.3, "sheen": 0.2}))
    light = lit_skin_rgb(pixels(LIGHT, {"lit": 0.5, "shade": 0.3, "sheen": 0.2}))
    assert de(dark, DARK_SKIN) < 4.0
    assert lab_of(light[None])[0][0] - lab_of(dark[None])[0][0] > 30


def test_too_few_readable_pixels_give_none():
    assert lit_skin_rgb(np.full((50, 3), 8.0)) is None  # all black: nothing to read
    assert lit_skin_rgb(np.full((5, 3), 180.0)) is None


def test_an_under_exposed_photo_is_lifted_and_a_well_exposed_one_is_not():
    rng = np.random.default_rng(1)
    dim = rng.integers(0, 170, (200, 300, 3), dtype=np.uint8)
    assert 1.5 < exposure_gain(dim) <= MAX_EXPOSURE
    exposed = dim.copy()
    exposed[:20, :20] = 255  # a white shirt or a highlight somewhere
    assert exposure_gain(exposed) == 1.0


@pytest.mark.parametrize("exposure", [1.0, 1.8])
def test_skin_tone_reads_the_patches_and_scales_the_light(exposure):
    image = np.zeros((480, 416, 3), np.uint8)
    image[100:200, 100:200] = DARK_SKIN.astype(np.uint8)
    image[300:400, 100:200] = (30, 200, 40)  # outside the patches: ignored
    patches = np.zeros(image.shape[:2], bool)
    patches[90:210, 90:210] = True
    c = Canonical(image, np.ones(image.shape[:2], bool), np.zeros((68, 2)), 1.0, None)
    lab = skin_tone_lab(c, patches, np.ones(3), exposure)
    expected = lab_of(srgb(linear(DARK_SKIN) * exposure)[None])[0]
    assert float(deltaE_ciede2000(lab, expected)) < 2.0
