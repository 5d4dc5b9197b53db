"""The puppet: the drawing turned by the head's pose, gaze and winks, the frame-to-avatar loop
(a face lost fades to neutral) and `toonmoji avatar puppet`."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.expression import Expression
from toonmoji.avatar.model import Attributes
from toonmoji.avatar.pose import HeadPose, posed_scene, turn_points
from toonmoji.avatar.puppet import Puppet, puppet_expression
from toonmoji.faces.signals import FaceSignals


def _centre(shapes, name, side=None):
    pts = [s.path.flatten(4) for s in shapes if s.name == name]
    if side is not None:
        pts = [p for p in pts if (p[:, 0].mean() > 50) == (side > 0)]
    return np.concatenate(pts).mean(axis=0), np.ptp(np.concatenate(pts)[:, 0])


def test_a_turned_head_moves_the_face_and_keeps_its_outline():
    attrs = Attributes()
    rest = posed_scene(attrs, None, HeadPose())
    turned = posed_scene(attrs, None, HeadPose(yaw=25))
    nose0, _ = _centre(rest, "nose")
    nose1, _ = _centre(turned, "nose")
    assert nose1[0] > nose0[0] + 5  # the nose goes to the image right
    head0 = next(s for s in rest if s.name == "head").path.flatten(8)
    head1 = next(s for s in turned if s.name == "head").path.flatten(8)
    assert abs(head1[:, 0].max() - head0[:, 0].max()) < 1.0  # the silhouette stays
    _, far = _centre(turned, "eye_white", side=1)
    _, near = _centre(turned, "eye_white", side=-1)
    assert far < 0.85 * near  # the far side is foreshortened
    up = posed_scene(attrs, None, HeadPose(pitch=20))
    assert _centre(up, "mouth_line")[0][1] < _centre(rest, "mouth_line")[0][1] - 3


def test_turning_is_monotonic_and_continuous():
    xs = np.linspace(20, 80, 121)
    pts = np.stack([xs, np.full_like(xs, 55.0)], axis=1)
    for yaw in (-40, -20, 20, 40):
        out = turn_points(pts, yaw, 0.0, 27.0, 33.0)
        assert (np.diff(out[:, 0]) > 0).all()  # no fold
        assert np.abs(np.diff(out[:, 0])).max() < 3 * (xs[1] - xs[0])  # no tear at the outline


def test_gaze_moves_the_irises_inside_their_eyes_and_roll_turns_all():
    attrs = Attributes()
    rest = posed_scene(attrs, None, HeadPose())
    looking = posed_scene(attrs, None, HeadPose(gaze_x=1.0, gaze_y=1.0))
    (px0, py0), _ = _centre(rest, "pupil")
    (px1, py1), _ = _centre(looking, "pupil")
    assert px1 > px0 + 1.5 and py1 < py0 - 0.8
    assert np.allclose(_centre(rest, "eye_white")[0], _centre(looking, "eye_white")[0])
    iris = next(s for s in looking if s.name == "iris")
    white = [s for s in looking if s.name == "eye_white"]
    assert any(iris.clip is w.path for w in white)  # the clip path stays shared
    tilted = posed_scene(attrs, None, HeadPose(roll=15))
    (lx, ly), _ = _centre(tilted, "eye_white", side=-1)
    (rx, ry), _ = _centre(tilted, "eye_white", side=1)
    assert np.degrees(np.arctan2(ry - ly, rx - lx)) == pytest.approx(15, abs=1.0)


def test_a_wink_shuts_one_eye():
    shapes = posed_scene(Attributes(), Expression(lid_right=1.0), HeadPose())
    shut = [s for s in shapes if s.name == "eye_shut"]
    assert len(shut) == 1 and shut[0].path.flatten(4)[:, 0].mean() > 50
    assert len([s for s in shapes if s.name == "eye_white"]) == 1


def test_signals_drive_the_expression():
    e = puppet_expression(FaceSignals(eye_right=0.2, mouth_open=0.6, smile=0.8))
    assert e.lid_left == 1.0 and e.lid_right == 0.0  # the subject's right eye is the image's left
    assert e.mouth_open > 0.6 and e.smile > 1.0
    closed = puppet_expression(FaceSignals(), {"angry": 1.0})
    assert closed.teeth == 0.0 and closed.nose_wrinkle > 0.3  # style without an open mouth's teeth
    assert puppet_expression(FaceSignals(mouth_open=0.7), {"angry": 1.0}).teeth > 0.5


def test_the_puppet_follows_a_face_then_fades_when_it_goes(portrait):
    puppet = Puppet(Avatar(Attributes()), size=96)
    tilted = cv2.warpAffine(portrait, cv2.getRotationMatrix2D((230, 150), -20, 1.0), portrait.shape[1::-1])
    for i in range(3):
        frame = puppet.step(tilted, i / 30)
    assert frame.face and frame.signals.roll > 12 and frame.rgba.shape == (96, 96, 4)
    blank = np.full_like(portrait, 120)
    held = puppet.step(blank, 3 / 30)
    assert not held.face and held.signals.roll > 10
    for t in (1.0, 2.0, 3.0):
        late = puppet.step(blank, t)
    assert abs(late.signals.roll) < 0.5
    rest = Puppet(Avatar(Attributes()), size=96).step(blank, 0.0)
    assert np.abs(late.rgba.astype(int) - rest.rgba.astype(int)).mean() < 2.0  # the neutral face again


@pytest.fixture
def face_video(tmp_path, portrait):
    path = tmp_path / "face.avi"
    head = cv2.resize(portrait[:320, 60:380], (160, 160), interpolation=cv2.INTER_AREA)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 160))
    for i in range(6):
        m = cv2.getRotationMatrix2D((80, 70), 5.0 * i, 1.0)
        out.write(cv2.cvtColor(cv2.warpAffine(head, m, (160, 160), borderMode=cv2.BORDER_REFLECT), cv2.COLOR_RGB2BGR))
    out.release()
    avatar = tmp_path / "me.json"
    avatar.write_text(Avatar(Attributes()).to_json())
    return path, avatar


def test_cli_puppet_writes_a_video_beside_the_face(cli, face_video, tmp_path):
    video, avatar = face_video
    out = tmp_path / "puppet.avi"
    code, stdout, _ = cli("avatar", "puppet", video, "--avatar", avatar, "--out", out, "--beside", "--size", "128",
                          "--no-emotion")
    assert code == 0, stdout
    cap = cv2.VideoCapture(str(out))
    ok, frame = cap.read()
    assert ok and frame.shape[:2] == (128, 256)
    assert "a face in 6" in stdout


def test_cli_puppet_transparent_webp(cli, face_video, tmp_path):
    from PIL import Image

    video, avatar = face_video
    out = tmp_path / "puppet.webp"
    code, _, err = cli("avatar", "puppet", video, "--avatar", avatar, "--out", out, "--background", "transparent",
                       "--size", "96", "--no-emotion")
    assert code == 0, err
    with Image.open(out) as im:
        assert im.n_frames > 1 and im.mode == "RGBA"
        assert np.asarray(im)[0, 0, 3] == 0


@pytest.mark.parametrize("args, message", [
    (["--camera", "97"], "cannot open camera 97"),
    (["VIDEO", "--out", "x.mp4", "--background", "transparent"], "transparent background needs"),
    (["VIDEO", "--out", "x.mov", "--background", "teal"], "unknown background"),
    (["VIDEO", "--camera", "0"], "either a VIDEO"),
])
def test_cli_puppet_bad_input_is_one_line(cli, face_video, tmp_path, args, message):
    video, avatar = face_video
    args = [str(video) if a == "VIDEO" else str(tmp_path / a) if a.endswith((".mp4", ".mov")) else a for a in args]
    code, _, err = cli("avatar", "puppet", *args, "--avatar", avatar)
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1


def test_the_recognised_emotion_styles_the_puppet(portrait):
    with_emotion, without = Puppet.create(Avatar(Attributes()), 128), Puppet.create(Avatar(Attributes()), 128, emotion=False)
    for i in range(4):
        a, b = with_emotion.step(portrait, i / 30), without.step(portrait, i / 30)
    assert b.emotion is None and max(a.emotion, key=a.emotion.get) == "happy"
    styled = puppet_expression(a.signals, a.emotion)
    assert styled.teeth > 0.5 and puppet_expression(b.signals).teeth == 0.0  # her open smile shows teeth
    assert np.abs(a.rgba.astype(int) - b.rgba.astype(int)).mean() > 1.0


def test_the_neck_bends_under_a_tilted_head():
    rest = posed_scene(Attributes(), None, HeadPose())
    tilted = posed_scene(Attributes(), None, HeadPose(roll=20, yaw=20))
    neck0 = next(s for s in rest if s.name == "neck").path.flatten(8)
    neck1 = next(s for s in tilted if s.name == "neck").path.flatten(8)
    base = neck0[:, 1] > neck0[:, 1].max() - 1.0
    assert np.abs(neck1[base] - neck0[base]).max() < 0.5  # the base stays on the shoulders
    top = neck0[:, 1] < neck0[:, 1].min() + 2.0
    assert np.abs(neck1[top] - neck0[top]).max() > 2.0  # the top goes with the head
