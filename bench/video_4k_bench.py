"""4K video at a bounded cost: `analyze_video` reading frames shrunk to 1280 wide (the default,
WORK_WIDTH) against reading them at full size (the baseline, as before issue #25), in one run.

A 3840x2160 clip of the sample portrait (a face a quarter of the frame tall, drifting), H.264
made with the ffmpeg command where it exists, else MJPG. Both ways run alternately, `--rounds`
times; the best of each is compared in wall time and in CPU time (all threads), with the
number of faces found.

    nice python bench/video_4k_bench.py [--frames 40] [--rounds 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from toonmoji.emotion.video import WORK_WIDTH, analyze_video
from video_people import astronaut, backdrop, draw, drift

SIZE = (3840, 2160)


def make_clip(folder: Path, frames: int) -> Path:
    wall = cv2.resize(backdrop(), SIZE, interpolation=cv2.INTER_CUBIC)
    path = folder / "4k.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, SIZE)
    where = drift(1200, 1000, 2600, 1100, 0.25 * SIZE[1], frames)
    for i in range(frames):
        frame = wall.copy()
        draw(frame, astronaut(), where(i))
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return path
    h264 = folder / "4k.mp4"
    subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(path), "-c:v", "libx264",
                    "-preset", "veryfast", "-pix_fmt", "yuv420p", str(h264)], check=True)
    return h264


def timed(path: Path, max_width: int) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    video = analyze_video(path, max_width=max_width)
    faces = sum(len(t.frames) for t in video.tracks)
    return time.perf_counter() - wall, time.process_time() - cpu, faces


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp), args.frames)
        runs: dict[str, list[tuple[float, float, int]]] = {"full size (baseline)": [], f"shrunk to {WORK_WIDTH}": []}
        for _ in range(args.rounds):
            runs["full size (baseline)"].append(timed(clip, 10**6))
            runs[f"shrunk to {WORK_WIDTH}"].append(timed(clip, WORK_WIDTH))
    print(f"{args.frames} frames of {SIZE[0]}x{SIZE[1]} ({clip.suffix[1:]}), best of {args.rounds}")
    base = min(r[1] for r in runs["full size (baseline)"])
    for name, r in runs.items():
        wall, cpu = min(x[0] for x in r), min(x[1] for x in r)
        print(f"  {name:22s} {args.frames / wall:6.1f} fps wall, {1000 * cpu / args.frames:6.1f} ms CPU a frame "
              f"({base / cpu:.2f}x less CPU than full size), face found in {r[0][2]} frames")


if __name__ == "__main__":
    main()
