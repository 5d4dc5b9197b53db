"""Annotated pictures: each face's label card stays off every face, off the other cards, and inside
the picture, in crowded group photos too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from toonmoji.emotion import EMOTIONS, FaceEmotion, draw_emotions
from toonmoji.emotion.draw import emotion_cards
from toonmoji.faces.detect import Face

FACES = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces"


def _result(box: tuple[float, float, float, float], label: str = "surprise") -> FaceEmotion:
    probabilities = np.full(len(EMOTIONS), 0.02, np.float32)
    probabilities[EMOTIONS.index(label)] = 1 - 0.02 * (len(EMOTIONS) - 1)
    return FaceEmotion(Face(box, 0.9, np.zeros((68, 2))), probabilities)


def _check(size: tuple[int, int], results: list[FaceEmotion], bars: bool = True) -> list:
    cards = emotion_cards(size, results, bars)
    height, width = size
    rects = [c.rect for c in cards]
    boxes = [tuple(round(v) for v in r.face.box) for r in results]
    for card, (x0, y0, x1, y1) in zip(cards, rects):
        assert card.free
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, "a card leaves the picture"
        for bx0, by0, bx1, by1 in boxes:
            assert min(x1, bx1) <= max(x0, bx0) or min(y1, by1) <= max(y0, by0), "a card covers a face"
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), "cards overlap"
    return cards


def test_a_crowded_row_of_faces_gets_every_card_clear():
    # eleven 70-px faces across a 640x360 picture, two rows, one face at each edge
    boxes = [(8 + i * 122, 40, 78 + i * 122, 110) for i in range(6)]
    boxes += [(60 + i * 122, 190, 130 + i * 122, 260) for i in range(5)]
    boxes[5] = (570, 40, 640, 110)  # touching the right edge: its card cannot go right
    results = [_result(b, label) for b, label in zip(boxes, EMOTIONS * 2)]
    cards = _check((360, 640), results)
    assert sum(c.beside for c in cards) >= 8  # most cards sit right beside their face
    drawn = draw_emotions(np.zeros((360, 640, 3), np.uint8), results)
    assert drawn.shape == (360, 640, 3)


def test_a_face_at_the_edge_keeps_its_label_inside():
    results = [_result((560, 0, 640, 80)), _result((0, 400, 80, 480))]
    _check((480, 640), results)
    _check((480, 640), results, bars=False)


def test_a_picture_full_of_face_gives_a_smaller_card_not_a_lost_one():
    cards = emotion_cards((200, 200), [_result((20, 20, 180, 180))])
    assert len(cards) == 1
    x0, y0, x1, y1 = cards[0].rect
    assert 0 <= x0 and 0 <= y0 and x1 <= 200 and y1 <= 200


@pytest.mark.skipif(not FACES.is_dir(), reason=f"real group photos not here ({FACES})")
def test_real_group_photos_keep_cards_off_faces_and_inside():
    from toonmoji.emotion import classify_image
    from toonmoji.imageio import read_image

    photos = sorted(FACES.glob("*.jpg"))
    assert photos
    for photo in photos:
        image = read_image(photo)
        results = classify_image(image)
        _check(image.shape[:2], results)
