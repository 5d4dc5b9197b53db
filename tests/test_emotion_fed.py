"""The fed training loop (issue 27): on the CPU it agrees with the classic host loop bit for bit,
resumes bit for bit, and reads FER2013 once into an array cache; bad CSV rows are one line each."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from emotion_synthetic import synthetic_csv_text
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.data_cache import cache_file, load_fer2013
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.loop import WeightAverage
from toonmoji.emotion.model import ModelConfig, build_model
from toonmoji.emotion.train import TrainSettings, train
from toonmoji.errors import DataError

# Everything the fed loop changes is switched on: SGD with a warm-up + cosine schedule, label
# smoothing, the accurate recipe's affine augmentation, random erasing, dropout and EMA weights.
RESNET = TrainSettings(arch="resnet", stem_filters=8, stem_stride=1, block_filters=(8, 16), depths=(1, 1),
                       dropout=0.2, epochs=3, batch_size=16, input_size=24, optimizer="sgd", learning_rate=0.05,
                       weight_decay=5e-4, schedule="cosine", warmup_epochs=1.0, patience=0, label_smoothing=0.1,
                       rotation_degrees=15.0, shift=0.2, zoom=0.15, erasing=0.5, ema_decay=0.99,
                       select="val_accuracy", calibrate=False, seed=3)
MINI = TrainSettings(epochs=2, batch_size=16, input_size=24, calibrate=False, seed=1)
DISTIL = TrainSettings(**{**RESNET.__dict__, "epochs": 2, "teachers": ("mini-xception",), "distill_weight": 0.5})


@pytest.fixture(scope="module")
def csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fer") / "fer2013.csv"
    path.write_text(synthetic_csv_text({"Training": 10, "PublicTest": 2}))
    return path


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path).state_dict


@pytest.mark.parametrize("settings", [RESNET, MINI, DISTIL],
                         ids=["resnet-sgd-cosine-ema", "mini-xception-adam-plateau", "distilled"])
def test_fed_and_classic_loops_give_the_same_losses_and_weights_on_the_cpu(settings, csv, tmp_path):
    torch.set_num_threads(1)
    data = read_fer2013(csv)
    fed = train(data, tmp_path / "fed", settings, show_progress=False, loop="fed")
    classic = train(data, tmp_path / "classic", settings, show_progress=False, loop="classic")
    assert len(fed.history) == settings.epochs
    assert fed.history == classic.history  # every loss, accuracy and hold-out score, exactly
    assert fed.history[0]["loss"] != fed.history[-1]["loss"]
    a, b = _weights(fed.last), _weights(classic.last)
    assert all(torch.equal(a[k], b[k]) for k in a)
    a, b = _weights(fed.best), _weights(classic.best)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_the_fed_loop_resumes_bit_for_bit_and_saves_when_a_call_ends(csv, tmp_path):
    torch.set_num_threads(1)
    data = read_fer2013(csv)
    straight = train(data, tmp_path / "straight", RESNET, show_progress=False)
    part = train(data, tmp_path / "parts", RESNET, show_progress=False, stop_after=1, save_every=5)
    assert len(part.history) == 1 and load_checkpoint(part.last).meta["epoch"] == 1
    # a time limit a second epoch would overrun ends the call after one more, saving last.pt
    part = train(data, tmp_path / "parts", RESNET, resume=True, show_progress=False, save_every=5, time_limit=1e-3)
    assert len(part.history) == 2 and load_checkpoint(part.last).meta["epoch"] == 2 and not part.evaluations
    resumed = train(data, tmp_path / "parts", RESNET, resume=True, show_progress=False, save_every=5)
    assert resumed.history == straight.history
    a, b = _weights(straight.last), _weights(resumed.last)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert load_checkpoint(resumed.last).meta["epoch"] == RESNET.epochs


def test_fused_weight_average_equals_the_per_tensor_one():
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch="resnet", stem_filters=4, block_filters=(4, 8), depths=(1, 1)))
    one, fused = WeightAverage(model, 0.9), WeightAverage(model, 0.9)
    for _ in range(4):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p))
        model.train()(torch.randn(3, 1, 16, 16))  # moves the batch-norm statistics and counters
        one.update(model)
        fused.update_fused(model)
    assert one.steps == fused.steps == 4
    assert all(torch.equal(one.state[k], fused.state[k]) for k in one.state)
    assert not torch.equal(one.state["classifier.weight"], model.classifier.weight)


def test_the_csv_is_decoded_once_into_an_array_cache_keyed_on_the_file(csv, tmp_path):
    folder = tmp_path / "cache"
    first, hit = load_fer2013(csv, cache_dir=folder)
    assert not hit and len(list(folder.glob("*.npz"))) == 1
    again, hit = load_fer2013(csv, cache_dir=folder)
    assert hit and np.array_equal(first.images, again.images) and np.array_equal(first.labels, again.labels)
    assert again.counts() == first.counts() and again.source == str(csv)
    edited = tmp_path / "edited.csv"
    edited.write_text(csv.read_text() + "4," + " ".join(["9"] * 2304) + ",Training\n")
    before = cache_file(edited, folder, 48, 7)
    stat = edited.stat()
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same size, touched later
    assert cache_file(edited, folder, 48, 7) != before
    changed, hit = load_fer2013(edited, cache_dir=folder)
    assert not hit and len(changed) == len(first) + 1
    broken = cache_file(edited, folder, 48, 7)
    broken.write_bytes(b"not an npz")
    assert load_fer2013(edited, cache_dir=folder)[0].labels[-1] == 4  # a broken cache is decoded again


def test_bad_rows_are_named_by_line_and_kept_in_the_cache(tmp_path):
    good = "0," + " ".join(["7"] * 2304) + ",Training"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(["emotion,pixels,Usage", good,
                               "3",                                            # line 3: no pixels column
                               "5," + " ".join(["1"] * 100) + ",Training",      # line 4: wrong pixel count
                               "7," + " ".join(["1"] * 2304) + ",Training"])    # line 5: label outside 0-6
                    + "\n")
    data, _ = load_fer2013(path, cache_dir=tmp_path / "c")
    cached, hit = load_fer2013(path, cache_dir=tmp_path / "c")
    assert hit and [str(s) for s in cached.skipped] == [str(s) for s in data.skipped]
    lines = [str(s) for s in data.skipped]
    assert lines[0].startswith("line 3:") and "'pixels' column is missing" in lines[0]
    assert lines[1].startswith("line 4:") and "expected 2304 pixels, got 100" in lines[1]
    assert lines[2].startswith("line 5:") and "label 7 is outside 0..6" in lines[2]
    only_bad = tmp_path / "only_bad.csv"
    only_bad.write_text("emotion,pixels,Usage\n9," + " ".join(["1"] * 2304) + ",Training\n")
    with pytest.raises(DataError, match="first: line 2: label 9 is outside 0..6"):
        read_fer2013(only_bad)


def test_cli_bad_rows_are_one_line_each_and_a_missing_column_is_one_line(tmp_path, cli):
    rows = synthetic_csv_text({"Training": 3, "PublicTest": 1}).splitlines()
    rows.insert(2, "8," + " ".join(["1"] * 2304) + ",Training")  # line 3
    rows.insert(4, "2,1 2 3,Training")  # line 5
    path = tmp_path / "fer.csv"
    path.write_text("\n".join(rows) + "\n")
    code, stdout, stderr = cli("emotion", "train", path, "--out", tmp_path / "run", "--epochs", "1",
                               "--input-size", "16", "--no-cache", "--device", "cpu")
    assert code == 0, stderr
    skipped = [line for line in stderr.splitlines() if line.startswith("skipped ") and "line" in line]
    assert len(skipped) == 2 and "line 3: label 8 is outside 0..6" in skipped[0]
    assert "line 5: expected 2304 pixels, got 3" in skipped[1] and "decoded in" in stdout
    no_column = tmp_path / "no_pixels.csv"
    no_column.write_text("emotion,Usage\n0,Training\n")
    code, _, stderr = cli("emotion", "train", no_column, "--out", tmp_path / "r2", "--no-cache")
    assert code == 6 and "line 1, the header" in stderr and "'pixels'" in stderr and len(stderr.strip().splitlines()) == 1
    code, _, stderr = cli("emotion", "train", path, "--out", tmp_path / "r3", "--loop", "turbo")
    assert code == 2 and "--loop" in stderr and len(stderr.strip().splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message given where no GPU exists")
def test_cli_device_cuda_without_a_gpu_is_one_line(tmp_path, cli, csv):
    code, _, stderr = cli("emotion", "train", csv, "--out", tmp_path / "run", "--device", "cuda", "--epochs", "1")
    assert code == 2 and stderr.strip().count("\n") == 0 and "no CUDA GPU" in stderr
    assert not (tmp_path / "run").exists()


def test_cli_data_splits_and_joins_array_files_that_train_and_eval_read(csv, tmp_path, cli):
    out = tmp_path / "fer2013.npz"
    code, stdout, stderr = cli("emotion", "data", csv, "--out", out, "--parts", "2")
    assert code == 0, stderr
    parts = [tmp_path / "fer2013.1of2.npz", tmp_path / "fer2013.2of2.npz"]
    assert all(p.is_file() for p in parts) and "wrote" in stdout and not out.exists()
    code, _, stderr = cli("emotion", "data", *parts, "--out", out)
    assert code == 0, stderr
    whole, original = load_fer2013(csv, cache_dir=tmp_path / "c")[0], np.load(out)
    assert np.array_equal(original["images"], whole.images) and np.array_equal(original["labels"], whole.labels)
    assert list(original["usage"]) == list(whole.usage)
    code, _, stderr = cli("emotion", "data", csv, "--out", out)
    assert code == 3 and "--force" in stderr
    code, stdout, stderr = cli("emotion", "train", out, "--out", tmp_path / "run", "--epochs", "1", "--input-size", "16")
    assert code == 0 and "from arrays" in stdout, stderr
    code, stdout, stderr = cli("emotion", "eval", "mini-xception", out, "--usage", "PublicTest", "--json")
    assert code == 0 and '"faces": 14' in stdout, stderr
    (tmp_path / "not.npz").write_bytes(b"nope")
    code, _, stderr = cli("emotion", "eval", "mini-xception", tmp_path / "not.npz")
    assert code == 6 and "array file" in stderr and len(stderr.strip().splitlines()) == 1


def test_the_fast_path_bf16_and_channels_last_learns_and_resumes_on_the_cpu_too(csv, tmp_path):
    """What CUDA runs (bf16 autocast, channels-last), forced on the CPU so it is tested here: it
    learns, distils, resumes and writes float32 checkpoints; it is not the plain path's arithmetic."""
    torch.set_num_threads(1)
    data = read_fer2013(csv)
    settings = TrainSettings(**{**DISTIL.__dict__, "epochs": 3, "calibrate": True})
    fast = train(data, tmp_path / "fast", settings, show_progress=False, fast=True)
    plain = train(data, tmp_path / "plain", settings, show_progress=False)
    assert fast.history != plain.history and fast.history[-1]["loss"] < fast.history[0]["loss"]
    assert abs(fast.history[-1]["loss"] - plain.history[-1]["loss"]) < 0.1  # bf16 rounding, not another task
    weights = _weights(fast.last)
    assert all(v.dtype in (torch.float32, torch.int64) and v.is_contiguous() for v in weights.values())
    train(data, tmp_path / "parts", settings, show_progress=False, fast=True, stop_after=2)
    resumed = train(data, tmp_path / "parts", settings, resume=True, show_progress=False, fast=True)
    assert resumed.history == fast.history and resumed.evaluations["PublicTest"].total == 14


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the fed loop's bf16, channels-last path)")
def test_the_fed_loop_on_cuda_learns_resumes_and_writes_checkpoints_the_cpu_loads(csv, tmp_path):
    data = read_fer2013(csv)
    settings = TrainSettings(**{**RESNET.__dict__, "epochs": 4, "calibrate": True})
    straight = train(data, tmp_path / "gpu", settings, show_progress=False, device="cuda")
    assert straight.history[-1]["loss"] < straight.history[0]["loss"]
    part = train(data, tmp_path / "parts", settings, show_progress=False, device="cuda", stop_after=2)
    assert len(part.history) == 2
    resumed = train(data, tmp_path / "parts", settings, resume=True, show_progress=False, device="cuda")
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    best = load_checkpoint(resumed.best)
    assert best.config.temperature != 1.0 and best.build_model("cpu")(torch.zeros(2, 1, 24, 24)).shape == (2, 7)
    assert resumed.evaluations["PublicTest"].total == 14


def test_evaluation_reports_the_calibration_error_of_the_probabilities():
    from toonmoji.emotion.evaluate import evaluate

    labels = np.array([0, 1, 2, 3])
    faces = np.zeros((4, 1, 8, 8), np.float32)
    sure_and_right = evaluate(lambda x: np.eye(7)[labels[: len(x)]], faces, labels, tuple("abcdefg"))
    assert sure_and_right.accuracy == 1.0 and sure_and_right.ece == pytest.approx(0.0)
    sure_and_wrong = evaluate(lambda x: np.eye(7)[(labels[: len(x)] + 1) % 7], faces, labels, tuple("abcdefg"))
    assert sure_and_wrong.accuracy == 0.0 and sure_and_wrong.ece == pytest.approx(1.0)
    assert sure_and_wrong.to_json()["ece"] == 1.0
