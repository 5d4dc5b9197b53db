"""The identity distance's weights and the pair-ordering score the identity bench reports."""

from __future__ import annotations

import numpy as np
import pytest

from toonmoji.avatar.likeness import attribute_distance, attribute_paths, same_person_auc
from toonmoji.avatar.model import Attributes


def test_weights_choose_which_attributes_count():
    a = Attributes()
    b = a.with_set("nose.width=1.6").with_set("hair.style=afro")
    # only the nose counts: 0.6 of its range [0.6, 1.6] apart; only the eyes: identical -> 0.0
    assert attribute_distance(a, b, {"nose.width": 1.0}) == pytest.approx(0.6)
    assert attribute_distance(a, b, {"eyes.size": 2.0}) == 0.0
    # half the weight on each: the mean of the two terms (0.6 and 1 for a different style)
    assert attribute_distance(a, b, {"nose.width": 1.0, "hair.style": 1.0}) == pytest.approx(0.8)
    c = a.with_set("nose.width=1.1")
    assert attribute_distance(a, c, {"nose.width": 1.0, "hair.style": 1.0}) == pytest.approx(0.05)
    # equal weights on every compared attribute are the plain mean
    equal = {p: 3.0 for p in attribute_paths()}
    assert attribute_distance(a, b, equal) == pytest.approx(attribute_distance(a, b))
    with pytest.raises(ValueError):
        attribute_distance(a, b, {"nose.width": -1.0})
    with pytest.raises(ValueError):
        attribute_distance(a, b, {"face.roll": 1.0})  # pose is never compared: nothing left


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
