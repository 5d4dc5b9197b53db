"""How alike two avatars are, by their files' attributes alone: the distance the identity bench
(bench/avatar_identity.py) uses to ask whether two photos of one person give avatars closer to
each other than to anyone else's.

Every attribute that describes the person (not the pose: `face.roll`, `eyes.tilt` and
`brows.tilt` are left out, as are `hair.outline`, which is a photo's silhouette,
`clothing.color`, which is what they wore that day, and the confidences) contributes one term
in [0, 1]:
- a number: its difference over its range in `RANGES` (so `eyes.size` 1.0 vs 1.2 in
  [0.5, 1.6] gives 0.18);
- a choice (`face.shape`, `hair.style`, `beard.style`, ...): 0 when equal, else 1;
- a colour: the CIEDE2000 difference over 50, at most 1.
The distance is the mean of the terms: 0 for identical avatars, 1 for opposites everywhere.
`weights` (attribute path -> weight) makes it a weighted mean instead, for asking whether some
attributes deserve more trust than others; the default, equal weights, is what the bench scores
(weights learnt from the labelled faces did not carry over to people left out: see
docs/guides/avatar-likeness.md).

`same_person_auc` scores a whole distance matrix at once: the share of (same-person pair,
different-person pair) couples in which the same person's two avatars are the closer ones (0.5:
the distance knows nothing of identity, 1: it always does). Over the 378 pairs of 28 faces it
is a steadier figure than the nearest-neighbour hit rate, where one face is 3.6 points.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from toonmoji.avatar.colour import delta_e
from toonmoji.avatar.model import CHOICES, RANGES, SECTIONS, Attributes

POSE = frozenset({"face.roll", "eyes.tilt", "brows.tilt"})
NOT_THE_PERSON = frozenset({"hair.outline", "clothing.color"})  # this photo's, not the person's
COLOUR_SCALE = 50.0  # a CIEDE2000 difference this large counts as entirely different


def attribute_paths() -> list[str]:
    """The attributes the distance compares, in the file's order."""
    paths = ["skin"]
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            path = f"{section}.{f.name}"
            if path not in POSE and path not in NOT_THE_PERSON:
                paths.append(path)
    return paths


def value_of(attrs: Attributes, path: str):
    """The attribute at `path` (\"skin\" or \"section.name\")."""
    if path == "skin":
        return attrs.skin
    section, name = path.split(".")
    return getattr(getattr(attrs, section), name)


def attribute_terms(a: Attributes, b: Attributes) -> dict[str, float]:
    """Each compared attribute's term in [0, 1] (see the module doc)."""
    terms = {}
    for path in attribute_paths():
        va, vb = value_of(a, path), value_of(b, path)
        if path in RANGES:
            lo, hi = RANGES[path]
            terms[path] = abs(va - vb) / (hi - lo)
        elif path in CHOICES:
            terms[path] = 0.0 if va == vb else 1.0
        else:
            terms[path] = min(1.0, delta_e(va, vb) / COLOUR_SCALE)
    return terms


def attribute_distance(a: Attributes, b: Attributes, weights: Mapping[str, float] | None = None) -> float:
    """The mean of `attribute_terms`: 0 identical .. 1 different in everything. With `weights`
    the weighted mean (attributes not named weigh 0; weights must be >= 0, not all 0)."""
    terms = attribute_terms(a, b)
    if weights is None:
        return sum(terms.values()) / len(terms)
    if any(w < 0 for w in weights.values()) or not any(weights.get(p, 0.0) > 0 for p in terms):
        raise ValueError("weights must be >= 0 and give some compared attribute a positive weight")
    total = sum(weights.get(p, 0.0) for p in terms)
    return sum(weights.get(p, 0.0) * t for p, t in terms.items()) / total


def same_person_auc(dist: np.ndarray, person: Mapping[int, str]) -> float:
    """How well `dist` `(n, n)` orders pairs: over the faces with a known `person` (index ->
    name), the share of (same-person pair, different-person pair) couples in which the
    same-person pair is nearer, ties counting half. 0.5 is chance, 1.0 perfect."""
    idx = sorted(person)
    d = np.asarray(dist, np.float64)[np.ix_(idx, idx)]
    names = np.array([person[i] for i in idx])
    upper = np.triu(np.ones_like(d, bool), 1)
    same = names[:, None] == names[None, :]
    s, o = np.sort(d[upper & same]), np.sort(d[upper & ~same])
    if not len(s) or not len(o):
        raise ValueError("same_person_auc needs at least one same-person and one different-person pair")
    below = np.searchsorted(o, s, side="left")  # different pairs strictly nearer than each same pair
    ties = np.searchsorted(o, s, side="right") - below
    return float(((len(o) - below - ties) + 0.5 * ties).sum() / (len(s) * len(o)))
