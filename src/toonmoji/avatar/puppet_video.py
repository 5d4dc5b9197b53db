"""`toonmoji avatar puppet`: a camera or a video in, the avatar moving with the face out (a window,
a video file, or an animated WebP/GIF with a transparent background).

Frames are drawn as the puppet sees them: the avatar alone on a plain (or transparent)
background, or with `beside` the frame at the avatar's height and the avatar on its right.
A run that ends early (Ctrl-C, 'q' in the window, a broken file) keeps what was written.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from toonmoji.avatar.animate import gif_animation, webp_animation
from toonmoji.avatar.colour import rgb_of
from toonmoji.avatar.puppet import Puppet
from toonmoji.errors import InputError
from toonmoji.imageio import VideoSink, VideoSource, write_bytes

WINDOW = "toonmoji puppet (q to quit)"
ANIMATED = (".webp", ".gif")
VIDEO = (".mp4", ".m4v", ".mov", ".avi")
MAX_ANIMATED_FRAMES = 300  # an animated file is held in memory until the end: 10 s at 30 fps
NAMED = {"white": "#ffffff", "black": "#000000", "green": "#00b140", "grey": "#808080"}


def background_rgba(name: str, out: Path | None) -> tuple[int, int, int, int] | None:
    """The background as RGBA (None: transparent); one-line errors for an unknown colour, or for
    transparency in a file that cannot hold it."""
    if name == "transparent":
        if out is None or out.suffix.lower() not in ANIMATED:
            raise InputError("a transparent background needs --out ending in .webp or .gif (video has no alpha)")
        return None
    colour = NAMED.get(name, name)
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise InputError(f"unknown background {name!r}; use white, black, green, grey, transparent or #rrggbb")
    r, g, b = (int(v) for v in rgb_of(colour))
    return (r, g, b, 255)


def check_output(out: Path) -> None:
    if out.suffix.lower() not in VIDEO + ANIMATED:
        raise InputError(f"{out}: --out must end in {', '.join(VIDEO + ANIMATED)}")


def compose(frame: np.ndarray, rgba: np.ndarray, background: tuple[int, int, int, int] | None,
            beside: bool) -> np.ndarray:
    """The drawn output frame: RGBA `(S, S, 4)` alone on `background` (kept RGBA when None), or
    RGB with the camera frame scaled to the avatar's height on its left (`beside`)."""
    s = rgba.shape[0]
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    if background is None and not beside:
        return rgba
    bg = np.array((background or (255, 255, 255, 255))[:3], np.float32)
    panel = (rgba[..., :3].astype(np.float32) * a + bg * (1.0 - a)).astype(np.uint8)
    if not beside:
        return panel
    h, w = frame.shape[:2]
    left = cv2.resize(frame, (max(1, round(w * s / h)), s), interpolation=cv2.INTER_AREA)
    return np.concatenate([left, panel], axis=1)


@dataclass
class PuppetRun:
    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    broken: bool = False
    capped: bool = False  # an animated output stopped at MAX_ANIMATED_FRAMES
    output: str | None = None


def run_puppet(puppet: Puppet, source: VideoSource, out: Path | None, background: tuple[int, int, int, int] | None,
               beside: bool = False, window: bool = False, max_frames: int | None = None, force: bool = False,
               on_frame: Callable[[int], None] | None = None) -> PuppetRun:
    """Drive `puppet` with every frame of `source`; write `out` (video, or animated WebP/GIF)
    and/or show a window. Camera frames are timed by the clock, file frames by their rate."""
    run = PuppetRun()
    sink: VideoSink | None = None
    kept: list[np.ndarray] = []
    animated = out is not None and out.suffix.lower() in ANIMATED
    start = time.perf_counter()
    try:
        for frame in source:
            t = time.perf_counter() - start if source.is_camera else frame.time
            drawn = puppet.step(frame.image, t)
            shown = compose(frame.image, drawn.rgba, background, beside)
            run.frames += 1
            run.faces += drawn.face
            if animated:
                kept.append(shown if shown.shape[2] == 4 else np.dstack([shown, np.full(shown.shape[:2], 255, np.uint8)]))
            elif out is not None:
                if sink is None:
                    sink = VideoSink(out, source.fps, (shown.shape[1], shown.shape[0]), force)
                sink.write(shown[..., :3])
            if window:
                cv2.imshow(WINDOW, cv2.cvtColor(shown[..., :3], cv2.COLOR_RGB2BGR))
                if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                    break
            if on_frame is not None:
                on_frame(run.frames)
            if max_frames is not None and run.frames >= max_frames:
                break
            if animated and len(kept) >= MAX_ANIMATED_FRAMES:
                run.capped = True
                break
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        run.seconds = time.perf_counter() - start
        if sink is not None:
            path = sink.close()
            run.output = str(path) if path is not None else None
        if window:
            cv2.destroyAllWindows()
    if animated and kept:
        fps = min(source.fps, 30.0)
        step = max(1, round(source.fps / fps))
        frames = kept[::step]
        data = webp_animation(frames, fps, max_bytes=10**9) if out.suffix.lower() == ".webp" else gif_animation(frames, fps)
        run.output = str(write_bytes(out, data, force=force))
    run.broken = source.broken
    return run
