"""The packaged classifier: works offline right after install, ONNX equals PyTorch, sane API."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emotion_synthetic import synthetic_faces
from toonmoji.emotion import EMOTIONS, EmotionClassifier, FaceEmotion, classify_image, draw_emotions
from toonmoji.emotion.checkpoint import (
    EmotionCheckpoint,
    load_checkpoint,
    save_checkpoint,
)
from toonmoji.emotion.classifier import to_model_input
from toonmoji.emotion.model import MiniXception, ModelConfig
from toonmoji.emotion.onnx_export import export_onnx_bytes
from toonmoji.emotion.packaged import packaged_path
from toonmoji.errors import CheckpointError, InputError
from toonmoji.samples import darker, no_face_image, scaled


@pytest.fixture(scope="module")
def clf() -> EmotionClassifier:
    return EmotionClassifier.default()


def test_packaged_model_reads_the_smiling_sample_as_happy(clf, portrait):
    results = classify_image(portrait, clf)
    assert len(results) == 1
    r = results[0]
    assert isinstance(r, FaceEmotion) and r.label == "happy" and r.score > 0.5
    assert r.probabilities.shape == (7,) and abs(float(r.probabilities.sum()) - 1) < 1e-4
    x0, y0, x1, y1 = r.face.box
    assert 150 < (x0 + x1) / 2 < 300 and 40 < (y0 + y1) / 2 < 200  # the astronaut's face
    doc = r.to_json()
    assert doc["label"] == "happy" and list(doc["probabilities"]) == list(EMOTIONS) and len(doc["box"]) == 4


def test_variants_of_the_sample_still_read_happy(clf, portrait):
    for image in (scaled(portrait, 0.6), darker(portrait)):
        assert [r.label for r in classify_image(image, clf)] == ["happy"]
    assert classify_image(no_face_image(), clf) == []


def test_shipped_onnx_matches_the_shipped_pytorch_weights():
    clf = EmotionClassifier.load("mini-xception")  # the default's twin test: test_emotion_packaged.py
    model = load_checkpoint(packaged_path(".pt", "mini-xception")).build_model()
    x = to_model_input(list(synthetic_faces(np.arange(14) % 7, side=48, seed=5)), 64)
    x = np.concatenate([x, np.random.default_rng(0).uniform(-1, 1, (4, 1, 64, 64)).astype(np.float32)])
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x)), 1).numpy()
    got = clf.predict_batch(x)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert (got.argmax(1) == expected.argmax(1)).all()


def test_any_checkpoint_exports_to_onnx_with_the_same_predictions(tmp_path):
    torch.manual_seed(0)
    model = MiniXception(ModelConfig(input_size=48)).eval()
    for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2)
    path = save_checkpoint(tmp_path / "m.pt", EmotionCheckpoint(model.config, model.state_dict()))
    from_pt = EmotionClassifier.load(path)
    (tmp_path / "m.onnx").write_bytes(export_onnx_bytes(model))
    from_onnx = EmotionClassifier.load(tmp_path / "m.onnx")
    x = np.random.default_rng(1).uniform(-1, 1, (5, 1, 48, 48)).astype(np.float32)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x)), 1).numpy()
    for c in (from_pt, from_onnx):
        assert c.input_size == 48
        np.testing.assert_allclose(c.predict_batch(x), expected, atol=1e-5)


def test_crops_of_any_size_and_colour_are_accepted(clf, portrait):
    face = portrait[60:170, 170:280]
    grey = face.mean(axis=2).astype(np.uint8)
    probs = clf.predict([face, grey, np.ascontiguousarray(face[::2, ::2]), np.zeros((5, 9), np.uint8)])
    assert probs.shape == (4, 7) and probs.dtype == np.float32
    assert probs[0].argmax() == probs[1].argmax() == 3
    assert clf.predict([]).shape == (0, 7)
    with pytest.raises(InputError):
        clf.predict([np.zeros((10, 10), np.float32)])


def test_a_face_is_read_with_its_mirror_image_unless_asked_not_to(portrait):
    """By default the probabilities are the mean of the face's and its mirror's (a face's emotion
    does not change in a mirror); `flip=False` gives the network's single pass."""
    face = np.ascontiguousarray(portrait[60:170, 170:280])
    crops = [face, np.ascontiguousarray(face[:, ::-1]), np.ascontiguousarray(portrait[200:300, 100:260])]
    both, single = EmotionClassifier.load("mini-xception"), EmotionClassifier.load("mini-xception", flip=False)
    x = to_model_input(crops, 64)
    mirrored = single.predict_batch(np.ascontiguousarray(x[..., ::-1]))
    np.testing.assert_allclose(both.predict(crops), (single.predict_batch(x) + mirrored) / 2, atol=1e-6)
    np.testing.assert_allclose(single.predict(crops), single.predict_batch(x), atol=1e-6)
    np.testing.assert_allclose(both.predict(crops)[0], both.predict(crops)[1], atol=1e-5)  # a face and its mirror agree
    assert not np.allclose(single.predict(crops)[0], single.predict(crops)[1], atol=1e-3)  # one pass: they do not


def test_a_bad_model_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(CheckpointError, match="cannot load ONNX"):
        EmotionClassifier.load(bad)
    with pytest.raises(InputError):
        EmotionClassifier.load(tmp_path / "missing.onnx")


def test_draw_emotions_marks_each_face_and_leaves_the_input_alone(clf, portrait):
    results = classify_image(portrait, clf)
    before = portrait.copy()
    drawn = draw_emotions(portrait, results)
    np.testing.assert_array_equal(portrait, before)
    assert drawn.shape == portrait.shape
    x0, y0, x1, _ = (round(v) for v in results[0].face.box)
    changed = np.any(drawn != portrait, axis=2)
    assert changed[y0, x0:x1].mean() > 0.9  # the box's top edge
    assert changed[y0 : y0 + 70, x1 + 6 : x1 + 80].mean() > 0.3  # probability bars beside it
    assert not changed[400:, :100].any()  # nothing far from the face


def _turned(image: np.ndarray, degrees: float) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)  # counter-clockwise on screen
    return cv2.warpAffine(image, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("degrees", [-30, 30])
def test_a_tilted_head_is_levelled_by_its_eyes_before_it_is_classified(portrait, degrees):
    """The model reads upright faces (FER2013; 66% on PublicTest, 52% with the faces turned 30
    degrees), so the crop of a tilted head is turned until CenterFace's eye points are level: it
    then looks like the upright face's crop, and the unlevelled one does not."""
    import cv2

    from toonmoji.emotion.crop import crop_face, framing
    from toonmoji.faces.detect import eye_line_degrees, make_detector

    det = make_detector("auto", landmarks="none")

    def crops(image):
        face = det.detect(image)[0]
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        roll = eye_line_degrees(face)
        level = cv2.resize(crop_face(grey, face.box, *framing("auto"), roll), (48, 48)).astype(float)
        plain = cv2.resize(crop_face(grey, face.box, *framing("auto")), (48, 48)).astype(float)
        return roll, level, plain

    upright_roll, upright, _ = crops(portrait)
    roll, level, plain = crops(_turned(portrait, degrees))
    assert abs(upright_roll) < 6 and np.sign(roll) == -np.sign(degrees) and 18 < abs(roll) < 40

    def alike(a):
        return np.corrcoef(a.ravel(), upright.ravel())[0, 1]

    assert alike(level) > 0.6 and alike(level) > alike(plain) + 0.2
    assert [r.label for r in classify_image(_turned(portrait, degrees), EmotionClassifier.default())] == ["happy"]
