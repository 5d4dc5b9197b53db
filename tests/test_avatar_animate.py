"""Animated stickers: messaging limits (512x512, at most 3 s, WebP at most 500 KB), loops that
move, GIF with transparency, `avatar sticker --animate` and `avatar set --animated`."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from toonmoji.avatar import animate
from toonmoji.avatar.animate import (
    ANIMATIONS,
    MAX_SECONDS,
    MAX_WEBP_BYTES,
    animated_sticker,
    animation_frames,
)
from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.model import Attributes


@pytest.fixture(scope="module")
def avatar() -> Avatar:
    attrs = Attributes()
    attrs.hair.style, attrs.glasses.style, attrs.beard.style = "curly", "round", "full"  # the most shapes to draw
    return Avatar(attrs)


def _durations(im: Image.Image) -> list[int]:
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        im.load()  # WebP frames give their duration once decoded
        out.append(im.info["duration"])
    return out


def test_webp_stickers_fit_the_messaging_limits(avatar):
    data = animated_sticker(avatar, "surprise")  # the longest loop, with the most shapes
    assert len(data) <= MAX_WEBP_BYTES
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "WEBP" and im.size == (512, 512) and im.n_frames > 5 and im.mode == "RGBA"
        assert sum(_durations(im)) <= MAX_SECONDS * 1000
        assert im.info.get("loop", 0) == 0  # forever
        im.seek(0)
        assert np.asarray(im)[0, 0, 3] == 0  # transparent around the head


@pytest.mark.parametrize("name", list(ANIMATIONS))
def test_every_animation_moves_and_loops(avatar, name):
    frames = animation_frames(avatar, name, size=64)
    assert len(frames) / 15.0 <= MAX_SECONDS
    steps = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(frames, frames[1:] + frames[:1])]
    assert max(steps) > 0.5  # something moves
    assert steps[-1] <= max(steps[:-1]) + 0.1  # the last frame leads back into the first: no jump


def test_gif_sticker_is_transparent_and_loops(avatar):
    data = animated_sticker(avatar, "wink", fmt="gif", size=128)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "GIF" and im.size == (128, 128) and im.n_frames > 5
        assert im.info.get("loop") == 0 and "transparency" in im.info
        assert sum(_durations(im)) <= MAX_SECONDS * 1000


def test_cli_animated_sticker_and_its_errors(cli, tmp_path, avatar):
    path = tmp_path / "me.json"
    path.write_text(avatar.to_json())
    out = tmp_path / "laugh.webp"
    code, stdout, err = cli("avatar", "sticker", path, "--emotion", "happy", "--animate", "laugh", "--out", out)
    assert code == 0, err
    assert "laugh" in stdout and out.stat().st_size <= MAX_WEBP_BYTES
    code, _, err = cli("avatar", "sticker", path, "--animate", "laugh", "--out", out)
    assert code != 0 and len(err.strip().splitlines()) == 1  # no overwrite without --force
    code, _, err = cli("avatar", "sticker", path, "--animate", "dance", "--out", tmp_path / "d.webp")
    assert code != 0 and "unknown animation 'dance'" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("avatar", "sticker", path, "--animate", "wink", "--out", tmp_path / "w.png")
    assert code != 0 and ".webp or .gif" in err
    still = tmp_path / "sad.png"
    assert cli("avatar", "sticker", path, "--emotion", "sad", "--size", "64", "--out", still)[0] == 0
    with Image.open(still) as im:
        assert im.size == (64, 64)


def test_cli_set_animated_writes_the_pack_and_tray_icon(cli, tmp_path, avatar, monkeypatch):
    monkeypatch.setattr(animate, "ANIMATIONS", {"wink": ANIMATIONS["wink"]})  # one animation keeps it quick
    path = tmp_path / "me.json"
    path.write_text(avatar.to_json())
    out = tmp_path / "pack"
    code, _, err = cli("avatar", "set", path, "--out", out, "--size", "64", "--animated")
    assert code == 0, err
    assert (out / "happy.webp").is_file() and (out / "animated" / "wink.webp").is_file()
    with Image.open(out / "tray.png") as im:
        assert im.size == (96, 96) and im.mode == "RGBA"
    assert (out / "tray.png").stat().st_size <= 50_000
