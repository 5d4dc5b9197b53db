"""The named emotion models (issue 27): `accurate` for photos and `live` for video are known by
name; a build without their files says in one line how to make them and every default falls back
to mini-Xception; once packaged (here: tiny models trained for two steps, in a package data folder
made in the test) the defaults pick them. Nothing untrained is ever shipped under those names."""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from emotion_synthetic import synthetic_csv_text
from toonmoji.emotion import packaged
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.classifier import EmotionClassifier, to_model_input
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.live import EmotionSession
from toonmoji.emotion.package import package_model
from toonmoji.emotion.train import TrainSettings, train
from toonmoji.errors import CheckpointError

PACKAGE = Path(packaged.__file__).resolve().parents[1]
TWO_STEPS = TrainSettings(arch="resnet", stem_filters=8, stem_stride=1, block_filters=(8, 16), depths=(1, 1),
                          epochs=1, batch_size=24, input_size=48, calibrate=True, seed=0)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A package data folder holding only what every build ships (mini-Xception)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for suffix in (".pt", ".onnx"):
        shutil.copy(packaged.model_file("mini-xception", suffix), folder)
    monkeypatch.setattr(packaged, "data_dir", lambda: folder)
    return folder


@pytest.fixture(scope="module")
def two_step_model(tmp_path_factory) -> tuple[Path, Path]:
    """(a checkpoint trained for two optimizer steps, the CSV it was trained on)."""
    root = tmp_path_factory.mktemp("tiny")
    csv = root / "fer.csv"
    csv.write_text(synthetic_csv_text({"Training": 10, "PublicTest": 2}))
    torch.set_num_threads(1)
    result = train(read_fer2013(csv), root / "run", TWO_STEPS, show_progress=False)
    assert load_checkpoint(result.last).training["step"] == 2
    return result.best, csv


@pytest.mark.parametrize("name", ["accurate", "live"])
def test_an_unshipped_named_model_is_one_line_saying_how_to_make_it(name, data_dir, cli):
    with pytest.raises(CheckpointError) as info:
        EmotionClassifier.load(name)
    message = str(info.value)
    assert "\n" not in message and "not shipped in this build" in message
    assert f"configs/emotion_{name}.toml" in message and f"toonmoji emotion package runs/{name}/best.pt {name}" in message
    code, _, stderr = cli("emotion", "info", "--model", name)
    assert code == 5 and "not shipped" in stderr and len(stderr.strip().splitlines()) == 1


def test_without_accurate_and_live_every_default_is_mini_xception(data_dir):
    assert packaged.shipped_models() == ["mini-xception"]
    assert packaged.default_model("photo") == packaged.default_model("live") == "mini-xception"
    assert EmotionClassifier.default().name == "mini-xception"
    assert EmotionClassifier.default(use="live").name == "mini-xception"
    assert EmotionSession.create(None, detector="haar", video=True).classifier.name == "mini-xception"


def test_packaged_accurate_and_live_become_the_defaults_for_their_uses(data_dir, two_step_model, portrait):
    checkpoint, _ = two_step_model
    done = package_model(checkpoint, "accurate", folder=data_dir)
    assert done.path == data_dir / "emotion_accurate_fer.onnx" and not done.half
    assert packaged.default_model("photo") == "accurate" and packaged.default_model("live") == "mini-xception"
    clf = EmotionClassifier.default()
    assert clf.name == clf.config.name == "accurate" and clf.flip
    model = load_checkpoint(checkpoint).build_model()
    x = to_model_input(list(np.random.default_rng(0).integers(0, 256, (5, 48, 48), dtype=np.uint8)), 48)
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x)) / model.config.temperature, 1).numpy()
    np.testing.assert_allclose(clf.predict_batch(x), expected, atol=1e-5)
    assert model.config.temperature != 1.0  # calibrated on the hold-out before it was packaged

    package_model(checkpoint, "live", half=True, folder=data_dir)
    assert packaged.default_model("live") == "live"
    live = EmotionSession.create(None, detector="haar", video=True).classifier
    photo = EmotionSession.create(None, detector="haar", video=False).classifier
    assert (live.name, live.flip, photo.name, photo.flip) == ("live", False, "accurate", True)
    chosen = EmotionSession.create("mini-xception", detector="haar", video=True).classifier
    assert chosen.name == "mini-xception"
    np.testing.assert_allclose(live.predict_batch(x), expected, atol=2e-3)  # float16 weights, float32 maths
    with pytest.raises(CheckpointError, match="ONNX only"):
        packaged.packaged_path(".pt", "live")


def test_cli_model_option_takes_packaged_names_and_files(data_dir, two_step_model, cli, tmp_path, portrait):
    from toonmoji.imageio import write_image

    checkpoint, csv = two_step_model
    code, stdout, stderr = cli("emotion", "package", checkpoint, "accurate", "--data-dir", data_dir, "--half", "--csv", csv)
    assert code == 0, stderr
    assert "float16" in stdout and "PublicTest accuracy" in stdout
    code, stdout, stderr = cli("emotion", "info", "--model", "accurate")
    assert code == 0 and "accurate" in stdout and "ResNet" in stdout, stderr
    assert "calibration" in stdout and "float16" in stdout  # the checkpoint's meta, kept in the ONNX file
    code, _, stderr = cli("emotion", "package", checkpoint, "accurate", "--data-dir", data_dir)
    assert code == 3 and "--force" in stderr
    code, _, stderr = cli("emotion", "package", checkpoint, "mini-xception", "--data-dir", data_dir)
    assert code == 2 and "accurate, live" in stderr
    photo = write_image(tmp_path / "p.png", portrait)
    for model in ("accurate", "mini-xception", str(checkpoint)):
        code, stdout, stderr = cli("emotion", photo, "--json", "--model", model, "--detector", "haar")
        assert code == 0 and '"faces"' in stdout, (model, stderr)


def test_packaging_refuses_a_file_that_would_break_the_wheel_budget(data_dir, two_step_model):
    checkpoint, _ = two_step_model
    with open(data_dir / "filler.bin", "wb") as f:
        f.truncate(39_990_000)  # sparse: the folder now reads as 40 MB of data
    with pytest.raises(CheckpointError, match="40 MB"):
        package_model(checkpoint, "accurate", folder=data_dir)
    assert not (data_dir / "emotion_accurate_fer.onnx").exists()


def test_the_package_files_compress_to_well_under_the_40_mb_wheel():
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    compressed = sum(len(zlib.compress(p.read_bytes(), 6)) for p in files)
    assert compressed < 40_000_000
    shipped = [p for name in packaged.PACKAGED for p in [packaged.model_file(name, ".onnx")] if p.is_file()]
    assert shipped and all(p.stat().st_size < 25_000_000 for p in shipped)


def test_the_recipes_of_the_named_models_are_the_issues():
    from toonmoji.emotion.model import build_model
    from toonmoji.emotion.onnx_export import export_onnx_bytes
    from toonmoji.emotion.recipe import read_recipe

    configs = Path(__file__).resolve().parents[1] / "configs"
    accurate = TrainSettings.from_dict(read_recipe(configs / "emotion_accurate.toml"))
    assert (accurate.name, accurate.arch, accurate.stem_stride, accurate.depths) == ("accurate", "resnet", 1, (2, 2, 2, 2))
    assert accurate.block_filters == (64, 128, 256, 512) and accurate.batch_size == 256
    assert (accurate.optimizer, accurate.momentum, accurate.learning_rate, accurate.weight_decay) == ("sgd", 0.9, 0.1, 5e-4)
    assert (accurate.schedule, accurate.warmup_epochs, accurate.label_smoothing) == ("cosine", 1.0, 0.1)
    assert (accurate.rotation_degrees, accurate.zoom, accurate.shift, accurate.mirror, accurate.erasing) == (15, 0.15, 0.2, True, 0.5)
    assert 110 <= accurate.epochs <= 200 and accurate.calibrate
    assert 11e6 < sum(p.numel() for p in build_model(accurate.model_config()).parameters()) < 11.5e6
    live = TrainSettings.from_dict(read_recipe(configs / "emotion_live.toml"))
    assert live.name == "live" and live.teachers == ("runs/accurate/best.pt",) and live.distill_weight > 0
    assert len(export_onnx_bytes(build_model(live.model_config()).eval())) < 5_000_000


def test_the_video_report_reads_faces_with_the_photo_model(monkeypatch, tmp_path):
    """The report is read offline, so it takes the photo model (`accurate` when packaged), while
    the live camera and `emotion VIDEO` take `live`."""
    from toonmoji.emotion import live, video

    asked = {}

    def spy(cls, *args, **kwargs):
        asked.update(kwargs)
        raise RuntimeError("stop here")  # the choice is what this test is about

    monkeypatch.setattr(live.EmotionSession, "create", classmethod(spy))
    with pytest.raises(RuntimeError, match="stop here"):
        video.analyze_video(tmp_path / "clip.mp4")
    assert asked["use"] == "photo" and asked["video"] is True
