"""`toonmoji avatar`: PHOTO -> SVG/PNG/JSON, `render` from the JSON, `set` for the live emoji
panel; bad input gets one line and writes nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from toonmoji.emotion import EMOTIONS, EmojiSet
from toonmoji.imageio import read_image, write_image
from toonmoji.samples import no_face_image, scaled


@pytest.fixture(scope="module")
def photo(tmp_path_factory, portrait):
    path = tmp_path_factory.mktemp("in") / "me.jpg"
    write_image(path, portrait, quality=95)
    return path


@pytest.fixture(scope="module")
def avatar_json(tmp_path_factory, photo):
    from toonmoji.cli import run

    out = tmp_path_factory.mktemp("made")
    assert run([
        "avatar", str(photo), "--out", str(out / "me.svg"), "--json", str(out / "me.json")]) == 0
    return out / "me.json"


def files_in(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_make_writes_svg_png_and_json(cli, photo, tmp_path):
    code, _, err = cli("avatar", photo, "--out", tmp_path / "me.svg", "--png", tmp_path / "me.png",
                         "--json", tmp_path / "me.json", "--set", "hair.color=#3b2a20", "--set", "glasses=none")
    assert code == 0, err
    ET.fromstring((tmp_path / "me.svg").read_text())
    rgba = read_image(tmp_path / "me.png", mode="RGBA")
    assert rgba.shape == (512, 512, 4) and rgba[0, 0, 3] == 0
    data = json.loads((tmp_path / "me.json").read_text())
    assert data["hair"]["color"] == "#3b2a20" and data["glasses"]["style"] == "none"
    assert "#3b2a20" in (tmp_path / "me.svg").read_text()


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_make_draws_a_raster_when_out_asks_for_one(cli, photo, tmp_path, suffix):
    out = tmp_path / f"me{suffix}"
    code, _, err = cli("avatar", photo, "--out", out, "--size", "128")
    assert code == 0, err
    rgba = read_image(out, mode="RGBA")
    assert rgba.shape == (128, 128, 4) and rgba[0, 0, 3] == 0 and rgba[64, 64, 3] == 255
    assert files_in(tmp_path) == [out.name]


def test_make_refuses_an_out_it_cannot_draw(cli, photo, tmp_path):
    code, _, err = cli("avatar", photo, "--out", tmp_path / "me.gif")
    assert code != 0 and "--out must end in .svg or .png or .webp" in err and len(err.strip().splitlines()) == 1
    assert files_in(tmp_path) == []


def test_render_from_json(cli, avatar_json, tmp_path):
    out = tmp_path / "happy.png"
    code, _, err = cli("avatar", "render", avatar_json, "--emotion", "happy", "--intensity", "0.8", "--size", "200",
                       "--out", out, "--set", "beard=full")
    assert code == 0, err
    assert read_image(out, mode="RGBA").shape == (200, 200, 4)
    code, _, err = cli("avatar", "render", avatar_json, "--emotion", "sad", "--out", tmp_path / "sad.svg")
    assert code == 0, err
    ET.fromstring((tmp_path / "sad.svg").read_text())


def test_set_is_readable_by_the_live_emoji_panel(cli, avatar_json, tmp_path):
    out = tmp_path / "set"
    code, _, err = cli("avatar", "set", avatar_json, "--out", out, "--size", "64")
    assert code == 0, err
    assert files_in(out) == sorted([f"{e}.png" for e in EMOTIONS] + [f"{e}.webp" for e in EMOTIONS])
    emoji = EmojiSet.load(out)
    assert set(emoji.images) == set(EMOTIONS)
    assert not np.array_equal(emoji.images["happy"], emoji.images["sad"])


def test_set_from_a_photo(cli, photo, tmp_path):
    code, _, err = cli("avatar", "set", photo, "--out", tmp_path / "s", "--size", "32")
    assert code == 0, err
    assert len(files_in(tmp_path / "s")) == 14


@pytest.mark.parametrize("case", ["no_face", "tiny_face", "not_avatar", "intensity", "size", "unknown_set", "bad_value"])
def test_bad_input_one_line_and_nothing_written(cli, case, tmp_path, avatar_json, portrait):
    out = tmp_path / "out"
    out.mkdir()
    if case == "no_face":
        write_image(tmp_path / "wall.png", no_face_image())
        args = ("avatar", tmp_path / "wall.png", "--out", out / "a.svg", "--json", out / "a.json")
    elif case == "tiny_face":
        write_image(tmp_path / "tiny.png", scaled(portrait, 0.1))
        args = ("avatar", tmp_path / "tiny.png", "--out", out / "a.svg")
    elif case == "not_avatar":
        (tmp_path / "x.json").write_text('{"name": "not an avatar"}')
        args = ("avatar", "render", tmp_path / "x.json", "--out", out / "a.png")
    elif case == "intensity":
        args = ("avatar", "render", avatar_json, "--intensity", "1.5", "--out", out / "a.png")
    elif case == "size":
        args = ("avatar", "render", avatar_json, "--size", "99999", "--out", out / "a.png")
    elif case == "unknown_set":
        args = ("avatar", "render", avatar_json, "--set", "hat=top", "--out", out / "a.png")
    else:
        args = ("avatar", "set", avatar_json, "--set", "eyes.size=9", "--out", out / "s")
    code, _, stderr = cli(*args)
    assert code != 0
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("error:"), stderr
    assert files_in(out) == []


def test_existing_output_needs_force(cli, avatar_json, tmp_path):
    target = tmp_path / "a.png"
    target.write_bytes(b"mine")
    code, _, _ = cli("avatar", "render", avatar_json, "--out", target)
    assert code != 0 and target.read_bytes() == b"mine"
    code, _, _ = cli("avatar", "render", avatar_json, "--out", target, "--force")
    assert code == 0 and target.read_bytes() != b"mine"


def test_emotion_photo_with_avatar_panel(cli, photo, avatar_json, tmp_path):
    """`toonmoji emotion PHOTO --avatar me.json`: the labelled photo gains the avatar beside it."""
    plain, with_avatar = tmp_path / "plain.png", tmp_path / "avatar.png"
    assert cli("emotion", photo, "--out", plain)[0] == 0
    assert cli("emotion", photo, "--avatar", avatar_json, "--out", with_avatar)[0] == 0
    a, b = read_image(plain), read_image(with_avatar)
    assert b.shape[0] == a.shape[0] and b.shape[1] == a.shape[1] + max(32, a.shape[0] // 2)
    panel = b[:, a.shape[1]:]
    assert panel.std() > 10  # a drawing, not an empty panel


def test_emotion_with_bad_avatar_file(cli, photo, tmp_path):
    bad = tmp_path / "not-avatar.json"
    bad.write_text('{"hello": 1}')
    code, _, err = cli("emotion", photo, "--avatar", bad, "--out", tmp_path / "x.png")
    assert code != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()
