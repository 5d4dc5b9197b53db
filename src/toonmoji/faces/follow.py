"""One face's 478-point mesh followed through a video, the way MediaPipe's own pipeline does it.

A face moves little between frames, so the region to look in comes from the last frame's mesh
(`mesh.region_from_mesh`) and the detector runs only when there is none: one mesh pass and the
two iris passes a frame (about 10 ms here; the iris model's lids replace the mesh's, as in
MediaPipe's iris pipeline) instead of a full search. The mesh net's own
face-presence score says when the face is lost; the next frame then searches the whole picture.
While no face is known, the (costlier) full search runs only every `search_every` frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toonmoji.faces.detect import AutoDetector, as_rgb
from toonmoji.faces.mesh import EYES, eye_points, mesh_468, refined_mesh, region_from_mesh


@dataclass
class MeshFollower:
    """The main (largest) face's `(478, 2)` mesh in each frame of a stream, or None."""

    detect_side: int = 640  # the full search runs on a copy at most this many pixels on its long side
    min_score: float = 0.5
    search_every: int = 3
    alternate_eyes: bool = False  # the iris model on one eye a frame, the other carried by its corners
    _mesh: np.ndarray | None = field(default=None, repr=False)
    _eyes: list = field(default_factory=lambda: [None, None], repr=False)
    _turn: int = field(default=0, repr=False)
    _missed: int = field(default=0, repr=False)
    _detector: AutoDetector | None = field(default=None, repr=False)

    def find(self, image: np.ndarray) -> np.ndarray | None:
        """The face's mesh in this `(H, W, 3) uint8` RGB frame (frames must come in order)."""
        image = as_rgb(image)
        if self._mesh is not None:
            mesh, score = mesh_468(image, *region_from_mesh(self._mesh[:468]))
            if score >= self.min_score:
                self._mesh = self._refine(image, mesh)
                return self._mesh
            self._mesh = None
        elif self._missed % self.search_every:
            self._missed += 1
            return None
        if self._detector is None:
            self._detector = AutoDetector(max_side=self.detect_side, min_mesh_score=self.min_score)
        faces = self._detector.detect(image)
        self._eyes = [None, None]
        self._mesh = self._refine(image, faces[0].mesh) if faces and faces[0].mesh is not None else None
        self._missed = 0 if self._mesh is not None else self._missed + 1
        return self._mesh

    def reset(self) -> None:
        self._mesh, self._missed, self._eyes = None, 0, [None, None]

    def _refine(self, image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
        """The mesh with the iris model's lids and irises (`mesh.refined_mesh`); with
        `alternate_eyes`, one eye is looked at a frame and the other's last answer is moved with
        its corners (a third less work; each eye is then sampled at half the frame rate)."""
        if not self.alternate_eyes:
            return refined_mesh(image, mesh)
        out = np.array(mesh[:468], np.float64)
        irises = []
        for e, ((a, b), idx, mirror) in enumerate(EYES):
            corners = mesh[[a, b]]
            if self._eyes[e] is None or e == self._turn:
                contour, iris = eye_points(image, (corners[0], corners[1]), mirror)
                self._eyes[e] = (corners, contour[:16], iris)
            then, lids, iris = self._eyes[e]
            out[idx] = _carried(lids, then, corners)
            irises.append(_carried(iris, then, corners))
        self._turn = 1 - self._turn
        return np.vstack([out, *irises])


def _carried(points: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """`points` moved by the similarity (turn, scale, shift) that takes the two points `before`
    onto `after`."""
    zb, za = complex(*(before[1] - before[0])), complex(*(after[1] - after[0]))
    k = za / zb if abs(zb) > 1e-9 else 1.0
    z = (points[:, 0] - before[0, 0] + 1j * (points[:, 1] - before[0, 1])) * k
    return np.stack([z.real + after[0, 0], z.imag + after[0, 1]], axis=1)
