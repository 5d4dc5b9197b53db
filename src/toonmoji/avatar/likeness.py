"""How alike two avatars are, by their files' attributes alone: the distance the identity bench
(bench/avatar_identity.py) uses to ask whether two photos of one person give avatars closer to
each other than to anyone else's.

Every attribute that describes the person and is drawn contributes one term. Left out: the pose
(`face.roll`, `eyes.tilt`, `brows.tilt`), `hair.outline` (a photo's silhouette), `clothing.color`
(what they wore that day), the confidences, and what the cartoon does not draw for this pair
(`DRAWN_ONLY`: the hair's colour, grey, fringe and parting on a bald head, the beard's colour
without a beard, the frame's colour without glasses; the style terms already tell those apart).
Each term is the attribute's difference (a number's absolute difference; for a choice, 0 when
equal, else 1; for a colour, CIEDE2000) over its `SPREADS` entry: how far apart two people's
avatars typically are in that attribute (the mean difference over all pairs of the 86 development
faces, no names used), at most `CAP`. So every attribute counts by how much it varies between
faces, not by the width of its range in the file: before, a typical `face.width` difference
(0.08 in a range of 0.6: 0.13) weighed a sixth of a typical `hair.style` one (a choice that
differs in 3 of 4 pairs of faces: 0.75). The cap keeps one
attribute read wrong (a missed beard, a choice flipped at its threshold, a rare value such as
smile lines) from outweighing all the others. An attribute with no spread (one the fitting never
sets) is scaled by its range (a number), 1 (a choice) or `COLOUR_SCALE` (a colour) instead.
The distance is the mean of the terms: 0 for identical avatars. `scale="range"` gives the older
distance (each term over the attribute's range, in [0, 1]; every attribute compared) for
comparison. `weights` (attribute path -> weight) makes it a weighted mean instead, for asking
whether some attributes deserve more trust than others (weights learnt from the labelled faces
did not carry over to people left out: see docs/guides/avatar-likeness.md).

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
COLOUR_SCALE = 50.0  # scale="range": a CIEDE2000 difference this large counts as entirely different
CAP = 3.0  # no attribute counts for more than three of its typical differences
# attribute -> the style that must be drawn (not this value) in both avatars for it to be compared
DRAWN_ONLY = {"hair.color": ("hair.style", "bald"), "hair.grey": ("hair.style", "bald"),
              "hair.fringe": ("hair.style", "bald"), "hair.part": ("hair.style", "bald"),
              "beard.color": ("beard.style", "none"), "glasses.color": ("glasses.style", "none")}
# mean difference between two avatars over all pairs of the 86 faces of faces-attributes (numbers:
# absolute difference; choices: the share of pairs that differ; colours: CIEDE2000); no names
# used: PYTHONPATH=src python bench/avatar_identity.py --spreads; hair.grey, eyes.lashes and
# ears.size are never fitted (no spread): their ranges stand in
SPREADS: dict[str, float] = {"skin": 14.6, "face.width": 0.0802, "face.jaw": 0.171, "face.chin": 0.228,
    "face.shape": 0.705, "face.forehead": 0.162, "face.cheeks": 0.0908, "face.chin_height": 0.155, "hair.style": 0.754,
    "hair.color": 20.3, "hair.fringe": 0.351, "hair.part": 0.88, "eyes.size": 0.125, "eyes.spacing": 0.0874,
    "eyes.openness": 0.297, "eyes.color": 10.4, "eyes.shape": 0.512, "brows.thickness": 0.326,
    "brows.arch": 0.231, "brows.color": 17.4, "brows.shape": 0.577, "brows.height": 0.0508,
    "brows.length": 0.103, "brows.gap": 0.283,
    "nose.width": 0.149, "nose.length": 0.181, "nose.size": 0.142, "mouth.width": 0.202, "mouth.lips": 0.269,
    "mouth.color": 15.5, "mouth.upper": 0.113, "ears.protrusion": 0.149, "age.lines": 0.0321,
    "glasses.style": 0.208, "glasses.color": 15.8, "beard.style": 0.343, "beard.color": 19.7}


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


def drawn_in_both(a: Attributes, b: Attributes, path: str) -> bool:
    """Whether the cartoon draws attribute `path` for both avatars (`DRAWN_ONLY`)."""
    if path not in DRAWN_ONLY:
        return True
    style, absent = DRAWN_ONLY[path]
    return value_of(a, style) != absent and value_of(b, style) != absent


def difference(a: Attributes, b: Attributes, path: str) -> float:
    """The raw difference in `path`: absolute for a number, 0 or 1 for a choice, CIEDE2000 for a colour."""
    va, vb = value_of(a, path), value_of(b, path)
    if path in RANGES:
        return abs(va - vb)
    if path in CHOICES:
        return 0.0 if va == vb else 1.0
    return delta_e(va, vb)


def unit(path: str, scale: str = "spread") -> float:
    """What one unit of `path`'s term is: its `SPREADS` entry, or (no spread, or `scale="range"`)
    its range, 1 for a choice, `COLOUR_SCALE` for a colour."""
    if scale == "spread" and SPREADS.get(path, 0.0) > 0:
        return SPREADS[path]
    if path in RANGES:
        lo, hi = RANGES[path]
        return hi - lo
    return 1.0 if path in CHOICES else COLOUR_SCALE


def attribute_terms(a: Attributes, b: Attributes, scale: str = "spread") -> dict[str, float]:
    """Each compared attribute's term (see the module doc): its difference over its spread, at
    most `CAP`, for the attributes drawn for both; `scale="range"`: over its range, at most 1,
    for every attribute (the older distance)."""
    if scale not in ("spread", "range"):
        raise ValueError(f"scale must be 'spread' or 'range', not {scale!r}")
    cap = CAP if scale == "spread" else 1.0
    return {path: min(cap, difference(a, b, path) / unit(path, scale)) for path in attribute_paths()
            if scale == "range" or drawn_in_both(a, b, path)}


def attribute_distance(a: Attributes, b: Attributes, weights: Mapping[str, float] | None = None,
                       scale: str = "spread") -> float:
    """The mean of `attribute_terms`: 0 identical, larger the more the two differ. With `weights`
    the weighted mean (attributes not named weigh 0; weights must be >= 0, not all 0)."""
    terms = attribute_terms(a, b, scale)
    if weights is None:
        return sum(terms.values()) / len(terms)
    if any(w < 0 for w in weights.values()) or not any(weights.get(p, 0.0) > 0 for p in attribute_paths()):
        raise ValueError("weights must be >= 0 and give some compared attribute a positive weight")
    total = sum(weights.get(p, 0.0) for p in terms)
    if total == 0:  # the weighted attributes are drawn for neither (a beard's colour, no beards)
        return 0.0
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
