"""Continuous face signals from the 478-point mesh: head pose, eyes, gaze, brows, mouth, jaw.

The head's pose is solved (`cv2.solvePnP`) from the mesh points that do not move with an
expression, against MediaPipe's canonical 3D face (`data/canonical_face_468.npy`, in cm). With
the pose known, every mesh point is carried back onto the canonical face ("frontalised": the
point where its camera ray meets the plane at its canonical depth), so each measurement is made in
centimetres on an upright, front-facing face: a turn of the head no longer shrinks the eyes or
moves the mouth corners. Each measurement is then compared with the same one on the canonical
face, which is a neutral face: 0 (or 1 for the eyes) means "at rest".

A One-Euro filter per signal (Casiez, Roussel and Vogel, CHI 2012) keeps a face at rest still
and lets fast moves (a blink, a turn) through with little lag: its cut-off frequency rises with
the signal's speed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, fields, replace
from importlib import resources

import cv2
import numpy as np

# mesh indices (MediaPipe's topology); "right" is the subject's right eye (image left)
EYE_CORNERS = {"right": (33, 133), "left": (362, 263)}
EYE_LIDS = {"right": ((159, 145), (158, 153), (160, 144)), "left": ((386, 374), (385, 380), (387, 373))}
IRIS_CENTRE = {"right": 468, "left": 473}
BROWS = {"right": (70, 63, 105, 66, 107), "left": (300, 293, 334, 296, 336)}
INNER_BROWS = (107, 55, 336, 285)
LIP_GAP, LIP_OUTER, MOUTH_CORNERS = (13, 14), (0, 17), (61, 291)
CHIN, NOSE_BRIDGE = 152, (168, 6)
CHEEKS, TEMPLES = (132, 361), (234, 454)


@functools.cache
def canonical_face() -> np.ndarray:
    """`(468, 3) float64` MediaPipe's canonical face in cm: x to the image right, y up, z towards
    the camera (see NOTICE)."""
    path = resources.files("toonmoji") / "data" / "canonical_face_468.npy"
    with path.open("rb") as f:
        return np.load(f).astype(np.float64)


@functools.cache
def rigid_points() -> np.ndarray:
    """Indices of the points that hold still when the face moves: above the upper lip, away from
    the eyelids and the brows (the forehead, temples, nose and cheekbones)."""
    c = canonical_face()
    x, y = c[:, 0], c[:, 1]
    near_eye = np.min([np.hypot(x - cx, (y - 2.65) * 1.3) for cx in (-3.15, 3.15)], axis=0) < 2.0
    brow = (y > 3.6) & (y < 5.6) & (np.abs(x) > 0.8) & (np.abs(x) < 6.2)
    return np.flatnonzero((y > -2.0) & ~near_eye & ~brow)


@functools.cache
def _depths() -> np.ndarray:
    """`(478,)` canonical depth per mesh point; an iris takes its eye's mean lid depth."""
    c = canonical_face()
    iris = [c[[i for pair in EYE_LIDS[e] for i in pair], 2].mean() for e in ("right", "left")]
    return np.concatenate([c[:, 2], np.repeat(iris, 5)])


@dataclass(frozen=True)
class FaceSignals:
    """One frame's face, continuous. Angles in degrees: `yaw` + when the nose turns to the image
    right, `pitch` + when it turns up, `roll` + when the eye line runs down to the image right.
    `x`, `y`: the face's centre in pixels, `scale` the distance between the eyes' centres in
    pixels. Eyes (the subject's right and left): 1 open as at rest, 0 shut, > 1 wide. `gaze_x`,
    `gaze_y` in [-1, 1]: the irises towards the image right / up. `brow_raise` [-1, 1], `frown`
    [0, 1]: inner brows drawn together and down. `mouth_open` [0, 1], `smile` [-1, 1] (corners up
    / down), `mouth_width` (a change of width, -0.5 .. 0.5), `pucker` [0, 1], `jaw` [-1, 1] (the
    chin to the image right), `cheek_puff` [0, 1] (the cheeks wider than at rest; weak)."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    x: float = 0.0
    y: float = 0.0
    scale: float = 0.0
    eye_right: float = 1.0
    eye_left: float = 1.0
    gaze_x: float = 0.0
    gaze_y: float = 0.0
    brow_raise: float = 0.0
    frown: float = 0.0
    mouth_open: float = 0.0
    smile: float = 0.0
    mouth_width: float = 0.0
    pucker: float = 0.0
    jaw: float = 0.0
    cheek_puff: float = 0.0

    def as_array(self) -> np.ndarray:
        return np.array([getattr(self, f.name) for f in fields(self)], np.float64)

    @classmethod
    def from_array(cls, values: np.ndarray) -> FaceSignals:
        return cls(*(float(v) for v in values))

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in asdict(self).items()}


NEUTRAL = FaceSignals()
SIGNAL_NAMES = tuple(f.name for f in fields(FaceSignals))
POSITION = ("x", "y", "scale")  # where the face is in the picture, not what it does


@dataclass(frozen=True)
class Pose:
    """A solved head pose: `rvec`, `tvec` (OpenCV, object frame = the canonical face with y and z
    flipped), the camera matrix `k`, and the angles in degrees."""

    rvec: np.ndarray
    tvec: np.ndarray
    k: np.ndarray
    yaw: float
    pitch: float
    roll: float


def camera_matrix(width: int, height: int) -> np.ndarray:
    """A webcam-like pinhole camera (about 53 degrees across the long side), centred."""
    f = float(max(width, height))
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def solve_pose(mesh: np.ndarray, width: int, height: int, guess: Pose | None = None) -> Pose:
    """The head's pose from a `(468+, 2)` mesh in an image `width` x `height`; `guess` (the last
    frame's pose) starts the solver near the answer, which steadies it."""
    idx = rigid_points()
    obj = canonical_face()[idx] * (1.0, -1.0, -1.0)
    img = np.ascontiguousarray(mesh[idx], np.float64)
    k = camera_matrix(width, height)
    ok = False
    if guess is not None:
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, guess.rvec.copy(), guess.tvec.copy(), True,
                                      cv2.SOLVEPNP_ITERATIVE)
        ok = ok and float(np.ravel(tvec)[2]) > 0  # a solution behind the camera: start afresh
    if not ok:
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:  # pragma: no cover - the rigid points are never degenerate
        raise RuntimeError("solvePnP failed")
    return Pose(rvec, tvec, k, *_angles(rvec, tvec))


def _angles(rvec: np.ndarray, tvec: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees: the rotation is split as roll (in the picture's plane)
    after yaw and pitch (in the head's own frame), as the avatar is drawn: turned, then tilted.
    Yaw and pitch are relative to the line of sight to the head (a face at the picture's edge
    looking into the lens is frontal)."""
    r, _ = cv2.Rodrigues(rvec)
    across = r @ np.array([1.0, 0.0, 0.0])
    roll = math.atan2(across[1], across[0])
    c, s = math.cos(roll), math.sin(roll)
    upright = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])  # the roll taken back out
    nose = upright @ r @ np.array([0.0, 0.0, -1.0])
    sight = upright @ (-np.ravel(tvec) / (np.linalg.norm(tvec) + 1e-9))
    yaw = math.atan2(nose[0], -nose[2]) - math.atan2(sight[0], -sight[2])
    pitch = math.atan2(-nose[1], math.hypot(nose[0], nose[2])) - math.atan2(-sight[1], math.hypot(sight[0], sight[2]))
    return math.degrees(yaw), math.degrees(pitch), math.degrees(roll)


def frontalise(mesh: np.ndarray, pose: Pose) -> np.ndarray:
    """`(N, 2)` canonical-face coordinates (cm, y up) of the mesh points: each image point carried
    along its camera ray onto the plane at its canonical depth, in the head's own frame."""
    n = len(mesh)
    r, _ = cv2.Rodrigues(pose.rvec)
    t = np.ravel(pose.tvec)
    depth = -_depths()[:n]  # object frame z is the canonical -z
    h = np.empty((n, 3, 3))
    h[:, :, 0], h[:, :, 1] = r[:, 0], r[:, 1]
    h[:, :, 2] = depth[:, None] * r[:, 2] + t
    h = pose.k @ h
    uv1 = np.concatenate([np.asarray(mesh, np.float64), np.ones((n, 1))], axis=1)
    ab = np.linalg.solve(h, uv1[:, :, None])[:, :, 0]
    return np.stack([ab[:, 0] / ab[:, 2], -ab[:, 1] / ab[:, 2]], axis=1)


def _gap(p: np.ndarray, pairs) -> float:
    return float(np.mean([p[a, 1] - p[b, 1] for a, b in pairs]))


def measures(p: np.ndarray) -> dict[str, float]:
    """Raw measurements (cm) of a frontalised face `(468+, 2)`; the canonical face's own values
    are the neutral reference."""
    out: dict[str, float] = {}
    for eye, (a, b) in EYE_CORNERS.items():
        out[f"lid_{eye}"] = _gap(p, EYE_LIDS[eye])
        out[f"brow_{eye}"] = float(p[list(BROWS[eye]), 1].mean() - (p[a, 1] + p[b, 1]) / 2)
    out["inner_gap"] = float(p[336, 0] + p[285, 0] - p[107, 0] - p[55, 0]) / 2
    out["inner_height"] = float(p[list(INNER_BROWS), 1].mean() - p[[133, 362], 1].mean())
    out["mouth_gap"] = float(p[LIP_GAP[0], 1] - p[LIP_GAP[1], 1])
    a, b = MOUTH_CORNERS
    out["mouth_width"] = float(p[b, 0] - p[a, 0])
    out["corners"] = float((p[a, 1] + p[b, 1]) / 2 - (p[LIP_OUTER[0], 1] + p[LIP_OUTER[1], 1]) / 2)
    out["jaw"] = float(p[CHIN, 0] - p[list(NOSE_BRIDGE), 0].mean())
    out["cheeks"] = float((p[CHEEKS[1], 0] - p[CHEEKS[0], 0]) / (p[TEMPLES[1], 0] - p[TEMPLES[0], 0]))
    return out


# where real faces at rest sit against the canonical face (cm; the median of 48 faces in 11
# photos, ../shared/data/faces): brows and inner brow ends a little lower, the cheeks wider
REST = {"brow_right": -0.15, "brow_left": -0.15, "inner_height": -0.25, "cheeks": 0.02}
LIPS_APART = 0.3  # cm between the inner lips before the mouth counts as open (closed lips read 0-0.2)


@functools.cache
def _reference() -> dict[str, float]:
    ref = measures(canonical_face()[:, :2])
    return {k: v + REST.get(k, 0.0) for k, v in ref.items()}


def raw_signals(mesh: np.ndarray, width: int, height: int, guess: Pose | None = None) -> tuple[FaceSignals, Pose]:
    """The face's signals in one frame, unfiltered, and the pose solved (the next frame's guess).
    `mesh` `(478, 2)` image x, y (irises at 468-477; a 468-point mesh gives no gaze)."""
    mesh = np.asarray(mesh, np.float64)
    pose = solve_pose(mesh, width, height, guess)
    p = frontalise(mesh, pose)
    m, ref = measures(p), _reference()
    eyes = {e: m[f"lid_{e}"] / ref[f"lid_{e}"] for e in ("right", "left")}
    gaze = np.zeros(2)
    if len(mesh) >= 478:
        for eye, (a, b) in EYE_CORNERS.items():
            half = abs(p[b, 0] - p[a, 0]) / 2
            lids = np.mean([[p[u, 1], p[d, 1]] for u, d in EYE_LIDS[eye]])
            gaze += (p[IRIS_CENTRE[eye], 0] - (p[a, 0] + p[b, 0]) / 2, p[IRIS_CENTRE[eye], 1] - lids) / (half + 1e-9)
        gaze /= 2 * np.array([0.35, 0.25])  # the iris reaches about this far off centre
    brow = (m["brow_right"] + m["brow_left"] - ref["brow_right"] - ref["brow_left"]) / 2
    width_change = m["mouth_width"] / ref["mouth_width"] - 1.0
    mouth_open = max(0.0, (m["mouth_gap"] - LIPS_APART) / (0.5 * ref["mouth_width"]))
    centre = mesh[:468].mean(axis=0)
    eye_centres = [mesh[list(EYE_CORNERS[e])].mean(axis=0) for e in ("right", "left")]
    frown = (ref["inner_gap"] - m["inner_gap"]) / 0.5 + (ref["inner_height"] - m["inner_height"]) / 0.6
    return FaceSignals(
        yaw=pose.yaw, pitch=pose.pitch, roll=pose.roll,
        x=float(centre[0]), y=float(centre[1]), scale=float(np.hypot(*(eye_centres[1] - eye_centres[0]))),
        eye_right=float(np.clip(eyes["right"], 0.0, 2.0)), eye_left=float(np.clip(eyes["left"], 0.0, 2.0)),
        gaze_x=float(np.clip(gaze[0], -1, 1)), gaze_y=float(np.clip(gaze[1], -1, 1)),
        brow_raise=float(np.clip(brow / 0.6, -1, 1)), frown=float(np.clip(frown, 0, 1)),
        mouth_open=float(np.clip(mouth_open, 0, 1)),
        smile=float(np.clip((m["corners"] - ref["corners"]) / 0.6, -1, 1)),
        mouth_width=float(np.clip(width_change, -0.5, 0.5)),
        pucker=float(np.clip(-width_change / 0.2, 0, 1)),
        jaw=float(np.clip((m["jaw"] - ref["jaw"]) / 0.8, -1, 1)),
        cheek_puff=float(np.clip((m["cheeks"] - ref["cheeks"]) / 0.05, 0, 1)),
    ), pose


class OneEuro:
    """One-Euro low-pass filters over a vector of signals, each with its own `min_cutoff` (Hz: the
    smoothing at rest) and `beta` (how fast the cut-off rises with the signal's speed)."""

    def __init__(self, min_cutoff: np.ndarray, beta: np.ndarray, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = np.asarray(min_cutoff, float), np.asarray(beta, float), d_cutoff
        self.value: np.ndarray | None = None
        self.speed = np.zeros_like(self.min_cutoff)
        self.time = 0.0

    @staticmethod
    def _alpha(dt: float, cutoff: np.ndarray | float) -> np.ndarray:
        tau = 1.0 / (2.0 * np.pi * np.asarray(cutoff))
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        """The filtered value of the sample `x` taken at time `t` (seconds)."""
        x = np.asarray(x, float)
        if self.value is None:
            self.value, self.time = x.copy(), t
            return x.copy()
        dt = max(t - self.time, 1e-3)
        a_d = self._alpha(dt, self.d_cutoff)
        self.speed = a_d * (x - self.value) / dt + (1 - a_d) * self.speed
        a = self._alpha(dt, self.min_cutoff + self.beta * np.abs(self.speed))
        self.value, self.time = a * x + (1 - a) * self.value, t
        return self.value.copy()

    def reset(self) -> None:
        self.value, self.speed = None, np.zeros_like(self.min_cutoff)


# (min_cutoff Hz, beta) per signal: angles in degrees move fast and far, eyes must let a blink
# (100-150 ms) through; chosen on noisy still and moving sequences (tests/test_face_signals.py)
TUNING = {
    "yaw": (0.8, 0.08), "pitch": (0.8, 0.08), "roll": (1.0, 0.05), "x": (1.5, 0.05), "y": (1.5, 0.05),
    "scale": (0.8, 0.05), "eye_right": (2.0, 3.0), "eye_left": (2.0, 3.0), "gaze_x": (1.0, 1.0),
    "gaze_y": (1.0, 1.0), "brow_raise": (1.0, 1.5), "frown": (1.0, 1.5), "mouth_open": (2.0, 3.0),
    "smile": (1.0, 1.5), "mouth_width": (1.0, 1.5), "pucker": (1.0, 1.5), "jaw": (1.0, 1.5),
    "cheek_puff": (0.8, 1.0),
}


def signal_filter() -> OneEuro:
    """The tuned One-Euro filter for `FaceSignals.as_array()` vectors."""
    return OneEuro(np.array([TUNING[n][0] for n in SIGNAL_NAMES]), np.array([TUNING[n][1] for n in SIGNAL_NAMES]))


class SignalReader:
    """Filtered signals frame after frame. When the face is missing the last signals are held and
    eased back to the neutral face with a time constant of `fade` seconds (the avatar does not
    freeze mid-blink, nor snap).

    Eyes differ most between people (at rest 0.56 to 1.43 of the canonical face's opening, 5th to
    95th percentile of 48 real faces), so each eye's openness is read against its own median over
    the first `calibrate` frames with a face (clipped to 0.6 .. 1.6: an eye shut or wide open then
    is not taken for its rest): 1 is then this person's eye at rest."""

    def __init__(self, fade: float = 0.5, calibrate: int = 15):
        self.fade, self.calibrate = fade, calibrate
        self.filter = signal_filter()
        self.pose: Pose | None = None
        self.last: FaceSignals | None = None
        self.last_time = 0.0
        self.face_seen = False
        self.eyes_seen: list[tuple[float, float]] = []

    def read(self, mesh: np.ndarray | None, width: int, height: int, t: float) -> FaceSignals:
        """This frame's signals at time `t` (seconds); `mesh` None when no face was found."""
        if mesh is None:
            return self._fade(t)
        raw, self.pose = raw_signals(mesh, width, height, self.pose)
        raw = self._own_eyes(raw)
        if not self.face_seen:
            self.filter.reset()
        self.face_seen = True
        self.last, self.last_time = FaceSignals.from_array(self.filter(raw.as_array(), t)), t
        return self.last

    def _own_eyes(self, raw: FaceSignals) -> FaceSignals:
        if self.calibrate <= 0:
            return raw
        if len(self.eyes_seen) < self.calibrate:
            self.eyes_seen.append((raw.eye_right, raw.eye_left))
        rest = np.clip(np.median(self.eyes_seen, axis=0), 0.6, 1.6)
        return replace(raw, eye_right=min(2.0, raw.eye_right / rest[0]), eye_left=min(2.0, raw.eye_left / rest[1]))

    def _fade(self, t: float) -> FaceSignals:
        self.face_seen, self.pose = False, None
        if self.last is None:
            return NEUTRAL
        keep = math.exp(-max(0.0, t - self.last_time) / self.fade)
        values, rest = self.last.as_array(), NEUTRAL.as_array()
        moving = np.array([n not in POSITION for n in SIGNAL_NAMES])
        faded = np.where(moving, rest + (values - rest) * keep, values)
        return FaceSignals.from_array(faded)
