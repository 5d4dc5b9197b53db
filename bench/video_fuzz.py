"""Fuzzing the video readers: mutated video files through `toonmoji emotion FILE --json` and
`toonmoji emotion report FILE`, each in its own process with a 30 s limit.

Seeds (1 s, 320x240, with a face): an MP4 (mp4v, index at the end), an AVI (MJPG) and, where the
ffmpeg command exists, an H.264 MP4 with its index first and a WebM. Mutations: truncated at a
random point; 1-500 random bytes flipped; the first 1-64 KiB swapped for another seed's (a
header of the wrong format); a random stretch zeroed. Counted per command: read (exit 0),
refused in one line (non-zero exit, exactly one stderr line starting `error:`), broke off with
the frames before kept (exit 2, the last line says after which frame; the report is written),
and failures:
a traceback, more than one line, no line, a crash (killed by a signal) or a hang (over 30 s).

    nice python bench/video_fuzz.py [--files 100] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from video_people import astronaut, still, write_clip

ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p))
LIMIT = 30.0


def seeds(folder: Path) -> list[Path]:
    made = [write_clip(folder / f"seed.{ext}", [astronaut()], [still(320, 240, 150)], 25).path for ext in ("mp4", "avi")]
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        for name, codec in (("seed_h264.mp4", ["-c:v", "libx264", "-movflags", "+faststart"]),
                            ("seed.webm", ["-c:v", "libvpx", "-b:v", "500k"])):
            subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(made[0]), *codec,
                            str(folder / name)], check=True)
            made.append(folder / name)
    return made


def mutate(data: bytes, other: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    kind = ("truncate", "flip", "swap-header", "zero")[int(rng.integers(4))]
    buf = bytearray(data)
    if kind == "truncate":
        return kind, bytes(buf[: int(rng.integers(0, len(buf)))])
    if kind == "flip":
        for i in rng.integers(0, len(buf), int(rng.integers(1, 501))):
            buf[i] ^= int(rng.integers(1, 256))
        return kind, bytes(buf)
    if kind == "swap-header":
        n = min(int(rng.integers(1024, 65537)), len(other), len(buf))
        return kind, other[:n] + bytes(buf[n:])
    start = int(rng.integers(0, len(buf)))
    end = min(len(buf), start + int(rng.integers(16, 8193)))
    buf[start:end] = bytes(end - start)
    return kind, bytes(buf)


def run(args: list[str]) -> tuple[str, float, str]:
    """(outcome, seconds, the stderr line or the problem)."""
    start = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "toonmoji", *args], env=ENV, capture_output=True, text=True,
                           timeout=LIMIT, check=False)
    except subprocess.TimeoutExpired:
        return "hang", LIMIT, "over 30 s"
    took = time.perf_counter() - start
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    if "Traceback" in p.stderr:
        return "traceback", took, p.stderr.strip().splitlines()[-1]
    if p.returncode < 0 or p.returncode > 128:
        return "crash", took, f"exit {p.returncode}: {lines[-1] if lines else ''}"
    if p.returncode == 0:
        return "read", took, lines[0] if lines else ""
    if lines and lines[-1].startswith("error:") and "broke off after frame" in lines[-1]:
        return "broke off, frames kept", took, lines[-1]
    if len(lines) == 1 and lines[0].startswith("error:"):
        return "refused in one line", took, lines[0]
    return "not one line", took, " | ".join(lines)[:300]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = seeds(folder)
        counts: dict[str, Counter] = {"emotion": Counter(), "emotion report": Counter()}
        kinds: Counter = Counter()
        slowest = 0.0
        problems = []
        for n in range(args.files):
            base = made[n % len(made)]
            other = made[(n + 1 + int(rng.integers(len(made) - 1))) % len(made)]
            kind, data = mutate(base.read_bytes(), other.read_bytes(), rng)
            kinds[kind] += 1
            path = folder / f"fuzz{n:03d}{base.suffix}"
            path.write_bytes(data)
            for command, argv in (("emotion", ["emotion", str(path), "--json"]),
                                  ("emotion report", ["emotion", "report", str(path), "--out", str(folder / f"r{n}")])):
                outcome, took, line = run(argv)
                counts[command][outcome] += 1
                slowest = max(slowest, took)
                if outcome not in ("read", "refused in one line", "broke off, frames kept"):
                    problems.append(f"{path.name} ({kind}, from {base.name}) {command}: {outcome}: {line}")
                if args.verbose:
                    print(f"{path.name:14s} {kind:12s} {command:15s} {outcome:20s} {took:5.1f} s  {line[:100]}", flush=True)
            path.unlink()
    print(f"{args.files} mutated files from {', '.join(p.name for p in made)} ({dict(kinds)})")
    for command, c in counts.items():
        print(f"  toonmoji {command}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    print(f"slowest run: {slowest:.1f} s (limit {LIMIT:.0f} s)")
    for p in problems:
        print("  PROBLEM", p)


if __name__ == "__main__":
    main()
