"""Personal emoji: the matte keeps the head and drops the background, the crop, sticker formats,
the sheet, and the emotion set's choice of faces."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from toonmoji.emoji import STEP_NAMES, icon_bytes, make_emoji, sticker_bytes
from toonmoji.emoji.crop import SquareCrop, cut_square, square_around
from toonmoji.emoji.make import split_alpha
from toonmoji.emoji.sheet import emoji_files, make_sheet
from toonmoji.emoji.sticker import STICKER_MAX_BYTES, resize_rgba
from toonmoji.errors import InputError, NoFaceError
from toonmoji.samples import no_face_image


def _filled_component(mask: np.ndarray, seed: tuple[int, int]) -> np.ndarray:
    m = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, parts = cv2.connectedComponents(m)
    m = (parts == parts[seed[1], seed[0]]).astype(np.uint8)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = np.zeros_like(m)
    cv2.drawContours(out, contours, -1, 1, -1)
    return out.astype(bool)


def reference_head(portrait: np.ndarray) -> np.ndarray:
    """`(512, 512) bool`: the sample astronaut's head (hair, face, neck down to the collar), found
    by a method that shares nothing with the matte under test: no landmarks, no GrabCut.

    The studio backdrop behind her head is pale and nearly grey (HSV saturation < 50, value > 120),
    hair and skin are saturated, the collar is dark. Saturated-and-not-too-dark pixels joined to
    the face give hair and skin; their convex hull, filled with every pixel that is not backdrop,
    adds the hair's dark strands. Checked by eye (the head, no backdrop, a sliver of collar)."""
    hsv = cv2.cvtColor(cv2.GaussianBlur(portrait, (3, 3), 0), cv2.COLOR_RGB2HSV)
    around_head = np.zeros(portrait.shape[:2], bool)
    around_head[0:200, 130:320] = True
    face_centre = (225, 120)
    skin_and_hair = _filled_component((hsv[..., 1] >= 50) & (hsv[..., 2] >= 40) & around_head, face_centre)
    hull = np.zeros(portrait.shape[:2], np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(np.argwhere(skin_and_hair)[:, ::-1].astype(np.int32)), 1)
    not_backdrop = (hsv[..., 1] >= 50) | (hsv[..., 2] < 120)
    return _filled_component(not_backdrop & hull.astype(bool), face_centre)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture(scope="module")
def head(portrait) -> np.ndarray:
    return reference_head(portrait)


@pytest.fixture(scope="module")
def sample_emoji(portrait):
    return make_emoji(portrait)


def test_reference_head_is_a_head(head):
    """Guard for the reference itself: a solid head-sized blob around the face, not the photo."""
    ys, xs = np.nonzero(head)
    assert 15000 < head.sum() < 25000
    assert 140 < xs.min() < 170 and 290 < xs.max() < 310 and ys.min() < 25 and 180 < ys.max() < 200


def test_sample_matte_keeps_the_face_and_removes_the_background(sample_emoji, head):
    lm = np.round(sample_emoji.face.landmarks).astype(int)
    assert (sample_emoji.matte[lm[:, 1], lm[:, 0]] >= 0.99).all(), "a landmark fell on a transparent pixel"
    assert iou(sample_emoji.matte >= 0.5, head) > 0.9
    # flag, backdrop, suit, shuttle, helmet: everything a few pixels away from the head is gone
    away = ~cv2.dilate(head.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert (sample_emoji.matte[away] == 0).mean() > 0.99


def test_matte_alpha_is_solid_inside_and_soft_only_at_the_edge(sample_emoji):
    alpha = sample_emoji.matte
    solid = alpha >= 0.5
    inner = cv2.erode(solid.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert (alpha[inner] > 0.99).all()  # holes filled
    partial = (alpha > 0.02) & (alpha < 0.98)
    assert partial.any()  # anti-aliased / feathered, not a hard 0-1 cut
    ring = cv2.dilate(solid.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~inner
    assert (partial & ~ring).sum() == 0  # ...and only along the outline
    assert cv2.connectedComponents((solid).astype(np.uint8))[0] == 2  # one piece (plus background)


def _background(kind: str, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    if kind == "flat":
        return np.full((h, w, 3), (40, 110, 200), np.uint8)
    if kind == "grass":  # a real texture photo, tinted green
        return (cv2.cvtColor(data.grass(), cv2.COLOR_GRAY2RGB)[:h, :w] * np.array([0.5, 0.9, 0.4])).astype(np.uint8)
    return cv2.resize(data.coffee(), (w, h), interpolation=cv2.INTER_AREA)  # a busy photo: cup, table


@pytest.mark.parametrize("background", ["flat", "grass", "coffee"])
@pytest.mark.parametrize("shape", ["head", "ellipse"])
def test_matte_finds_a_known_foreground_on_a_new_background(portrait, head, shape, background):
    """The portrait's pixels inside a known region pasted onto a new background: the region is
    exactly the foreground, so the matte must find it. Two regions: the head traced by
    `reference_head` (a natural outline) and an ellipse over hair and face (an outline the
    image never had, so the matte cannot be following the photo's own edges or a head prior)."""
    if shape == "head":
        known = head
    else:
        known = np.zeros(portrait.shape[:2], np.uint8)
        cv2.ellipse(known, (226, 100), (64, 82), 0, 0, 360, 1, -1)
        known = known.astype(bool)
    composite = np.where(known[..., None], portrait, _background(background, portrait.shape[:2]))
    emoji = make_emoji(composite)
    assert iou(emoji.matte >= 0.5, known) > 0.9


def test_toon_like_rendering_is_cut_out_too(portrait, head):
    """Not only photos: the same portrait rendered as a cartoon (OpenCV's stylization filter:
    flat colour regions, drawn edges) is cut out along the same outline."""
    toon = cv2.stylization(np.ascontiguousarray(portrait[..., ::-1]), sigma_s=60, sigma_r=0.45)[..., ::-1]
    emoji = make_emoji(np.ascontiguousarray(toon))
    lm = np.round(emoji.face.landmarks).astype(int)
    assert (emoji.matte[lm[:, 1], lm[:, 0]] >= 0.99).all()
    assert iou(emoji.matte >= 0.5, head) > 0.9


def test_crop_is_square_tight_and_holds_every_landmark(sample_emoji, head):
    e = sample_emoji
    s = e.rgba.shape
    assert s[0] == s[1] == e.crop.side and s[2] == 4
    assert e.crop.contains(e.face.landmarks)
    lm = np.round(e.landmarks_in_crop).astype(int)
    assert (lm >= 0).all() and (lm < e.crop.side).all()
    assert (e.rgba[lm[:, 1], lm[:, 0], 3] >= 250).all()
    ys, xs = np.nonzero(head)
    head_size = max(xs.max() - xs.min(), ys.max() - ys.min())
    assert head_size * 0.95 < e.crop.side < head_size * 1.25  # tight, small margin
    x0, y0, x1, _ = e.crop.box
    assert x0 <= xs.min() + 5 and x1 >= xs.max() - 5 and y0 <= ys.min() + 5  # hair is in it
    assert (e.rgba[:8, :8, 3] == 0).all() and (e.rgba[:8, -8:, 3] == 0).all()  # corners: background gone


def test_steps_are_the_four_stages(portrait, sample_emoji):
    steps = sample_emoji.steps
    assert tuple(steps) == STEP_NAMES
    assert np.array_equal(steps["original"], portrait)
    assert steps["masked"].shape == portrait.shape and not np.array_equal(steps["masked"], portrait)
    assert steps["background_removed"].shape == (*portrait.shape[:2], 4)
    assert np.array_equal(steps["background_removed"][..., 3], np.rint(sample_emoji.matte * 255).astype(np.uint8))
    assert np.array_equal(steps["cropped"], sample_emoji.rgba)


def test_square_crop_past_the_edge_is_padded_transparent():
    rgba = np.full((10, 10, 4), 200, np.uint8)
    crop = square_around((-3.0, 2.0, 4.0, 9.0), margin=0.0)
    assert crop.side == 8 and crop.left == -3
    out = cut_square(rgba, crop)
    assert out.shape == (8, 8, 4)
    assert (out[:, :3, 3] == 0).all() and (out[:, 3:, 3] == 200).all()
    assert SquareCrop(0, 0, 5).contains(np.array([[0, 0], [4.4, 4.4]]))
    assert not SquareCrop(0, 0, 5).contains(np.array([[5.0, 0]]))


def test_transparent_input_keeps_its_transparency(portrait):
    """A face already cut out (e.g. a toon on a transparent background): what was transparent stays so."""
    keep = np.zeros(portrait.shape[:2], np.uint8)
    cv2.ellipse(keep, (226, 100), (70, 95), 0, 0, 360, 255, -1)
    rgba = np.dstack([portrait, keep])
    emoji = make_emoji(rgba)
    assert (emoji.matte[keep == 0] == 0).all()
    assert (emoji.matte >= 0.5).sum() > 0.85 * (keep > 0).sum()


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((1, 1, 3), np.uint8), "1x1 pixels"),
        (np.zeros((64, 64, 4), np.uint8), "fully transparent"),
    ],
)
def test_unusable_images_raise_one_line(image, message):
    with pytest.raises(InputError, match=message) as info:
        split_alpha(image, "x.png")
    assert "\n" not in str(info.value)


def test_no_face_raises_no_face_error():
    with pytest.raises(NoFaceError, match="no face"):
        make_emoji(no_face_image(128), source="blank.png")


def test_sticker_is_512_webp_with_alpha_and_icon_is_128_png(sample_emoji):
    data_webp = sticker_bytes(sample_emoji)
    assert len(data_webp) <= STICKER_MAX_BYTES
    with Image.open(io.BytesIO(data_webp)) as im:
        assert im.format == "WEBP" and im.size == (512, 512) and im.mode == "RGBA"
        alpha = np.asarray(im)[..., 3]
    assert (alpha == 0).mean() > 0.1 and (alpha == 255).mean() > 0.3
    with Image.open(io.BytesIO(icon_bytes(sample_emoji))) as im:
        assert im.format == "PNG" and im.size == (128, 128) and im.mode == "RGBA"
        assert np.asarray(im)[0, 0, 3] == 0


def test_resizing_keeps_edge_colours_clean():
    """Premultiplied resizing: half-transparent edge pixels keep the shape's colour, not the
    colour hidden under the transparent pixels next to them (no dark fringe)."""
    rgba = np.zeros((100, 100, 4), np.uint8)  # transparent black...
    rgba[:, 50:] = (255, 0, 0, 255)  # ...beside opaque red
    for side in (33, 512):
        small = resize_rgba(rgba, side)
        edge = (small[..., 3] > 20) & (small[..., 3] < 235)
        assert edge.any()
        assert (small[edge][:, 0] >= 250).all() and (small[edge][:, 1:3] <= 5).all()


def test_sheet_lays_out_every_emoji_with_labels():
    tiles = [(name, np.dstack([np.full((40, 30, 3), c, np.uint8), np.full((40, 30), 255, np.uint8)]))
             for name, c in (("happy", 50), ("sad", 120), ("me", 200))]
    sheet = make_sheet(tiles, cell=64, columns=2)
    pad, label_h = 4, 10 + 4
    assert sheet.shape == (2 * (64 + pad + label_h) + pad, 2 * (64 + pad) + pad, 4)
    for i, (_, tile) in enumerate(tiles):
        r, c = divmod(i, 2)
        y, x = pad + r * (64 + pad + label_h), pad + c * (64 + pad)
        centre = sheet[y + 32, x + 32]
        assert centre[3] == 255 and centre[0] == tile[0, 0, 0]
        label = sheet[y + 64 : y + 64 + label_h, x : x + 64, 3]
        assert (label > 0).any()  # a name is written under it
    assert sheet[-pad:, -(64 + pad):, 3].max() == 0  # the empty fourth cell stays transparent
    white = make_sheet(tiles[:1], cell=32, labels=False, background="white")
    assert white.shape == (40, 40, 4) and tuple(white[0, 0]) == (255, 255, 255, 255)
    with pytest.raises(InputError, match="colour"):
        make_sheet(tiles, background="no-such-colour")


def test_sheet_orders_emotions_first(tmp_path):
    for name in ("zebra", "sad", "angry", "happy"):
        Image.new("RGBA", (8, 8)).save(tmp_path / f"{name}.png")
    (tmp_path / "notes.txt").write_text("x")
    assert [p.stem for p in emoji_files(tmp_path)] == ["angry", "happy", "sad", "zebra"]
    assert [p.stem for p in emoji_files(tmp_path, exclude=tmp_path / "zebra.png")] == ["angry", "happy", "sad"]
    with pytest.raises(InputError, match="no such file or folder"):
        emoji_files(tmp_path / "missing")
    with pytest.raises(InputError, match="not a folder"):
        emoji_files(tmp_path / "notes.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no emoji"):
        emoji_files(tmp_path / "empty")


def test_sheet_shows_each_emotion_once_from_an_avatar_set(tmp_path):
    # `toonmoji avatar set` writes <emotion>.png and a <emotion>.webp sticker of the same face
    for name in ("happy", "sad"):
        Image.new("RGBA", (8, 8)).save(tmp_path / f"{name}.png")
        Image.new("RGBA", (8, 8)).save(tmp_path / f"{name}.webp")
    Image.new("RGBA", (8, 8)).save(tmp_path / "wink.webp")
    assert [p.name for p in emoji_files(tmp_path)] == ["happy.png", "sad.png", "wink.webp"]
