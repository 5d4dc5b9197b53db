"""Videos as people have them: phone clips stored sideways with a rotation tag, variable frame
rates, 4K, audio-only files, and files that are not videos at all (text, empty, truncated,
garbage) or missing; Ctrl-C and --max-seconds. The ffmpeg-made clips are skipped where the
ffmpeg command is absent (CI installs it: apt-get install ffmpeg)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from toonmoji.emotion.video import analyze_video
from toonmoji.imageio import VideoSource
from video_people import SIZE, astronaut, backdrop, draw, hidden, still, write_clip

SRC = str(Path(__file__).resolve().parents[1] / "src")
FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg command is not installed (apt-get install ffmpeg)")


def toonmoji(*args: object, **kwargs) -> subprocess.CompletedProcess:
    """`toonmoji ARGS` in a fresh process (FFmpeg prints from C, which capsys cannot see)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p))
    env.pop("OPENCV_FFMPEG_LOGLEVEL", None)
    return subprocess.run([sys.executable, "-m", "toonmoji", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=120, check=False, **kwargs)


def ffmpeg(*args: object) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *map(str, args)], check=True, timeout=120)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """2 s of the portrait, still, 640x480 at 25 fps (mp4v: its index is at the end)."""
    path = tmp_path_factory.mktemp("clips") / "face.mp4"
    write_clip(path, [astronaut()], [still(320, 240, 150)], 50)
    return path


def stderr_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("kind", ["text", "empty", "truncated", "garbage", "header-only"])
def test_a_file_that_is_no_video_is_refused_in_one_line(clip, tmp_path, kind):
    data = clip.read_bytes()
    bad = tmp_path / f"{kind}.mp4"
    bad.write_bytes({"text": b"this is a text file, not a video\n" * 40, "empty": b"",
                     "truncated": data[: len(data) // 2], "garbage": np.random.default_rng(0).bytes(20000),
                     "header-only": data[:64]}[kind])
    for command in (["emotion", bad, "--json"], ["emotion", "report", bad, "--out", tmp_path / "r"]):
        result = toonmoji(*command)
        lines = stderr_lines(result)
        assert result.returncode == 2 and len(lines) == 1, (command, result.stderr)
        assert lines[0].startswith("error: ") and str(bad) in lines[0] and "moov" not in lines[0]
    assert not (tmp_path / "r").exists()
    if kind == "text":
        assert lines[0].endswith("it is a text file, not a video")


def test_the_decoder_stays_quiet_even_after_an_earlier_open(clip, tmp_path):
    """A process that opened a video before toonmoji was imported (so FFmpeg's log level was
    already fixed): the open is still silenced."""
    text = tmp_path / "text.mp4"
    text.write_text("not a video\n" * 50)
    code = (f"import cv2; cv2.VideoCapture({str(clip)!r}).read()\n"
            f"from toonmoji.cli import run; raise SystemExit(run(['emotion', 'report', {str(text)!r}]))")
    env = dict(os.environ, PYTHONPATH=SRC)
    env.pop("OPENCV_FFMPEG_LOGLEVEL", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 2 and stderr_lines(result) == [
        f"error: cannot open video {text}: it is a text file, not a video"], result.stderr


@pytest.mark.parametrize("name", ["missing.jpg", "missing.mp4", "missing"])
def test_a_missing_path_is_no_such_file_whatever_its_extension(cli, tmp_path, name):
    for command in (["emotion", tmp_path / name], ["emotion", "report", tmp_path / name]):
        code, _, err = cli(*command)
        assert code == 2 and err.strip() == f"error: no such file: {tmp_path / name}", err


def test_a_video_that_breaks_halfway_keeps_its_frames_and_says_where(tmp_path):
    """An AVI (index-free enough to play until the cut) cut at 60%: the report is written for the
    frames before the cut and stderr says where it stopped."""
    whole = write_clip(tmp_path / "whole.avi", [astronaut()], [still(320, 240, 150)], 50).path
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    result = toonmoji("emotion", "report", cut, "--out", tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    kept = summary["broken"]["after_frame"]
    assert result.returncode == 2 and 0 < kept < 50 and summary["frames"] == kept
    assert stderr_lines(result) == [(f"error: {cut} broke off after frame {kept} (0:01; truncated or corrupt); "
                                     f"the report in {tmp_path / 'r'} covers the frames before it")]
    assert summary["tracks"][0]["frames_seen"] == kept


@needs_ffmpeg
def test_a_phone_clip_stored_sideways_plays_upright(tmp_path):
    """A portrait 480x640 clip stored as 640x480 with a 90-degree rotation tag, as phones do."""
    upright = np.ascontiguousarray(backdrop()[:, :480])
    upright = cv2.resize(upright, (480, 640))
    draw(upright, astronaut(), still(240, 300, 160)(0))
    sideways = cv2.rotate(upright, cv2.ROTATE_90_CLOCKWISE)  # what the sensor wrote
    raw = tmp_path / "sideways.avi"
    writer = cv2.VideoWriter(str(raw), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    for _ in range(10):
        writer.write(cv2.cvtColor(sideways, cv2.COLOR_RGB2BGR))
    writer.release()
    phone = tmp_path / "phone.mp4"
    ffmpeg("-i", raw, "-c:v", "libx264", "-pix_fmt", "yuv420p", tmp_path / "plain.mp4")
    ffmpeg("-i", tmp_path / "plain.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90", phone)
    src = VideoSource(phone)
    frame = next(iter(src))
    src.close()
    assert (src.width, src.height) == (480, 640)
    assert np.abs(frame.image.astype(int) - upright).mean() < 12  # upright, not just the right shape
    video = analyze_video(phone)
    assert (video.width, video.height) == (480, 640) and len(video.tracks) == 1


@needs_ffmpeg
def test_variable_frame_rate_counts_true_seconds_on_screen(tmp_path):
    """25 frames at 12.5 fps (2 s) with a face, then 25 at 25 fps (1 s) without: 2 s on screen,
    where frames / average frame rate would say 1.5 s."""
    even = write_clip(tmp_path / "even.avi", [astronaut()], [hidden(still(320, 240, 150), 25, 25)], 50).path
    vfr = tmp_path / "vfr.mp4"
    ffmpeg("-i", even, "-vf", "setpts='if(lt(N,25),2*N,25+N)/(25*TB)'", "-fps_mode", "vfr", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", vfr)
    video = analyze_video(vfr)
    assert len(video.tracks) == 1
    assert video.tracks[0].seconds == pytest.approx(2.0, abs=0.05)
    assert video.duration == pytest.approx(3.0, abs=0.05)
    assert video.tracks[0].times[-1] == pytest.approx(1.92, abs=0.01)


@needs_ffmpeg
def test_an_audio_only_file_is_refused_in_one_line(tmp_path):
    audio = tmp_path / "voice.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", audio)
    result = toonmoji("emotion", "report", audio, "--out", tmp_path / "r")
    assert result.returncode == 2
    assert stderr_lines(result) == [f"error: cannot open video {audio}: it holds audio only, no video"]


def test_4k_frames_are_read_shrunk_and_boxes_come_in_the_videos_pixels(tmp_path):
    big = (3840, 2160)
    wall = cv2.resize(backdrop(), big)
    frame = wall.copy()
    truth = draw(frame, astronaut(), still(1900, 1000, 500)(0))
    path = tmp_path / "4k.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, big)
    for _ in range(6):
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    src = VideoSource(path, max_width=1280)
    assert next(iter(src)).image.shape == (720, 1280, 3) and (src.width, src.height) == big
    src.close()
    video = analyze_video(path)
    assert (video.width, video.height) == big and len(video.tracks) == 1
    box = video.tracks[0].boxes[0]
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    assert abs(centre[0] - 1900) < 60 and abs(centre[1] - (truth[1] + truth[3]) / 2) < 80


def test_max_seconds_reads_that_much_and_reports_it(cli, clip, tmp_path):
    code, _, err = cli("emotion", "report", clip, "--max-seconds", "1", "--out", tmp_path / "r")
    assert code == 0, err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["frames"] == 25 and summary["duration"] == pytest.approx(1.0)
    assert summary["tracks"][0]["frames_seen"] == 25


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the video is open")
def test_ctrl_c_ends_with_a_complete_report_of_what_was_read(tmp_path):
    """SIGINT to a real `toonmoji emotion report` process mid-video."""
    path = tmp_path / "long.avi"
    write_clip(path, [astronaut()], [still(320, 240, 120)], 1000, fps=25)
    env = dict(os.environ, PYTHONPATH=SRC)
    proc = subprocess.Popen([sys.executable, "-m", "toonmoji", "emotion", "report", str(path), "--out",
                             str(tmp_path / "r")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            os.path.realpath(f"/proc/{proc.pid}/fd/{fd}") == str(path) for fd in _fds(proc.pid)):
        time.sleep(0.1)
    time.sleep(3.0)  # the model loaded and some frames in
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["interrupted"] and 0 < summary["frames"] < 1000, (out, err)
    assert summary["tracks"][0]["frames_seen"] >= summary["frames"] - 3
    assert f"interrupted after frame {summary['frames']}" in err and "Traceback" not in err
    assert (tmp_path / "r" / "index.html").exists() and (tmp_path / "r" / "emotions.csv").exists()


def _fds(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []


def test_frames_come_with_the_size_they_were_made(clip):
    with VideoSource(clip) as src:
        assert (src.width, src.height) == SIZE and src.scale == 1.0
