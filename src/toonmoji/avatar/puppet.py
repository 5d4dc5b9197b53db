"""The avatar as a puppet: every camera frame's face signals move it, the recognised emotion
styles it.

Per frame: the face's mesh (followed from the last frame, `faces.follow`), its filtered signals
(`faces.signals`), the controls below, the drawing turned by the head's pose (`avatar.pose`) and
rasterised. The measured signals drive what they measure (mouth opening, smile, brows, each eye's
lids, gaze, the head's turn and the jaw); the emotion classifier's probabilities, read every few
frames and eased, blend the seven expressions into a style (teeth, tears, a wrinkled nose, the
shape of the brows and mouth) added on top. With no face in a frame the last signals are held and
ease back to the neutral face, and so does the emotion.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.expression import PRESETS, Expression, blend
from toonmoji.avatar.geometry import Shape
from toonmoji.avatar.pose import HeadPose, posed_scene
from toonmoji.avatar.raster import render_shapes
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.faces.detect import Face
from toonmoji.faces.follow import MeshFollower
from toonmoji.faces.mesh import landmarks_68_from_mesh
from toonmoji.faces.signals import FaceSignals, SignalReader

STYLE_SHARE = 0.35  # how much of the emotion's own brows, smile, eyes and mouth shape is kept
STYLE_ONLY = ("teeth", "nose_wrinkle", "upper_lip", "tears", "cry")  # the emotion alone sets these
EMOTION_EASE = 0.35  # weight of a new emotion reading


def _lid(openness: float) -> float:
    """Extra closing of one eye from its openness (1 at the person's rest, a painted-shut eye
    reads about 0.15-0.35 of its open value): closing from 0.6, shut at 0.3."""
    return float(np.clip((0.6 - openness) / 0.3, 0.0, 1.0))


def puppet_expression(s: FaceSignals, probabilities: dict[str, float] | None = None) -> Expression:
    """The face controls for one frame's signals, styled by the emotion probabilities (the neutral
    face's style when None). The image's left eye is the subject's right."""
    style = blend(probabilities) if probabilities else PRESETS["neutral"]
    wide = (s.eye_right + s.eye_left) / 2.0 - 1.0
    measured = {
        "brow_raise": 1.6 * s.brow_raise,
        "brow_inner": -1.6 * s.frown,
        "eye_open": float(np.clip(1.5 * (wide - 0.15), 0.0, 1.5)),  # read against the person's own rest
        "smile": 1.4 * s.smile,
        "mouth_open": float(np.clip(1.3 * s.mouth_open, 0.0, 1.0)),
        "mouth_round": s.pucker,
        "mouth_width": 1.5 * s.mouth_width,
    }
    values = {}
    for f in fields(Expression):
        base = getattr(style, f.name)
        if f.name == "mouth_open":  # the mouth opens as wide as the face's, no wider
            values[f.name] = measured[f.name]
        elif f.name in measured:
            values[f.name] = measured[f.name] + STYLE_SHARE * base
        else:
            values[f.name] = base if f.name in STYLE_ONLY else 0.0
    values["lid_left"], values["lid_right"] = _lid(s.eye_right), _lid(s.eye_left)
    if values["mouth_open"] < 0.12:  # a closed mouth shows no teeth, whatever the emotion
        values["teeth"] = 0.0
    return Expression(**values)


def head_pose(s: FaceSignals) -> HeadPose:
    return HeadPose(yaw=s.yaw, pitch=s.pitch, roll=s.roll, gaze_x=s.gaze_x, gaze_y=s.gaze_y, jaw=s.jaw)


def face_of_mesh(mesh: np.ndarray) -> Face:
    """A `Face` for the emotion classifier: the brows-to-chin square of the mesh's 68 points."""
    lm = landmarks_68_from_mesh(mesh)
    x0, x1 = lm[:, 0].min(), lm[:, 0].max()
    y0, y1 = lm[17:27, 1].min(), lm[:17, 1].max()
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return Face((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), 1.0, lm, mesh)


@dataclass
class PuppetFrame:
    """One drawn frame: `rgba` `(size, size, 4) uint8`, the signals and emotion behind it."""

    rgba: np.ndarray
    signals: FaceSignals
    face: bool
    emotion: dict[str, float] | None


@dataclass
class Puppet:
    """An avatar that follows one face through a stream of frames (they must come in order)."""

    avatar: Avatar
    size: int = 256
    classifier: object | None = None  # an EmotionClassifier, or None for no emotion
    emotion_every: int = 3
    fade: float = 0.5
    follower: MeshFollower = field(default_factory=MeshFollower)
    frames: int = 0
    _reader: SignalReader | None = field(default=None, repr=False)
    _probs: np.ndarray | None = field(default=None, repr=False)
    _seen: int = field(default=0, repr=False)  # frames with a face, for the classifier's cadence

    def __post_init__(self) -> None:
        self._reader = SignalReader(self.fade)

    @classmethod
    def create(cls, avatar: Avatar, size: int = 256, emotion: bool = True, fast: bool = False) -> Puppet:
        """With the emotion classifier unless `emotion` is False; `fast`: the iris model on one eye
        a frame (see `MeshFollower.alternate_eyes`)."""
        from toonmoji.emotion.classifier import EmotionClassifier

        return cls(avatar, size, EmotionClassifier.default(flip=False) if emotion else None,
                   follower=MeshFollower(alternate_eyes=fast))

    def step(self, image: np.ndarray, t: float, probabilities: dict[str, float] | None = None) -> PuppetFrame:
        """Draw the avatar for the `(H, W, 3) uint8` RGB frame taken at `t` seconds.
        `probabilities`: the emotion already read elsewhere (the web page's session), else the
        puppet's own classifier reads it."""
        shapes, frame = self.pose(image, t, probabilities)
        frame.rgba = render_shapes(shapes, self.size)
        return frame

    def pose(self, image: np.ndarray, t: float, probabilities: dict[str, float] | None = None
             ) -> tuple[list[Shape], PuppetFrame]:
        """`step` up to the drawing: the posed shapes (for SVG), and the frame without pixels."""
        mesh = self.follower.find(image)
        signals = self._reader.read(mesh, image.shape[1], image.shape[0], t)
        emotion = self.read_emotion(image, mesh, probabilities)
        shapes = posed_scene(self.avatar.attributes, puppet_expression(signals, emotion), head_pose(signals))
        self.frames += 1
        return shapes, PuppetFrame(np.zeros((0, 0, 4), np.uint8), signals, mesh is not None, emotion)

    def read_emotion(self, image: np.ndarray, mesh: np.ndarray | None, given: dict[str, float] | None = None
                     ) -> dict[str, float] | None:
        """The eased emotion probabilities after this frame (None before any reading): `given`
        ones, else the classifier's on every `emotion_every`-th frame with a face; with no face
        they ease back to neutral."""
        new = None
        if given is not None:
            new = np.array([given.get(e, 0.0) for e in EMOTIONS])
        elif mesh is None:
            new = None if self._probs is None else np.eye(len(EMOTIONS))[EMOTIONS.index("neutral")]
        elif self.classifier is not None and self._seen % self.emotion_every == 0:
            from toonmoji.emotion.crop import framing
            from toonmoji.emotion.recognize import classify_faces

            new = classify_faces(image, [face_of_mesh(mesh)], self.classifier, *framing("dlib"))[0].probabilities
        self._seen += mesh is not None
        if new is not None:
            self._probs = new if self._probs is None else (1 - EMOTION_EASE) * self._probs + EMOTION_EASE * new
        return None if self._probs is None else dict(zip(EMOTIONS, (float(p) for p in self._probs)))
