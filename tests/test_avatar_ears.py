"""The ears are read as skin reaching out beyond the face's outline at ear height: wider ears
read as sticking out more, a hidden ear on one side is not a flat ear, skin running on past any
ear's reach (a neighbour's face, warm-coloured hair) is not an ear."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from toonmoji.avatar.canonical import FACE_WIDTH, Canonical
from toonmoji.avatar.colour import lab_of
from toonmoji.avatar.ears import EAR_AVERAGES, ear_attributes, ear_measures
from toonmoji.faces import detect_faces

SKIN = (205, 150, 120)
BACKGROUND = (40, 70, 160)


@pytest.fixture(scope="module")
def canonical(portrait) -> Canonical:
    return Canonical.from_photo(portrait, detect_faces(portrait)[0].landmarks)


def drawn(c: Canonical, left: tuple[float, float] | None, right: tuple[float, float] | None) -> Canonical:
    """The canonical crop repainted: a skin-coloured face inside its outline on a blue background,
    and on each side an ear (width, length) in face widths and brows-to-nose heights, or none."""
    lm = c.landmarks
    image = np.empty_like(c.image)
    image[:] = BACKGROUND
    face = np.vstack([lm[0:17], lm[26:16:-1] - (0, 30)]).round().astype(np.int32)
    cv2.fillPoly(image, [face], SKIN)
    top, nose = lm[[19, 24], 1].mean(), lm[33, 1]
    for ear, outline, side in ((left, lm[1], -1), (right, lm[15], 1)):
        if ear is None:
            continue
        width, length = ear[0] * FACE_WIDTH, ear[1] * (nose - top)
        x0 = outline[0] - side * 3  # overlapping the face a little, as an ear's root does
        cv2.rectangle(image, (round(x0), round(top)), (round(x0 + side * width), round(top + length)), SKIN, -1)
    return dataclasses.replace(c, image=image)


def measured(c: Canonical, left, right):
    person = np.ones(c.image.shape[:2], bool)
    return ear_measures(drawn(c, left, right), lab_of(np.array([SKIN], np.float64))[0], person)


def test_wider_ears_stick_out_further(canonical):
    small, large = measured(canonical, (0.06, 1.0), (0.06, 1.0)), measured(canonical, (0.16, 1.0), (0.16, 1.0))
    assert small is not None and large is not None
    assert large["reach"] > small["reach"] + 0.06
    assert abs(large["reach"] - 0.16) < 0.04  # the walk measures from the outline outwards
    assert ear_attributes(large)["ears.protrusion"] > ear_attributes(small)["ears.protrusion"]


def test_skin_running_past_any_ear_is_not_an_ear(canonical):
    # a neighbour's cheek touching the face on the left: rows reaching MAX_REACH are not read
    joined = measured(canonical, (0.8, 1.2), (0.1, 1.0))
    alone = measured(canonical, None, (0.1, 1.0))
    assert joined == pytest.approx(alone)
    assert measured(canonical, (0.8, 1.2), None) is None


def test_a_hidden_ear_is_not_read_as_a_flat_one(canonical):
    both = measured(canonical, (0.12, 1.0), (0.12, 1.0))
    one = measured(canonical, None, (0.12, 1.0))
    assert one is not None and abs(one["reach"] - both["reach"]) < 0.02
    assert measured(canonical, None, None) is None  # no ear shows: the avatar keeps its defaults


def test_the_average_ear_is_drawn_average():
    assert ear_attributes(dict(EAR_AVERAGES)) == pytest.approx({"ears.protrusion": 0.5})
    assert ear_attributes({"reach": 1.0}) == {"ears.protrusion": 1.0}  # within the file's range
    assert ear_attributes({"reach": 0.0}) == {"ears.protrusion": 0.0}
