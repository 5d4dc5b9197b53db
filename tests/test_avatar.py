"""The avatar without a photo: attributes and their JSON file, `--set` edits, the seven
expressions, SVG and raster drawing the same geometry at any size."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from toonmoji.avatar import Attributes, Avatar, AvatarError
from toonmoji.avatar.expression import PRESETS
from toonmoji.avatar.model import json_schema
from toonmoji.emotion.labels import EMOTIONS


@pytest.fixture
def avatar() -> Avatar:
    return Avatar(Attributes())


@pytest.mark.parametrize("size", [16, 64, 256, 700])
def test_render_sizes_and_transparency(avatar, size):
    rgba = avatar.render("happy", 0.8, size)
    assert rgba.shape == (size, size, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, 3] == 0  # transparent corner
    assert rgba[size // 2, size // 2, 3] == 255  # opaque face
    assert 0 < np.mean(rgba[..., 3] == 255) < 0.9


def test_each_emotion_draws_differently_and_intensity_zero_is_neutral(avatar):
    images = {e: avatar.render(e, 1.0, 96).astype(int) for e in EMOTIONS}
    for a in EMOTIONS:
        for b in EMOTIONS:
            if a < b:
                assert np.abs(images[a] - images[b]).sum() > 0, (a, b)
    assert np.array_equal(avatar.render("angry", 0.0, 96), avatar.render("neutral", 1.0, 96))
    half = np.abs(avatar.render("surprise", 0.5, 96).astype(int) - images["neutral"]).sum()
    assert 0 < half < np.abs(images["surprise"] - images["neutral"]).sum()


def test_svg_parses_and_matches_the_raster(avatar):
    svg = avatar.to_svg("surprise", 1.0, 300)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 100 100"
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == len(avatar.shapes("surprise", 1.0))
    colours = {p.get("fill") for p in paths} | {s.get("stop-color") for s in root.iter("{http://www.w3.org/2000/svg}stop")}
    assert avatar.attributes.skin in colours and avatar.attributes.hair.color in colours


def test_json_round_trip_and_schema(avatar):
    edited = avatar.with_set("hair.color=#3B2A20", "glasses=round", "eyes.size=1.3", "hair.style=curly")
    back = Avatar.from_json(edited.to_json())
    assert back.attributes == edited.attributes
    data = json.loads(edited.to_json())
    assert data["format"] == "toonmoji-avatar" and data["version"] == 4
    assert data["hair"]["color"] == "#3b2a20" and data["glasses"]["style"] == "round"
    schema = json_schema()
    assert set(schema["properties"]) == set(data)
    assert schema["properties"]["eyes"]["properties"]["size"]["maximum"] >= 1.3


def test_version_1_files_still_load_with_renamed_styles():
    old = {"format": "toonmoji-avatar", "version": 1, "skin": "#c68b6e",
           "hair": {"style": "tied", "color": "#3b2a20"}, "beard": {"style": "stubble"}}
    attrs = Avatar.from_json(json.dumps(old)).attributes
    assert attrs.hair.style == "ponytail" and attrs.beard.style == "stubble" and attrs.skin == "#c68b6e"
    assert attrs.ears.size == 1.0 and attrs.confidence == {}  # what v1 lacked takes the defaults
    old["hair"]["style"] = "long"
    assert Avatar.from_json(json.dumps(old)).attributes.hair.style == "long_straight"
    assert json.loads(Avatar.from_json(json.dumps(old)).to_json())["version"] == 4


def test_version_2_files_still_load_with_average_brow_height():
    """Version 3 added `brows.height`; a version 2 file (written before it) loads with the average
    face's 1.0 and is written back as the current version."""
    old = {"format": "toonmoji-avatar", "version": 2, "skin": "#c68b6e",
           "brows": {"thickness": 1.2, "arch": 0.4, "tilt": 0.0, "color": "#2a1e18", "shape": "soft"}}
    avatar = Avatar.from_json(json.dumps(old))
    assert avatar.attributes.brows.height == 1.0 and avatar.attributes.brows.thickness == 1.2
    assert json.loads(avatar.to_json())["version"] == 4
    with pytest.raises(AvatarError, match="brows.height"):
        Avatar.from_json(json.dumps(dict(old, version=3, brows={"height": 3.0})))


def test_version_3_files_load_and_draw_as_before():
    """Version 4 added `brows.length`, `brows.gap` and `face.chin_height`; a version 3 file loads
    with the average face's 1.0 for each, and that draws the brows and chin where version 3 did
    (the inner brow end 6 units inside the eye centre, the brow 12.8 long, the chin at 84)."""
    old = {"format": "toonmoji-avatar", "version": 3, "skin": "#c68b6e",
           "face": {"width": 1.0, "jaw": 0.5, "chin": 0.5, "roll": 0.0, "shape": "oval", "forehead": 1.0, "cheeks": 1.0},
           "brows": {"thickness": 1.2, "arch": 0.4, "tilt": 0.0, "color": "#2a1e18", "shape": "soft", "height": 1.1}}
    avatar = Avatar.from_json(json.dumps(old))
    a = avatar.attributes
    assert (a.brows.length, a.brows.gap, a.face.chin_height, a.brows.height) == (1.0, 1.0, 1.0, 1.1)
    assert json.loads(avatar.to_json())["version"] == 4
    shapes = avatar.shapes("neutral", 1.0)
    right = max((s.path.flatten() for s in shapes if s.name == "brow"), key=lambda p: p[:, 0].mean())
    assert right[:, 0].min() == pytest.approx(50.0 + 11.0 - 6.0, abs=0.8)
    assert right[:, 0].max() == pytest.approx(50.0 + 11.0 + 6.8, abs=0.8)
    head = next(s for s in shapes if s.name == "head").path.flatten()
    assert head[:, 1].max() == pytest.approx(83.2 + 0.4, abs=0.3)
    with pytest.raises(AvatarError, match="brows.gap"):
        Avatar.from_json(json.dumps(dict(old, version=4, brows={"gap": 3.0})))


def test_confidence_round_trips_and_a_chosen_value_drops_its_doubt(avatar):
    data = json.loads(avatar.to_json())
    data["confidence"] = {"beard.style": {"score": 0.4, "alternative": "stubble"},
                          "hair.style": {"score": 0.9, "alternative": None}}
    doubtful = Avatar.from_json(json.dumps(data))
    assert doubtful.attributes.confidence["beard.style"].alternative == "stubble"
    assert set(doubtful.attributes.doubtful()) == {"beard.style"}
    assert json.loads(doubtful.to_json())["confidence"]["beard.style"] == {"score": 0.4, "alternative": "stubble"}
    chosen = doubtful.with_set("beard=none")
    assert "beard.style" not in chosen.attributes.confidence and "hair.style" in chosen.attributes.confidence


@pytest.mark.parametrize("text, fragment", [
    ("[1, 2]", "not a toonmoji avatar"),
    ('{"format": "toonmoji-avatar", "version": 99}', "version"),
    ('{"format": "toonmoji-avatar", "version": 1, "eyes": {"size": 9}}', "eyes.size"),
    ('{"format": "toonmoji-avatar", "version": 1, "skin": "pink"}', "skin"),
    ('{"format": "toonmoji-avatar", "version": 1, "hair": {"style": "mohawk"}}', "hair.style"),
    ('{"format": "toonmoji-avatar", "version": 2, "nose": {"bridge": 1}}', "nose.bridge"),
    ('{"format": "toonmoji-avatar", "version": 2, "confidence": {"skin": {"score": 1}}}', "confidence.skin"),
    ('{"format": "toonmoji-avatar", "version": 2, "confidence": {"beard.style": {"score": 2}}}', "score"),
    ('{"format": "toonmoji-avatar", "version": 2, "confidence": {"beard.style": {"score": 0.5, "alternative": "mutton"}}}',
     "beard.style"),
    ("{not json", "not JSON"),
])
def test_bad_avatar_files_fail_in_one_line(text, fragment):
    with pytest.raises(AvatarError, match=fragment) as info:
        Avatar.from_json(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("assignment, fragment", [
    ("nose.bridge=2", "unknown attribute"), ("eyes.size=7", "eyes.size"), ("glasses=monocle", "glasses.style"),
    ("hair.color=brown", "hair.color"), ("eyes.size", "KEY=VALUE"), ("face.roll=abc", "not a number"),
])
def test_bad_set_edits(avatar, assignment, fragment):
    with pytest.raises(AvatarError, match=fragment):
        avatar.with_set(assignment)


def test_attributes_change_the_drawing(avatar):
    base = avatar.render("neutral", 1.0, 128)
    for edit in ("glasses=square", "beard=full", "hair.style=long_straight", "hair.style=bald", "skin=#5a3a2a", "face.roll=20"):
        assert np.abs(avatar.with_set(edit).render("neutral", 1.0, 128).astype(int) - base).sum() > 1000, edit
    styles = {s: avatar.with_set(f"hair.style={s}").render("neutral", 1.0, 96)[..., 3] for s in ("bald", "short", "long_straight", "curly", "ponytail")}
    areas = {s: int((a > 127).sum()) for s, a in styles.items()}
    assert len(set(areas.values())) == 5  # each style has its own silhouette
    assert areas["curly"] > areas["short"] > areas["bald"] and areas["long_straight"] > areas["short"]


def test_bad_render_arguments(avatar):
    with pytest.raises(AvatarError):
        avatar.render("bored", 1.0, 64)
    with pytest.raises(AvatarError):
        avatar.render("happy", 1.5, 64)
    with pytest.raises(AvatarError):
        avatar.render("happy", 1.0, 2)


def test_presets_cover_the_fer_classes():
    assert set(PRESETS) == set(EMOTIONS)


def test_sad_cries_and_surprise_is_a_dark_o(avatar):
    """Sad is drawn as FER2013's sad faces look (crying: a small open frown whose corners drop
    below its top, eyes squeezed and reddened, a tear); surprise's mouth is a small O with no
    tongue under eyes opened wide and grown wider, the lids kept under the raised brows."""
    def mouth(emotion):
        shapes = {s.name: s for s in avatar.shapes(emotion, 1.0)}
        return shapes, shapes["mouth"].path.flatten()

    shapes, pts = mouth("sad")
    left, right = pts[pts[:, 0].argmin()], pts[pts[:, 0].argmax()]
    top = pts[:, 1].min()
    assert top < min(left[1], right[1]) - 6.0  # a frown: both corners well below its top
    _, happy = mouth("happy")
    assert np.ptp(pts[:, 0]) < 0.7 * np.ptp(happy[:, 0])  # a small mouth, not a wide cry
    assert "tear" in shapes and "tear_shadow" in shapes
    assert "tear_shadow" not in {s.name for s in avatar.shapes("neutral", 1.0)}
    assert {s.name: s for s in avatar.shapes("sad", 0.5)}["tear_shadow"].opacity < shapes["tear_shadow"].opacity
    shapes, pts = mouth("surprise")
    width, height = np.ptp(pts[:, 0]), np.ptp(pts[:, 1])
    assert "tongue" not in shapes and width < 1.6 * height
    assert width < 0.6 * np.ptp(happy[:, 0])
    # eyes opened wide grow wider too (a cartoon's surprise and fear)
    def eye_width(emotion):
        return np.ptp(next(s for s in avatar.shapes(emotion, 1.0) if s.name == "eye_white").path.flatten()[:, 0])

    assert eye_width("surprise") > 1.3 * eye_width("neutral") and eye_width("fear") > 1.15 * eye_width("neutral")
    # however wide, the lids stay under the raised brows (the sample's eyes are opened wide)
    wide = avatar.with_set("eyes.openness=1.6").shapes("surprise", 1.0)
    eye_top = min(s.path.flatten()[:, 1].min() for s in wide if s.name == "eye_white")
    brow_bottom = max(s.path.flatten()[:, 1].max() for s in wide if s.name == "brow")
    assert eye_top > brow_bottom


def test_brow_height_moves_the_drawn_brows_and_the_lids_stay_under_them(avatar):
    """`brows.height` is the brows' height above the eyes: drawn higher for a larger value, and
    even the lowest brows leave the lids under them."""
    def brows_and_eyes(height: float) -> tuple[float, float, float]:
        shapes = avatar.with_set(f"brows.height={height}").shapes("neutral", 1.0)
        brow = [s.path.flatten()[:, 1] for s in shapes if s.name == "brow"]
        eye = min(s.path.flatten()[:, 1].min() for s in shapes if s.name == "eye_white")
        return float(np.mean([b.mean() for b in brow])), max(b.max() for b in brow), eye

    low, mid, high = (brows_and_eyes(h) for h in (0.5, 1.0, 1.6))
    assert high[0] < mid[0] - 3.0 and low[0] > mid[0] + 3.0  # y grows downwards
    assert high[2] == pytest.approx(mid[2]) and low[2] > low[1]  # the eyes stay; lids under the brows


def test_brow_length_and_gap_move_the_drawn_brows(avatar):
    """`brows.gap` moves the brows' inner ends towards or away from the midline (never past the
    eye centre), `brows.length` their outer ends; the other end stays, and so do the eyes."""
    def ends(**kw: float) -> tuple[float, float, float]:
        edited = avatar.with_set(*(f"brows.{k}={v}" for k, v in kw.items()), "eyes.spacing=1.0")
        shapes = edited.shapes("neutral", 1.0)
        right = max((s.path.flatten() for s in shapes if s.name == "brow"), key=lambda p: p[:, 0].mean())
        eye = max((s.path.flatten() for s in shapes if s.name == "eye_white"), key=lambda p: p[:, 0].mean())
        return float(right[:, 0].min()), float(right[:, 0].max()), float(eye[:, 0].mean())

    base, narrow, wide = ends(), ends(gap=0.5), ends(gap=1.6)
    assert narrow[0] < base[0] - 2.0 and wide[0] > base[0] + 2.0  # the inner end, x from the midline at 50
    assert wide[0] < 50.0 + 11.0 - 1.0  # never past the eye centre
    assert narrow[2] == pytest.approx(base[2]) == pytest.approx(wide[2])
    short, long_ = ends(length=0.7), ends(length=1.3)
    assert short[0] == pytest.approx(base[0], abs=0.3) and long_[0] == pytest.approx(base[0], abs=0.3)
    assert long_[1] - short[1] > 0.5 * 12.8 * 0.6


def test_chin_height_lengthens_the_chin_below_the_mouth(avatar):
    """`face.chin_height` moves the chin's bottom (and a goatee with it); the mouth stays."""
    def chin_and_mouth(h: float, beard: str = "none") -> tuple[float, float, float]:
        shapes = avatar.with_set(f"face.chin_height={h}", f"beard={beard}").shapes("neutral", 1.0)
        head = next(s for s in shapes if s.name == "head").path.flatten()
        lips = next(s for s in shapes if s.name == "lips").path.flatten()
        goatee = [s.path.flatten()[:, 1].max() for s in shapes if s.name == "beard"]
        return float(head[:, 1].max()), float(lips[:, 1].mean()), goatee[0] if goatee else float("nan")

    short, mid, long_ = (chin_and_mouth(h, "goatee") for h in (0.6, 1.0, 1.4))
    assert short[0] < mid[0] - 4.0 and long_[0] > mid[0] + 4.0
    assert short[1] == pytest.approx(mid[1]) == pytest.approx(long_[1])
    for chin, _, goatee in (short, long_):
        assert goatee - chin == pytest.approx(mid[2] - mid[0], abs=0.3)  # the goatee hangs from the chin, however long


def test_fit_stays_the_function_after_the_fitting_module_is_imported():
    import toonmoji.avatar
    import toonmoji.avatar.fitting

    assert callable(toonmoji.avatar.fit) and toonmoji.avatar.fit.__module__ == "toonmoji.avatar"
