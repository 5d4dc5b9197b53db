"""Emotion on photos, video files and cameras: detect, classify, draw, stream.

An `EmotionSession` holds what lives across frames (the model, the detector, the smoother, the
emoji set); `run_video` feeds it frames and sends the results to a window, a video file and/or
JSON lines. A source that breaks mid-way ends the run with the output so far kept and valid.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO

import cv2
import numpy as np

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.crop import framing
from toonmoji.emotion.draw import EmojiSet, draw_emotions, with_emoji_panel
from toonmoji.emotion.identity import FaceTracker
from toonmoji.emotion.recognize import FaceEmotion, classify_faces, haar_detector, live_detector
from toonmoji.emotion.smooth import EmotionSmoother
from toonmoji.faces.detect import FaceDetector, make_detector
from toonmoji.faces.track import auto_live_detector
from toonmoji.frameloop import run_frames
from toonmoji.imageio import Frame, VideoSink, VideoSource

WINDOW = "toonmoji emotion (q to quit)"


class FramePanel(Protocol):
    """Something drawn beside each annotated frame (the avatar following the face). The caller
    builds it, so this layer need not know what it draws."""

    def frame(self, image: np.ndarray, drawn: np.ndarray, result: FaceEmotion | None) -> np.ndarray:
        """`drawn` with a panel of height `drawn.shape[0]` and width `max(32, height // 2)` appended."""
        ...


@dataclass
class EmotionSession:
    """Per-run state for classifying a stream of frames."""

    classifier: EmotionClassifier
    detector: FaceDetector
    smoother: EmotionSmoother | None = None
    emoji: EmojiSet | None = None
    tracker: FaceTracker | None = None  # video: a track id per face, kept across frames
    panel: FramePanel | None = None  # e.g. the avatar beside the face

    @classmethod
    def create(
        cls,
        model: str | os.PathLike[str] | None = None,
        detector: str = "auto",
        detect_width: int = 320,
        smooth_frames: int = 0,
        emoji_dir: str | os.PathLike[str] | None = None,
        video: bool = True,
        rescan_every: int = 10,
        panel: FramePanel | None = None,
        use: str | None = None,
    ) -> EmotionSession:
        """Validate everything (model, emoji folder) before any frame is read.

        For video (`video=True`) the detector (`auto`: CenterFace, or `haar`) tracks known faces
        and rescans the whole frame every `rescan_every` frames, and each face is read once per
        frame (the mirror-image pass would cost a fifth of the frame rate; `smooth_frames`
        averages over frames instead); for a photo it scans it once and reads each face with its
        mirror image (`EmotionClassifier(flip=True)`). Without `model`, the packaged default for
        `use` ("live" for video, "photo" for a photo unless given; see packaged.default_model)."""
        emoji = EmojiSet.load(emoji_dir) if emoji_dir is not None else None
        if detector == "auto":
            det = auto_live_detector(detect_width, rescan_every if video else 1)
        elif detector == "haar":
            det = live_detector(detect_width, rescan_every) if video else haar_detector(detect_width)
        else:
            det = make_detector(detector)
        smoother = EmotionSmoother(smooth_frames) if smooth_frames > 1 else None
        use = use or ("live" if video else "photo")
        return cls(EmotionClassifier.load(model, flip=not video, use=use), det, smoother, emoji,
                   tracker=FaceTracker() if video else None, panel=panel)

    def classify(self, image: np.ndarray) -> list[FaceEmotion]:
        """Faces and (smoothed, if asked) emotion probabilities in one RGB frame."""
        faces = self.detector.detect(image)
        results = classify_faces(image, faces, self.classifier, *framing(self.detector.name))
        if self.tracker is not None:
            results = self.tracker.update(image, results)
        return self.smoother.update(results) if self.smoother else results

    def annotate(self, image: np.ndarray, results: list[FaceEmotion]) -> np.ndarray:
        """The frame with boxes, labels and bars; with an emoji set, the main face's emoji beside it."""
        drawn = draw_emotions(image, results)
        if self.emoji is not None:
            drawn = with_emoji_panel(drawn, results[0].label if results else None, self.emoji)
        if self.panel is not None:
            drawn = self.panel.frame(image, drawn, results[0] if results else None)
        return drawn

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) of annotated frames for an input of this size."""
        panels = (self.emoji is not None) + (self.panel is not None)
        return (width + panels * max(32, height // 2), height)


def frame_json(index: int, t: float, results: list[FaceEmotion]) -> str:
    """One JSON line per frame: time, and per face its box, label and probabilities."""
    return json.dumps({"frame": index, "time": round(t, 3), "faces": [r.to_json() for r in results]})


def gui_available() -> bool:
    """True when OpenCV can open a window here (a GUI build and a display)."""
    if os.name != "nt" and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error:
        return False  # opencv-python-headless has no highgui
    return True


@dataclass
class RunSummary:
    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    broken: bool = False
    interrupted: bool = False
    output: str | None = None
    labels: dict[str, int] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def run_video(
    session: EmotionSession,
    source: VideoSource,
    sink: VideoSink | None = None,
    json_out: TextIO | None = None,
    window: bool = False,
    max_frames: int | None = None,
    on_frame: Callable[[int], None] | None = None,
    on_results: Callable[[Frame, list[FaceEmotion]], None] | None = None,
) -> RunSummary:
    """Classify every frame of `source`; write, show and/or stream the results.

    Stops at the end of the source, after `max_frames`, on 'q' in the window, or on Ctrl-C; the
    sink is always closed, so the file holds a valid video of every frame processed.
    `on_results(frame, results)` sees every frame and its results (the video report collects them).
    """
    summary = RunSummary()

    def step(frame: Frame, draw: bool) -> np.ndarray | None:
        results = session.classify(frame.image)
        if on_results is not None:
            on_results(frame, results)
        summary.faces += len(results)
        for r in results:
            summary.labels[r.label] = summary.labels.get(r.label, 0) + 1
        if json_out is not None:
            json_out.write(frame_json(frame.index, frame.time, results) + "\n")
            json_out.flush()
        return session.annotate(frame.image, results) if draw else None

    run = run_frames(source, step, sink, WINDOW if window else None, max_frames, on_frame)
    summary.frames, summary.seconds, summary.output = run.frames, run.seconds, run.output
    summary.broken, summary.interrupted = run.broken, run.interrupted
    return summary
