"""The avatar beside a live face: the panel follows the emotion, the mouth and the head's roll."""

from __future__ import annotations

import numpy as np
import pytest

from toonmoji.avatar import Attributes, Avatar
from toonmoji.avatar.live import AvatarPanel, load_panel
from toonmoji.emotion import EMOTIONS
from toonmoji.emotion.live import EmotionSession
from toonmoji.emotion.recognize import FaceEmotion
from toonmoji.faces import detect_faces
from toonmoji.samples import rotated


@pytest.fixture(scope="module")
def face(portrait):
    return detect_faces(portrait)[0]


def panel_of(portrait, face, label: str) -> np.ndarray:
    probs = np.array([0.94 if e == label else 0.01 for e in EMOTIONS], np.float32)
    out = AvatarPanel(Avatar(Attributes())).frame(portrait, portrait, FaceEmotion(face, probs, EMOTIONS))
    return out[:, portrait.shape[1]:]


def test_panel_follows_the_emotion(portrait, face):
    happy, sad = panel_of(portrait, face, "happy"), panel_of(portrait, face, "sad")
    assert happy.shape == (512, 256, 3)
    assert np.abs(happy.astype(int) - sad).sum() > 10000


def test_panel_follows_the_head_roll(portrait):
    tilted = rotated(portrait, 25)
    f = detect_faces(tilted)[0]
    panel = AvatarPanel(Avatar(Attributes()))
    probs = np.full(7, 1 / 7, np.float32)
    panel.frame(tilted, tilted, FaceEmotion(f, probs, EMOTIONS))
    assert abs(abs(panel.state["roll"]) - 25) < 6


def test_session_with_avatar_file(tmp_path, portrait):
    path = tmp_path / "me.json"
    path.write_text(Avatar(Attributes()).to_json())
    session = EmotionSession.create(panel=load_panel(path), video=False)
    results = session.classify(portrait)
    drawn = session.annotate(portrait, results)
    assert drawn.shape[1] == session.output_size(512, 512)[0] == 512 + 256
