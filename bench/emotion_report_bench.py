"""What a video report costs over the live pipeline on the same video, command against command.

- baseline, the live pipeline: `toonmoji emotion VIDEO --json --smooth` (decode, detect, classify,
  track ids, smoothing, one JSON line per frame to /dev/null);
- the report: `toonmoji emotion report VIDEO --out DIR` (the same pipeline, plus collecting the
  rows and face crops, then emotions.csv/.parquet, summary.json, timeline.png, thumbnails and
  index.html).

Both run as fresh processes (so each pays its own imports, as a user does), alternating, `--rounds`
times; the fastest of each is compared, in wall time and in CPU time (user + system, which other
jobs on a shared machine disturb far less than wall time). The video is made from the sample photos (as in
emotion_live_bench.py) unless `--video` names one.

    python bench/emotion_report_bench.py [--frames-per-photo 100] [--rounds 2] [--video clip.mp4]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emotion_live_bench import make_video

SRC = str(Path(__file__).resolve().parents[1] / "src")


def timed(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one `toonmoji ARGS` process."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "toonmoji", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames-per-photo", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--video", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        video = args.video or Path(tmp) / "bench_640x480.mp4"
        if args.video is None:
            make_video(video, args.frames_per_photo)
        live, report = [], []
        for r in range(args.rounds):
            live.append(timed(["emotion", str(video), "--json", "--smooth"]))
            out = Path(tmp) / f"report{r}"
            report.append(timed(["emotion", "report", str(video), "--out", str(out)]))
        summary = json.loads((out / "summary.json").read_text())
    frames = summary["frames"]
    print(f"{video.name}: {frames} frames ({summary['duration']:.0f} s) of {summary['width']}x{summary['height']}, "
          f"{len(summary['tracks'])} face track(s), {os.cpu_count()} CPU cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'command (fresh process, best of ' + str(args.rounds) + ')':56s} {'wall s':>7s} {'fps':>6s} {'CPU s':>7s}")
    rows = (("live pipeline: emotion VIDEO --json --smooth (baseline)", live), ("report: emotion report VIDEO --out DIR", report))
    for name, runs in rows:
        wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
        print(f"{name:56s} {wall:7.2f} {frames / wall:6.1f} {cpu:7.2f}")
    for what, i in (("wall time", 0), ("CPU time", 1)):
        ratio = min(r[i] for r in report) / min(r[i] for r in live)
        print(f"report / live pipeline, {what}: {ratio:.3f}x ({100 * (ratio - 1):+.1f}%)")


if __name__ == "__main__":
    main()
