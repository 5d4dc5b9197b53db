"""The avatar's cartoon style: the twelve hair styles, the person's shapes, shading, and the PNG
drawn from the same shapes as the SVG."""

from __future__ import annotations

import io
from itertools import combinations

import numpy as np
import pytest

from toonmoji.avatar import Attributes, Avatar, Expression
from toonmoji.avatar.geometry import Gradient, Shape, ellipse
from toonmoji.avatar.likeness import (
    CAP,
    SPREADS,
    attribute_distance,
    attribute_paths,
    attribute_terms,
)
from toonmoji.avatar.model import CHOICES
from toonmoji.avatar.raster import render_shapes
from toonmoji.avatar.svg import svg_document


@pytest.fixture
def avatar() -> Avatar:
    return Avatar(Attributes())


def on_white(rgba: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.float64) / 255.0
    return rgba[..., :3] * a + 255.0 * (1 - a)


def test_each_hair_style_has_its_own_silhouette_and_look(avatar):
    styles = CHOICES["hair.style"]
    drawn = {s: avatar.with_set(f"hair.style={s}").render("neutral", 1.0, 128) for s in styles}
    for a, b in combinations(styles, 2):
        silhouette = int(np.sum((drawn[a][..., 3] > 127) != (drawn[b][..., 3] > 127)))
        picture = np.abs(on_white(drawn[a]) - on_white(drawn[b])).max(axis=2)
        assert silhouette > 25 or np.sum(picture > 40) > 150, (a, b, silhouette)
    area = {s: int((d[..., 3] > 127).sum()) for s, d in drawn.items()}
    assert area["afro"] > area["curly"] > area["short"] > area["buzz"] > area["bald"]
    assert area["long_straight"] > area["medium"] > area["short"]


def test_long_hair_covers_the_ears_and_tied_hair_shows_them(avatar):
    for style, ears in (("short", True), ("ponytail", True), ("bun", True), ("long_straight", False), ("afro", False)):
        names = {s.name for s in avatar.with_set(f"hair.style={style}").shapes()}
        assert ("ear" in names) is ears, style
    assert {"hair_lock", "hair_front", "hair_back"} <= {s.name for s in avatar.shapes()}
    assert "hair_front" not in {s.name for s in avatar.with_set("hair.style=bald").shapes()}


@pytest.mark.parametrize("edit", [
    "face.shape=long", "face.shape=square", "face.shape=heart", "face.shape=round", "face.forehead=1.3",
    "face.cheeks=1.25", "eyes.shape=round", "eyes.shape=hooded", "eyes.shape=monolid", "eyes.lashes=1",
    "brows.shape=straight", "brows.shape=arched", "brows.shape=angled", "nose.length=1.4", "nose.size=1.5",
    "mouth.upper=1.5", "ears.size=1.4", "ears.protrusion=1", "age.lines=0.8", "clothing.color=#c0392b",
    "hair.grey=0.8", "brows.length=1.3", "brows.length=0.7", "brows.gap=1.6", "brows.gap=0.5",
    "face.chin_height=1.4", "face.chin_height=0.6",
])
def test_each_new_field_changes_the_drawing(avatar, edit):
    rest = Expression()  # the face at rest, lips closed: every part shows
    base = on_white(avatar.render(size=256, expression=rest))
    changed = on_white(avatar.with_set(edit).render(size=256, expression=rest))
    assert np.sum(np.abs(changed - base).max(axis=2) > 30) > 40, edit


def test_long_face_is_drawn_longer_and_round_wider(avatar):
    def extent(edit):
        head = next(s for s in avatar.with_set(edit).shapes() if s.name == "head").path.flatten()
        return np.ptp(head[:, 1]) / np.ptp(head[:, 0])

    assert extent("face.shape=long") > extent("face.shape=oval") > extent("face.shape=round")


def test_gradient_fill_paints_its_ramp():
    g = Gradient((50.0, 50.0), 40.0, ((0.0, "#ffffff"), (1.0, "#000000")))
    rgba = render_shapes([Shape(ellipse(50, 50, 45, 45), "#808080", gradient=g)], 100)
    assert rgba[50, 50, :3].min() > 245  # white at the centre
    assert abs(int(rgba[50, 70, 0]) - 128) < 8  # half way out: half grey
    assert rgba[50, 93, :3].max() < 12  # past the radius: the last stop pads
    svg = svg_document([Shape(ellipse(50, 50, 45, 45), "#808080", gradient=g)])
    assert '<radialGradient id="g0" gradientUnits="userSpaceOnUse" cx="50" cy="50" r="40">' in svg
    assert 'fill="url(#g0)"' in svg


@pytest.mark.parametrize("edit", [("hair.style=long_wavy", "age.lines=0.7"), ("hair.style=afro", "face.roll=12"),
                                  ("hair.style=ponytail", "glasses=round", "beard=full")])
def test_png_matches_an_independent_svg_renderer(avatar, edit):
    resvg = pytest.importorskip("resvg_py", reason="resvg-py (the test extra) renders the SVG independently")
    import cv2
    from PIL import Image

    av = avatar.with_set(*edit)
    for emotion in ("neutral", "surprise"):
        ref = on_white(np.asarray(Image.open(io.BytesIO(bytes(resvg.svg_to_bytes(svg_string=av.to_svg(emotion, 1.0, 256)))))
                                  .convert("RGBA")))
        mine = on_white(av.render(emotion, 1.0, 256))
        # away from edges (where anti-aliasing and stroke ends differ by a pixel) the colours,
        # gradients included, must agree; near edges they only differ a little on average
        edges = cv2.dilate((np.abs(cv2.Laplacian(ref.astype(np.float32), cv2.CV_32F)).max(axis=2) > 8).astype(np.uint8),
                           np.ones((5, 5), np.uint8)) > 0
        diff = np.abs(ref - mine).max(axis=2)
        assert (~edges).mean() > 0.5
        assert np.percentile(diff[~edges], 99.5) <= 4, (edit, emotion)
        assert diff.mean() < 8.0, (edit, emotion, diff.mean())


def test_attribute_distance():
    a = Attributes()
    assert attribute_distance(a, a) == 0.0
    b = a.with_set("hair.style=afro")
    c = b.with_set("eyes.size=1.6")
    n = len(attribute_terms(a, b))  # what is drawn for both (no beard or glasses colours here)
    assert n == len(attribute_paths()) - 2
    assert attribute_distance(a, b) == pytest.approx(min(CAP, 1.0 / SPREADS["hair.style"]) / n)
    assert attribute_distance(a, c) > attribute_distance(a, b)
    assert attribute_distance(a, a.with_set("face.roll=30")) == 0.0  # pose is not identity
    assert attribute_distance(a, a.with_set("clothing.color=#ff0000")) == 0.0  # nor are clothes
