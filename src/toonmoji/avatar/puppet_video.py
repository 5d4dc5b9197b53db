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
from toonmoji.frameloop import run_frames
from toonmoji.imageio import Frame, VideoSink, VideoSource, write_bytes

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


class VideoFileSink:
    """A video file opened at the first frame's size (the drawn frame's size is known only then)."""

    full = False

    def __init__(self, out: Path, fps: float, force: bool) -> None:
        self.out, self.fps, self.force = out, fps, force
        self.sink: VideoSink | None = None

    def write(self, image: np.ndarray) -> None:
        if self.sink is None:
            self.sink = VideoSink(self.out, self.fps, (image.shape[1], image.shape[0]), self.force)
        self.sink.write(image[..., :3])

    def close(self) -> Path | None:
        return self.sink.close() if self.sink is not None else None


class AnimatedFileSink:
    """An animated WebP or GIF: held in memory (at most MAX_ANIMATED_FRAMES), written on close."""

    def __init__(self, out: Path, fps: float, force: bool) -> None:
        self.out, self.fps, self.force = out, fps, force
        self.kept: list[np.ndarray] = []

    @property
    def full(self) -> bool:
        return len(self.kept) >= MAX_ANIMATED_FRAMES

    def write(self, image: np.ndarray) -> None:
        self.kept.append(image if image.shape[2] == 4 else np.dstack([image, np.full(image.shape[:2], 255, np.uint8)]))

    def close(self) -> Path | None:
        if not self.kept:
            return None
        fps = min(self.fps, 30.0)
        frames = self.kept[::max(1, round(self.fps / fps))]
        if self.out.suffix.lower() == ".webp":
            data = webp_animation(frames, fps, max_bytes=10**9)
        else:
            data = gif_animation(frames, fps)
        return write_bytes(self.out, data, force=self.force)


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
    faces = 0
    start = time.perf_counter()

    def step(frame: Frame, draw: bool) -> np.ndarray:
        nonlocal faces
        drawn = puppet.step(frame.image, time.perf_counter() - start if source.is_camera else frame.time)
        faces += drawn.face
        return compose(frame.image, drawn.rgba, background, beside)

    sink: VideoFileSink | AnimatedFileSink | None = None
    if out is not None:
        sink = (AnimatedFileSink if out.suffix.lower() in ANIMATED else VideoFileSink)(out, source.fps, force)
    run = run_frames(source, step, sink, WINDOW if window else None, max_frames, on_frame)
    return PuppetRun(run.frames, faces, run.seconds, run.interrupted, run.broken, run.full, run.output)
