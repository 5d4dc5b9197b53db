"""`toonmoji gan convert | info | sample` on tiny checkpoints written in the third-party formats."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
import torch

from gan_formats import ada_pickle_bytes, tf_pickle_bytes
from toonmoji.gan.checkpoints import load_generator
from toonmoji.gan.networks import tiny_networks
from toonmoji.gan.sampling import generate, make_grid, parse_seeds
from toonmoji.imageio import read_image


@pytest.fixture(scope="module")
def nets():
    return tiny_networks(resolution=16)


@pytest.fixture
def tf_file(nets, tmp_path):
    G, D = nets
    path = tmp_path / "toonify-blend.pkl"
    path.write_bytes(tf_pickle_bytes(G, G, D))
    return path


def test_convert_then_info(cli, nets, tf_file, tmp_path):
    out = tmp_path / "blend.pt"
    code, stdout, _ = cli("gan", "convert", tf_file, out)
    assert code == 0 and out.exists() and "TensorFlow" in stdout
    z = torch.randn(2, 32)
    with torch.no_grad():
        assert (load_generator(out)(z) - nets[0](z)).abs().max() < 1e-5
    code, _, stderr = cli("gan", "convert", tf_file, out)
    assert code == 3 and "--force" in stderr
    assert cli("gan", "convert", tf_file, out, "--force")[0] == 0

    code, stdout, _ = cli("gan", "info", out)
    assert code == 0
    assert "toonmoji" in stdout and "16 x 16" in stdout
    assert f"{sum(p.numel() for p in nets[0].parameters()):,}" in stdout
    code, stdout, _ = cli("gan", "info", tf_file, "--json")
    info = json.loads(stdout)
    assert info["format"] == "tf"
    assert info["generator"]["resolution"] == 16 and info["num_ws"] == 6
    assert info["channels"] == {"4": 32, "8": 32, "16": 32}
    assert info["parameters"]["D"] == sum(p.numel() for p in nets[1].parameters())


def test_sample_renders_the_same_grid_as_the_api(cli, nets, tmp_path):
    G, D = nets
    path = tmp_path / "snapshot.pkl"
    path.write_bytes(ada_pickle_bytes(G, G, D))
    grid = tmp_path / "grid.png"
    code, _, _ = cli("gan", "sample", path, "--seeds", "0-3", "--psi", "0.7", "--out", grid)
    assert code == 0
    image = read_image(grid)
    assert image.shape == (32, 32, 3)  # 2 x 2 tiles of 16 px
    expected = make_grid(generate(G, [0, 1, 2, 3], truncation_psi=0.7))
    assert np.abs(image.astype(int) - expected.astype(int)).max() <= 1
    assert image.std() > 5  # not blank
    row = tmp_path / "row.png"
    assert cli("gan", "sample", path, "--seeds", "5,9,12", "--columns", "3", "--out", row)[0] == 0
    assert read_image(row).shape == (16, 48, 3)


def test_sample_errors_are_one_line(cli, tf_file, tmp_path):
    code, _, stderr = cli("gan", "sample", tf_file, "--seeds", "seven", "--out", tmp_path / "g.png")
    assert code == 2 and "seed" in stderr and stderr.strip().count("\n") == 0
    code, _, stderr = cli("gan", "sample", tmp_path / "missing.pkl", "--out", tmp_path / "g.png")
    assert code == 2 and "no such file" in stderr
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps({"G_ema": print}))
    code, _, stderr = cli("gan", "info", evil)
    assert code == 5 and "refused" in stderr and stderr.strip().count("\n") == 0
    code, _, stderr = cli("gan", "sample", tf_file, "--noise-mode", "loud", "--out", tmp_path / "g.png")
    assert code == 2 and "noise-mode" in stderr
    assert not (tmp_path / "g.png").exists()


def test_seed_lists():
    assert parse_seeds("0-3,10") == [0, 1, 2, 3, 10]
    assert parse_seeds("7") == [7]
