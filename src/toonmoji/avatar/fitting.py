"""Photo -> avatar attributes: find the face, measure its shape, read its colours and hair.

Deterministic: the same photo always gives the same avatar (dlib's detector and predictor are
deterministic, GrabCut's k-means is seeded in the matte, and nothing else draws random numbers).
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar import cues
from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import hex_of, rgb_of_lab, white_balance_gains
from toonmoji.avatar.draw_hair import ears_hidden
from toonmoji.avatar.ears import ear_attributes, ear_measures
from toonmoji.avatar.facial_hair import fit_facial_hair
from toonmoji.avatar.features import measure_shape, mirrored_mesh_depth, predictor_shape
from toonmoji.avatar.glasses import fit_glasses
from toonmoji.avatar.hair import fit_hair
from toonmoji.avatar.model import Attributes, Confidence
from toonmoji.avatar.skin import exposure_gain, skin_tone_lab
from toonmoji.avatar.surroundings import clothing_colour, person_mask, smile_lines
from toonmoji.errors import InputError, NoFaceError
from toonmoji.faces.detect import Face, detect_faces, require_faces

MIN_FACE = 24  # pixels across: below this the landmarks are guesses
MIN_TURNED_SHARE = -0.15  # the 86 development faces: -0.09 and up (small three-quarter views)


def as_rgb(image: np.ndarray, source: str = "the image") -> np.ndarray:
    """`(H, W, 3) uint8` RGB from RGB, RGBA (composited over white) or grey input."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise InputError(f"{source}: expected an (H, W[, 3|4]) uint8 image, got {arr.shape} {arr.dtype}")
    if arr.ndim == 2 or arr.shape[2] == 1:
        arr = np.repeat(arr.reshape(arr.shape[0], arr.shape[1], 1), 3, axis=2)
    elif arr.shape[2] == 4:
        a = arr[..., 3:4].astype(np.float32) / 255.0
        arr = np.clip(arr[..., :3] * a + 255.0 * (1 - a) + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(arr)


def largest_face(image: np.ndarray, detector: str, source: str) -> Face:
    face = require_faces(detect_faces(image, detector), source)[0]
    if face.width < MIN_FACE:
        raise NoFaceError(f"the face in {source} is {face.width:.0f} px wide: too small for an avatar (at least {MIN_FACE} px)")
    check_pose(face, source)
    return face


def turned_share(landmarks: np.ndarray) -> float:
    """Where the nose tip lies between the two sides of the face outline, from the nearer side:
    0.5 facing the camera, near 0 in profile, below 0 when the nose sticks out past the outline
    (the face is turned beyond profile: one side is hidden, nothing there to measure)."""
    lm = np.asarray(landmarks, np.float64)
    across = lm[16] - lm[0]
    t = float(np.dot(lm[30] - lm[0], across) / max(float(np.dot(across, across)), 1e-6))  # along the jaw line
    return float(min(t, 1.0 - t))


def check_pose(face: Face, source: str) -> None:
    """NoFaceError (one line) for a face turned to profile or beyond: its far side is not in the
    photo, so an avatar of it would be invented."""
    if face.landmarks.shape == (68, 2) and turned_share(face.landmarks) < MIN_TURNED_SHARE:
        raise NoFaceError(f"the face in {source} is turned to the side (in profile): an avatar needs a photo "
                          "of the face turned towards the camera")


def fit_attributes(image: np.ndarray, face: Face) -> Attributes:
    """All attributes of the face in `image` `(H, W, 3) uint8` RGB."""
    c = Canonical.from_photo(image, face.landmarks)
    gains = white_balance_gains(image)
    attrs = Attributes()
    mirrored, mirrored_depth = (None, None) if face.mesh is None else mirrored_mesh_depth(image, face.mesh)
    shape = measure_shape(c.upright, face.mesh, mirrored, face.depth, mirrored_depth)
    if face.mesh is not None:  # without a mesh the 68 points already are the predictor's
        shape.update(predictor_shape(image, face.box) or {})
    for key, value in shape.items():
        section, name = key.split(".")
        setattr(getattr(attrs, section), name, value if isinstance(value, str) else round(float(value), 3))

    skin = cues.skin_lab(c, gains)  # the skin as it appears: what hair, brows and clothes are told from
    drawn = skin_tone_lab(c, cues.skin_patches(c), gains, exposure_gain(image))  # the lit skin, drawn
    attrs.skin = hex_of(rgb_of_lab(drawn[None])[0])
    person = person_mask(c)
    hair = fit_hair(c, skin, gains, person)
    attrs.hair.style = hair.style
    attrs.hair.outline = hair.outline
    attrs.hair.fringe = hair.fringe
    attrs.hair.part = hair.part
    attrs.hair.grey = hair.grey
    if hair.color is not None:
        attrs.hair.color = hair.color
    attrs.confidence["hair.style"] = Confidence(hair.score, hair.alternative)
    attrs.mouth.color = cues.lip_colour(c, gains) or attrs.mouth.color
    eye_px = c.upright.width * float(np.mean([np.hypot(*(c.upright.points[39] - c.upright.points[36])),
                                              np.hypot(*(c.upright.points[45] - c.upright.points[42]))]))
    attrs.eyes.color = cues.iris_colour(c, gains, eye_px)
    brow_colour, thickness = cues.brows(c, gains, skin, attrs.hair.color if hair.color else None)
    attrs.brows.color, attrs.brows.thickness = brow_colour, round(thickness, 3)
    glasses = fit_glasses(c)
    if glasses.style != "none":
        attrs.glasses.style = glasses.style
        attrs.glasses.color = cues.frame_colour(c)
    attrs.confidence["glasses.style"] = Confidence(glasses.score, glasses.alternative)
    beard = fit_facial_hair(c, gains)
    attrs.beard.style = beard.style
    if beard.color is not None:
        attrs.beard.color = attrs.hair.color if beard.style == "stubble" else beard.color
    attrs.confidence["beard.style"] = Confidence(beard.score, beard.alternative)
    attrs.clothing.color = clothing_colour(c, gains, skin, attrs.hair.color if hair.color else None,
                                          person) or attrs.clothing.color
    attrs.age.lines = smile_lines(c)
    ears = None if ears_hidden(attrs) else ear_measures(c, skin, person, gains)
    if ears is not None:
        for key, value in ear_attributes(ears).items():
            setattr(attrs.ears, key.split(".")[1], round(value, 3))
    return attrs


def fit_avatar(image: np.ndarray, face: Face | None = None, detector: str = "auto", source: str = "the image") -> Avatar:
    """The avatar of `face` (default: the largest face found) in a photo."""
    rgb = as_rgb(image, source)
    if face is None:
        face = largest_face(rgb, detector, source)
    return Avatar(fit_attributes(rgb, face))
