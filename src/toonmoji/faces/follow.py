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
from toonmoji.faces.mesh import mesh_468, refined_mesh, region_from_mesh


@dataclass
class MeshFollower:
    """The main (largest) face's `(478, 2)` mesh in each frame of a stream, or None."""

    detect_side: int = 640  # the full search runs on a copy at most this many pixels on its long side
    min_score: float = 0.5
    search_every: int = 3
    _mesh: np.ndarray | None = field(default=None, repr=False)
    _missed: int = field(default=0, repr=False)
    _detector: AutoDetector | None = field(default=None, repr=False)

    def find(self, image: np.ndarray) -> np.ndarray | None:
        """The face's mesh in this `(H, W, 3) uint8` RGB frame (frames must come in order)."""
        image = as_rgb(image)
        if self._mesh is not None:
            mesh, score = mesh_468(image, *region_from_mesh(self._mesh[:468]))
            if score >= self.min_score:
                self._mesh = refined_mesh(image, mesh)
                return self._mesh
            self._mesh = None
        elif self._missed % self.search_every:
            self._missed += 1
            return None
        if self._detector is None:
            self._detector = AutoDetector(max_side=self.detect_side, min_mesh_score=self.min_score)
        faces = self._detector.detect(image)
        self._mesh = refined_mesh(image, faces[0].mesh) if faces and faces[0].mesh is not None else None
        self._missed = 0 if self._mesh is not None else self._missed + 1
        return self._mesh

    def reset(self) -> None:
        self._mesh, self._missed = None, 0
