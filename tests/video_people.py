"""Clips of people for the track tests and bench/video_tracks_bench.py: real faces (a photo's face
with its hair and shoulders) pasted into a 640x480 video still, drifting, turning, covered by a
"hand" or crossing another face, at a given size (the face box's height as a share of the frame
height), with the true box of every person in every frame.

Faces come from the shipped sample portrait (always there, so CI tests tracking too) or from the
real photos in ../shared/data/faces (boxes from ../shared/data/faces-attributes/labels.json).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from toonmoji.emotion.smooth import iou
from toonmoji.imageio import VideoSink, read_image
from toonmoji.samples import no_face_image, sample_portrait
from video_scenes import paste

SIZE = (640, 480)  # width, height
FPS = 25.0
DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
ASTRONAUT_BOX = (182.0, 58.0, 270.0, 178.0)  # CenterFace's box of the sample portrait's face
CONTEXT = 0.45  # share of the face size kept around its box in a tile (hair, chin, shoulders)


@dataclass(frozen=True)
class Person:
    """A face to paste: `image` `(H, W, 3) uint8` RGB and the face's `box` x0, y0, x1, y1 in it."""

    name: str
    image: np.ndarray = field(repr=False)
    box: tuple[float, float, float, float]
    context: float = CONTEXT  # share of the face size kept around its box

    def tile(self, face_height: float, yaw: float = 0.0, roll: float = 0.0) -> tuple[np.ndarray, float, float]:
        """The face with `context` around it, its box `face_height` px tall, squeezed sideways by
        cos(`yaw` degrees) (a head turning) and rolled by `roll` degrees; with the face box
        centre's position in the tile."""
        x0, y0, x1, y1 = self.box
        m = self.context * max(x1 - x0, y1 - y0)
        h, w = self.image.shape[:2]
        cx0, cy0, cx1, cy1 = (int(max(0, x0 - m)), int(max(0, y0 - m)), int(min(w, x1 + m)), int(min(h, y1 + m)))
        k = face_height / (y1 - y0)
        kx = k * max(0.2, math.cos(math.radians(yaw)))
        crop = self.image[cy0:cy1, cx0:cx1]
        size = (max(2, round((cx1 - cx0) * kx)), max(2, round((cy1 - cy0) * k)))
        tile = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
        centre = (((x0 + x1) / 2 - cx0) * kx, ((y0 + y1) / 2 - cy0) * k)
        if roll:
            turn = cv2.getRotationMatrix2D(centre, roll, 1.0)
            tile = cv2.warpAffine(tile, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return tile, centre[0], centre[1]

    def aspect(self) -> float:
        x0, y0, x1, y1 = self.box
        return (x1 - x0) / (y1 - y0)


@dataclass(frozen=True)
class Pose:
    """Where a person is in one frame: face centre (x, y) in pixels, face height, turn and roll
    in degrees, `covered` share of the face hidden by a hand (0 none, 1 all)."""

    x: float
    y: float
    height: float
    yaw: float = 0.0
    roll: float = 0.0
    covered: float = 0.0
    visible: bool = True


Path_ = Callable[[int], Pose]  # frame index -> pose


@dataclass
class Clip:
    """A generated video and its truth: `truth[i]` maps each visible person's index to their face
    box in frame i."""

    path: Path
    people: int
    frames: int
    truth: list[dict[int, tuple[float, float, float, float]]]


def astronaut() -> Person:
    return Person("astronaut", sample_portrait(), ASTRONAUT_BOX)


def astronaut_twin() -> Person:
    """A second person for CI: the astronaut mirrored and lit cooler (another face to the
    detector, and a different appearance to the tracker)."""
    image = sample_portrait()[:, ::-1].astype(np.float32) * np.array([0.7, 0.9, 1.2])
    x0, y0, x1, y1 = ASTRONAUT_BOX
    w = image.shape[1]
    return Person("astronaut-twin", np.clip(image, 0, 255).astype(np.uint8), (w - x1, y0, w - x0, y1))


def real_people(min_width: int = 60, limit: int = 8) -> list[Person]:
    """Faces from ../shared/data/faces, largest first, at most one per photo and `limit` in all;
    [] when the data is absent."""
    labels = DATA / "faces-attributes" / "labels.json"
    if not (DATA / "faces").is_dir() or not labels.is_file():
        return []
    rows = [r for r in json.loads(labels.read_text()) if r["file"].startswith("../faces/")]
    rows.sort(key=lambda r: r["box"][0] - r["box"][2])
    people, seen = [], set()
    for r in rows:
        box = tuple(float(v) for v in r["box"])
        x0, x1 = box[0], box[2]
        others = [o["box"] for o in rows if o["file"] == r["file"] and o is not r]
        context = min(CONTEXT, _room(box, others) / (x1 - x0))
        if r["file"] in seen or x1 - x0 < min_width or context < 0.15:
            continue
        seen.add(r["file"])
        path = (DATA / "faces-attributes" / r["file"]).resolve()
        people.append(Person(path.stem, read_image(path), box, context))
    return people[:limit]


def _room(box: Sequence[float], others: Sequence[Sequence[float]]) -> float:
    """How far (pixels) `box` can grow on every side before it touches another face's box."""
    room = float("inf")
    for o in others:
        gap_x = max(o[0] - box[2], box[0] - o[2], 0.0)
        gap_y = max(o[1] - box[3], box[1] - o[3], 0.0)
        room = min(room, max(gap_x, gap_y) - 1)
    return room


def backdrop(seed: int = 3) -> np.ndarray:
    """A soft colourful wall with some texture (flat walls are rarer than textured ones)."""
    base = cv2.resize(no_face_image(64, seed=seed), SIZE, interpolation=cv2.INTER_CUBIC).astype(np.int16)
    grain = np.random.default_rng(seed).integers(-6, 7, (SIZE[1], SIZE[0], 1), dtype=np.int16)
    return np.clip(base + grain, 0, 255).astype(np.uint8)


def draw(canvas: np.ndarray, person: Person, pose: Pose) -> tuple[float, float, float, float]:
    """Paste the person in `pose`; returns the face box drawn."""
    tile, cx, cy = person.tile(pose.height, pose.yaw, pose.roll)
    paste(canvas, tile, round(pose.x - cx), round(pose.y - cy))
    half_w = pose.height * person.aspect() * max(0.2, math.cos(math.radians(pose.yaw))) / 2
    box = (pose.x - half_w, pose.y - pose.height / 2, pose.x + half_w, pose.y + pose.height / 2)
    if pose.covered > 0:  # a hand: a skin-toned blob over the lower face, rising with `covered`
        top = round(box[3] - pose.covered * 1.1 * pose.height)
        skin = tuple(int(v) for v in (205, 160, 130))
        cv2.ellipse(canvas, (round(pose.x), round(box[3])), (round(half_w * 1.2), round(box[3] - top)),
                    0, 180, 360, skin, -1, cv2.LINE_AA)
    return box


def write_clip(path: Path, people: Sequence[Person], paths: Sequence[Path_], frames: int,
               fps: float = FPS, seed: int = 3) -> Clip:
    """Render `frames` frames: person k follows `paths[k]` (later people in front)."""
    wall = backdrop(seed)
    truth = []
    with VideoSink(path, fps, SIZE) as sink:
        for i in range(frames):
            canvas = wall.copy()
            boxes = {}
            for k, (person, where) in enumerate(zip(people, paths)):
                pose = where(i)
                if pose.visible:
                    box = draw(canvas, person, pose)
                    boxes = {o: b for o, b in boxes.items() if _covered_share(b, box) < 0.5}
                    if pose.covered < 0.6:
                        boxes[k] = box
            truth.append(boxes)
            sink.write(canvas)
    return Clip(path, len(people), frames, truth)


# paths: frame index -> Pose, for a face `h` px tall


def still(x: float, y: float, h: float) -> Path_:
    return lambda i: Pose(x, y, h)


def drift(x0: float, y0: float, x1: float, y1: float, h: float, frames: int) -> Path_:
    """A slow straight walk from (x0, y0) to (x1, y1) over the clip."""
    return lambda i: Pose(x0 + (x1 - x0) * i / max(1, frames - 1), y0 + (y1 - y0) * i / max(1, frames - 1), h)


def turning(x: float, y: float, h: float, yaw: float = 50.0, roll: float = 15.0, period: int = 50) -> Path_:
    """Looking left and right (and tilting) and back, once every `period` frames."""
    return lambda i: Pose(x, y, h, yaw * math.sin(2 * math.pi * i / period), roll * math.sin(2 * math.pi * i / period))


def covered(x: float, y: float, h: float, start: int, frames: int) -> Path_:
    """Still, with a hand over the face from `start` for `frames` frames (rising in 3 frames)."""

    def pose(i: int) -> Pose:
        if start <= i < start + frames:
            return Pose(x, y, h, covered=min(1.0, (i - start + 1) / 3, (start + frames - i) / 3))
        return Pose(x, y, h)

    return pose


def hidden(where: Path_, start: int, frames: int) -> Path_:
    """`where`, but out of the picture from `start` for `frames` frames."""
    return lambda i: Pose(0, 0, 1, visible=False) if start <= i < start + frames else where(i)


# the clips of the tests and the bench


@dataclass(frozen=True)
class Scene:
    """A clip to make: a name, who is in it and how each moves."""

    name: str
    people: tuple[Person, ...]
    paths: tuple[Path_, ...]
    kind: str  # still, drift, turn, cover, cross, beside

    def write(self, folder: Path, frames: int = 100) -> Clip:
        return write_clip(folder / f"{self.name}.mp4", self.people, self.paths, frames)


def solo_scenes(person: Person, scale: float, frames: int = 100) -> list[Scene]:
    """One person, face `scale` of the frame height tall: still, drifting 240 px over the clip,
    turning, and covered by a hand for one second (25 frames) in the middle."""
    h, tag = scale * SIZE[1], f"{person.name}_{scale:g}"
    return [
        Scene(f"{tag}_still", (person,), (still(320, 240, h),), "still"),
        Scene(f"{tag}_drift", (person,), (drift(200, 220, 440, 260, h, frames),), "drift"),
        Scene(f"{tag}_turn", (person,), (turning(320, 240, h),), "turn"),
        Scene(f"{tag}_cover", (person,), (covered(320, 240, h, frames // 2 - 12, 25),), "cover"),
    ]


def pair_scenes(first: Person, second: Person, scale: float, frames: int = 100) -> list[Scene]:
    """Two people: crossing (the second passes in front), and the second drifting beside the
    first, who stays still."""
    h, tag = scale * SIZE[1], f"{first.name}+{second.name}_{scale:g}"
    return [
        Scene(f"{tag}_cross", (first, second),
              (drift(120, 230, 520, 250, h, frames), drift(520, 250, 120, 230, h, frames)), "cross"),
        Scene(f"{tag}_beside", (first, second),
              (still(200, 240, h), drift(420, 230, 480, 260, h, frames)), "beside"),
    ]


# scoring a tracker's output against the truth


def _covered_share(box: Sequence[float], front: Sequence[float]) -> float:
    """The share of `box` that `front` covers."""
    ix = max(0.0, min(box[2], front[2]) - max(box[0], front[0]))
    iy = max(0.0, min(box[3], front[3]) - max(box[1], front[1]))
    return ix * iy / max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)


@dataclass
class Score:
    """How a tracker did on a clip: tracks reported, people, id switches (a person's matched id
    changing from one matched frame to the next), frames where a person was matched."""

    tracks: int
    people: int
    switches: int
    matched: int
    frames: int


def score(clip: Clip, tracks: Sequence[tuple[int, Sequence[int], Sequence[Sequence[float]]]],
          min_iou: float = 0.2) -> Score:
    """`tracks`: (id, frames, boxes) per reported track. In each frame the true faces and the
    reported boxes are paired greedily by overlap (IoU >= `min_iou`), each box used once."""
    by_frame: dict[int, list[tuple[int, Sequence[float]]]] = {}
    for tid, frames, boxes in tracks:
        for f, b in zip(frames, boxes):
            by_frame.setdefault(int(f), []).append((tid, b))
    last: dict[int, int] = {}
    switches = matched = 0
    for i, truth in enumerate(clip.truth):
        pairs = sorted(((iou(box, b), person, tid) for person, box in truth.items()
                        for tid, b in by_frame.get(i, [])), reverse=True)
        used_people, used_ids = set(), set()
        for overlap, person, tid in pairs:
            if overlap < min_iou or person in used_people or tid in used_ids:
                continue
            used_people.add(person)
            used_ids.add(tid)
            matched += 1
            if person in last and last[person] != tid:
                switches += 1
            last[person] = tid
    return Score(len(tracks), clip.people, switches, matched, clip.frames)


def video_tracks(video) -> list[tuple[int, Sequence[int], Sequence[Sequence[float]]]]:
    """`score`'s input from a VideoEmotions."""
    return [(t.id, t.frames.tolist(), t.boxes.tolist()) for t in video.tracks]
