"""Bald, receding, short and tied (issue #24): a sheen on a bald crown is skin, a hairline is a
step; receding needs a hairline well above where a forehead ends; a flat crown with tight sides
and hair below one ear only is a tail over the shoulder, loose or short hair is not tied."""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.hair import (
    BALD_LINE,
    DRIFT,
    FACE_PX_FOR_SCALP,
    FACE_PX_FOR_TEXTURE,
    RECEDING_LINE,
    _sheen_continued,
    _style,
    bald_if_resolved,
    curly_if_resolved,
    receding_if_high,
    tied_over_shoulder,
)
from toonmoji.avatar.model import CHOICES
from toonmoji.avatar.naming import length_class

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


def outline(top: float, upper: float, right_low: float, left_low: float) -> list[float]:
    """A 24-ray silhouette: `top` on the crown, `upper` along the sides of the head, the reach
    below the ears on the right (rays 8..10) and left (14..16), the neck straight down."""
    r = np.full(24, upper)
    r[[0, 1, 23]] = top
    r[6:8] = r[17:19] = 0.95
    r[8:11], r[14:17] = right_low, left_low
    r[11:14] = 0.85
    return [float(v) for v in r]


def test_a_flat_crown_with_a_tail_over_one_shoulder_is_tied():
    style, score, alternative = _style(outline(0.9, 1.05, 1.3, 0.88))
    assert (style, alternative) == ("ponytail", "long_straight")
    assert score < 0.5  # a guess: doubtful, long hair offered instead


def test_loose_long_hair_over_one_shoulder_widens_the_sides_and_is_not_tied():
    assert _style(outline(0.95, 1.25, 1.3, 0.88))[0] == "long_straight"


def test_loose_short_hair_is_never_tied():
    assert _style(outline(0.95, 1.05, 0.9, 0.88))[0] == "short"
    assert not tied_over_shoulder((0.9, 0.88), 0.95, 1.05)


def test_long_hair_on_both_shoulders_is_loose():
    assert _style(outline(0.95, 1.05, 1.3, 1.25))[0] == "long_straight"


def test_volume_all_round_without_reach_below_the_ears_is_curly_and_reads_short():
    """Curly is a head of curls that ends above the collar: the bench and the drawing agree it is short."""
    style = _style(outline(1.5, 1.4, 0.9, 0.9))[0]
    assert style == "curly"
    assert length_class(style) == "short"


def test_a_bulge_on_one_side_only_is_not_curly():
    """Curls stand out on both sides; volume on one side is a neighbour or a dark background joined
    to the hair by its colour."""
    r = outline(1.5, 1.75, 0.9, 0.9)  # on average as voluminous as a head of curls
    r[19:23] = [1.0] * 4
    assert _style(r)[0] == "short"


def test_voluminous_hair_reaching_the_shoulders_is_long_not_curly():
    """Length is decided first: volume on top does not make long hair short."""
    style = _style(outline(1.5, 1.4, 1.3, 1.3))[0]
    assert style == "long_straight" and length_class(style) == "long"


def test_every_style_names_a_length():
    """No style matches any length: the avatar must tell short hair from long."""
    assert {length_class(s) for s in CHOICES["hair.style"]} == {"bald", "short", "long"}
    assert [length_class(s) for s in ("curly", "afro", "long_wavy", "medium")] == ["short", "short", "long", "short"]


def test_curls_are_only_called_where_the_photo_resolves_strands():
    """A small group-photo face: volume all round is drawn short, with curly offered instead."""
    assert curly_if_resolved("curly", 0.5, "short", FACE_PX_FOR_TEXTURE / 2) == ("short", 0.45, "curly")
    assert curly_if_resolved("curly", 0.5, "short", 2 * FACE_PX_FOR_TEXTURE) == ("curly", 0.5, "short")
    assert curly_if_resolved("long_straight", 0.9, "medium", 10.0) == ("long_straight", 0.9, "medium")


def test_a_bare_looking_crown_on_a_small_face_is_receding_not_bald():
    """Under `FACE_PX_FOR_SCALP` a thin layer of hair on the scalp is a few photo pixels, blurred
    into the skin and the background: the plainer receding is drawn, bald offered instead."""
    small, large = FACE_PX_FOR_SCALP * 0.7, FACE_PX_FOR_SCALP * 2
    assert bald_if_resolved("bald", 0.9, "buzz", small, 0.45) == ("receding", 0.4, "bald")
    assert length_class(bald_if_resolved("bald", 0.9, "buzz", small, 0.45)[0]) == "short"
    assert bald_if_resolved("bald", 0.9, "buzz", large, 0.45) == ("bald", 0.9, "buzz")
    # bare skin past where any forehead ends is a bald crown at any size
    assert bald_if_resolved("bald", 0.9, "buzz", small, BALD_LINE + 0.05)[0] == "bald"
    assert bald_if_resolved("short", 0.6, "buzz", small, 0.45) == ("short", 0.6, "buzz")
