"""Photo -> personal emoji: find the face, matte the head, cut it out, crop it square.

The four stages are kept (`Emoji.steps`) so a user can see what happened, as in the seed's
figure: the original; the head's outline found and the rest masked; the background made
transparent; the square crop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from toonmoji.emoji.crop import SquareCrop, cut_square, head_box, square_around
from toonmoji.emoji.matte import Matte, MatteSettings, compute_matte, decontaminate
from toonmoji.errors import InputError
from toonmoji.faces.detect import Face, FaceDetector, detect_faces, landmarks_68, require_faces

MIN_SIDE = 16
STEP_NAMES = ("original", "masked", "background_removed", "cropped")


@dataclass(frozen=True)
class Emoji:
    """A personal emoji.

    `rgba`: `(S, S, 4) uint8`, the square crop with a transparent background. `matte`: `(H, W)
    float32` alpha in [0, 1] over the whole input. `crop`: where the square lies in the input.
    `face`: the face it was made from (landmarks in input pixels). `steps`: the four stage images
    by name (STEP_NAMES): RGB `(H, W, 3)` for the first two, RGBA for the others.
    """

    rgba: np.ndarray
    matte: np.ndarray
    crop: SquareCrop
    face: Face
    contour: np.ndarray = field(repr=False)
    steps: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def landmarks_in_crop(self) -> np.ndarray:
        """`(68, 2)` landmark positions in `rgba`'s pixels."""
        return self.face.landmarks - [self.crop.left, self.crop.top]


def split_alpha(image: np.ndarray, source: str = "the image") -> tuple[np.ndarray, np.ndarray | None]:
    """`(rgb, alpha)` from an `(H, W, 3|4) uint8` image: RGB composited over white, alpha
    `(H, W) float32` in [0, 1] or None when the image has none (or is fully opaque).

    Raises InputError, in one line, for an image too small to hold a face or fully transparent."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.dtype != np.uint8:
        raise InputError(f"{source}: expected an RGB or RGBA uint8 image, got shape {arr.shape}")
    h, w = arr.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise InputError(f"{source} is {w}x{h} pixels: too small to hold a face (at least {MIN_SIDE}x{MIN_SIDE})")
    if arr.shape[2] == 3:
        return np.ascontiguousarray(arr), None  # OpenCV draws only into C-ordered arrays
    alpha = arr[..., 3].astype(np.float32) / 255.0
    if alpha.max() == 0.0:
        raise InputError(f"{source} is fully transparent: there is nothing to cut out")
    if alpha.min() == 1.0:
        return np.ascontiguousarray(arr[..., :3]), None
    rgb = arr[..., :3].astype(np.float32) * alpha[..., None] + 255.0 * (1.0 - alpha[..., None])
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8), alpha


def find_face(rgb: np.ndarray, detector: str | FaceDetector = "auto", source: str = "the image") -> Face:
    """The largest face, with its 68 landmarks; NoFaceError if there is none."""
    face = require_faces(detect_faces(rgb, detector), source)[0]
    if face.landmarks.shape != (68, 2):
        face = Face(face.box, face.confidence, landmarks_68(rgb, face.box))
    return face


def masked_view(rgb: np.ndarray, matte: Matte, dim: float = 0.6) -> np.ndarray:
    """`(H, W, 3) uint8`: the photo with the background faded to white and the head's outline drawn."""
    # the background everywhere, then the head blended in within the matte's region only
    out = cv2.addWeighted(rgb, 1.0 - dim, np.full_like(rgb, 255), dim, 0.0)
    x0, y0, x1, y1 = matte.region
    a = matte.alpha[y0:y1, x0:x1, None]
    faded = rgb[y0:y1, x0:x1].astype(np.float32) * (a + (1 - a) * (1 - dim)) + 255.0 * (1 - a) * dim
    out[y0:y1, x0:x1] = np.clip(np.rint(faded), 0, 255).astype(np.uint8)
    if len(matte.contour):
        thickness = max(1, round(max(rgb.shape[:2]) / 300))
        cv2.polylines(out, [matte.contour.astype(np.int32)], True, (0, 200, 0), thickness, cv2.LINE_AA)
    return out


def make_emoji(
    image: np.ndarray,
    face: Face | None = None,
    detector: str | FaceDetector = "auto",
    margin: float = 0.06,
    settings: MatteSettings | None = None,
    source: str = "the image",
    others: list[Face] | None = None,
) -> Emoji:
    """A personal emoji from an `(H, W, 3)` RGB or `(H, W, 4)` RGBA `uint8` image.

    `face`: the face to use (landmarks needed); default the largest one found by `detector`.
    `margin`: space around the head, as a fraction of its size, on each side of the square.
    `others`: the photo's other faces, kept out of this one's emoji (default: all the others
    `detector` finds when `face` is not given).
    """
    rgb, known_alpha = split_alpha(image, source)
    if face is None:
        found = require_faces(detect_faces(rgb, detector), source)
        face, others = found[0], found[1:] if others is None else others
    if face.landmarks.shape != (68, 2):
        face = Face(face.box, face.confidence, landmarks_68(rgb, face.box))
    others_lm = [o.landmarks for o in others or [] if o.landmarks.shape == (68, 2)]
    matte = compute_matte(rgb, face.landmarks, known_alpha, settings, others_lm)
    clean = decontaminate(rgb, matte)
    full = np.dstack([clean, np.clip(np.rint(matte.alpha * 255.0), 0, 255).astype(np.uint8)])
    crop = square_around(head_box(matte.alpha, face.landmarks), margin)
    rgba = cut_square(full, crop)
    steps = {
        "original": rgb,
        "masked": masked_view(rgb, matte),
        "background_removed": full,
        "cropped": rgba,
    }
    return Emoji(rgba, matte.alpha, crop, face, matte.contour, steps)
