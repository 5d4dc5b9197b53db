"""FER2013 CSV reading, training that really learns, resumption, evaluation (all on CSVs made here)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emotion_synthetic import synthetic_csv_text
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.train import TrainSettings, train
from toonmoji.errors import DataError, OutputExistsError
from toonmoji.imageio import read_image

FAST = TrainSettings(epochs=8, batch_size=32, input_size=32, seed=0)


@pytest.fixture(scope="module")
def learnable_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("fer") / "fer2013.csv"
    path.write_text(synthetic_csv_text({"Training": 40, "PublicTest": 10, "PrivateTest": 10}))
    return path


def test_malformed_rows_are_skipped_and_reported_by_line(tmp_path):
    good = "0," + " ".join(["7"] * 2304) + ",Training"
    lines = ["emotion,pixels,Usage", good,
             "3," + " ".join(["1"] * 2303) + ",Training",           # line 3: a pixel short
             "9," + " ".join(["1"] * 2304) + ",PublicTest",         # line 4: label out of range
             "x," + " ".join(["1"] * 2304) + ",Training",           # line 5: label not a number
             "2," + " ".join(["1"] * 2303) + " 300,Training",       # line 6: pixel > 255
             "2," + " ".join(["1"] * 2304) + ",Elsewhere",          # line 7: unknown usage
             good.replace("0,", "6,", 1).replace("Training", "PrivateTest")]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines) + "\n")
    data = read_fer2013(path)
    assert len(data) == 2 and data.labels.tolist() == [0, 6]
    assert data.images.shape == (2, 48, 48) and data.images.dtype == np.uint8 and data.images[0, 0, 0] == 7
    assert data.counts() == {"Training": 1, "PublicTest": 0, "PrivateTest": 1}
    assert [s.line for s in data.skipped] == [3, 4, 5, 6, 7]
    reasons = [s.reason for s in data.skipped]
    assert "2303" in reasons[0] and "outside" in reasons[1] and "integer" in reasons[2]
    assert "255" in reasons[3] and "Usage" in reasons[4]


def test_unusable_csvs_are_one_clear_error(tmp_path):
    wrong_header = tmp_path / "a.csv"
    wrong_header.write_text("label,image\n0,1 2 3\n")
    with pytest.raises(DataError, match="header"):
        read_fer2013(wrong_header)
    all_bad = tmp_path / "b.csv"
    all_bad.write_text("emotion,pixels,Usage\n0,1 2 3,Training\n")
    with pytest.raises(DataError, match="no usable rows"):
        read_fer2013(all_bad)


def test_training_on_a_learnable_task_beats_chance_by_far(learnable_csv, tmp_path):
    torch.set_num_threads(2)
    data = read_fer2013(learnable_csv)
    result = train(data, tmp_path / "run", FAST, show_progress=False)
    assert len(result.history) == FAST.epochs
    first, last = result.history[0], result.history[-1]
    assert last["loss"] < first["loss"]
    # 7 balanced classes: chance is 14%
    assert result.evaluations["PublicTest"].accuracy > 0.6
    assert result.evaluations["PrivateTest"].accuracy > 0.6
    assert result.best.is_file() and (tmp_path / "run" / "confusion_PrivateTest.png").is_file()
    assert read_image(tmp_path / "run" / "confusion_PrivateTest.png").shape[0] > 100
    best = load_checkpoint(result.best)
    assert best.config.input_size == 32 and best.meta["val_accuracy"] > 0.6
    with pytest.raises(OutputExistsError, match="--resume"):
        train(data, tmp_path / "run", FAST, show_progress=False)


def test_resuming_continues_exactly_where_training_stopped(learnable_csv, tmp_path):
    torch.set_num_threads(2)
    data = read_fer2013(learnable_csv)
    short = TrainSettings(**{**FAST.__dict__, "epochs": 3})
    straight = train(data, tmp_path / "straight", short, show_progress=False)
    part = TrainSettings(**{**FAST.__dict__, "epochs": 2})
    train(data, tmp_path / "resumed", part, show_progress=False)
    resumed = train(data, tmp_path / "resumed", short, resume=True, show_progress=False)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert resumed.history[-1]["loss"] == pytest.approx(straight.history[-1]["loss"], rel=1e-5)
    a = load_checkpoint(straight.last).state_dict
    b = load_checkpoint(resumed.last).state_dict
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-5) for k in a)


def test_cli_train_then_eval(learnable_csv, tmp_path, cli):
    csv = tmp_path / "with_bad_rows.csv"
    text = learnable_csv.read_text().splitlines()
    text.insert(5, "4,1 2 3,Training")  # becomes line 6
    csv.write_text("\n".join(text) + "\n")
    out = tmp_path / "run"
    code, stdout, stderr = cli("emotion", "train", csv, "--out", out, "--epochs", "2", "--input-size", "32")
    assert code == 0, stderr
    assert "line 6" in stderr and "skipped 1 malformed row" in stderr
    assert "PrivateTest" in stdout and "confusion" in stdout and (out / "confusion_PublicTest.png").is_file()
    code, stdout, stderr = cli("emotion", "train", csv, "--out", out, "--epochs", "3", "--input-size", "32", "--resume")
    assert code == 0, stderr
    assert "resuming" in stdout and "epoch 3/3" in stdout and "epoch 1/3" not in stdout
    code, stdout, stderr = cli("emotion", "eval", out / "best.pt", csv, "--usage", "PublicTest",
                               "--confusion", tmp_path / "cm.png")
    assert code == 0, stderr
    assert "precision" in stdout and "recall" in stdout and "accuracy" in stdout
    assert (tmp_path / "cm.png").is_file()
    code, stdout, _ = cli("emotion", "eval", "pretrained", csv, "--json")
    assert code == 0 and '"accuracy"' in stdout
    code, _, stderr = cli("emotion", "eval", out / "best.pt", tmp_path / "missing.csv")
    assert code == 2 and "no such file" in stderr and "Traceback" not in stderr
