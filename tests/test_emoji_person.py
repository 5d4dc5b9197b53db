"""The emoji matte with the person matte: the neck ends at one height below the chin, and a
neighbour's head never comes along."""

from __future__ import annotations

import numpy as np

from toonmoji.emoji.geometry import HeadFrame
from toonmoji.emoji.make import make_emoji
from toonmoji.emoji.matte import NECK_CUT
from toonmoji.samples import group_photo, sample_portrait, scaled


def lowest_along(emoji) -> float:
    """How far below the nose bridge (in face lengths, down negative) the matte reaches."""
    frame = HeadFrame.from_landmarks(emoji.face.landmarks)
    ys, xs = np.nonzero(emoji.matte >= 0.5)
    along = ((np.c_[xs, ys] - frame.origin) @ frame.up) / frame.length
    return float(along.min())


def long_necked(portrait: np.ndarray) -> np.ndarray:
    """The portrait with her collar painted over in skin colour down to the bottom: a neck (or a
    skin-coloured top) that goes on and on."""
    from toonmoji.faces import detect_faces

    lm = detect_faces(portrait)[0].landmarks
    frame = HeadFrame.from_landmarks(lm)
    skin = portrait[int(lm[29, 1]) - 3 : int(lm[29, 1]) + 3, int(lm[3, 0]) + 8 : int(lm[3, 0]) + 14].reshape(-1, 3).mean(0)
    out = portrait.copy()
    cx, chin_y = int(lm[8, 0]), int(lm[8, 1])
    half = int(0.25 * frame.width)
    out[chin_y - 5 :, cx - half : cx + half] = skin.astype(np.uint8)
    return out


def test_the_neck_is_cut_at_the_same_height_below_the_chin_at_any_size():
    photo = long_necked(sample_portrait())
    depths = [lowest_along(make_emoji(scaled(photo, s))) for s in (0.6, 1.0, 1.8)]
    for d in depths:
        assert NECK_CUT - 0.05 <= d <= NECK_CUT + 0.1, depths
    assert max(depths) - min(depths) < 0.08


def test_a_neighbours_head_is_left_out():
    photo = group_photo(2, face_scale=0.6)  # two copies side by side: the heads nearly touch
    emoji = make_emoji(photo)
    own, other = emoji.face, None
    from toonmoji.faces import detect_faces

    faces = detect_faces(photo)
    assert len(faces) == 2
    other = faces[1] if np.allclose(faces[0].box, own.box) else faces[0]
    x0, y0, x1, y1 = (int(v) for v in other.box)
    assert (emoji.matte[y0:y1, x0:x1] >= 0.5).mean() < 0.02
