"""Face tracks across frames and `toonmoji emotion report`: ids that survive crossings, short
hiding and short absences; the report's files, a broken video, a video without a face."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from toonmoji.emotion.identity import FaceTracker
from toonmoji.emotion.recognize import FaceEmotion
from toonmoji.emotion.video import analyze_video
from toonmoji.faces.detect import Face
from toonmoji.imageio import read_image
from video_scenes import background, heads, paste, write_scene

CROSS_FRAMES = 40


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    """Synthetic clips at 25 fps: two faces crossing (the second passes in front of the first),
    a face hidden for 5 frames, a face away for 15 frames (0.6 s) and for 35 frames (1.4 s)."""
    folder = tmp_path_factory.mktemp("scenes")
    a, b = heads()
    return {
        "cross": write_scene(folder / "cross.avi", CROSS_FRAMES, lambda i: [(a, 11 * i, 130), (b, 430 - 11 * i, 160)]),
        "hidden": write_scene(folder / "hidden.avi", 30, lambda i: [] if 12 <= i < 17 else [(a, 100 + 4 * i, 100)]),
        "away15": write_scene(folder / "away15.avi", 35, lambda i: [] if 10 <= i < 25 else [(a, 200, 100)]),
        "away35": write_scene(folder / "away35.avi", 55, lambda i: [] if 10 <= i < 45 else [(a, 200, 100)]),
        "empty": write_scene(folder / "empty.avi", 12, lambda i: []),
    }


def test_two_faces_that_cross_keep_their_ids(scenes):
    video = analyze_video(scenes["cross"])
    assert [t.id for t in video.tracks] == [1, 2]
    for t in video.tracks:
        assert t.frames[0] <= 1 and t.frames[-1] >= CROSS_FRAMES - 2  # followed from start to end
        assert len(t.frames) >= CROSS_FRAMES * 0.6  # the one behind is hidden while they overlap
    starts = {t.id: t.boxes[0, 0] for t in video.tracks}
    ends = {t.id: t.boxes[-1, 0] for t in video.tracks}
    left = min(starts, key=starts.get)
    assert ends[left] > 300 and starts[left] < 100  # the face that started left ended right
    right = max(starts, key=starts.get)
    assert ends[right] < 100 and starts[right] > 300


def test_a_face_hidden_for_five_frames_keeps_its_id(scenes):
    video = analyze_video(scenes["hidden"])
    assert len(video.tracks) == 1
    frames = set(video.tracks[0].frames.tolist())
    assert frames == set(range(30)) - set(range(12, 17))


def test_a_face_away_within_the_window_keeps_its_id_and_after_it_gets_a_new_one(scenes):
    back_soon = analyze_video(scenes["away15"], keep_seconds=1.0)  # 15 frames away < 25 frames
    assert len(back_soon.tracks) == 1 and len(back_soon.tracks[0].frames) == 20
    back_late = analyze_video(scenes["away35"], keep_seconds=1.0)  # 35 frames away > 25 frames
    assert [(int(t.frames[0]), int(t.frames[-1])) for t in back_late.tracks] == [(0, 9), (45, 54)]


def _face_at(image: np.ndarray, tile: np.ndarray, x: int, y: int) -> FaceEmotion:
    """The tile pasted at (x, y), reported as a face over its face region."""
    paste(image, tile, x, y)
    return FaceEmotion(Face((x + 40.0, y + 35.0, x + 130.0, y + 125.0), 5.0, np.zeros((0, 2))), np.eye(7)[3])


def test_the_window_is_exactly_max_missed_frames():
    a, _ = heads()
    for missed, same in ((5, True), (6, False)):
        tracker = FaceTracker(max_missed=5)
        ids = []
        for i in range(4 + missed + 2):
            frame = background()
            faces = [] if 4 <= i < 4 + missed else [_face_at(frame, a, 200, 100)]
            ids += [r.track for r in tracker.update(frame, faces)]
        assert (len(set(ids)) == 1) == same, (missed, ids)


def test_a_different_face_in_the_same_place_after_a_cut_is_a_new_track():
    a, b = heads()
    tracker = FaceTracker()
    frame = background()
    first = tracker.update(frame, [_face_at(frame, a, 200, 100)])[0].track
    other = np.ascontiguousarray(np.rot90(b, 2))  # someone else entirely, in the same place
    frame = background()
    assert tracker.update(frame, [_face_at(frame, other, 200, 100)])[0].track != first


def test_json_lines_carry_track_ids(cli, scenes):
    code, out, err = cli("emotion", scenes["cross"], "--json", "--smooth")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    first = {f["track"]: f["box"][0] for f in lines[0]["faces"]}
    last = {f["track"]: f["box"][0] for f in lines[-1]["faces"]}
    assert len(first) == 2 and set(first) == set(last)
    assert all((first[k] < 300) == (last[k] > 300) for k in first)  # each id followed its own face


def test_report_writes_csv_summary_timeline_and_page(cli, scenes, tmp_path):
    out = tmp_path / "report"
    code, stdout, err = cli("emotion", "report", scenes["cross"], "--out", out)
    assert code == 0, err
    assert "2 face(s)" in stdout and str(out / "index.html") in stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames"] == CROSS_FRAMES and summary["broken"] is None and len(summary["tracks"]) == 2
    with open(out / "emotions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    classes = summary["classes"]
    for track in summary["tracks"]:
        assert sum(track["shares"].values()) == pytest.approx(1.0, abs=1e-3)
        mine = [r for r in rows if int(r["track"]) == track["track"]]
        assert len(mine) == track["frames_seen"]
        labels = [r["label"] for r in mine]
        assert track["shares"][track["dominant"]] == pytest.approx(labels.count(track["dominant"]) / len(mine), abs=1e-3)
        for emotion, moment in track["strongest"].items():
            best = max(float(r[emotion]) for r in mine)
            assert moment["probability"] == pytest.approx(best, abs=1e-3)
            assert read_image(out / moment["thumbnail"]).shape[2] == 3
        assert read_image(out / track["thumbnail"]).size > 0
    for r in rows:
        probs = [float(r[c]) for c in classes]
        assert sum(probs) == pytest.approx(1.0, abs=2e-3) and r["label"] == classes[int(np.argmax(probs))]
    assert [int(r["frame"]) for r in rows] == sorted(int(r["frame"]) for r in rows)
    timeline = read_image(out / "timeline.png")
    assert timeline.shape[1] >= 800 and timeline.std() > 10
    page = (out / "index.html").read_text()
    assert page.count("data:image/jpeg;base64,") >= 4 and "data:image/png;base64," in page
    assert "http" not in page.replace("http-equiv", "")  # nothing to fetch: opens from disk
    code, _, err = cli("emotion", "report", scenes["cross"], "--out", out)
    assert code == 3 and "--force" in err


def test_parquet_and_pandas_hold_the_same_rows(scenes, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from toonmoji.emotion import analyze_video as exported
    from toonmoji.emotion.report import write_report

    video = exported(scenes["hidden"])
    write_report(video, tmp_path)
    frame = video.to_pandas()
    assert len(frame) == 25 and list(frame.columns) == video.columns()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "emotions.parquet"), frame, check_dtype=False, atol=1e-3)


def test_a_broken_video_keeps_what_was_read_and_says_where_it_broke(cli, scenes, tmp_path):
    cut = tmp_path / "cut.avi"
    data = scenes["cross"].read_bytes()
    cut.write_bytes(data[: len(data) * 6 // 10])
    out = tmp_path / "report"
    code, _, err = cli("emotion", "report", cut, "--out", out)
    assert code == 2 and "broke off after frame" in err and str(out) in err
    summary = json.loads((out / "summary.json").read_text())
    kept = summary["broken"]["after_frame"]
    assert 0 < kept < CROSS_FRAMES and f"after frame {kept} " in err
    with open(out / "emotions.csv", newline="") as f:
        frames = [int(r["frame"]) for r in csv.DictReader(f)]
    assert frames and max(frames) == kept - 1
    assert "broke off" in (out / "index.html").read_text()


def test_a_video_without_a_face_gives_an_empty_valid_report_and_one_line(cli, scenes, tmp_path):
    out = tmp_path / "report"
    code, _, err = cli("emotion", "report", scenes["empty"], "--out", out)
    assert code == 0, err
    assert [line for line in err.splitlines() if line.strip()] == [
        f"no face found in 12 frame(s) of {scenes['empty']}: the report is empty"]
    with open(out / "emotions.csv", newline="") as f:
        assert len(list(csv.reader(f))) == 1  # the header
    summary = json.loads((out / "summary.json").read_text())
    assert summary["tracks"] == [] and summary["frames"] == 12
    assert read_image(out / "timeline.png").shape[2] == 3
    assert "no face found" in (out / "index.html").read_text()


def test_ctrl_c_keeps_what_was_read(scenes):
    def interrupt(done, total):
        assert total == 30
        if done == 10:
            raise KeyboardInterrupt

    video = analyze_video(scenes["hidden"], on_progress=interrupt)
    assert video.interrupted and video.frames == 10
    assert video.tracks[0].frames.tolist() == list(range(10))
    assert any("interrupted after frame 10" in n for n in video.notes)


def test_camera_needs_seconds_a_bad_camera_and_a_photo_are_one_line(cli, tmp_path):
    code, _, err = cli("emotion", "report", "--camera", "0", "--out", tmp_path / "r")
    assert code == 2 and "--seconds" in err
    code, _, err = cli("emotion", "report", "--camera", "9", "--seconds", "2", "--out", tmp_path / "r")
    assert code == 2 and "cannot open camera 9" in err and "Traceback" not in err
    code, _, err = cli("emotion", "report", tmp_path / "me.jpg", "--out", tmp_path / "r")
    assert code == 2 and f"no such file: {tmp_path / 'me.jpg'}" in err  # missing, whatever its name says
    (tmp_path / "me.jpg").write_bytes(b"\xff\xd8\xff")
    code, _, err = cli("emotion", "report", tmp_path / "me.jpg", "--out", tmp_path / "r")
    assert code == 2 and "is a photo" in err
    code, _, err = cli("emotion", "report", tmp_path / "clip.mp4", "--detector", "nope", "--out", tmp_path / "r")
    assert code == 2 and "unknown detector 'nope'" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_smoothing_follows_track_ids_when_faces_swap_places():
    from toonmoji.emotion.smooth import EmotionSmoother

    smoother = EmotionSmoother(frames=5)
    happy, sad = np.eye(7, dtype=np.float32)[3], np.eye(7, dtype=np.float32)[4]
    left, right = Face((0, 0, 50, 50), 5.0, np.zeros((0, 2))), Face((10, 0, 60, 50), 5.0, np.zeros((0, 2)))
    for i in range(6):  # face 1 (happy) and face 2 (sad) overlap and trade places every frame
        a, b = (left, right) if i % 2 else (right, left)
        out = smoother.update([FaceEmotion(a, happy, track=1), FaceEmotion(b, sad, track=2)])
        assert [(r.track, r.label) for r in out] == [(1, "happy"), (2, "sad")]
        assert out[0].probabilities[3] == pytest.approx(1.0)  # nothing of the other face mixed in
