"""A whole video's emotions, per face: `analyze_video(path) -> VideoEmotions`.

The video is read once with the live pipeline (detector, classifier, track ids, smoothing: the
same `EmotionSession` as `toonmoji emotion clip.mp4`); each frame's results are collected per
track as they come, together with the face crops worth showing (the largest view of each face,
and its strongest moment of each emotion), so no frame is read twice. A video that breaks off, or
a Ctrl-C, ends the reading; what was read is kept and says where it ended.

    from toonmoji.emotion import analyze_video
    video = analyze_video("clip.mp4")
    for track in video.tracks:
        print(track.id, track.seconds, track.dominant, track.shares)
    df = video.to_pandas()          # one row per frame and face (pandas optional)
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from toonmoji.emotion.identity import FaceTracker
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.emotion.recognize import FaceEmotion
from toonmoji.errors import InputError
from toonmoji.imageio import Frame, VideoSource

CROP_MARGIN = 0.25  # share of the face size kept around a thumbnail's box
CROP_SIDE = 160  # kept crops are shrunk to this on their longer side (the report's thumbnail size)
WORK_WIDTH = 1280  # wider frames (4K) are shrunk to this on reading: detection and crops cost the same


@dataclass
class Moment:
    """A frame of one track: when, how strong, and the face crop `(h, w, 3) uint8` RGB."""

    frame: int
    time: float
    probability: float
    image: np.ndarray = field(repr=False)


@dataclass
class FaceTrack:
    """One face across the video: arrays with one entry per frame it was seen in.

    `frames (N,) int`, `times (N,) float` seconds (the frames' timestamps), `durations (N,)
    float` seconds each of those frames lasts (to the next frame's timestamp, so a variable
    frame rate counts true time), `boxes (N, 4) float32` x0, y0, x1, y1 in the video's pixels,
    `probabilities (N, C) float32` (smoothed, each row sums to 1, in `classes` order)."""

    id: int
    classes: tuple[str, ...]
    fps: float
    frames: np.ndarray
    times: np.ndarray
    boxes: np.ndarray
    probabilities: np.ndarray
    thumbnail: np.ndarray = field(repr=False)  # the face at its largest, (h, w, 3) uint8 RGB
    strongest: dict[str, Moment] = field(repr=False)  # per class: the frame it peaked in
    durations: np.ndarray | None = None  # None: each frame lasts 1 / fps

    @property
    def labels(self) -> list[str]:
        return [self.classes[i] for i in np.argmax(self.probabilities, axis=1)]

    @property
    def seconds(self) -> float:
        """Time on screen: the frames seen, each for as long as it lasts."""
        if self.durations is None:
            return len(self.frames) / self.fps
        return float(np.sum(self.durations))

    @property
    def shares(self) -> dict[str, float]:
        """Share of its frames in which each class was the label (sums to 1)."""
        counts = np.bincount(np.argmax(self.probabilities, axis=1), minlength=len(self.classes))
        return {c: float(n) / len(self.frames) for c, n in zip(self.classes, counts)}

    @property
    def dominant(self) -> str:
        shares = self.shares
        return max(self.classes, key=lambda c: shares[c])

    def summary(self) -> dict[str, object]:
        return {
            "track": self.id,
            "frames_seen": len(self.frames),
            "seconds_on_screen": round(self.seconds, 3),
            "first_seen": round(float(self.times[0]), 3),
            "last_seen": round(float(self.times[-1]), 3),
            "dominant": self.dominant,
            "shares": {c: round(s, 4) for c, s in self.shares.items()},
            "strongest": {c: {"frame": m.frame, "time": round(m.time, 3), "probability": round(m.probability, 4)}
                          for c, m in self.strongest.items()},
        }


@dataclass
class VideoEmotions:
    """What `analyze_video` read: per track arrays and pictures, and how the reading ended."""

    source: str
    fps: float
    width: int
    height: int
    frames: int  # frames read
    classes: tuple[str, ...]
    tracks: list[FaceTrack]
    broken: bool = False  # the file broke off after `frames` frames (truncated or corrupt)
    interrupted: bool = False  # stopped by Ctrl-C after `frames` frames
    seconds_taken: float = 0.0
    end_time: float | None = None  # where the frames read end, in seconds (None: frames / fps)

    @property
    def duration(self) -> float:
        return self.frames / self.fps if self.end_time is None else self.end_time

    @property
    def notes(self) -> list[str]:
        """One line for each thing a reader of the report must know: no face, where it broke."""
        notes = []
        if self.broken:
            notes.append(f"{self.source} broke off after frame {self.frames} ({mmss(self.duration)}; "
                         "truncated or corrupt): the report covers the frames before it")
        if self.interrupted:
            notes.append(f"interrupted after frame {self.frames} ({mmss(self.duration)}): "
                         "the report covers the frames before it")
        if not self.tracks:
            notes.append(f"no face found in {self.frames} frame(s) of {self.source}: the report is empty")
        return notes

    def summary(self) -> dict[str, object]:
        """Everything but the per-frame rows, as JSON-ready data (summary.json)."""
        return {
            "source": self.source,
            "fps": round(self.fps, 3),
            "width": self.width,
            "height": self.height,
            "frames": self.frames,
            "duration": round(self.duration, 3),
            "classes": list(self.classes),
            "broken": {"after_frame": self.frames, "time": round(self.duration, 3)} if self.broken else None,
            "interrupted": self.interrupted,
            "notes": self.notes,
            "tracks": [t.summary() for t in self.tracks],
        }

    def columns(self) -> list[str]:
        return ["frame", "time", "track", "x0", "y0", "x1", "y1", *self.classes, "label"]

    def rows(self) -> Iterator[list[object]]:
        """One row per frame and track, in frame order: `columns()`."""
        order = sorted((int(f), t.id, i, t) for t in self.tracks for i, f in enumerate(t.frames))
        for frame, track_id, i, t in order:
            box = [round(float(v), 1) for v in t.boxes[i]]
            probs = [round(float(p), 4) for p in t.probabilities[i]]
            yield [frame, round(float(t.times[i]), 3), track_id, *box, *probs,
                   t.classes[int(np.argmax(t.probabilities[i]))]]

    def to_pandas(self):
        """The rows as a pandas DataFrame (needs pandas: `pip install pandas`)."""
        try:
            import pandas as pd
        except ImportError:
            raise InputError("to_pandas needs pandas: pip install pandas") from None
        return pd.DataFrame(list(self.rows()), columns=self.columns())


def mmss(seconds: float) -> str:
    """1:05 for 65.3 s; 1:02:05 past the hour."""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def face_crop(image: np.ndarray, box: tuple[float, ...] | np.ndarray, margin: float = CROP_MARGIN) -> np.ndarray:
    """A copy of the face in `box` with `margin` of its size around it, clipped to the image."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box)
    m = margin * max(x1 - x0, y1 - y0)
    ix0, iy0, ix1, iy1 = int(max(0, x0 - m)), int(max(0, y0 - m)), int(min(w, x1 + m)), int(min(h, y1 + m))
    return image[iy0:max(iy1, iy0 + 1), ix0:max(ix1, ix0 + 1)].copy()


def small_crop(image: np.ndarray, box: tuple[float, ...] | np.ndarray, side: int = CROP_SIDE) -> np.ndarray:
    """`face_crop`, shrunk to at most `side` pixels on its longer side: a track keeps up to
    eight of them (its largest view, its strongest moment per emotion), so an hour with many
    people holds kilobytes per face, not a full-size crop each."""
    crop = face_crop(image, box)
    h, w = crop.shape[:2]
    if max(h, w) <= side:
        return crop
    k = side / max(h, w)
    return cv2.resize(crop, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA)


class _TrackBuilder:
    """One track's rows and best crops as the frames come; rows in compact arrays (about 60
    bytes a frame), so an hour of video costs megabytes, not a Python object per number."""

    def __init__(self, classes: int):
        self.frames = array("q")
        self.times = array("d")
        self.boxes = array("f")
        self.probs = array("f")
        self.largest = -1.0
        self.thumbnail: np.ndarray | None = None
        self.best = np.full(classes, -1.0)
        self.moments: list[Moment | None] = [None] * classes

    def add(self, frame: Frame, r: FaceEmotion, scale: float = 1.0) -> None:
        """`scale`: the frame's size over the video's (boxes are kept in the video's pixels)."""
        self.frames.append(frame.index)
        self.times.append(frame.time)
        self.boxes.extend(float(v) / scale for v in r.face.box)
        self.probs.extend(r.probabilities.astype(np.float32).tolist())
        x0, y0, x1, y1 = r.face.box
        area = (x1 - x0) * (y1 - y0)
        if area > self.largest:
            self.largest, self.thumbnail = area, small_crop(frame.image, r.face.box)
        better = np.flatnonzero(r.probabilities > self.best)
        if len(better):
            crop = small_crop(frame.image, r.face.box)
            for k in better:
                self.best[k] = r.probabilities[k]
                self.moments[k] = Moment(frame.index, frame.time, float(r.probabilities[k]), crop)

    def absorb(self, other: _TrackBuilder) -> None:
        """Take in the rows and pictures of a track that turned out to be this face too."""
        have, c = set(self.frames), len(self.best)
        for i, f in enumerate(other.frames):
            if f not in have:
                self.frames.append(f)
                self.times.append(other.times[i])
                self.boxes.extend(other.boxes[4 * i : 4 * i + 4])
                self.probs.extend(other.probs[c * i : c * i + c])
        if other.largest > self.largest:
            self.largest, self.thumbnail = other.largest, other.thumbnail
        for k in np.flatnonzero(other.best > self.best):
            self.best[k], self.moments[k] = other.best[k], other.moments[k]

    def build(self, new_id: int, classes: tuple[str, ...], fps: float, durations: np.ndarray) -> FaceTrack:
        frames = np.frombuffer(self.frames, np.int64)
        order = np.argsort(frames, kind="stable")
        return FaceTrack(
            new_id, classes, fps, frames[order], np.frombuffer(self.times, np.float64)[order],
            np.frombuffer(self.boxes, np.float32).reshape(-1, 4)[order],
            np.frombuffer(self.probs, np.float32).reshape(len(frames), -1)[order],
            self.thumbnail, {c: m for c, m in zip(classes, self.moments) if m is not None},
            durations=durations[frames[order]],
        )


class VideoCollector:
    """`on_results` for `run_video`: gathers every frame's results per track id, and every
    frame's timestamp (for how long each frame lasts). Frames must come in order from 0."""

    def __init__(self, classes: tuple[str, ...] = EMOTIONS, scale: float = 1.0):
        self.classes = classes
        self.scale = scale  # frame size / video size
        self.builders: dict[int, _TrackBuilder] = {}
        self.times = array("d")

    def __call__(self, frame: Frame, results: list[FaceEmotion]) -> None:
        self.times.append(frame.time)
        for r in results:
            key = r.track if r.track is not None else -1
            builder = self.builders.get(key)
            if builder is None:
                builder = self.builders[key] = _TrackBuilder(len(self.classes))
            builder.add(frame, r, self.scale)

    def durations(self, fps: float) -> np.ndarray:
        """`(frames,)` seconds each frame read lasts: to the next one's timestamp; the last as
        long as the typical frame (or 1 / fps)."""
        times = np.frombuffer(self.times, np.float64)
        steps = np.diff(times)
        last = float(np.median(steps)) if len(steps) else 1 / fps
        return np.append(steps, last if last > 0 else 1 / fps)

    def end_time(self, fps: float) -> float | None:
        """Where the frames read end (the last timestamp plus its duration)."""
        return float(self.times[-1] + self.durations(fps)[-1]) if len(self.times) else None

    def tracks(self, fps: float, min_frames: int = 1, final_id: Callable[[int], int] | None = None) -> list[FaceTrack]:
        """Tracks seen in at least `min_frames` frames, renumbered 1, 2, ... by first appearance;
        `final_id` (the tracker's) says which ids turned out to be one face."""
        builders: dict[int, _TrackBuilder] = {}
        for key in sorted(self.builders):
            into = final_id(key) if final_id is not None and key >= 0 else key
            if into in builders:
                builders[into].absorb(self.builders[key])
            else:
                builders[into] = self.builders[key]
        kept = sorted((b for b in builders.values() if len(b.frames) >= min_frames), key=lambda b: min(b.frames))
        durations = self.durations(fps)
        return [b.build(i + 1, self.classes, fps, durations) for i, b in enumerate(kept)]


def analyze_video(
    source: str | os.PathLike[str] | int | VideoSource,
    *,
    model: str | os.PathLike[str] | None = None,
    detector: str | None = None,
    smooth_frames: int = 5,
    detect_width: int = 320,
    rescan_every: int = 10,
    keep_seconds: float = 1.0,
    min_track_frames: int = 3,
    seconds: float | None = None,
    max_width: int = WORK_WIDTH,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> VideoEmotions:
    """Read a video file (or camera number, or a VideoSource already open) to its end, or for
    `seconds` of it, with the live pipeline (its default detector unless `detector` names one).

    A face unseen for up to `keep_seconds` keeps its track id (see identity.py); tracks seen in
    fewer than `min_track_frames` frames are dropped as detector noise. Frames wider than
    `max_width` are read shrunk to it (boxes are still given in the video's pixels).
    `on_progress(done, total)` is called after each frame (`total` None when unknown). Raises
    VideoReadError only when the source cannot be opened at all; a break mid-way ends the
    reading (`broken`), as does Ctrl-C (`interrupted`)."""
    from toonmoji.emotion.live import EmotionSession, run_video

    chosen = {} if detector is None else {"detector": detector}  # None: the live pipeline's default
    try:
        # a report is read offline: the photo model (`accurate` when packaged) is worth its time
        session = EmotionSession.create(model, detect_width=detect_width, smooth_frames=smooth_frames, video=True,
                                        rescan_every=rescan_every, use="photo", **chosen)
    except ValueError as exc:  # an unknown detector name
        raise InputError(str(exc)) from None
    src = source if isinstance(source, VideoSource) else VideoSource(source, max_width=max_width)
    if seconds is not None:
        src.max_seconds = seconds
    session.tracker = FaceTracker.for_fps(src.fps, keep_seconds)
    limit = max(1, round(seconds * src.fps)) if seconds is not None else None
    known = [n for n in (None if src.is_camera else src.frame_count, limit) if n is not None and n > 0]
    total = min(known) if known else None
    collector = VideoCollector(session.classifier.classes, src.scale)
    progress = (lambda n: on_progress(n, total)) if on_progress is not None else None
    run = run_video(session, src, on_frame=progress, on_results=collector)
    return VideoEmotions(
        src.name, src.fps, src.width, src.height, run.frames, tuple(session.classifier.classes),
        collector.tracks(src.fps, min_track_frames, session.tracker.final_id), broken=run.broken, interrupted=run.interrupted,
        seconds_taken=run.seconds, end_time=collector.end_time(src.fps),
    )
