"""The identity distance (terms over each attribute's spread between people, undrawn attributes
left out), its weights, and the pair-ordering score the identity bench reports."""

from __future__ import annotations

import numpy as np
import pytest

from toonmoji.avatar.likeness import (
    CAP,
    SPREADS,
    attribute_distance,
    attribute_paths,
    attribute_terms,
    same_person_auc,
)
from toonmoji.avatar.model import Attributes


def test_weights_choose_which_attributes_count():
    a = Attributes()
    b = a.with_set("nose.width=1.6").with_set("hair.style=afro")
    # only the nose counts: 0.6 of its range [0.6, 1.6] apart; only the eyes: identical -> 0.0
    assert attribute_distance(a, b, scale="range", weights={"nose.width": 1.0}) == pytest.approx(0.6)
    assert attribute_distance(a, b, scale="range", weights={"eyes.size": 2.0}) == 0.0
    # half the weight on each: the mean of the two terms (0.6 and 1 for a different style)
    assert attribute_distance(a, b, scale="range", weights={"nose.width": 1.0, "hair.style": 1.0}) == pytest.approx(0.8)
    c = a.with_set("nose.width=1.1")
    assert attribute_distance(a, c, scale="range", weights={"nose.width": 1.0, "hair.style": 1.0}) == pytest.approx(0.05)
    # equal weights on every compared attribute are the plain mean
    equal = {p: 3.0 for p in attribute_paths()}
    assert attribute_distance(a, b, equal) == pytest.approx(attribute_distance(a, b))
    assert attribute_distance(a, b, equal, "range") == pytest.approx(attribute_distance(a, b, scale="range"))
    with pytest.raises(ValueError):
        attribute_distance(a, b, scale="range", weights={"nose.width": -1.0})
    with pytest.raises(ValueError):
        attribute_distance(a, b, scale="range", weights={"face.roll": 1.0})  # pose is never compared: nothing left


def test_each_attribute_counts_by_its_spread_between_people():
    """One typical difference between two people counts the same in every attribute, whatever the
    width of its range in the file: face.width (spread under 0.1 in a range of 0.6) as much as a
    choice that flips between many pairs of people."""
    a = Attributes()
    assert SPREADS["face.width"] < 0.15 < SPREADS["mouth.lips"] and SPREADS["hair.style"] > 0.3
    width = a.with_set(f"face.width={a.face.width + SPREADS['face.width']:.4f}")
    lips = a.with_set(f"mouth.lips={a.mouth.lips + SPREADS['mouth.lips']:.4f}")
    assert attribute_terms(a, width)["face.width"] == pytest.approx(1.0, abs=0.01)
    assert attribute_terms(a, lips)["mouth.lips"] == pytest.approx(1.0, abs=0.01)
    # over the ranges, as before, a typical difference in face width weighed a fifth of a typical
    # difference in hair style (a choice that differs in 3 of 4 pairs of faces)
    typical_style = SPREADS["hair.style"] * attribute_terms(a, a.with_set("hair=afro"), "range")["hair.style"]
    assert attribute_terms(a, width, "range")["face.width"] < 0.25 * typical_style
    # a rare choice read differently counts at most CAP typical differences
    glasses = a.with_set("glasses=round")
    assert attribute_terms(a, glasses)["glasses.style"] == min(CAP, 1.0 / SPREADS["glasses.style"])
    assert max(attribute_terms(a, a.with_set("age.lines=1.0")).values()) == CAP
    with pytest.raises(ValueError):
        attribute_terms(a, b=a, scale="inches")


def test_what_is_not_drawn_is_not_compared():
    """A beard's colour without a beard, a frame's colour without glasses, a bald head's hair
    colour: the cartoon draws none of them, so two avatars differing only there are the same."""
    a = Attributes()
    assert attribute_distance(a, a.with_set("beard.color=#ffffff")) == 0.0
    assert attribute_distance(a, a.with_set("glasses.color=#ff0000")) == 0.0
    bald = a.with_set("hair=bald")
    assert attribute_distance(bald, bald.with_set("hair.color=#ffffff").with_set("hair.fringe=1.0")) == 0.0
    # drawn, they count
    bearded = a.with_set("beard=full")
    assert attribute_distance(bearded, bearded.with_set("beard.color=#ffffff")) > 0.0
    assert attribute_distance(a, a.with_set("hair.color=#ffffff")) > 0.0
    # only weighted attributes that are not drawn: nothing to compare, not an error
    assert attribute_distance(a, a.with_set("beard.color=#ffffff"), {"beard.color": 1.0}) == 0.0


def test_same_person_auc_orders_pairs():
    people = {0: "a", 1: "a", 2: "b", 3: "b", 4: "c"}  # 4: a third person, seen once
    rng = np.random.default_rng(0)
    points = np.array([0.0, 0.1, 5.0, 5.1, 9.0])
    perfect = np.abs(points[:, None] - points[None, :])
    assert same_person_auc(perfect, people) == 1.0
    backwards = perfect.max() - perfect
    assert same_person_auc(backwards, people) == 0.0
    assert same_person_auc(np.ones((5, 5)), people) == 0.5  # all ties: chance
    noise = rng.random((5, 5))
    noise = noise + noise.T
    assert 0.0 <= same_person_auc(noise, people) <= 1.0
    # faces without a known person are left out: a sixth face nearest to everyone changes nothing
    bigger = np.pad(perfect, ((0, 1), (0, 1)), constant_values=0.01)
    assert same_person_auc(bigger, people) == 1.0
    with pytest.raises(ValueError):
        same_person_auc(perfect, {0: "a", 1: "b"})  # no same-person pair
