"""The fine-tuning loop's transfer-learning behaviour: what it keeps from the base, how it mixes
styles, and how it survives a bad gradient."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from toonmoji.gan.checkpoints import save_checkpoint
from toonmoji.gan.finetune import start_from_base
from toonmoji.gan.networks import tiny_networks
from toonmoji.gan.train import FinetuneConfig, Finetuner, clean_gradients


def test_ema_starts_from_the_checkpoints_average(tmp_path):
    """The base's G_ema (its long-run average) is kept, not replaced by a copy of the raw G."""
    G, D = tiny_networks(resolution=16)
    G_ema = copy.deepcopy(G)
    with torch.no_grad():
        for p in G_ema.parameters():
            p.add_(0.05)
    base = save_checkpoint(tmp_path / "base.pt", G_ema, G, D)
    G2, D2, G_ema2, _ = start_from_base(base, "cpu")
    tuner = Finetuner(G2, D2, FinetuneConfig(batch=4), G_ema=G_ema2)
    for (name, a), b, g in zip(tuner.G_ema.named_parameters(), G_ema.parameters(), G.parameters()):
        assert torch.equal(a, b), name
        assert not torch.equal(a, g), name
    # one step later the EMA is still almost entirely the base's average (half-life 1.25 kimg)
    tuner.train_step(torch.rand(4, 3, 16, 16) * 2 - 1)
    w = tuner.G_ema.synthesis.b16.conv1.weight
    assert (w - G_ema.synthesis.b16.conv1.weight).abs().max() < 0.01


def test_a_base_with_one_generator_trains_a_separate_copy(tmp_path):
    G, D = tiny_networks(resolution=16)
    base = save_checkpoint(tmp_path / "ema_only.pt", G, None, D)
    G2, _, G_ema2, _ = start_from_base(base, "cpu")
    assert G2 is not G_ema2
    assert all(torch.equal(a, b) for a, b in zip(G2.parameters(), G_ema2.parameters()))


def test_style_mixing_gives_later_layers_another_latent():
    G, D = tiny_networks(resolution=16)
    z = torch.randn(3, G.z_dim)
    never = Finetuner(copy.deepcopy(G), copy.deepcopy(D), FinetuneConfig(mixing=0.0))
    _, ws = never.run_G(z)
    assert torch.equal(ws, ws[:, :1].expand_as(ws))
    always = Finetuner(G, D, FinetuneConfig(mixing=1.0))
    for _ in range(5):
        _, ws = always.run_G(z)
        same = (ws == ws[:, :1]).all(dim=2).all(dim=0)  # (num_ws,): layer uses the first w
        cutoff = int(same.long().sum())
        assert 1 <= cutoff < G.num_ws and same[:cutoff].all() and not same[cutoff:].any()


def test_auto_gamma_follows_resolution_and_the_configs_batch():
    """NVIDIA's auto gamma uses the configuration's batch (32 at 16 px), also under --batch."""
    G, D = tiny_networks(resolution=16)
    assert Finetuner(G, D, FinetuneConfig()).r1_gamma == pytest.approx(0.0002 * 16**2 / 32)
    assert Finetuner(G, D, FinetuneConfig(batch=4)).r1_gamma == pytest.approx(0.0002 * 16**2 / 32)
    assert Finetuner(G, D, FinetuneConfig(batch=4, r1_gamma=3.0)).r1_gamma == 3.0


def test_clean_gradients_replaces_nan_and_inf():
    m = torch.nn.Linear(2, 2)
    m.weight.grad = torch.tensor([[float("nan"), float("inf")], [-float("inf"), 0.5]])
    clean_gradients(m)
    assert m.weight.grad.tolist() == [[0.0, 1e5], [-1e5, 0.5]]


def test_an_infinite_gradient_does_not_poison_adam(monkeypatch):
    """Without cleaning, one inf makes Adam's second moment inf and the weights NaN for good."""
    from toonmoji.gan import train

    G, D = tiny_networks(resolution=16)
    tuner = Finetuner(G, D, FinetuneConfig(batch=4, ada=False))
    w = tuner.G.synthesis.b8.conv1.weight
    calls = []

    def gradient_blows_up(module):  # runs where gradients arrive, just before cleaning
        if module is tuner.G and not calls:
            calls.append(1)
            w.grad.fill_(float("inf"))

    monkeypatch.setattr(train, "sync_gradients", gradient_blows_up)
    tuner.train_step(torch.rand(4, 3, 16, 16) * 2 - 1)
    stats = tuner.train_step(torch.rand(4, 3, 16, 16) * 2 - 1)
    assert calls and torch.isfinite(w).all()
    assert torch.isfinite(tuner.opt_g.state[w]["exp_avg_sq"]).all()
    assert all(torch.isfinite(torch.tensor(v)) for v in stats.values())


def _folder(path, count: int = 4):
    from toonmoji.imageio import write_image

    rng = np.random.default_rng(0)
    for i in range(count):
        write_image(path / f"{i}.png", rng.integers(0, 255, (20, 20, 3), dtype=np.uint8))
    return path


def test_finetune_options_reach_the_run(tmp_path, cli):
    G, D = tiny_networks(resolution=16)
    base = save_checkpoint(tmp_path / "base.pt", G, G, D)
    data, run = _folder(tmp_path / "data"), tmp_path / "run"
    code, _, err = cli("gan", "finetune", data, "--base", base, "--out", run, "--kimg", "0.008", "--snap", "0.008",
                       "--gamma", "3.5", "--mixing", "0", "--ema-rampup", "0.05")
    assert code == 0, err
    cfg = json.loads((run / "run.json").read_text())["config"]
    assert (cfg["r1_gamma"], cfg["mixing"], cfg["ema_rampup"]) == (3.5, 0.0, 0.05)
    code, _, err = cli("gan", "finetune", data, "--base", base, "--out", tmp_path / "r2", "--kimg", "0.004")
    cfg = json.loads((tmp_path / "r2" / "run.json").read_text())["config"]
    assert code == 0, err
    # run.json records the resolved settings: NVIDIA's auto at 16 px (batch 32) on one process
    assert (cfg["cfg"], cfg["batch"], cfg["r1_gamma"]) == ("auto", 32, pytest.approx(0.0002 * 16**2 / 32))
    assert cfg["ema_rampup"] is None and cfg["mixing"] == 0.9


@pytest.mark.parametrize(("option", "value"), [("--gamma", "big"), ("--gamma", "-1"), ("--ema-rampup", "auto")])
def test_bad_finetune_option_is_one_line(tmp_path, cli, option, value):
    code, _, err = cli("gan", "finetune", tmp_path, "--base", tmp_path / "b.pt", option, value)
    assert code != 0 and option in err and len(err.strip().splitlines()) == 1
