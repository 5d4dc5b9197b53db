"""Knowledge distillation for the emotion recipe: the loss, teachers at their own input size, a
tiny teacher -> student run that resumes bit for bit, the teacher and student recipe files, and
`--device` errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import torch

from emotion_synthetic import synthetic_csv_text
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.distill import distillation_loss, load_teacher, teacher_probabilities
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.onnx_export import export_onnx_bytes
from toonmoji.emotion.recipe import read_recipe
from toonmoji.emotion.train import TrainSettings, train
from toonmoji.errors import CheckpointError, DataError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def tiny(**overrides: object) -> TrainSettings:
    values = {**read_recipe(CONFIGS / "emotion_resnet.toml"), "epochs": 2, "batch_size": 16, "input_size": 32,
              "block_filters": [8, 16], "depths": [1, 1], "stem_filters": 8, **overrides}
    return TrainSettings.from_dict(values)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("fer") / "fer2013.csv.gz"
    path.write_bytes(gzip.compress(synthetic_csv_text({"Training": 12, "PublicTest": 3}).encode()))
    return read_fer2013(path)


def test_distillation_loss_is_zero_at_the_teacher_and_pulls_towards_it():
    teacher_logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.3]])
    soft = torch.softmax(teacher_logits / 4.0, dim=1)
    assert distillation_loss(teacher_logits, soft, 4.0).item() == pytest.approx(0.0, abs=1e-6)
    student = torch.zeros(2, 3, requires_grad=True)
    loss = distillation_loss(student, soft, 4.0)
    assert loss.item() > 0
    loss.backward()
    step = -student.grad  # a gradient step moves the student's logits towards the teacher's ranking
    assert torch.equal(step.argmax(1), teacher_logits.argmax(1))


def test_teachers_see_the_batch_at_their_own_input_size_and_are_averaged():
    mini = load_teacher("mini-xception")  # 64 px input
    assert mini.config.input_size == 64 and not any(p.requires_grad for p in mini.parameters())
    x = torch.rand(3, 1, 48, 48) * 2 - 1
    alone = teacher_probabilities([mini], x, 1.0)
    direct = torch.softmax(mini(torch.nn.functional.interpolate(x, size=(64, 64), mode="bilinear", align_corners=False)), 1)
    assert torch.allclose(alone, direct, atol=1e-6) and torch.allclose(alone.sum(1), torch.ones(3))
    assert torch.allclose(teacher_probabilities([mini, mini], x, 1.0), alone, atol=1e-6)
    with pytest.raises(CheckpointError, match="neither a checkpoint file nor a packaged model"):
        load_teacher("no-such-model")


def test_distillation_settings_are_checked():
    with pytest.raises(DataError, match="needs at least one teacher"):
        tiny(distill_weight=0.5)
    with pytest.raises(DataError, match="between 0 and 1"):
        tiny(teachers=["mini-xception"], distill_weight=1.5)


def test_a_student_learns_from_a_teacher_and_resumes_bit_for_bit(data, tmp_path):
    torch.set_num_threads(1)
    train(data, tmp_path / "teacher", tiny(epochs=2), show_progress=False)
    teacher = str(tmp_path / "teacher" / "best.pt")
    settings = tiny(teachers=[teacher, "mini-xception"], distill_weight=0.7, name="student")
    straight = train(data, tmp_path / "straight", settings, show_progress=False)
    train(data, tmp_path / "resumed", settings, show_progress=False, stop_after=1)
    resumed = train(data, tmp_path / "resumed", None, resume=True, show_progress=False)
    assert resumed.history == straight.history
    assert list(load_checkpoint(tmp_path / "resumed" / "last.pt").training["settings"]["teachers"]) == [teacher, "mini-xception"]
    plain = train(data, tmp_path / "plain", tiny(name="student"), show_progress=False)
    assert plain.history[0]["loss"] != straight.history[0]["loss"]  # the teachers are in the loss


def test_teacher_and_student_recipes_parse_and_the_student_fits_the_live_budget():
    teacher = TrainSettings.from_dict(read_recipe(CONFIGS / "emotion_teacher.toml"))
    student = TrainSettings.from_dict(read_recipe(CONFIGS / "emotion_student.toml"))
    assert teacher.arch == student.arch == "resnet" and teacher.distill_weight == 0
    assert student.distill_weight > 0 and "mini-xception" in student.teachers
    assert any(t.endswith("best.pt") for t in student.teachers)
    from toonmoji.emotion.model import build_model

    net = build_model(student.model_config()).eval()
    assert len(export_onnx_bytes(net)) <= 5_000_000  # issue 12: a file of at most 5 MB
    big = build_model(teacher.model_config())
    assert sum(p.numel() for p in big.parameters()) > 5 * sum(p.numel() for p in net.parameters())


def test_cli_device_and_teacher_errors_are_one_line(tmp_path, cli):
    csv = tmp_path / "fer.csv"
    csv.write_text(synthetic_csv_text({"Training": 4, "PublicTest": 1}))
    if not torch.cuda.is_available():
        code, _, stderr = cli("emotion", "train", csv, "--out", tmp_path / "a", "--device", "cuda")
        assert code == 2 and "no CUDA GPU" in stderr and "Traceback" not in stderr
    code, _, stderr = cli("emotion", "train", csv, "--out", tmp_path / "b", "--device", "tpu")
    assert code == 2 and "--device" in stderr
    code, _, stderr = cli("emotion", "train", csv, "--out", tmp_path / "c", "--teacher", "nope", "--epochs", "1")
    assert code != 0 and "nope" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "c" / "last.pt").exists()
