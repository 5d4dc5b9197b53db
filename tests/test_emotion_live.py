"""`toonmoji emotion PHOTO|VIDEO|--camera N`: what a user sees on photos, videos and cameras."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from toonmoji.emotion.recognize import FaceEmotion
from toonmoji.emotion.smooth import EmotionSmoother
from toonmoji.faces.detect import Face
from toonmoji.imageio import VideoSink, VideoSource, read_image, write_image
from toonmoji.samples import video_frame_640x480

FRAMES = 12


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 640x480 clip of the sample portrait drifting sideways."""
    path = tmp_path_factory.mktemp("clip") / "clip.avi"
    frame = video_frame_640x480()
    with VideoSink(path, 25, (640, 480)) as sink:
        for i in range(FRAMES):
            sink.write(np.roll(frame, 4 * i, axis=1))
    return path


@pytest.fixture
def emoji_dir(tmp_path):
    """A tiny emoji set: a yellow disc for 'happy' only."""
    rgba = np.zeros((64, 64, 4), np.uint8)
    cv2.circle(rgba, (32, 32), 30, (255, 220, 0, 255), -1)
    write_image(tmp_path / "emoji" / "happy.png", rgba)
    return tmp_path / "emoji"


def test_photo_prints_the_same_table_every_run_and_writes_only_with_out(cli, portrait, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_image("me.png", portrait)
    code, first, err = cli("emotion", "me.png")
    assert code == 0, err
    assert "happy" in first and "1 face(s)" in first and "--out" in first
    code, again, err = cli("emotion", "me.png")  # a reading command: run twice, same answer
    assert code == 0 and again == first, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png"]
    code, _, err = cli("emotion", "me.png", "--out", "labelled.png")
    assert code == 0, err
    annotated = read_image(tmp_path / "labelled.png")
    assert annotated.shape == portrait.shape and np.any(annotated != portrait)
    code, _, err = cli("emotion", "me.png", "--out", "labelled.png")
    assert code == 3 and "--force" in err  # a file the user named is not overwritten


def test_photo_json_is_one_machine_readable_line(cli, portrait, tmp_path):
    write_image(tmp_path / "me.png", portrait)
    code, out, err = cli("emotion", tmp_path / "me.png", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["faces"][0]["label"] == "happy"
    assert abs(sum(doc["faces"][0]["probabilities"].values()) - 1) < 1e-3
    assert not (tmp_path / "me_emotions.png").exists()  # --json alone writes no file


def test_photo_without_a_face_is_a_clear_error(cli, tmp_path):
    write_image(tmp_path / "wall.png", np.full((200, 200, 3), 90, np.uint8))
    code, _, err = cli("emotion", tmp_path / "wall.png", "--json")
    assert code == 4 and "no face" in err and "Traceback" not in err


def test_video_streams_one_json_line_per_frame_and_writes_the_annotated_video(cli, clip, tmp_path):
    out = tmp_path / "annotated.mp4"
    code, stdout, stderr = cli("emotion", clip, "--json", "--out", out, "--smooth")
    assert code == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [d["frame"] for d in lines] == list(range(FRAMES))
    assert lines[1]["time"] == pytest.approx(1 / 25, abs=1e-3)
    assert all(len(d["faces"]) == 1 and d["faces"][0]["label"] == "happy" for d in lines)
    boxes = [d["faces"][0]["box"][0] for d in lines]
    assert boxes[-1] > boxes[0] + 20  # the box follows the drifting face
    with VideoSource(out) as video:
        frames = [f.image for f in video]
    assert len(frames) == FRAMES and frames[0].shape == (480, 640, 3)


def test_emoji_set_shows_the_users_emoji_beside_the_frame(cli, clip, emoji_dir, tmp_path):
    out = tmp_path / "with_emoji.avi"
    code, _, err = cli("emotion", clip, "--out", out, "--emoji-set", emoji_dir, "--max-frames", "3")
    assert code == 0, err
    with VideoSource(out) as video:
        frames = [f.image for f in video]
    assert len(frames) == 3 and frames[0].shape == (480, 640 + 240, 3)
    panel = frames[0][:, 640:].astype(int)
    yellow = (panel[..., 0] > 200) & (panel[..., 1] > 180) & (panel[..., 2] < 80)
    assert yellow.mean() > 0.2  # the 'happy' emoji fills much of the panel


def test_bad_emoji_sets_are_refused_before_any_work(cli, clip, tmp_path):
    code, _, err = cli("emotion", clip, "--emoji-set", tmp_path / "nowhere", "--json")
    assert code == 2 and "emoji set folder not found" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli("emotion", clip, "--emoji-set", tmp_path / "empty", "--json")
    assert code == 2 and "happy.png" in err


def test_a_camera_that_cannot_be_opened_is_one_line(cli):
    code, out, err = cli("emotion", "--camera", "9", "--json")
    assert code == 2
    assert "cannot open camera 9" in err and "Traceback" not in err and out == ""


def test_a_video_broken_mid_way_keeps_a_valid_output(cli, clip, tmp_path):
    cut = tmp_path / "cut.avi"
    data = clip.read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    out = tmp_path / "kept.avi"
    code, _, err = cli("emotion", cut, "--out", out)
    assert code == 2 and "broke off" in err and str(out) in err
    with VideoSource(out) as video:
        kept = sum(1 for _ in video)
    assert 0 < kept < FRAMES


def test_no_window_without_a_display(cli, clip, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, _, err = cli("emotion", clip, "--window")
    assert code == 2 and "--out" in err


def test_smoothing_steadies_a_flickering_label_per_face():
    smoother = EmotionSmoother(frames=5)
    happy, sad = np.eye(7, dtype=np.float32)[3], np.eye(7, dtype=np.float32)[4]
    left, right = Face((0, 0, 50, 50), 5.0, np.zeros((0, 2))), Face((200, 0, 250, 50), 5.0, np.zeros((0, 2)))
    labels = []
    for i in range(10):
        flicker = 0.7 * happy + 0.3 * sad if i % 3 else 0.4 * happy + 0.6 * sad  # raw label flips
        out = smoother.update([FaceEmotion(left, flicker), FaceEmotion(right, sad)])
        labels.append((out[0].label, out[1].label))
    assert all(b == "sad" for _, b in labels)  # the other face keeps its own history
    assert all(a == "happy" for a, _ in labels[3:])


def test_info_prints_the_parameter_count(cli):
    code, out, err = cli("emotion", "info")
    assert code == 0, err
    assert "56,951" in out and "58,423" in out and "64x64" in out


def test_demo_step_draws_the_label_on_the_sample(tmp_path, portrait):
    from toonmoji.demo import DEMO_STEPS, DemoContext

    step = dict(DEMO_STEPS)["Emotion"]
    items = step(DemoContext(tmp_path, portrait, False))
    assert "happy" in items[0].caption
    assert read_image(tmp_path / items[0].file).shape == portrait.shape


def test_tracking_detector_follows_faces_and_finds_new_ones():
    from toonmoji.emotion.recognize import haar_detector
    from toonmoji.emotion.tracking import TrackingFaceDetector

    calls = []

    class CountingFull:
        name = "counting"
        inner = haar_detector(320, scale_factor=1.2)

        def detect(self, image):
            calls.append(1)
            return self.inner.detect(image)

    tracker = TrackingFaceDetector(full=CountingFull(), rescan_every=5)
    base = video_frame_640x480()
    xs = []
    for i in range(10):
        faces = tracker.detect(np.roll(base, 6 * i, axis=1))
        assert len(faces) == 1
        xs.append(faces[0].box[0])
    assert len(calls) == 2  # full scans on frames 0 and 5 only; boxes came from local re-detection
    assert 40 < xs[-1] - xs[0] < 70  # moved with the face (54 px)
    empty = np.full_like(base, 40)
    assert tracker.detect(empty) == [] and len(calls) == 3  # a lost face triggers a full scan at once
    assert len(tracker.detect(base)) == 1  # and a face coming back is found on the next frame


def test_video_reads_a_face_once_per_frame_and_a_photo_with_its_mirror():
    """Frames come 30 a second and `--smooth` averages them; a photo has one look, so it gets
    the mirror-image pass too."""
    from toonmoji.emotion.live import EmotionSession

    assert EmotionSession.create(video=True).classifier.flip is False
    assert EmotionSession.create(video=False).classifier.flip is True
