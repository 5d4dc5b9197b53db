"""Image and video input/output: validation, EXIF rotation, atomic writes, no overwrites."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from toonmoji.errors import ImageReadError, InputError, OutputExistsError, VideoReadError
from toonmoji.imageio import VideoSink, VideoSource, read_image, write_image


def jpeg_bytes(image: np.ndarray, exif_orientation: int | None = None) -> bytes:
    buf = io.BytesIO()
    im = Image.fromarray(image)
    if exif_orientation is None:
        im.save(buf, format="JPEG", quality=95)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        im.save(buf, format="JPEG", quality=95, exif=exif)
    return buf.getvalue()


def test_exif_rotation_is_applied(tmp_path):
    tall = np.zeros((40, 20, 3), np.uint8)
    tall[:10] = 255  # white band at the top
    p = tmp_path / "rot.jpg"
    p.write_bytes(jpeg_bytes(tall, exif_orientation=6))  # "rotate 90 CW to display"
    image = read_image(p)
    assert image.shape == (20, 40, 3)
    assert image[:, -10:].mean() > 200, "top band now on the right"


def test_truncated_jpeg_is_refused(tmp_path, portrait):
    data = jpeg_bytes(portrait)
    p = tmp_path / "cut.jpg"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="cut.jpg"):
        read_image(p)


def test_text_named_png_is_refused(tmp_path):
    p = tmp_path / "notes.png"
    p.write_text("hello, I am not a picture\n")
    with pytest.raises(ImageReadError, match="not an image"):
        read_image(p)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "nope.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_image(tmp_path / "empty.jpg")


def test_write_never_overwrites_without_force(tmp_path):
    p = tmp_path / "out.png"
    p.write_bytes(b"user's precious file")
    with pytest.raises(OutputExistsError):
        write_image(p, np.zeros((4, 4, 3), np.uint8))
    assert p.read_bytes() == b"user's precious file"
    write_image(p, np.zeros((4, 4, 3), np.uint8), force=True)
    assert read_image(p).shape == (4, 4, 3)


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def save_half_then_fail(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", save_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_zero_byte_and_garbage_videos_are_refused(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError):
        VideoSource(tmp_path / "empty.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"\x00junk" * 100)
    with pytest.raises(VideoReadError):
        VideoSource(tmp_path / "junk.mp4")


def test_video_round_trip(tmp_path, portrait):
    frame = np.ascontiguousarray(portrait[:240, :320])
    with VideoSink(tmp_path / "v.avi", fps=10, size=(320, 240)) as sink:
        for _ in range(5):
            sink.write(frame)
    frames = list(VideoSource(tmp_path / "v.avi"))
    assert len(frames) == 5
    assert frames[0].image.shape == (240, 320, 3)
    assert np.abs(frames[0].image.astype(int) - frame).mean() < 12
    assert frames[2].time == pytest.approx(0.2)


def test_outputs_get_normal_file_permissions(tmp_path):
    import os

    out = write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.uint8))
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
