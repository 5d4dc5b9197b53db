"""The default model's recipe (configs/emotion_resnet.toml) on small CSVs made here: .csv.gz
input, a tiny run that resumes bit for bit, hold-out selection and temperature calibration."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from emotion_synthetic import synthetic_csv_text
from toonmoji.emotion.calibrate import expected_calibration_error, fit_temperature, softmax
from toonmoji.emotion.checkpoint import EmotionCheckpoint, load_checkpoint
from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.model import build_model
from toonmoji.emotion.onnx_export import export_onnx_bytes
from toonmoji.emotion.recipe import read_recipe
from toonmoji.emotion.train import TrainSettings, holdout_split, train
from toonmoji.errors import DataError

RECIPE = Path(__file__).resolve().parents[1] / "configs" / "emotion_resnet.toml"


def tiny_recipe(**overrides: object) -> TrainSettings:
    """The shipped recipe, shrunk so an epoch takes well under a second."""
    values = {**read_recipe(RECIPE), "epochs": 3, "batch_size": 16, "input_size": 32,
              "block_filters": [8, 16], "depths": [1, 1], "stem_filters": 8, **overrides}
    return TrainSettings.from_dict(values)


@pytest.fixture(scope="module")
def gz_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fer") / "fer2013.csv.gz"
    path.write_bytes(gzip.compress(synthetic_csv_text({"Training": 12, "PublicTest": 3}).encode()))
    return path


def test_gzipped_csv_reads_exactly_like_the_plain_one(gz_csv, tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_bytes(gzip.decompress(gz_csv.read_bytes()))
    a, b = read_fer2013(gz_csv), read_fer2013(plain)
    assert a.counts() == {"Training": 84, "PublicTest": 21, "PrivateTest": 0}
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    only = read_fer2013(gz_csv, usages=("PublicTest",))
    assert only.counts() == {"Training": 0, "PublicTest": 21, "PrivateTest": 0}
    assert np.array_equal(only.images, a.split("PublicTest")[0])
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gz_csv.read_bytes()[: len(gz_csv.read_bytes()) // 2])
    with pytest.raises(DataError, match="decompress"):
        read_fer2013(broken)


def test_the_recipe_file_is_a_resnet_with_every_key_known():
    s = TrainSettings.from_dict(read_recipe(RECIPE))
    assert s.arch == "resnet" and s.name == "fer-resnet" and s.input_size == 48
    assert s.select == "val_accuracy" and s.calibrate and 0 < s.val_fraction < 1
    with pytest.raises(DataError, match="unknown training setting"):
        TrainSettings.from_dict({**read_recipe(RECIPE), "learnin_rate": 0.1})


def test_holdout_is_a_stratified_slice_of_training_only():
    labels = np.repeat(np.arange(7), 50)
    keep, hold = holdout_split(labels, 0.1, seed=3)
    assert len(hold) == 35 and np.bincount(labels[hold]).tolist() == [5] * 7
    assert not set(keep) & set(hold) and len(keep) + len(hold) == len(labels)
    assert np.array_equal(hold, holdout_split(labels, 0.1, seed=3)[1])


def test_recipe_run_interrupted_and_resumed_is_bit_for_bit_the_straight_run(gz_csv, tmp_path):
    torch.set_num_threads(1)
    data = read_fer2013(gz_csv)
    settings = tiny_recipe()
    straight = train(data, tmp_path / "straight", settings, show_progress=False)
    part = train(data, tmp_path / "resumed", settings, show_progress=False, stop_after=1)
    assert len(part.history) == 1 and not part.evaluations and not (tmp_path / "resumed" / "confusion_PublicTest.png").exists()
    resumed = train(data, tmp_path / "resumed", None, resume=True, show_progress=False)
    assert resumed.history == straight.history
    a, b = load_checkpoint(straight.last), load_checkpoint(resumed.last)
    assert all(torch.equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert all(torch.equal(a.training["average"][k], b.training["average"][k]) for k in a.state_dict)
    best = load_checkpoint(resumed.best)
    assert best.config.arch == "resnet" and best.config.name == "fer-resnet"
    assert best.config.temperature == pytest.approx(resumed.calibration["temperature"])
    assert best.meta["calibration"]["holdout_faces"] == best.meta["holdout_faces"] == 7  # 10% of 12 per class
    assert set(resumed.evaluations) == {"PublicTest"}


def test_cli_trains_from_the_recipe_file_in_slices(gz_csv, tmp_path, cli):
    recipe = tmp_path / "tiny.toml"
    recipe.write_text(RECIPE.read_text() + '\n[model_note]\nignored = "only [train] is read"\n')
    out = tmp_path / "run"
    args = ("emotion", "train", gz_csv, "--config", recipe, "--out", out, "--epochs", "2", "--batch-size", "16",
            "--input-size", "32")
    code, stdout, stderr = cli(*args, "--stop-after", "1")
    assert code == 0, stderr
    assert "epoch 1/2" in stdout and "continue with --resume" in stdout and "temperature" not in stdout
    code, stdout, stderr = cli("emotion", "train", gz_csv, "--out", out, "--resume")
    assert code == 0, stderr
    assert "resuming" in stdout and "epoch 2/2" in stdout and "temperature" in stdout and "ECE" in stdout
    assert load_checkpoint(out / "best.pt").config.name == "fer-resnet"
    bad = tmp_path / "bad.toml"
    bad.write_text('[train]\narch = "vgg"\n')
    code, _, stderr = cli("emotion", "train", gz_csv, "--config", bad, "--out", tmp_path / "x")
    assert code != 0 and "arch" in stderr and "Traceback" not in stderr


def test_temperature_scaling_recovers_an_overconfident_models_temperature():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 4000)
    true_logits = rng.normal(0, 1.0, (4000, 7))
    true_logits[np.arange(4000), labels] += 1.5
    # sample labels from the calibrated model, then make it 3x overconfident
    p = softmax(true_logits)
    sampled = np.array([rng.choice(7, p=row) for row in p])
    t = fit_temperature(true_logits * 3.0, sampled)
    assert t == pytest.approx(3.0, rel=0.1)
    before = expected_calibration_error(softmax(true_logits * 3.0), sampled)
    after = expected_calibration_error(softmax(true_logits * 3.0, t), sampled)
    assert after < before / 2 and after < 0.03


def test_the_onnx_export_applies_the_checkpoints_temperature():
    settings = tiny_recipe()
    torch.manual_seed(0)
    model = build_model(settings.model_config()).eval()
    x = torch.rand(6, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        logits = model(x)
    ckpt = EmotionCheckpoint(settings.model_config(), model.state_dict())
    hot = EmotionCheckpoint(type(ckpt.config).from_json({**ckpt.config.to_json(), "temperature": 2.5}), model.state_dict())
    got = EmotionClassifier(export_onnx_bytes(hot.build_model())).predict_batch(x.numpy())
    np.testing.assert_allclose(got, torch.softmax(logits / 2.5, 1).numpy(), atol=1e-5)
