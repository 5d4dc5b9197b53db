"""The emotion models shipped in the package: picked by name, ONNX equal to the .pt, small, and
(where the real FER2013 file is at ../shared/data) as accurate on PublicTest as the README says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from emotion_synthetic import synthetic_faces
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.classifier import EmotionClassifier, to_model_input
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.packaged import default_model, model_file, packaged_path, shipped_models
from toonmoji.errors import CheckpointError

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the checkout (a worktree one level deeper finds it too)
FER2013 = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared")
                if (p / "data" / "fer2013" / "fer2013.csv.gz").is_file()), REPO.parent / "shared") / "data" / "fer2013" / "fer2013.csv.gz"
# PublicTest accuracy measured when each model was shipped (README table), ONNX: as users get it
# (each face averaged with its mirror image) and the network's single pass
PUBLIC_TEST_ACCURACY = {"mini-xception": {"flip": 0.6631, "single": 0.6523}}


@pytest.mark.parametrize("name", shipped_models())
def test_each_packaged_model_loads_by_name_and_its_onnx_equals_its_pt(name):
    clf = EmotionClassifier.load(name)
    assert clf.name == name and clf.config.name == name and clf.classes[3] == "happy"
    # large models ship as ONNX only, float16 weights (issue 27): `accurate` up to 25 MB
    assert packaged_path(".onnx", name).stat().st_size <= (25_000_000 if name == "accurate" else 5_000_000)
    if not model_file(name, ".pt").is_file():
        return
    ckpt = load_checkpoint(packaged_path(".pt", name))
    model = ckpt.build_model()
    size = ckpt.config.input_size
    x = to_model_input(list(synthetic_faces(np.arange(14) % 7, side=48, seed=5)), size)
    x = np.concatenate([x, np.random.default_rng(0).uniform(-1, 1, (4, 1, size, size)).astype(np.float32)])
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x)) / ckpt.config.temperature, 1).numpy()
    got = clf.predict_batch(x)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert packaged_path(".pt", name).stat().st_size <= 5_000_000


def test_default_and_none_are_the_default_model_and_unknown_names_are_one_clear_error():
    photos = default_model("photo")  # accurate where this build ships it, else mini-xception
    assert EmotionClassifier.default().name == photos == EmotionClassifier.load(None).name
    x = np.random.default_rng(1).uniform(-1, 1, (3, 1, 64, 64)).astype(np.float32)
    a = EmotionClassifier.default()
    b = EmotionClassifier.load(photos)
    x = x[:, :, : a.input_size, : a.input_size]
    np.testing.assert_array_equal(a.predict_batch(x), b.predict_batch(x))
    with pytest.raises(CheckpointError, match="packaged model"):
        EmotionClassifier.load("mini-xceptoin")


def test_cli_takes_a_model_name_on_emotion_commands(cli, tmp_path, portrait):
    from toonmoji.imageio import write_image

    code, stdout, stderr = cli("emotion", "info", "--model", "mini-xception")
    assert code == 0, stderr
    assert "mini-xception" in stdout and "mini-Xception" in stdout and "temperature" in stdout
    photo = write_image(tmp_path / "p.png", portrait)
    code, stdout, stderr = cli("emotion", photo, "--json", "--model", "mini-xception")
    assert code == 0, stderr
    assert '"happy"' in stdout
    code, _, stderr = cli("emotion", "info", "--model", "no-such-model")
    assert code != 0 and "no-such-model" in stderr and "Traceback" not in stderr


@pytest.mark.skipif(not FER2013.is_file(), reason=f"real FER2013 not here ({FER2013} absent; see ../shared/data/README.md)")
@pytest.mark.parametrize("name", shipped_models())
def test_each_shipped_model_keeps_its_public_test_accuracy(name):
    if name not in PUBLIC_TEST_ACCURACY:
        pytest.fail(f"{name} ships without its measured PublicTest accuracy: add it to PUBLIC_TEST_ACCURACY")
    data = read_fer2013(FER2013, usages=("PublicTest",))
    images, labels = data.split("PublicTest")
    assert len(labels) == 3589
    clf = EmotionClassifier.load(name)
    x = to_model_input(list(images), clf.input_size)
    for mode, predict in (("flip", clf.probabilities), ("single", clf.predict_batch)):
        predicted = np.concatenate([predict(x[i : i + 512]).argmax(1) for i in range(0, len(x), 512)])
        accuracy = float((predicted == labels).mean())
        assert accuracy == pytest.approx(PUBLIC_TEST_ACCURACY[name][mode], abs=0.002), mode


@pytest.mark.parametrize("name", shipped_models())
def test_the_sample_face_keeps_its_label_under_box_jitter(name, portrait):
    import cv2

    from toonmoji.emotion.crop import crop_face, framing, jittered_boxes
    from toonmoji.emotion.recognize import classify_image

    clf = EmotionClassifier.load(name)
    [face] = classify_image(portrait, clf)  # the default detector, `auto`, framed as it frames
    grey = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    probs = clf.predict([crop_face(grey, b, *framing("auto")) for b in jittered_boxes(face.face.box, 40, np.random.default_rng(0))])
    labels = [clf.classes[i] for i in probs.argmax(1)]
    assert face.label == "happy" and labels.count("happy") == len(labels), labels


def test_crops_frame_faces_per_detector_like_fer2013():
    from toonmoji.emotion.crop import framing, square_box

    box = (100.0, 100.0, 200.0, 200.0)
    assert square_box(box, *framing("haar")) == (100, 100, 200, 200)  # Haar's box is FER's frame
    x0, y0, x1, y1 = square_box(box, *framing("dlib"))  # dlib's is tighter and lower
    assert x1 - x0 == y1 - y0 == 110 and (y0 + y1) / 2 == pytest.approx(150 - 6.5, abs=1)
    assert framing("something-else") == framing("haar")
