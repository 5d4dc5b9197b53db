"""Attributes on real photos from the labelled development set (../shared/data/faces-attributes):
clear cases only, each as the labels and the data set's naming rules say. Skipped when the shared
data is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from toonmoji.avatar import fit
from toonmoji.avatar.naming import colour_class, facial_hair_class, length_class
from toonmoji.imageio import read_image

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces-attributes"
pytestmark = pytest.mark.skipif(not (DATA / "labels.json").is_file(),
                                reason=f"the labelled real photos are not here ({DATA})")

CASES = {  # photo: (hair length, hair colour, facial hair), from labels.json
    "images/face_recognition__rose_leslie_img1.jpg": ("long", "red", "none"),
    "images/openface__adams.jpg": ("long", "red", "none"),
    "images/face_recognition__kit_harington_john2.jpg": ("long", "black", "beard"),
    "../faces/Tom_Cruise_avp_2014_4.jpg": ("short", "dark_brown", "none"),
}


@pytest.mark.parametrize("photo", sorted(CASES))
def test_clear_real_faces_get_their_labels(photo):
    length, colour, facial = CASES[photo]
    a = fit(read_image(DATA / photo)).attributes
    assert length_class(a.hair.style) == length
    assert colour_class(a.hair.color) == colour
    assert facial_hair_class(a.beard.style) == facial


def test_clean_shaven_woman_is_never_given_a_beard():
    """The issue's first complaint: most women got stubble or a moustache from the jaw's shadow."""
    for photo in ("images/face_recognition__rose_leslie_img1.jpg", "images/face_alignment__aflw-test.jpg"):
        assert fit(read_image(DATA / photo)).attributes.beard.style == "none"
