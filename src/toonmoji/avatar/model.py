"""The avatar's attributes: dataclasses, their JSON file (versioned schema) and `--set` edits.

An avatar file is plain JSON that a person can read and edit:

    {"format": "toonmoji-avatar", "version": 4,
     "skin": "#c68b6e",
     "face": {"width": 1.0, "jaw": 0.5, "chin": 0.5, "roll": 0.0, "shape": "oval",
              "forehead": 1.0, "cheeks": 1.0, "chin_height": 1.0},
     "hair": {"style": "short", "color": "#3b2a20", "outline": [24 radii], "fringe": 0.4,
              "part": 0.0, "grey": 0.0},
     "eyes": {"size": 1.0, "spacing": 1.0, "openness": 1.0, "tilt": 0.0, "color": "#4a3020",
              "shape": "almond", "lashes": 0.0},
     "brows": {"thickness": 1.0, "arch": 0.5, "tilt": 0.0, "color": "#2a1e18", "shape": "soft",
               "height": 1.0, "length": 1.0, "gap": 1.0},
     "nose": {"width": 1.0, "length": 1.0, "size": 1.0},
     "mouth": {"width": 1.0, "lips": 1.0, "color": "#b0605a", "upper": 1.0},
     "ears": {"size": 1.0, "protrusion": 0.5},
     "age": {"lines": 0.0},
     "clothing": {"color": "#4a6fa5"},
     "glasses": {"style": "none", "color": "#222222"},
     "beard": {"style": "none", "color": "#3b2a20"},
     "confidence": {"beard.style": {"score": 0.55, "alternative": "stubble"}}}

Numbers are relative to an average face (1.0) or in [0, 1]; `roll` and `tilt` are degrees.
`confidence` says how sure the fitting was of a choice (`score` in [0, 1]) and the runner-up a
person may prefer (`alternative`, a valid value of the same attribute, or null); interfaces offer
that alternative one click away. Version 1 files (before face shape, ears, age, clothing,
confidence and the twelve hair styles) still load: their missing values take the defaults and
their hair styles are renamed (`long` -> `long_straight`, `tied` -> `ponytail`); so do version 2
files (before `brows.height`, which then stays 1.0, the average face's) and version 3 files
(before `brows.length`, `brows.gap` and `face.chin_height`, which stay 1.0 and draw as before).
`hair.outline` holds the fitted hair silhouette: the hair's reach from the head centre at 24
angles (clockwise from straight up, in head radii); an empty list means the style's template.
Every value is checked against `RANGES` / `CHOICES` on load and on `--set`, so a bad file fails
with one line instead of drawing nonsense.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

from toonmoji.errors import InputError

FORMAT = "toonmoji-avatar"
VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)
V1_HAIR_STYLES = {"long": "long_straight", "tied": "ponytail"}
OUTLINE_POINTS = 24
DOUBTFUL = 0.6  # a choice fitted with a score under this offers its alternative (`Attributes.doubtful`)
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


class AvatarError(InputError):
    """An avatar file or attribute value that cannot be used."""


@dataclass
class Face:
    width: float = 1.0  # face width / length against an average face
    jaw: float = 0.5  # 0 narrow, pointed jaw .. 1 wide, square jaw
    chin: float = 0.5  # 0 round chin .. 1 pointed chin
    roll: float = 0.0  # head tilt in degrees, clockwise on screen
    shape: str = "oval"  # oval, round, square, long, heart: as a person would name it
    forehead: float = 1.0  # forehead height against an average face
    cheeks: float = 1.0  # cheekbone width against the jaw, average 1.0
    # the mouth's height above the chin (upper lip to chin over nose bridge to chin) against an
    # average face: drawn as the chin's length below the mouth (version 4)
    chin_height: float = 1.0


@dataclass
class Hair:
    style: str = "short"
    color: str = "#3b2a20"
    outline: list[float] = field(default_factory=list)
    fringe: float = 0.4  # 0 high hairline .. 1 bangs down to the brows
    part: float = 0.0  # -1 parted on the image's left .. 1 on its right
    grey: float = 0.0  # 0 none .. 1 all grey: salt-and-pepper strands drawn over `color`


@dataclass
class Eyes:
    size: float = 1.0
    spacing: float = 1.0
    openness: float = 1.0
    tilt: float = 0.0
    color: str = "#4a3526"
    shape: str = "almond"  # almond, round, hooded, monolid
    lashes: float = 0.0  # 0 none drawn .. 1 long lashes


@dataclass
class Brows:
    thickness: float = 1.0
    arch: float = 0.5
    tilt: float = 0.0
    color: str = "#2e2019"
    shape: str = "soft"  # straight, soft, arched, angled
    height: float = 1.0  # the brows' height above the eyes against an average face (version 3)
    length: float = 1.0  # the brows' length over the eyes' spacing against an average face (version 4)
    gap: float = 1.0  # the gap between the brows' inner ends over the eyes' spacing, average 1.0 (version 4)


@dataclass
class Nose:
    width: float = 1.0
    length: float = 1.0
    size: float = 1.0  # overall size of the tip and nostrils


@dataclass
class Mouth:
    width: float = 1.0
    lips: float = 1.0
    color: str = "#b5645e"
    upper: float = 1.0  # upper lip against the lower one, average 1.0


@dataclass
class Ears:
    size: float = 1.0
    protrusion: float = 0.5  # 0 flat to the head .. 1 sticking out


@dataclass
class Age:
    lines: float = 0.0  # 0 none .. 1 marked smile lines and crow's feet


@dataclass
class Clothing:
    color: str = "#4a6fa5"  # the shirt at the neck and shoulders


@dataclass
class Glasses:
    style: str = "none"
    color: str = "#222222"


@dataclass
class Beard:
    style: str = "none"
    color: str = "#3b2a20"


SECTIONS = {"face": Face, "hair": Hair, "eyes": Eyes, "brows": Brows, "nose": Nose,
            "mouth": Mouth, "ears": Ears, "age": Age, "clothing": Clothing, "glasses": Glasses,
            "beard": Beard}

RANGES: dict[str, tuple[float, float]] = {
    "face.width": (0.7, 1.3), "face.jaw": (0.0, 1.0), "face.chin": (0.0, 1.0), "face.roll": (-45.0, 45.0),
    "face.forehead": (0.6, 1.4), "face.cheeks": (0.7, 1.3), "face.chin_height": (0.6, 1.4),
    "hair.fringe": (0.0, 1.0), "hair.part": (-1.0, 1.0), "hair.grey": (0.0, 1.0),
    "eyes.lashes": (0.0, 1.0), "nose.length": (0.6, 1.5), "nose.size": (0.6, 1.6),
    "mouth.upper": (0.5, 1.6), "ears.size": (0.6, 1.5), "ears.protrusion": (0.0, 1.0),
    "age.lines": (0.0, 1.0),
    "eyes.size": (0.5, 1.6), "eyes.spacing": (0.7, 1.3), "eyes.openness": (0.4, 1.6), "eyes.tilt": (-20.0, 20.0),
    "brows.thickness": (0.4, 2.5), "brows.arch": (0.0, 1.0), "brows.tilt": (-20.0, 20.0), "brows.height": (0.5, 1.6),
    "brows.length": (0.7, 1.3), "brows.gap": (0.5, 1.6),
    "nose.width": (0.6, 1.6), "mouth.width": (0.6, 1.5), "mouth.lips": (0.4, 2.0),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "hair.style": ("bald", "receding", "buzz", "short", "side_part", "medium", "long_straight",
                   "long_wavy", "curly", "afro", "ponytail", "bun"),
    "face.shape": ("oval", "round", "square", "long", "heart"),
    "eyes.shape": ("almond", "round", "hooded", "monolid"),
    "brows.shape": ("straight", "soft", "arched", "angled"),
    "glasses.style": ("none", "round", "square"),
    "beard.style": ("none", "stubble", "moustache", "goatee", "full"),
}
OUTLINE_RANGE = (0.5, 3.0)


@dataclass
class Attributes:
    """Everything that says what this person's avatar looks like (not how it is posed)."""

    skin: str = "#d9a27f"
    face: Face = field(default_factory=Face)
    hair: Hair = field(default_factory=Hair)
    eyes: Eyes = field(default_factory=Eyes)
    brows: Brows = field(default_factory=Brows)
    nose: Nose = field(default_factory=Nose)
    mouth: Mouth = field(default_factory=Mouth)
    ears: Ears = field(default_factory=Ears)
    age: Age = field(default_factory=Age)
    clothing: Clothing = field(default_factory=Clothing)
    glasses: Glasses = field(default_factory=Glasses)
    beard: Beard = field(default_factory=Beard)
    # how sure the fitting was of a choice: {"beard.style": Confidence(0.55, "stubble")}
    confidence: dict[str, Confidence] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **dataclasses.asdict(self)}

    def doubtful(self, below: float = DOUBTFUL) -> dict[str, Confidence]:
        """The choices fitted with a score under `below` that have an alternative to offer."""
        return {k: c for k, c in self.confidence.items() if c.score < below and c.alternative is not None}

    @classmethod
    def from_dict(cls, data: Any, source: str = "avatar") -> Attributes:
        """Validate and build; AvatarError (one line) for anything that is not an avatar."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise AvatarError(f"{source}: not a toonmoji avatar file (no \"format\": \"{FORMAT}\")")
        version = data.get("version")
        if version not in READABLE_VERSIONS:
            raise AvatarError(f"{source}: avatar version {version!r} is not supported (this reads "
                              f"{', '.join(map(str, READABLE_VERSIONS))})")
        if version == 1:
            data = _upgraded_v1(data)
        attrs = cls()
        for key, value in data.items():
            if key in ("format", "version"):
                continue
            if key == "skin":
                attrs.skin = check_value("skin", value, source)
            elif key == "confidence":
                attrs.confidence = _confidences(value, source)
            elif key in SECTIONS:
                if not isinstance(value, dict):
                    raise AvatarError(f"{source}: {key} must be an object")
                section = getattr(attrs, key)
                for name, v in value.items():
                    path = f"{key}.{name}"
                    if not hasattr(section, name):
                        raise AvatarError(f"{source}: unknown attribute {path}")
                    setattr(section, name, check_value(path, v, source))
            else:
                raise AvatarError(f"{source}: unknown attribute {key}")
        return attrs

    def with_set(self, assignment: str) -> Attributes:
        """A copy with one `key=value` edit (`hair.color=#3b2a20`, `glasses=none`, `eyes.size=1.2`).

        A section name alone sets its style (`glasses=round`); setting `hair.style` drops the
        fitted silhouette so the chosen style's own shape is drawn."""
        if "=" not in assignment:
            raise AvatarError(f"--set {assignment!r}: expected KEY=VALUE, e.g. hair.color=#3b2a20")
        key, raw = (s.strip() for s in assignment.split("=", 1))
        if key in ("glasses", "beard", "hair"):
            key = f"{key}.style"
        known = {"skin"} | {f"{s}.{f.name}" for s, c in SECTIONS.items() for f in dataclasses.fields(c)}
        if key not in known:
            raise AvatarError(f"--set {key}: unknown attribute; known: {', '.join(sorted(known))}")
        value: Any = raw
        if key in RANGES:
            try:
                value = float(raw)
            except ValueError:
                raise AvatarError(f"--set {key}={raw}: not a number") from None
        elif key == "hair.outline":
            try:
                value = [float(v) for v in raw.split(",")] if raw else []
            except ValueError:
                raise AvatarError(f"--set {key}: expected {OUTLINE_POINTS} comma-separated numbers") from None
        value = check_value(key, value, "--set")
        out = Attributes.from_dict(self.to_dict())
        if key == "skin":
            out.skin = value
        else:
            section, name = key.split(".")
            setattr(getattr(out, section), name, value)
            if key == "hair.style":
                out.hair.outline = []
            out.confidence.pop(key, None)  # the person chose it: no doubt left
        return out


@dataclass
class Confidence:
    """How sure the fitting was of one choice, and the runner-up to offer (None: no other)."""

    score: float
    alternative: str | None = None


def _confidences(value: Any, source: str) -> dict[str, Confidence]:
    if not isinstance(value, dict):
        raise AvatarError(f"{source}: confidence must be an object")
    out: dict[str, Confidence] = {}
    for path, entry in value.items():
        if path not in CHOICES:
            raise AvatarError(f"{source}: confidence.{path}: not a choice attribute ({', '.join(CHOICES)})")
        if not isinstance(entry, dict) or set(entry) - {"score", "alternative"}:
            raise AvatarError(f"{source}: confidence.{path} must be {{\"score\": 0..1, \"alternative\": value or null}}")
        score = entry.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0.0 <= score <= 1.0:
            raise AvatarError(f"{source}: confidence.{path}.score must be a number in [0, 1], got {score!r}")
        alternative = entry.get("alternative")
        if alternative is not None:
            alternative = check_value(path, alternative, f"{source}: confidence.{path}.alternative")
        out[path] = Confidence(float(score), alternative)
    return out


def _upgraded_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A version 1 file as the current version: only the hair styles were renamed; new values default."""
    out = dict(data, version=VERSION)
    hair = out.get("hair")
    if isinstance(hair, dict) and hair.get("style") in V1_HAIR_STYLES:
        out["hair"] = dict(hair, style=V1_HAIR_STYLES[hair["style"]])
    return out


def check_value(path: str, value: Any, source: str) -> Any:
    """`value` if it is valid for attribute `path`, else AvatarError naming both."""
    if path == "skin" or path.endswith(".color"):
        if not isinstance(value, str) or not HEX.match(value):
            raise AvatarError(f"{source}: {path} must be a colour like #3b2a20, got {value!r}")
        return value.lower()
    if path in CHOICES:
        if value not in CHOICES[path]:
            raise AvatarError(f"{source}: {path} must be one of {', '.join(CHOICES[path])}, got {value!r}")
        return value
    if path == "hair.outline":
        lo, hi = OUTLINE_RANGE
        if not isinstance(value, list) or (value and len(value) != OUTLINE_POINTS) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi for v in value
        ):
            raise AvatarError(f"{source}: hair.outline must be empty or {OUTLINE_POINTS} numbers in [{lo}, {hi}]")
        return [float(v) for v in value]
    lo, hi = RANGES[path]
    if isinstance(value, bool) or not isinstance(value, int | float) or not (lo <= value <= hi):
        raise AvatarError(f"{source}: {path} must be a number in [{lo:g}, {hi:g}], got {value!r}")
    return float(value)


def to_json_text(attrs: Attributes) -> str:
    return json.dumps(attrs.to_dict(), indent=2) + "\n"


def from_json_text(text: str, source: str = "avatar") -> Attributes:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AvatarError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})" if hasattr(exc, "msg") else f"{source}: not JSON") from None
    return Attributes.from_dict(data, source)


def json_schema() -> dict[str, Any]:
    """The avatar file's JSON Schema (draft 2020-12), made from the dataclasses and ranges."""
    def prop(path: str, f: dataclasses.Field) -> dict[str, Any]:
        if path in RANGES:
            lo, hi = RANGES[path]
            return {"type": "number", "minimum": lo, "maximum": hi, "default": f.default}
        if path in CHOICES:
            return {"enum": list(CHOICES[path]), "default": f.default}
        if path == "hair.outline":
            lo, hi = OUTLINE_RANGE
            return {"type": "array", "items": {"type": "number", "minimum": lo, "maximum": hi},
                    "maxItems": OUTLINE_POINTS}
        return {"type": "string", "pattern": HEX.pattern, "default": f.default}

    props: dict[str, Any] = {"format": {"const": FORMAT}, "version": {"enum": list(READABLE_VERSIONS)},
                             "skin": {"type": "string", "pattern": HEX.pattern}}
    for name, cls in SECTIONS.items():
        props[name] = {"type": "object", "additionalProperties": False,
                       "properties": {f.name: prop(f"{name}.{f.name}", f) for f in dataclasses.fields(cls)}}
    props["confidence"] = {"type": "object", "additionalProperties": False, "properties": {
        path: {"type": "object", "additionalProperties": False, "required": ["score"], "properties": {
            "score": {"type": "number", "minimum": 0.0, "maximum": 1.0},
            "alternative": {"enum": [*CHOICES[path], None]}}} for path in CHOICES}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "toonmoji avatar",
            "type": "object", "required": ["format", "version"], "additionalProperties": False,
            "properties": props}
