"""`toonmoji emoji set`: one personal emoji per emotion, from the user's own photos and video frames.

Without a toon model there is no latent to move along an expression direction, so the set is made
from the person's real expressions: every photo (and every sampled video frame) is read by the
emotion classifier (`toonmoji.emotion`), and for each of the seven FER2013 emotions the face that
shows it most strongly (it must be that face's top label) becomes that emotion's emoji.
Only the largest face of each image counts: the set is one person's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toonmoji.emoji.make import Emoji, make_emoji
from toonmoji.emotion import EMOTIONS, EmotionClassifier, classify_image
from toonmoji.errors import InputError, NoFaceError
from toonmoji.faces.detect import Face, FaceDetector, make_detector
from toonmoji.imageio import VideoSource, is_image_path, is_video_path, read_image


@dataclass(frozen=True)
class Shot:
    """One image to read: a photo, or frame `frame` (at `time` seconds) of a video."""

    source: str
    image: np.ndarray
    frame: int | None = None
    time: float | None = None

    @property
    def where(self) -> str:
        return self.source if self.frame is None else f"{self.source} frame {self.frame} ({self.time:.1f} s)"


@dataclass(frozen=True)
class Pick:
    """The face chosen for an emotion: the shot it is in, the face, and its probability for it."""

    emotion: str
    score: float
    shot: Shot
    face: Face


def shots(paths: list[Path], every_seconds: float = 0.5) -> Iterator[Shot]:
    """Photos as they are, videos as one frame every `every_seconds`. Unknown types: InputError."""
    for path in paths:
        if is_image_path(path):
            yield Shot(str(path), read_image(path))
        elif is_video_path(path):
            with VideoSource(path) as video:
                step = max(1, round(every_seconds * video.fps))
                for frame in video:
                    if frame.index % step == 0:
                        yield Shot(str(path), frame.image, frame.index, frame.time)
        else:
            raise InputError(f"{path}: not a photo or video this can read (use .jpg, .png, .webp, .mp4, ...)")


def check_inputs(paths: list[Path]) -> None:
    """Fail before any work if an input is missing or of an unknown type."""
    from toonmoji.imageio import require_file

    if not paths:
        raise InputError("give at least one photo or video")
    for p in paths:
        require_file(p)
        if not (is_image_path(p) or is_video_path(p)):
            raise InputError(f"{p}: not a photo or video this can read (use .jpg, .png, .webp, .mp4, ...)")


def pick_faces(
    stream: Iterator[Shot],
    classifier: EmotionClassifier,
    detector: FaceDetector,
    on_shot: Callable[[Shot], None] | None = None,
) -> tuple[dict[str, Pick], int]:
    """For each emotion, the strongest face whose top label it is; and how many shots had a face.

    Only the best shot per emotion is kept in memory, so long videos are fine."""
    best: dict[str, Pick] = {}
    with_face = 0
    for shot in stream:
        results = classify_image(shot.image, classifier, detector)
        if on_shot is not None:
            on_shot(shot)
        if not results:
            continue
        with_face += 1
        main = results[0]  # largest face first
        score = float(np.max(main.probabilities))
        label = main.label
        if label not in best or score > best[label].score:
            best[label] = Pick(label, score, shot, main.face)
    return best, with_face


def emotion_set(
    paths: list[Path],
    classifier: EmotionClassifier | None = None,
    detector: str | FaceDetector = "auto",
    every_seconds: float = 0.5,
    on_shot: Callable[[Shot], None] | None = None,
) -> tuple[dict[str, Emoji], dict[str, Pick]]:
    """Emoji by emotion name (only the emotions found) and the picks they were made from.

    NoFaceError if no input shows a face at all."""
    check_inputs(paths)
    classifier = classifier or EmotionClassifier.default()
    det = make_detector(detector) if isinstance(detector, str) else detector
    picks, with_face = pick_faces(shots(paths, every_seconds), classifier, det, on_shot)
    if not with_face:
        raise NoFaceError(f"no face found in {_names(paths)}")
    ordered = {name: picks[name] for name in EMOTIONS if name in picks}
    emoji = {name: make_emoji(p.shot.image, p.face, source=p.shot.where) for name, p in ordered.items()}
    return emoji, ordered


def missing_emotions(found: dict[str, object]) -> list[str]:
    return [name for name in EMOTIONS if name not in found]


def set_paths(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Where each emotion's emoji goes: `folder/<emotion>.png`."""
    return {name: Path(folder) / f"{name}.png" for name in EMOTIONS}


def _names(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
