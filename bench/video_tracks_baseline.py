"""The baseline for bench/video_tracks_bench.py: toonmoji's face tracker as it was before issue
#25 (commit a9f347f, src/toonmoji/emotion/identity.py), kept here unchanged but for this line
and its import of `appearance` (the same feature the new tracker uses).

The old notes:

Each frame's faces are matched to the known tracks by where the track should be now (its last
box moved on by its recent velocity, so two faces that cross do not swap ids) and by how the face
looks: a cheap appearance feature (a hue/saturation histogram and a 16x16 grey thumbnail of the
box, about 0.1 ms per face) that must agree near the expected place, and that alone can recognise a
face coming back elsewhere. A track that is not seen keeps its id for
`max_missed` frames (default 30: one second at 30 fps), long enough for a hand in front of the
face, a turned head or a short walk out of the picture; a face that comes back later gets a new id.
Assignment is optimal per frame (Hungarian, scipy).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from toonmoji.emotion.identity import appearance
from toonmoji.emotion.recognize import FaceEmotion

NO_MATCH = 1e6


@dataclass
class _Track:
    id: int
    box: np.ndarray  # (4,) x0, y0, x1, y1
    feature: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # centre, pixels per frame
    missed: int = 0

    @property
    def size(self) -> float:
        return float(max(self.box[2] - self.box[0], self.box[3] - self.box[1], 1.0))

    def predicted_centre(self) -> np.ndarray:
        """Where the centre should be in the frame after the last one seen + `missed`."""
        centre = (self.box[:2] + self.box[2:]) / 2
        return centre + self.velocity * min(self.missed + 1, 10)


@dataclass
class FaceTracker:
    """Gives each face of a frame sequence a track id (1, 2, ...) that follows it.

    A face matches a track when its centre is within `reach` face sizes of where the track was
    expected (plus `reach_per_missed` more for each frame the track was unseen) and it looks alike
    (similarity >= `min_similarity`); or, anywhere in the frame, when it looks very alike
    (>= `recognise_similarity`) and is of a similar size: a face coming back from out of the picture.
    """

    max_missed: int = 30
    reach: float = 0.6
    reach_per_missed: float = 0.25
    min_similarity: float = 0.7
    recognise_similarity: float = 0.85
    tracks: list[_Track] = field(default_factory=list)
    next_id: int = 1

    @classmethod
    def for_fps(cls, fps: float, keep_seconds: float = 1.0) -> FaceTracker:
        """A tracker whose faces keep their ids for `keep_seconds` unseen at this frame rate."""
        return cls(max_missed=max(1, round(keep_seconds * fps)))

    def update(self, image: np.ndarray, results: list[FaceEmotion]) -> list[FaceEmotion]:
        """This frame's results, in the same order, each with its `track` id set."""
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
        for t in self.tracks:
            t.missed += 1
        out = []
        for j, r in enumerate(results):
            t = matched.get(j)
            if t is None:
                t = _Track(self.next_id, boxes[j], features[j])
                self.next_id += 1
                self.tracks.append(t)
            else:
                self._follow(t, boxes[j], features[j])
            out.append(dataclasses.replace(r, track=t.id))
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        return out

    def reset(self) -> None:
        self.tracks, self.next_id = [], 1

    def _cost(self, t: _Track, box: np.ndarray, feat: np.ndarray) -> float:
        size = max(box[2] - box[0], box[3] - box[1], 1.0)
        distance = float(np.linalg.norm((box[:2] + box[2:]) / 2 - t.predicted_centre())) / max(size, t.size)
        similarity = float(np.dot(feat, t.feature))
        scale = abs(np.log(size / t.size))
        reach = self.reach + self.reach_per_missed * t.missed
        if distance <= reach and similarity >= self.min_similarity and scale < 0.5:
            return distance / reach + (1 - similarity) + scale
        if similarity >= self.recognise_similarity and scale < 0.4:
            return 2 + (1 - similarity) + scale  # after any near match
        return NO_MATCH

    def _follow(self, t: _Track, box: np.ndarray, feat: np.ndarray) -> None:
        """Move track `t` (its `missed` already counts this frame) to its new box."""
        step = ((box[:2] + box[2:]) - (t.box[:2] + t.box[2:])) / 2 / t.missed
        jumped = np.linalg.norm(step) > 0.5 * t.size  # recognised elsewhere: no motion to learn from
        t.velocity = np.zeros(2) if jumped else 0.5 * t.velocity + 0.5 * step
        t.box, t.missed = box, 0
        mixed = 0.8 * t.feature + 0.2 * feat
        t.feature = (mixed / max(float(np.linalg.norm(mixed)), 1e-6)).astype(np.float32)
