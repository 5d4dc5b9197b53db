"""How fast is one avatar frame? Render a 256 px RGBA frame (attributes -> shapes -> pixels),
against the named baseline: encoding that same frame as PNG with cv2.imencode.

    PYTHONPATH=src python bench/avatar_bench.py [--frames 200]

The target is at most 10 ms per frame on one CPU core (live video at 30 fps leaves ~33 ms a frame).
"""

from __future__ import annotations

import argparse
import os
import time

import cv2
import numpy as np

from toonmoji.avatar import Attributes, Avatar
from toonmoji.emotion.labels import EMOTIONS


def best_ms(fn, frames: int, clock=time.thread_time) -> float:
    """Median milliseconds per call over `frames` calls (after one warm-up). The default clock is
    this thread's CPU time: on a shared machine wall time mostly measures the other processes."""
    fn(0)
    times = []
    for i in range(frames):
        t = clock()
        fn(i)
        times.append(clock() - t)
    return 1000.0 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    avatar = Avatar(Attributes()).with_set("glasses=round", "beard=full", "hair.style=curly")
    frame = avatar.render("happy", 1.0, args.size)
    bgra = cv2.cvtColor(frame, cv2.COLOR_RGBA2BGRA)

    render = best_ms(lambda i: avatar.render(EMOTIONS[i % 7], 0.3 + 0.7 * (i % 5) / 4, args.size), args.frames)
    encode = best_ms(lambda i: cv2.imencode(".png", bgra), args.frames)
    svg = best_ms(lambda i: avatar.to_svg(EMOTIONS[i % 7]), args.frames)
    wall = best_ms(lambda i: avatar.render(EMOTIONS[i % 7], 1.0, args.size), args.frames, time.perf_counter)
    print(f"{args.size} px avatar frame, median CPU time of {args.frames} (1 thread):")
    print(f"  render (shapes + raster):   {render:6.2f} ms  = {render / encode:5.2f} x PNG encode")
    print(f"  cv2.imencode PNG (baseline): {encode:6.2f} ms")
    print(f"  SVG text:                   {svg:6.2f} ms")
    print(f"  render, wall clock:         {wall:6.2f} ms  (load average now {os.getloadavg()[0]:.1f})")
    print(f"  target <= 10 ms per frame: {'met' if render <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
