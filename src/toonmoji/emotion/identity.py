"""Face tracks: the same id for the same face from frame to frame of a video.

First each frame's detections are made one per face (boxes that overlap by half or more are the
same face found twice: the most confident is kept). Then they are matched to the known tracks
(Hungarian, scipy) by two cues at once: box overlap with where the track should be now (its
last box moved on by its recent velocity, so two faces that cross do not swap ids), and how the
face looks, a cheap appearance feature (a hue/saturation histogram and a 16x16 grey thumbnail of
the box, about 0.1 ms per face). Overlap is what holds a still or slowly moving face: its
detector box wobbles by a few pixels from frame to frame, which moves the thumbnail enough that
appearance alone (the old rule) would start a second track and then flip between the two. So a
well-overlapping box needs only a loose likeness; a box further off needs a close one; and a
face that is very alike can be recognised anywhere (coming back from out of the picture). A new
track that loses its face to an older track in the same place is a duplicate and is dropped at
once, so no two tracks take turns on one face.

A track that is not seen keeps its id for `max_missed` frames (`for_fps`: `keep_seconds` of
video), long enough for a hand in front of the face, a turned head or a short walk out of the
picture, and three times as long when it was lost behind another face (two people crossing
slowly); a face that comes back later gets a new id. A face that comes back but does not yet
look enough like itself (half covered still) may get a new track for a frame or two; once it
does, the old track takes it over and the new id is merged into the old (`final_id`), which
the video report applies to the frames already collected.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from toonmoji.emotion.recognize import FaceEmotion

GREY_SIDE = 16
HIST_BINS = (12, 4)  # hue x saturation
NO_MATCH = 1e6


def appearance(image: np.ndarray, box: tuple[float, ...]) -> np.ndarray:
    """A unit-length feature of the face in `box` of an `(H, W, 3) uint8` RGB image: the square
    roots of a hue/saturation histogram of the box's centre, then a zero-mean 16x16 grey thumbnail
    (each half of unit length, so the dot product of two features is a similarity in [-1, 1])."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    cx0, cy0 = int(max(0, x0 + 0.15 * bw)), int(max(0, y0 + 0.1 * bh))
    cx1, cy1 = int(min(w, x1 - 0.15 * bw)), int(min(h, y1 - 0.05 * bh))
    if cx1 - cx0 < 2 or cy1 - cy0 < 2:
        return np.zeros(HIST_BINS[0] * HIST_BINS[1] + GREY_SIDE**2, np.float32)
    crop = image[cy0:cy1, cx0:cx1]
    small = cv2.resize(crop, (GREY_SIDE, GREY_SIDE), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, list(HIST_BINS), [0, 180, 0, 256]).ravel()
    hist = np.sqrt(hist / max(hist.sum(), 1.0))
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32).ravel()
    grey -= grey.mean()
    grey /= max(float(np.linalg.norm(grey)), 1e-6)
    return (np.concatenate([hist, grey]) / np.sqrt(2)).astype(np.float32)


@dataclass
class _Track:
    id: int
    box: np.ndarray  # (4,) x0, y0, x1, y1
    feature: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # centre, pixels per frame
    missed: int = 0
    hits: int = 1  # frames matched
    born: int = 0  # the tracker's frame number when it was made
    last_seen: int = 0  # and when it was last matched
    steady_size: float = 0.0  # the face's size when fully seen (a slow average)
    occluded: bool = False  # lost while another face was over it

    def __post_init__(self) -> None:
        self.steady_size = self.steady_size or self.size

    @property
    def size(self) -> float:
        return float(max(self.box[2] - self.box[0], self.box[3] - self.box[1], 1.0))

    def predicted_box(self) -> np.ndarray:
        """Where the box should be in the frame after the last one seen + `missed`: moved on at
        its last velocity for up to 10 frames, or 30 behind another face (crossing faces keep
        walking; a face lost for other reasons may have stopped)."""
        shift = self.velocity * min(self.missed + 1, 30 if self.occluded else 10)
        return self.box + np.concatenate([shift, shift])


def box_iou(a: np.ndarray | tuple[float, ...], b: np.ndarray | tuple[float, ...]) -> float:
    """Intersection over union of two x0, y0, x1, y1 boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _grown(box: np.ndarray, share: float) -> np.ndarray:
    """The box grown by `share` of its size on every side."""
    m = share * max(box[2] - box[0], box[3] - box[1])
    return np.asarray(box, np.float64) + (-m, -m, m, m)


def merge_duplicates(results: list[FaceEmotion], min_iou: float = 0.5) -> list[FaceEmotion]:
    """One result per face: of boxes overlapping by `min_iou` or more (or one inside the other),
    the most confident is kept; the order of the kept ones is unchanged."""
    order = sorted(range(len(results)), key=lambda i: -results[i].face.confidence)
    kept: list[int] = []
    for i in order:
        box = results[i].face.box
        if all(box_iou(box, results[k].face.box) < min_iou and not _inside(box, results[k].face.box) for k in kept):
            kept.append(i)
    return [results[i] for i in sorted(kept)]


def _inside(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """The smaller box's centre lies within the larger one and it is over a third its width."""
    small, large = (a, b) if a[2] - a[0] <= b[2] - b[0] else (b, a)
    cx, cy = (small[0] + small[2]) / 2, (small[1] + small[3]) / 2
    within = large[0] <= cx <= large[2] and large[1] <= cy <= large[3]
    return within and (small[2] - small[0]) > (large[2] - large[0]) / 3


@dataclass
class FaceTracker:
    """Gives each face of a frame sequence a track id (1, 2, ...) that follows it.

    A face matches a track (of a similar size) when its box overlaps where the track was
    expected by `min_overlap` (IoU), the track was seen within `fresh_frames`, and it looks
    somewhat alike (similarity >= `overlap_similarity`); or when its centre is within `reach`
    face sizes of it (plus `reach_per_missed` for each frame unseen) and it looks alike (>=
    `min_similarity`, or `occluded_similarity` for a face lost behind another, whose first
    frames back are still partly covered); or, anywhere in the frame, when it looks very alike
    (>= `recognise_similarity`). Of the matches, the best overall wins (Hungarian on
    1 - overlap + 1 - similarity + size change).
    """

    max_missed: int = 30
    reach: float = 0.6
    reach_per_missed: float = 0.25
    min_overlap: float = 0.3
    overlap_similarity: float = 0.4
    min_similarity: float = 0.7
    occluded_similarity: float = 0.55
    recognise_similarity: float = 0.85
    fresh_frames: int = 3  # the loose-likeness overlap rule holds for a track unseen this long at most
    young_hits: int = 10  # a track seen fewer times is young: an older lost track may take it over
    occluded_patience: int = 3  # a face lost behind another keeps its id this many times longer
    tracks: list[_Track] = field(default_factory=list)
    next_id: int = 1
    merged: dict[int, int] = field(default_factory=dict)  # young id -> the id that took it over
    frame: int = 0

    @classmethod
    def for_fps(cls, fps: float, keep_seconds: float = 1.0) -> FaceTracker:
        """A tracker whose faces keep their ids for `keep_seconds` unseen at this frame rate."""
        return cls(max_missed=max(1, round(keep_seconds * fps)))

    def update(self, image: np.ndarray, results: list[FaceEmotion]) -> list[FaceEmotion]:
        """This frame's results, one per face (duplicates merged), in the same order, each with
        its `track` id set."""
        results = merge_duplicates(results)
        boxes = [np.asarray(r.face.box, np.float64) for r in results]
        features = [appearance(image, r.face.box) for r in results]
        cost = np.full((len(self.tracks), len(results)), NO_MATCH)
        for i, t in enumerate(self.tracks):
            for j, (box, feat) in enumerate(zip(boxes, features)):
                cost[i, j] = self._cost(t, box, feat)
        matched: dict[int, _Track] = {}
        if cost.size:
            for i, j in zip(*linear_sum_assignment(cost)):
                if cost[i, j] < NO_MATCH:
                    matched[int(j)] = self.tracks[int(i)]
        self._take_over(matched, cost)
        self.frame += 1
        for t in self.tracks:
            t.missed += 1
        out = []
        for j, r in enumerate(results):
            t = matched.get(j)
            if t is None:
                t = _Track(self.next_id, boxes[j], features[j], born=self.frame, last_seen=self.frame)
                self.next_id += 1
                self.tracks.append(t)
            else:
                crowded = any(k != j and box_iou(boxes[j], boxes[k]) > 0 for k in range(len(boxes)))
                self._follow(t, boxes[j], features[j], crowded)
                t.last_seen = self.frame
            out.append(dataclasses.replace(r, track=t.id))
        seen = [t for t in self.tracks if t.missed == 0]
        for t in self.tracks:
            if t.missed == 1:  # just lost: behind another head (its face box grown by half), or gone
                t.occluded = any(box_iou(_grown(o.box, 0.5), t.predicted_box()) > 0 for o in seen)
        kept = []
        for t in self.tracks:
            twin = self._duplicate(t, seen)
            if twin is not None:
                self.merged[t.id] = twin.id
            elif t.missed <= self.max_missed * (self.occluded_patience if t.occluded else 1):
                kept.append(t)
        self.tracks = kept
        return out

    def reset(self) -> None:
        self.tracks, self.next_id, self.merged, self.frame = [], 1, {}, 0

    def final_id(self, track: int) -> int:
        """The id a track's frames belong to in the end (a young track taken over by an older
        one belongs to it)."""
        while track in self.merged:
            track = self.merged[track]
        return track

    def _take_over(self, matched: dict[int, _Track], cost: np.ndarray) -> None:
        """A face that came back (from behind a hand, another face, a turn) but was not yet
        alike enough to its old track gets a new one; once it is (a frame or two later), the old
        track, lost since before the new one began, takes it over: the new id is merged into
        the old (`merged`, `final_id`) and the new track dropped."""
        rows = {id(t): i for i, t in enumerate(self.tracks)}
        taken = {id(t) for t in matched.values()}
        for j, young in list(matched.items()):
            if young.hits >= self.young_hits:
                continue
            lost = [(cost[rows[id(o)], j], o) for o in self.tracks if id(o) not in taken and o.id < young.id
                    and o.last_seen < young.born and cost[rows[id(o)], j] < NO_MATCH]
            if lost:
                _, old = min(lost, key=lambda co: co[0])
                matched[j] = old
                taken.add(id(old))
                self.merged[young.id] = old.id
                self.tracks.remove(young)

    def _cost(self, t: _Track, box: np.ndarray, feat: np.ndarray) -> float:
        size = max(box[2] - box[0], box[3] - box[1], 1.0)
        predicted = t.predicted_box()
        overlap = box_iou(predicted, box)
        distance = float(np.linalg.norm((box[:2] + box[2:] - predicted[:2] - predicted[2:]) / 2)) / max(size, t.size)
        similarity = float(np.dot(feat, t.feature))
        scale = abs(np.log(size / t.size))
        reach = self.reach + self.reach_per_missed * t.missed
        alike = self.occluded_similarity if t.occluded else self.min_similarity
        fresh = t.missed < self.fresh_frames
        if scale < 0.5 and ((fresh and overlap >= self.min_overlap and similarity >= self.overlap_similarity)
                            or (distance <= reach and similarity >= alike)):
            return (1 - overlap) + (1 - similarity) + scale / 2 + 0.01 * min(t.missed, 50)
        if similarity >= self.recognise_similarity and scale < 0.4:
            return 4 + (1 - similarity) + scale  # after any near match
        return NO_MATCH

    def _duplicate(self, t: _Track, seen: list[_Track]) -> _Track | None:
        """The older track seen this frame on whose box `t`, a young track unseen this frame,
        lies: the same face found twice, which would otherwise take turns with it; else None."""
        if t.missed == 0 or t.hits >= 5:
            return None
        return next((o for o in seen if o.id < t.id and box_iou(o.box, t.predicted_box()) >= 0.5), None)

    def _follow(self, t: _Track, box: np.ndarray, feat: np.ndarray, crowded: bool = False) -> None:
        """Move track `t` (its `missed` already counts this frame) to its new box. A box shrunk
        well below the face's steady size is a face partly covered, and a box touching another
        face's (`crowded`) may be: its shift is not motion (the velocity from before holds, so
        crossing faces are expected to walk on), and its look is not learnt."""
        step = ((box[:2] + box[2:]) - (t.box[:2] + t.box[2:])) / 2 / t.missed
        size = float(max(box[2] - box[0], box[3] - box[1], 1.0))
        jumped = np.linalg.norm(step) > 0.5 * t.size  # recognised elsewhere: no motion to learn from
        covered = size < 0.9 * t.steady_size
        if jumped:
            t.velocity = np.zeros(2)
        elif not covered and not crowded:
            t.velocity = 0.5 * t.velocity + 0.5 * step
        if not covered:
            t.steady_size = 0.9 * t.steady_size + 0.1 * size
        t.box, t.missed, t.hits, t.occluded = box, 0, t.hits + 1, False
        if not crowded and not covered:
            mixed = 0.8 * t.feature + 0.2 * feat
            t.feature = (mixed / max(float(np.linalg.norm(mixed)), 1e-6)).astype(np.float32)
