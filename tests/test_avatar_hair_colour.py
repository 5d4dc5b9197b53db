"""Hair colour: every class is drawn as a colour that reads as that class, whatever the photo's
lit colour was (a drawing that says another name than the fit is not like the person)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hair_samples import shaded_hair
from toonmoji.avatar.colour import lab_of, rgb_of_lab
from toonmoji.avatar.hair_colour import drawn_colour, named_hair_colour
from toonmoji.avatar.naming import COLOUR_CLASSES, colour_class, colour_class_lab
from toonmoji.avatar.skin import linear, srgb


def _lab(light: float, chroma: float, hue: float) -> np.ndarray:
    rad = np.radians(hue)
    return np.array([light, chroma * np.cos(rad), chroma * np.sin(rad)])


LIT = [_lab(L, C, h) for L, C, h in itertools.product((2, 15, 30, 50, 70, 95), (0, 5, 15, 40), range(-180, 180, 15))]


@pytest.mark.parametrize("name", [n for n in COLOUR_CLASSES if n != "dyed_other"])
def test_every_natural_class_is_drawn_as_it_reads_from_any_lit_colour(name):
    wrong = {drawn_colour(name, lit) for lit in LIT if colour_class(drawn_colour(name, lit)) != name}
    assert not wrong


@pytest.mark.parametrize("hue", [-170, -150, -120, -90, 0, 150, 180, 300])
@pytest.mark.parametrize("light", [5.0, 20.0, 30.0, 60.0])
def test_dyed_hair_of_any_hue_and_depth_is_drawn_vivid(light, hue):
    """Dark teal or blue dyed hair is outside sRGB at its own lightness; clipped there it drew
    dull and read as dark brown. It is drawn at the nearest lightness that shows it."""
    drawn = drawn_colour("dyed_other", _lab(light, 40.0, hue))
    assert colour_class(drawn) == "dyed_other"
    drawn_hue = np.degrees(np.arctan2(*lab_of(np.array([[int(drawn[i:i + 2], 16) for i in (1, 3, 5)]],
                                                       np.float64))[0][2:0:-1])) % 360
    assert abs((drawn_hue - hue + 180) % 360 - 180) < 25  # still the person's own hue


@pytest.mark.parametrize(("light", "a", "b"), [(50.0, -28.0, -18.0), (35.0, 10.0, -45.0), (45.0, 40.0, -20.0)])
def test_dyed_hair_is_named_and_drawn_dyed(light, a, b):
    """Teal, blue and magenta hair under shading: named dyed, and drawn so it reads dyed."""
    rng = np.random.default_rng(5)
    lab = np.column_stack([rng.uniform(0.7, 1.05, 1500) * light, np.full(1500, a), np.full(1500, b)])
    name, drawn, _ = named_hair_colour(rgb_of_lab(lab), np.array([70.0, 12.0, 18.0]))
    assert name == "dyed_other" and colour_class(drawn) == name


def test_the_class_thresholds_match_the_data_sets_rules():
    """Spot checks of the data set's comparison rules the drawn colours are read back with."""
    assert colour_class_lab(np.array([10.0, 1.0, 1.0])) == "black"
    assert colour_class_lab(np.array([30.0, 6.0, 10.0])) == "dark_brown"
    assert colour_class_lab(np.array([45.0, 8.0, 14.0])) == "light_brown"
    assert colour_class_lab(np.array([70.0, 8.0, 20.0])) == "blond"
    assert colour_class_lab(np.array([75.0, 1.0, 2.0])) == "grey_white"
    assert colour_class_lab(np.array([45.0, 30.0, 30.0])) == "red"
    assert colour_class_lab(np.array([45.0, -30.0, -20.0])) == "dyed_other"


SKIN = np.array([66.0, 16.0, 20.0])  # red/blue as the median face of the development set (ln 1.0)


def _lit_by(rgb: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """`rgb` ([0, 255], any shape) under a light of another colour: per-channel gains in linear light."""
    return srgb(linear(rgb) * np.asarray(gains))


def _named_under(hair_lab, gains: tuple[float, float, float]) -> str:
    skin = lab_of(_lit_by(rgb_of_lab(SKIN[None]), gains))[0]
    return named_hair_colour(_lit_by(shaded_hair(hair_lab, seed=2), gains), skin)[0]


WARM = (1.25, 1.0, 0.55)  # tungsten-like: skin and neutral hair alike turn orange
COOL = (0.85, 1.0, 1.35)  # shade under a blue sky


@pytest.mark.parametrize("gains", [(1.0, 1.0, 1.0), WARM, COOL])
def test_grey_and_blond_are_told_apart_under_a_coloured_light(gains):
    """Grey hair reflects the light as it comes, blond hair is warmer than the skin; a warm light
    gives grey hair chroma of its own (it read blond) and a cool one takes blond's away (it read
    grey), but the hair's red/blue against the skin's stays."""
    assert _named_under((72.0, 0.5, 1.5), gains) == "grey_white"
    assert _named_under((70.0, 5.0, 24.0), gains) == "blond"


@pytest.mark.parametrize("gains", [(1.0, 1.0, 1.0), WARM])
def test_black_hair_under_a_warm_light_is_black_and_brown_stays_brown(gains):
    """Black hair's shine has the light's colour: under a warm light its lit strands get a warm
    chroma that read dark brown. Against the skin in the same light it is still neutral."""
    assert _named_under((14.0, 0.3, 0.3), gains) == "black"
    assert _named_under((24.0, 7.0, 12.0), gains) == "dark_brown"


def test_a_neutral_sheen_on_dark_hair_is_not_light_brown():
    """Lit strands as light as light brown hair's but as neutral as the light are a sheen on
    darker hair (dark brown); with the warmth of pigment they are light brown."""
    rng = np.random.default_rng(4)
    dark = rgb_of_lab(np.column_stack([rng.uniform(12, 22, 1200), np.full(1200, 5.0), np.full(1200, 9.0)]))
    for a, b, name in ((0.5, 1.0, "dark_brown"), (9.0, 15.0, "light_brown")):
        lit = rgb_of_lab(np.column_stack([rng.uniform(33, 37, 800), np.full(800, a), np.full(800, b)]))
        assert named_hair_colour(np.vstack([dark, lit]), SKIN)[0] == name


def _with_skin_at_the_hairline(hair_lab, gains=(1.0, 1.0, 1.0), share: float = 0.35, seed: int = 5) -> np.ndarray:
    """Short hair's sample with shaded forehead skin in it (the hairline): hair of one colour under
    shading, and skin of the face's own chromaticity at 35-70% of its lightness."""
    rng = np.random.default_rng(seed)
    n_skin = int(2000 * share)
    skin = np.repeat(SKIN[None], n_skin, axis=0)
    shade = rng.uniform(0.45, 0.7, n_skin)
    skin[:, 0] *= shade
    skin[:, 1:] *= shade[:, None]
    return _lit_by(np.vstack([shaded_hair(hair_lab, 2000 - n_skin, seed), rgb_of_lab(skin)]), gains)


@pytest.mark.parametrize("gains", [(1.0, 1.0, 1.0), WARM, COOL])
def test_skin_at_the_hairline_of_short_black_hair_is_not_read_as_brown_strands(gains):
    """Shaded forehead skin in the sample is lighter than black hair, so it became the 'lit
    strands' and the hair read dark brown. Shading scales a material's red and blue alike, so
    skin is a second, warmer material beside neutral hair: the hair is black. Brown hair is about
    as warm as skin, so the same skin in its sample leaves it brown (whichever brown)."""
    skin = lab_of(_lit_by(rgb_of_lab(SKIN[None]), gains))[0]
    assert named_hair_colour(_with_skin_at_the_hairline((12.0, 0.5, 0.5), gains), skin)[0] == "black"
    for brown in ((24.0, 7.0, 12.0), (40.0, 12.0, 22.0)):
        assert named_hair_colour(_with_skin_at_the_hairline(brown, gains), skin)[0] in ("dark_brown", "light_brown")
