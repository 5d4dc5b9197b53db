"""One loop for every job that turns a stream of frames into drawn frames (live emotion, the
avatar puppet): a step per frame, the drawn frame to a sink and/or a window.

The loop owns what every such job must get right the same way: it stops at the source's end,
after `max_frames`, on 'q' or Esc in the window, when the sink is full, or on Ctrl-C; it always
closes the sink and the window, so a run that ends early leaves a valid file of the frames so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from toonmoji.imageio import Frame

QUIT_KEYS = (ord("q"), 27)  # q, Esc


class FrameSink(Protocol):
    """Where drawn frames go (a video file, an animated image). `full` stops the loop."""

    full: bool

    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> Path | None:
        """Finish the output; its path, or None when nothing was written."""
        ...


class FrameSource(Protocol):
    broken: bool

    def __iter__(self) -> Iterator[Frame]: ...


# `step(frame, draw)`: the work for one frame; returns the drawn frame (RGB or RGBA) when `draw`
# is true (someone will look at it), else may return None and skip the drawing.
Step = Callable[[Frame, bool], np.ndarray | None]


@dataclass
class LoopRun:
    frames: int = 0
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C
    broken: bool = False  # the source broke off mid-way (a truncated or corrupt file)
    full: bool = False  # the sink could take no more
    output: str | None = None  # the sink's file, once closed


def run_frames(source: FrameSource, step: Step, sink: FrameSink | None = None, window: str | None = None,
               max_frames: int | None = None, on_frame: Callable[[int], None] | None = None) -> LoopRun:
    """Run `step` on every frame of `source`, writing what it draws to `sink` and showing it in a
    window titled `window` (None: no window). `on_frame(n)` is called after the n-th frame."""
    run = LoopRun()
    start = time.perf_counter()
    draw = sink is not None or window is not None
    try:
        for frame in source:
            drawn = step(frame, draw)
            run.frames += 1
            if drawn is not None:
                if sink is not None:
                    sink.write(drawn)
                if window is not None:
                    cv2.imshow(window, cv2.cvtColor(np.ascontiguousarray(drawn[..., :3]), cv2.COLOR_RGB2BGR))
                    if cv2.waitKey(1) & 0xFF in QUIT_KEYS:
                        break
            if on_frame is not None:
                on_frame(run.frames)
            if max_frames is not None and run.frames >= max_frames:
                break
            if sink is not None and sink.full:
                run.full = True
                break
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        run.seconds = time.perf_counter() - start
        if window is not None:
            cv2.destroyAllWindows()
        if sink is not None:
            path = sink.close()
            run.output = str(path) if path is not None else None
    run.broken = source.broken
    return run
