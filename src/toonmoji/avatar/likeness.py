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
"""

from __future__ import annotations

import dataclasses

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


def attribute_distance(a: Attributes, b: Attributes) -> float:
    """The mean of `attribute_terms`: 0 identical .. 1 different in everything."""
    terms = attribute_terms(a, b)
    return sum(terms.values()) / len(terms)
