"""Bald, receding and short from the scalp strip above the forehead: a sheen on a bald crown is
skin, a hairline is a step; receding needs a hairline well above where a forehead ends."""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.hair import DRIFT, RECEDING_LINE, _sheen_continued, receding_if_high

SKIN = np.array([55.0, 9.0, 10.0])


def strip(colours: list[np.ndarray], skin_rows: int) -> tuple[np.ndarray, np.ndarray]:
    run = np.zeros(len(colours))
    run[:skin_rows] = 1.0
    return run, np.asarray(colours)


def test_a_sheen_lighter_and_greyer_towards_the_crown_is_scalp():
    """The skin classifier stops where the crown's highlight turns grey; the drift is gradual."""
    t = np.linspace(0.0, 1.0, 30)
    sheen = [SKIN] * 20 + [SKIN + f * np.array([15.0, -8.0, -9.0]) for f in t]
    run, colours = strip(sheen, 22)
    out = _sheen_continued(run, colours, span=6)
    assert (out[:50] >= 0.5).all()


def test_a_hairline_step_is_not_continued():
    hair = [SKIN] * 20 + [np.array([30.0, 3.0, 5.0])] * 30  # dark hair: a step of Delta E > 25
    run, colours = strip(hair, 20)
    out = _sheen_continued(run, colours, span=6)
    assert (out[20:] < 0.5).all()


def test_light_hair_stepping_up_from_the_skin_is_not_a_sheen():
    """Grey hair is lighter and greyer too, but arrives as a step, not a drift."""
    grey = [SKIN] * 20 + [SKIN + np.array([DRIFT + 5.0, -9.0, -10.0])] * 30
    run, colours = strip(grey, 20)
    assert (_sheen_continued(run, colours, span=6)[20:] < 0.5).all()


def test_a_gradual_darkening_is_not_a_sheen():
    """Hair of about the skin's colour that darkens gradually (a blurred hairline) stays hair."""
    t = np.linspace(0.0, 1.0, 30)
    darker = [SKIN] * 20 + [SKIN + f * np.array([-12.0, 2.0, 6.0]) for f in t]
    run, colours = strip(darker, 20)
    assert (_sheen_continued(run, colours, span=6)[30:] < 0.5).all()


def test_an_ordinary_forehead_under_short_hair_is_short_not_receding():
    assert receding_if_high("short", 0.7, "buzz", 0.42) == ("short", 0.7, "buzz")


def test_a_hairline_above_where_foreheads_end_is_receding():
    assert receding_if_high("short", 0.7, "buzz", RECEDING_LINE + 0.05)[0] == "receding"


def test_long_hair_with_a_high_forehead_stays_long():
    assert receding_if_high("long_straight", 0.8, "medium", 0.6)[0] == "long_straight"
