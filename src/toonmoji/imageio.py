"""Reading and writing images and video: validation on the way in, atomic writes on the way out.

Conventions used across toonmoji: an image is a NumPy array `(H, W, 3) uint8` in **RGB** order
(`(H, W, 4)` RGBA where transparency matters). OpenCV's BGR order never leaks out of this module
or the few functions that call OpenCV directly.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from toonmoji.errors import ImageReadError, InputError, OutputExistsError, VideoReadError
from toonmoji.videofile import quiet_stderr, why_unreadable

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}


def require_file(path: str | os.PathLike[str]) -> Path:
    """Return `path` as a Path, or raise InputError naming it if it is not a readable file."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"no such file: {p}")
    if not p.is_file():
        raise InputError(f"not a file: {p}")
    if p.stat().st_size == 0:
        raise InputError(f"file is empty: {p}")
    return p


def decode_image(data: bytes, name: str = "image", mode: str = "RGB") -> np.ndarray:
    """Decode image bytes fully (EXIF rotation applied) into `(H, W, C) uint8`.

    Decoding everything up front is what catches truncated files: Pillow is lazy and would
    otherwise fail half-way through later work.
    """
    import io

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
            if mode == "RGBA":
                im = im.convert("RGBA")
            elif mode == "L":
                im = im.convert("L")
            else:
                im = im.convert("RGB")
            arr = np.asarray(im, dtype=np.uint8).copy()
    except UnidentifiedImageError:
        raise ImageReadError(f"not an image file (unrecognised format): {name}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"cannot decode image {name}: {exc}") from None
    if arr.ndim < 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageReadError(f"image has no pixels: {name}")
    return arr


def read_image(path: str | os.PathLike[str], mode: str = "RGB") -> np.ndarray:
    """Read an image file as `(H, W, 3) uint8` RGB (or RGBA / L with `mode`)."""
    p = require_file(path)
    return decode_image(p.read_bytes(), name=str(p), mode=mode)


def check_writable(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Fail early, before heavy work, if `path` exists (without force) or its folder cannot be made."""
    p = Path(path)
    if p.exists() and not force:
        raise OutputExistsError(f"{p} exists; pass --force to overwrite it")
    if p.exists() and p.is_dir():
        raise OutputExistsError(f"{p} is a folder, not a file")
    return p


def temp_path_beside(final: Path) -> Path:
    """A new empty file next to `final` (same filesystem, so os.replace is atomic).

    mkstemp creates files readable by the owner only; outputs get the usual umask permissions.
    """
    fd, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it into place only if the block succeeds.

    A crash or error part-way therefore never leaves a half-written output under the final name.
    """
    final = check_writable(path, force)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_beside(final)
    try:
        yield tmp
        if not force and final.exists():
            raise OutputExistsError(f"{final} appeared while writing; pass --force to overwrite it")
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path: str | os.PathLike[str], data: bytes, force: bool = False) -> Path:
    """Write bytes atomically."""
    with atomic_path(path, force) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_image(
    path: str | os.PathLike[str], image: np.ndarray, force: bool = False, **save_kwargs: object
) -> Path:
    """Write an RGB/RGBA/grey uint8 array atomically; format from the suffix (PNG, JPEG, WebP)."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"write_image expects uint8, got {arr.dtype}")
    im = Image.fromarray(arr)
    fmt = Image.registered_extensions().get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(f"unknown image type for output {path}; use .png, .jpg or .webp")
    with atomic_path(path, force) as tmp:
        im.save(tmp, format=fmt, **save_kwargs)
    return Path(path)


def is_video_path(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def is_image_path(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


@dataclass(frozen=True)
class Frame:
    """One decoded video frame: `image` is `(H, W, 3) uint8` RGB, `time` in seconds (the
    frame's own timestamp, so variable frame rate videos keep true times)."""

    index: int
    time: float
    image: np.ndarray


def _quiet_capture(index: int) -> cv2.VideoCapture:
    """`cv2.VideoCapture(index)` without the warnings OpenCV logs when there is no such camera."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        return cv2.VideoCapture(index)
    finally:
        cv2.utils.logging.setLogLevel(level)


class VideoSource:
    """Frames from a video file or a camera index, validated on open.

    A file that cannot be opened or holds no frame raises VideoReadError at construction, in
    one line that says what the file is (text, audio only, empty, corrupt); the decoder's own
    messages are silenced (see videofile.py). A file that breaks mid-way simply ends (`broken`
    tells the caller), so work done so far is kept. Phone videos come upright (the rotation
    tag is applied), times come from each frame's timestamp, and frames wider than `max_width`
    are shrunk on the way in (`scale` is the factor; `width`, `height` stay the file's, upright).
    Reading ends before the first frame at or past `max_seconds`.
    """

    def __init__(self, source: str | int | os.PathLike[str], max_width: int | None = None,
                 max_seconds: float | None = None):
        self.is_camera = isinstance(source, int)
        self.max_seconds = max_seconds  # frames from this time on are not read
        if self.is_camera:
            self.name = f"camera {source}"
            with quiet_stderr():  # a missing camera is one line, not OpenCV's warnings too
                self._cap = _quiet_capture(int(source))
            if not self._cap.isOpened():
                raise VideoReadError(f"cannot open {self.name} (is a camera connected?)")
        else:
            p = require_file(source)
            self.name = str(p)
            with quiet_stderr():
                self._cap = cv2.VideoCapture(str(p))
            if not self._cap.isOpened():
                raise VideoReadError(f"cannot open video {p}: {why_unreadable(p)}")
            self._cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # portrait phone clips stored landscape
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 1.0 <= fps <= 1000.0 else 30.0
        ok, first = self._read()
        if not ok:
            self._cap.release()
            if self.is_camera:
                raise VideoReadError(f"{self.name} gives no frames (is another program using it?)")
            raise VideoReadError(f"{self.name} holds no video frames (a video of zero frames, audio only, or corrupt)")
        self._first: np.ndarray | None = first
        self.height, self.width = first.shape[:2]
        self.scale = 1.0 if max_width is None or self.width <= max_width else max_width / self.width
        self.frame_count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frames_read = 0
        self.broken = False

    def _read(self) -> tuple[bool, np.ndarray | None]:
        """One BGR frame; (False, None) at the end or on a decoder error."""
        try:
            ok, bgr = self._cap.read()
        except cv2.error:
            return False, None
        return (True, bgr) if ok and bgr is not None and bgr.size else (False, None)

    def _time(self, index: int, last: float) -> float:
        """The frame's timestamp in seconds, or index / fps where the file (or a camera) has
        none that moves forward."""
        if not self.is_camera:
            ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
            if np.isfinite(ms) and ms >= 0 and (index == 0 or ms / 1000 > last):
                return ms / 1000
        return index / self.fps if index == 0 or index / self.fps > last else last + 1 / self.fps

    def __iter__(self) -> Iterator[Frame]:
        index, last = 0, 0.0
        while True:
            if self._first is not None:
                bgr, self._first = self._first, None
            else:
                ok, bgr = self._read()
                if not ok:
                    if self.frame_count and index < self.frame_count - 1 and not self.is_camera:
                        self.broken = True
                    break
            last = self._time(index, last)
            if self.max_seconds is not None and last >= self.max_seconds and index > 0:
                break
            self.frames_read = index + 1
            if self.scale < 1.0:
                h, w = bgr.shape[:2]
                # bilinear: a quarter of INTER_AREA's cost on a 4K frame; this copy is for the
                # detector (which shrinks it again) and 48-px emotion crops, not for looking at
                bgr = cv2.resize(bgr, (round(w * self.scale), max(1, round(h * self.scale))),
                                 interpolation=cv2.INTER_LINEAR)
            yield Frame(index, last, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1
        self.close()

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoSink:
    """Writes RGB frames to a video file atomically: the file appears under its name on close.

    Closing after an error still finalises what was written, so a run that ends early leaves a
    valid, playable file with the frames so far.
    """

    full = False  # a video file takes any number of frames

    def __init__(
        self, path: str | os.PathLike[str], fps: float, size: tuple[int, int], force: bool = False
    ):
        self.final = check_writable(path, force)
        self.force = force
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_path_beside(self.final)
        fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.final.suffix.lower() in {".mp4", ".m4v", ".mov"} else "MJPG"))
        self.size = size
        self._writer = cv2.VideoWriter(str(self.tmp), fourcc, float(fps), size)
        if not self._writer.isOpened():
            self.tmp.unlink(missing_ok=True)
            raise InputError(f"cannot write video {self.final}; use .mp4 or .avi")
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        h, w = image.shape[:2]
        if (w, h) != self.size:
            image = cv2.resize(image, self.size)
        self._writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> Path | None:
        """Finish the file; returns its path, or None if no frame was ever written."""
        self._writer.release()
        if self.frames == 0:
            self.tmp.unlink(missing_ok=True)
            return None
        os.replace(self.tmp, self.final)
        return self.final

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
