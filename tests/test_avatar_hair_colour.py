"""Hair colour: every class is drawn as a colour that reads as that class, whatever the photo's
lit colour was (a drawing that says another name than the fit is not like the person)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from toonmoji.avatar.colour import lab_of, rgb_of_lab
from toonmoji.avatar.hair_colour import drawn_colour, named_hair_colour
from toonmoji.avatar.naming import COLOUR_CLASSES, colour_class, colour_class_lab


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
