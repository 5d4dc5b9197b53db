"""The avatar's head turned in 3D, as a warp of the finished drawing (2.5D).

The drawing is flat, so turning it is done on its shapes after `build_scene`: every control point
is placed on a head-shaped ellipsoid (the head's half-width and half-height at its height and
across), turned by the yaw about the vertical axis and by the pitch about the horizontal one, and
projected back. A point's angle `phi` on the ellipsoid becomes `phi + yaw * cos(phi)`: the face's
middle moves the most, the outline stays where it is (a turning head keeps its silhouette), the far
side is compressed and the near side stretched, as a real face foreshortens. Shapes that stand out
of the face (nose, glasses) move further, by their depth; what lies outside the head's outline
(the hair's back, the ears' outer rims) shifts a little the other way, so the far ear and the back
of the hair show more and the near ones hide behind the head. The irises are moved inside their
(clipping) eye whites for the gaze. Roll is applied last, about the top of the neck. The body
(shoulders, where the drawing has them) stays still and the neck bends: its top follows the head,
its base does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from toonmoji.avatar.expression import Expression
from toonmoji.avatar.geometry import Path, Shape
from toonmoji.avatar.model import Attributes
from toonmoji.avatar.scene import build_scene

CX, CY = 50.0, 50.0  # the drawing's fixed head frame (see scene.py): its centre,
HEAD_RX, HEAD_RY = 27.0, 33.0  # and its half-width (at face.width 1) and half-height
MAX_TURN = np.radians(40.0)  # beyond this the warp folds (phi + yaw cos phi stops increasing at 57)
ROLL_CENTRE = (CX, 70.0)  # the head tilts on its neck
BODY_SHAPES = ("shoulders", "collar", "body", "clothes")  # stay where they are
NECK_SHAPES = ("neck", "chin_shadow")  # bend: all of the head's move at the top, none at the base
NECK_SPAN = (72.0, 92.0)  # the neck's top and where it meets the body (y, avatar units)
# how far a shape stands out of the face's surface, avatar units (the head is 27 wide)
DEPTH = {"nose": 5.0, "nose_light": 5.0, "wrinkle": 2.5, "sneer_line": 2.5, "lens": 2.5, "frame": 2.5,
         "bridge": 3.5, "moustache": 2.0, "lips": 1.5, "mouth_line": 1.5, "mouth": 1.5, "mouth_edge": 1.5,
         "teeth": 1.5, "teeth_lower": 1.5, "tongue": 1.5}
GAZE_SHAPES = ("iris", "pupil", "glint")
GAZE_REACH = (2.2, 1.3)  # how far the iris moves at full gaze (x, y), avatar units
MOUTH_SHAPES = ("lips", "mouth_line", "mouth", "mouth_edge", "teeth", "teeth_lower", "tongue", "moustache", "beard")
JAW_REACH = 3.0  # the mouth's sideways shift at full jaw, avatar units
BACK_SHIFT = 0.12  # outside the head, the opposite shift at full turn, in head radii


@dataclass(frozen=True)
class HeadPose:
    """Degrees: `yaw` + turns the nose to the image right, `pitch` + up, `roll` + clockwise on
    screen. `gaze_x`, `gaze_y` in [-1, 1]: the irises towards the image right / up. `jaw` in
    [-1, 1]: the mouth (and beard) moved sideways, to the image right when +."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    gaze_x: float = 0.0
    gaze_y: float = 0.0
    jaw: float = 0.0

    @property
    def is_rest(self) -> bool:
        still = max(abs(self.yaw), abs(self.pitch), abs(self.roll)) < 0.05
        return still and abs(self.gaze_x) + abs(self.gaze_y) + abs(self.jaw) < 1e-3


def posed_scene(attrs: Attributes, expr: Expression | None, pose: HeadPose) -> list[Shape]:
    """The avatar's shapes (as `build_scene`) with the head turned, tilted and looking as `pose`
    says; the avatar file's own `face.roll` is replaced by the pose's roll."""
    upright = replace(attrs, face=replace(attrs.face, roll=0.0))
    return pose_shapes(build_scene(upright, expr), pose, attrs.face.width)


def pose_shapes(shapes: list[Shape], pose: HeadPose, face_width: float = 1.0) -> list[Shape]:
    """`shapes` (an upright avatar on the 100 x 100 canvas) turned by `pose`. Paths shared by
    several shapes (an eye outline that clips its iris) stay shared."""
    if pose.is_rest:
        return shapes
    paths: dict[int, Path] = {}
    depth: dict[int, float] = {}
    kind: dict[int, int] = {}  # 0 the head, 1 the neck, 2 the body
    shift: dict[int, tuple[float, float]] = {}
    moves = {n: (pose.gaze_x * GAZE_REACH[0], -pose.gaze_y * GAZE_REACH[1]) for n in GAZE_SHAPES}
    moves.update({n: (pose.jaw * JAW_REACH, 0.0) for n in MOUTH_SHAPES})
    for s in shapes:
        for p, own in ((s.path, True), (s.clip, False)):
            if p is None:
                continue
            paths[id(p)] = p
            depth[id(p)] = max(depth.get(id(p), 0.0), DEPTH.get(s.name, 0.0) if own else 0.0)
            kind[id(p)] = max(kind.get(id(p), 0), _kind(s.name))
            if own and s.name in moves:
                shift[id(p)] = moves[s.name]
    keys = list(paths)
    counts = [1 + 3 * len(paths[k].segments) for k in keys]
    pts = np.concatenate([np.vstack([paths[k].start[None], paths[k].segments.reshape(-1, 2)]) for k in keys])
    d = np.repeat([depth[k] for k in keys], counts)
    kinds = np.repeat([kind[k] for k in keys], counts)
    pts = pts + np.repeat([shift.get(k, (0.0, 0.0)) for k in keys], counts, axis=0)

    def move(points: np.ndarray, depth: np.ndarray | float, kinds: np.ndarray) -> np.ndarray:
        """The points turned and tilted, each by its share of the head's move."""
        share = np.where(kinds == 0, 1.0, np.where(kinds == 1, np.clip((NECK_SPAN[1] - points[:, 1]) /
                                                                      (NECK_SPAN[1] - NECK_SPAN[0]), 0.0, 1.0), 0.0))
        turned = turn_points(points, pose.yaw, pose.pitch, HEAD_RX * face_width, HEAD_RY, depth)
        out = points + share[:, None] * (turned - points)
        if abs(pose.roll) > 0.01:
            a = np.radians(pose.roll) * share
            rel = out - ROLL_CENTRE
            out = ROLL_CENTRE + np.stack([np.cos(a) * rel[:, 0] - np.sin(a) * rel[:, 1],
                                          np.sin(a) * rel[:, 0] + np.cos(a) * rel[:, 1]], axis=1)
        return out

    new: dict[int, Path] = {}
    for k, chunk in zip(keys, np.split(move(pts, d, kinds), np.cumsum(counts)[:-1])):
        new[k] = Path(chunk[0], chunk[1:].reshape(-1, 3, 2), paths[k].closed)
    return [replace(s, path=new[id(s.path)], clip=None if s.clip is None else new[id(s.clip)], **_gradient(s, move))
            for s in shapes]


def _kind(name: str) -> int:
    return 2 if name in BODY_SHAPES else 1 if name in NECK_SHAPES else 0


def _gradient(shape: Shape, move) -> dict[str, object]:
    """A shaded shape's gradient (where the drawing has them) moved with it: its centre."""
    g = getattr(shape, "gradient", None)
    if g is None:
        return {}
    c = move(np.array([g.centre], np.float64), 0.0, np.array([_kind(shape.name)]))[0]
    return {"gradient": replace(g, centre=(float(c[0]), float(c[1])))}


def turn_points(pts: np.ndarray, yaw: float, pitch: float, rx: float, ry: float,
                depth: np.ndarray | float = 0.0) -> np.ndarray:
    """`(N, 2)` canvas points turned by `yaw` and `pitch` (degrees) on a head of half-width `rx`
    and half-height `ry` centred at (CX, CY); `depth`: how far each point stands out of it."""
    a = float(np.clip(np.radians(yaw), -MAX_TURN, MAX_TURN))
    b = float(np.clip(np.radians(pitch), -MAX_TURN, MAX_TURN))
    dx, dy = pts[:, 0] - CX, pts[:, 1] - CY
    wy = rx * np.sqrt(np.clip(1.0 - (dy / ry) ** 2, 0.04, 1.0))  # the head's half-width at this height
    hx = ry * np.sqrt(np.clip(1.0 - (dx / rx) ** 2, 0.04, 1.0))  # and half-height at this x
    nx = _turn(dx, wy, a, rx)
    ny = _turn(dy, hx, -b, ry)
    depth = np.asarray(depth, np.float64)
    return np.stack([CX + nx + depth * np.sin(a), CY + ny - depth * np.sin(b)], axis=1)


def _turn(d: np.ndarray, half: np.ndarray, angle: float, radius: float) -> np.ndarray:
    """One axis of the turn: inside the outline `phi -> phi + angle cos(phi)` on the circle of
    radius `half`; outside it, a shift the other way growing over a tenth of the head."""
    u = d / half
    phi = np.arcsin(np.clip(u, -1.0, 1.0))
    inside = half * np.sin(phi + angle * np.cos(phi))
    ramp = np.clip((np.abs(u) - 1.0) * half / (0.15 * radius), 0.0, 1.0)
    outside = d - BACK_SHIFT * radius * np.sin(angle) * ramp
    return np.where(np.abs(u) <= 1.0, inside, outside)
