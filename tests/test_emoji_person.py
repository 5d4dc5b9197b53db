"""The emoji matte with the person matte: the neck ends at one height below the chin, and a
neighbour's head never comes along."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def test_person_matte_telling_in_a_tight_portrait():
    """A head that fills the photo has mostly its own shoulders and hair around it: the person
    matte still tells the head from the backdrop when it is sure of some backdrop; a collage
    (person everywhere, no sure backdrop) does not."""
    from toonmoji.emoji.matte import person_is_telling

    around = np.ones((100, 100), bool)
    tight = np.full((100, 100), 0.99, np.float32)
    tight[:, :8] = 0.02  # a strip of sure backdrop beside the head
    collage = np.full((100, 100), 0.99, np.float32)
    collage[:, :3] = 0.3  # unsure, never backdrop
    assert person_is_telling(tight, around)
    assert not person_is_telling(collage, around)
    assert not person_is_telling(tight, np.zeros((100, 100), bool))


FACES = next((p for p in (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces",
                          Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "faces") if p.is_dir()), None)


@pytest.mark.skipif(FACES is None, reason="real photos not here (../shared/data/faces absent; see ../shared/data/README.md)")
def test_tight_real_portrait_drops_its_backdrop():
    """A real red-carpet portrait whose head fills the frame: the blurred wall at the left edge,
    beside the hair, is not part of the emoji."""
    from toonmoji.imageio import read_image

    photo = read_image(FACES / "Tom_Cruise_avp_2014_4.jpg")
    emoji = make_emoji(photo)
    x0, y0, _, y1 = (round(v) for v in emoji.face.box)
    wall = emoji.matte[y0 : (y0 + y1) // 2, : max(4, x0 // 3)]
    assert wall.mean() < 0.1


@pytest.mark.skipif(FACES is None, reason="real photos not here (../shared/data/faces absent; see ../shared/data/README.md)")
def test_curly_hair_beside_the_face_is_kept_on_a_dark_backdrop():
    """A real group photo: the woman's dark curly hair falls beside her face in front of dark
    foliage, where GrabCut's colour models call it backdrop. The person matte is sure and the
    colour is the crown's hair colour, so a third of the band beside her face, from the eyes to
    the chin, is kept (a fifth when only the crown trusted the person matte)."""
    from toonmoji.faces import detect_faces
    from toonmoji.imageio import read_image

    photo = read_image(FACES / "2008_001322.jpg")
    faces = detect_faces(photo)
    woman = min(faces, key=lambda f: abs((f.box[0] + f.box[2]) / 2 - 265) + abs((f.box[1] + f.box[3]) / 2 - 253))
    emoji = make_emoji(photo, face=woman, others=[f for f in faces if f is not woman])
    frame = HeadFrame.from_landmarks(woman.landmarks)
    yy, xx = np.mgrid[: photo.shape[0], : photo.shape[1]]
    offset = np.stack([xx - frame.origin[0], yy - frame.origin[1]], -1)
    across, along = (offset @ frame.right) / frame.width, (offset @ frame.up) / frame.length
    beside = (np.abs(across) > 0.55) & (np.abs(across) < 0.85) & (along > -0.8) & (along < 0.0)
    assert (emoji.matte[beside] >= 0.5).mean() > 0.28


@pytest.mark.skipif(FACES is None, reason="real photos not here (../shared/data/faces absent; see ../shared/data/README.md)")
def test_a_smaller_face_beside_the_head_is_left_out():
    """A real dinner photo: a woman's face, smaller and further back, touches the man's head.
    Measured from the head centres in face widths her cheek is "nearer" him; her face itself is
    never part of his emoji."""
    from toonmoji.emoji.matte import OTHER_FACE, landmark_alpha
    from toonmoji.faces.detect import make_detector
    from toonmoji.imageio import read_image

    photo = read_image(FACES / "2008_002079.jpg")
    faces = make_detector("auto").detect(photo)
    man = faces[0]  # the largest, at the right
    emoji = make_emoji(photo, face=man, others=faces[1:])
    near = [f for f in faces[1:] if np.hypot(*(HeadFrame.from_landmarks(f.landmarks).origin
                                                - HeadFrame.from_landmarks(man.landmarks).origin)) < 1.6 * man.width]
    assert near, "the woman beside him was not found"
    his = landmark_alpha(man.landmarks, photo.shape[:2], 2.0) > 0  # his own face, where they touch
    for other in near:
        hers = HeadFrame.from_landmarks(other.landmarks).ellipse_mask(photo.shape[:2], *OTHER_FACE) & ~his
        assert (emoji.matte[hers] >= 0.5).mean() < 0.02


def test_plain_light_backdrop_is_told_from_hair_and_skin():
    """A flat light-grey wall is backdrop; white hair (strands) and skin are not."""
    from toonmoji.emoji.matte import plain_backdrop

    rng = np.random.default_rng(0)
    wall = np.full((40, 40, 3), 236, np.uint8) + rng.integers(0, 2, (40, 40, 1), dtype=np.uint8)
    strands = np.tile((200 + 40 * np.sin(np.arange(40) * 1.3))[None, :, None], (40, 1, 3)).astype(np.uint8)
    skin = np.full((40, 40, 3), (224, 172, 150), np.uint8)
    assert plain_backdrop(wall)[5:-5, 5:-5].all()
    assert not plain_backdrop(strands)[5:-5, 5:-5].any()
    assert not plain_backdrop(skin).any()


@pytest.mark.skipif(FACES is None, reason="real photos not here (../shared/data/faces absent; see ../shared/data/README.md)")
def test_collage_tiles_white_backdrops_stay_out_of_bald_heads():
    """A collage of 24 bald men, each on his own tile: the person matte calls some tiles' white
    studio backdrops "person", and they used to come along as a rectangle beside the head (7 of
    the 24 mattes were over 1.6 face widths squared). A bald head's matte is about its face."""
    from toonmoji.emoji.matte import compute_matte
    from toonmoji.faces.detect import make_detector
    from toonmoji.imageio import read_image

    photo = read_image(FACES / "bald_guys.jpg")
    faces = make_detector("auto").detect(photo)
    assert len(faces) >= 20
    areas = []
    for i, face in enumerate(faces):
        matte = compute_matte(photo, face.landmarks, others=[f.landmarks for j, f in enumerate(faces) if j != i])
        areas.append((matte.alpha >= 0.5).sum() / face.width**2)
    assert sum(a > 1.6 for a in areas) <= 3, np.round(areas, 2)


def test_a_neighbours_shirt_beside_the_head_is_not_taken_for_hair():
    """Where the person matte is sure and the colour is the hair's, the matte keeps hair beside
    the face; but below another person's chin it is their shirt or tie, not this head's hair,
    except straight over this forehead (someone standing behind keeps this head's own hair)."""
    import cv2

    from toonmoji.emoji.matte import CROWN_TOP, OTHER_CHEST, sure_hair
    from toonmoji.faces import detect_faces

    portrait = sample_portrait()
    lm = detect_faces(portrait)[0].landmarks
    frame = HeadFrame.from_landmarks(lm)
    shape = portrait.shape[:2]
    hair_coloured = np.full_like(portrait, (70, 50, 35))
    person = np.ones(shape, np.float32)
    labels = np.full(shape, cv2.GC_PR_FGD, np.uint8)
    foreground = np.zeros(shape, bool)
    beside = HeadFrame.from_landmarks(lm + frame.right * 1.0 * frame.width + frame.up * 1.4 * frame.length)
    above = HeadFrame.from_landmarks(lm + frame.up * 2.2 * frame.length)  # standing right behind
    alone = sure_hair(hair_coloured, frame, person, labels, foreground)
    with_neighbours = sure_hair(hair_coloured, frame, person, labels, foreground, [beside, above])
    chests = beside.polygon_mask(shape, OTHER_CHEST) | above.polygon_mask(shape, OTHER_CHEST)
    top = frame.polygon_mask(shape, CROWN_TOP)
    assert alone[chests & ~top].sum() > 500  # without the neighbours it would count as hair ...
    assert not with_neighbours[chests & ~top].any()  # ... with them, none of it does
    assert (chests & top & alone).sum() > 500 and with_neighbours[chests & top & alone].all()
    assert (with_neighbours == alone)[~chests].all()
