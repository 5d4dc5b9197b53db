"""An hour of video through the report pipeline: is memory flat and the frame rate steady?

Makes a one-hour 640x480 video (at `--fps`, 5 by default to keep it cheap) of real faces from
../shared/data/faces (or the sample portrait when absent): a new pair of people every minute,
one still and one drifting, at a size that repeats every 5 minutes, and every fifth minute
empty (so minutes 4, 9, ..., 59, measured below, hold like scenes); then runs `analyze_video` and
writes the report, printing at 1, 5, 10, 30 and 60 minutes of video the resident memory (VmRSS),
and over the minute of video before it the frames per second and the CPU time per frame (all
threads; on a shared machine the frame rate follows the other jobs, the CPU time much less), and
the report's own time.

    nice python bench/video_long_run.py [--minutes 60] [--fps 5] [--keep clip.mp4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from toonmoji.emotion.report import write_report
from toonmoji.emotion.video import analyze_video, mmss
from toonmoji.imageio import VideoSink
from video_people import SIZE, astronaut, astronaut_twin, backdrop, draw, real_people, still


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_video(path: Path, minutes: int, fps: float) -> None:
    people = real_people(limit=8) or [astronaut(), astronaut_twin()]
    wall = backdrop()
    per_minute = round(60 * fps)
    with VideoSink(path, fps, SIZE) as sink:
        for m in range(minutes):
            a, b = people[m % len(people)], people[(m + 1) % len(people)]
            h = (0.15 + 0.05 * (m % 5)) * SIZE[1]
            for i in range(per_minute):
                frame = wall.copy()
                if m % 5 != 2:
                    draw(frame, a, still(200, 240, h)(i))
                    draw(frame, b, still(400 + 60 * (i / per_minute), 230, h * 0.9)(i))
                sink.write(frame)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--fps", type=float, default=5.0)
    ap.add_argument("--keep", type=Path, help="make the video here (or reuse it if it exists)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        video = args.keep or Path(tmp) / "hour.mp4"
        if not video.exists():
            start = time.perf_counter()
            make_video(video, args.minutes, args.fps)
            print(f"made {video} ({video.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - start:.0f} s", flush=True)
        marks = {round(m * 60 * args.fps): m for m in (1, 5, 10, 30, 60) if m <= args.minutes}
        window = round(60 * args.fps)  # fps over the last minute of video before each mark
        stamps: dict[int, tuple[float, float]] = {}

        def progress(done: int, total: int | None) -> None:
            stamps[done] = (time.perf_counter(), time.process_time())
            stamps.pop(done - window - 1, None)
            if done in marks:
                then = stamps.get(done - window)
                fps = window / (stamps[done][0] - then[0]) if then else float("nan")
                cpu = 1000 * (stamps[done][1] - then[1]) / window if then else float("nan")
                print(f"{marks[done]:3d} min of video: RSS {rss_mib():6.1f} MiB; over its last minute {fps:5.1f} fps, "
                      f"{cpu:5.1f} ms CPU a frame; load average {os.getloadavg()[0]:.1f}", flush=True)

        print(f"before reading: RSS {rss_mib():.1f} MiB", flush=True)
        start = time.perf_counter()
        result = analyze_video(video, on_progress=progress)
        read = time.perf_counter() - start
        start = time.perf_counter()
        write_report(result, Path(tmp) / "report")
        print(f"read {result.frames} frames ({mmss(result.duration)}) in {read:.0f} s ({result.frames / read:.1f} fps); "
              f"{len(result.tracks)} tracks; report written in {time.perf_counter() - start:.1f} s; RSS {rss_mib():.1f} MiB")


if __name__ == "__main__":
    main()
