"""What a video file is when the decoder will not read it, and a decoder that keeps quiet.

OpenCV reads video through FFmpeg, which prints its own complaints (`[mov,mp4,... @ 0x...] moov
atom not found`, `[h264 @ ...] error while decoding MB ...`) from C straight to file descriptor 2,
before and between toonmoji's one-line messages. FFmpeg's level is read once, when OpenCV first
opens a video in the process: `OPENCV_FFMPEG_LOGLEVEL=-8` (AV_LOG_QUIET) set before that silences
it (set here as a default, on import, so `OPENCV_FFMPEG_LOGLEVEL=32` in the environment still
brings the messages back for debugging). For a process that opened a video before importing
toonmoji, `quiet_stderr()` closes fd 2 around the open as well, and OpenCV's own log is kept to
errors. When the open fails anyway, `why_unreadable` looks at the first bytes to say what the
file is instead (text, audio only, empty) in the one line the user sees.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

AUDIO_SIGNATURES = (b"ID3", b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"#!AMR")


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send fd 2 (where C libraries print) to /dev/null for the block; Python's own
    sys.stderr is flushed first so nothing of ours is lost."""
    import sys

    with contextlib.suppress(Exception):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all (a detached process): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def why_unreadable(path: str | os.PathLike[str]) -> str:
    """A few words on why a file the decoder refused is not a video, from its first bytes."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not head:
        return "the file is empty"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" or head.startswith(AUDIO_SIGNATURES):
        return "it holds audio only, no video"
    if _mp4_audio_only(p):
        return "it holds audio only, no video"
    if b"\x00" not in head:
        with contextlib.suppress(UnicodeDecodeError):
            head.decode("utf-8")
            return "it is a text file, not a video"
    return "it is corrupt, truncated, without frames or not a video"


def _mp4_audio_only(p: Path, limit: int = 1 << 22) -> bool:
    """An MP4/MOV whose track handlers (`hdlr` boxes, in the first and last `limit` bytes) name
    sound and no video."""
    with p.open("rb") as f:
        head = f.read(limit)
        if head[4:8] != b"ftyp":
            return False
        size = p.stat().st_size
        if size > limit:
            f.seek(max(limit, size - limit))
            head += f.read(limit)
    handlers = {head[i + 12 : i + 16] for i in _find_all(head, b"hdlr")}
    return b"soun" in handlers and b"vide" not in handlers


def _find_all(data: bytes, needle: bytes) -> Iterator[int]:
    i = data.find(needle)
    while i >= 0:
        yield i
        i = data.find(needle, i + 1)
