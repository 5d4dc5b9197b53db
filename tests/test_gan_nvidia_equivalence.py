"""Fine-tuning reproduces NVIDIA's StyleGAN2-ADA training numbers (no NVIDIA code is shipped).

How the fixtures in tests/data/nvidia_*.{json,npz} were made: NVIDIA's public
stylegan2-ada-pytorch (training/networks.py, loss.py, augment.py; its custom ops fall back to
their reference implementations on a CPU) was run once, outside this repository, with PyTorch
2.13 on CPU. A tiny config-F pair (16 px, 16 channels, z/w 16, two mapping layers, no float16,
no conv clamp) was built with seed 0, given noise strengths of 0.1, a random w_avg and D biases,
and a G_ema perturbed from G. Its state dicts and four batches of reals are nvidia_training.npz.
Then a copy of the training loop's phase logic ran four steps with NVIDIA's StyleGAN2Loss and
its 'bgc' AugmentPipe (batch 4, lr 0.002, gamma 5, R1 every 3 steps, path length every 2 with
weight 2, mixing 0.9, EMA half-life 20 images without ramp-up, ADA from p 0.5 with target 0.6,
interval 2, 20 images per unit of p), torch seed 123 before the first step. Recorded per step
(nvidia_training.json): the losses and penalties NVIDIA's training_stats reported, the gradient
norm of every parameter at each phase's optimiser step, p, r_t, pl_mean and EMA beta; then the
final parameter norms of G, D and G_ema, and NVIDIA's EMA beta schedule with ramp-up 0.05.
nvidia_augment.npz holds four fixed input images and NVIDIA's AugmentPipe output for torch
seeds from 11 up (the first whose draw changes every image; stored with the images): each
augmentation alone at p = 1 (two images), and all of 'bgc' at p = 1 and 0.5 (four images).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from toonmoji.gan.augment import COLOUR, GEOMETRIC, AugmentSpec, augment
from toonmoji.gan.networks import Discriminator, Generator, GeneratorConfig, tiny_networks
from toonmoji.gan.train import FinetuneConfig, Finetuner, auto_gamma, ema_beta

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def nvidia_run():
    log = json.loads((DATA / "nvidia_training.json").read_text())
    arrays = np.load(DATA / "nvidia_training.npz")
    return log, {k: torch.from_numpy(arrays[k]) for k in arrays.files}


def _load(module: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str) -> torch.nn.Module:
    module.load_state_dict({k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")})
    return module


def _tuner(log: dict, tensors: dict[str, torch.Tensor]) -> tuple[Finetuner, list[dict[str, float]]]:
    """Our Finetuner on NVIDIA's initial weights; records per-parameter gradient norms at each
    optimiser step (after NaN cleaning, as NVIDIA's were)."""
    config = GeneratorConfig(resolution=16, z_dim=16, w_dim=16, channel_base=256, channel_max=16, mapping_layers=2)
    G, G_ema = _load(Generator(config), tensors, "G"), _load(Generator(config), tensors, "G_ema")
    D = _load(Discriminator(resolution=16, channel_base=256, channel_max=16, mbstd_group_size=4), tensors, "D")
    tuner = Finetuner(G, D, FinetuneConfig(**log["config"]), G_ema=G_ema)
    grads: list[dict[str, float]] = []
    for opt, module in ((tuner.opt_g, tuner.G), (tuner.opt_d, tuner.D)):
        step = opt.step

        def recording_step(*args, _step=step, _module=module, **kwargs):
            grads.append({n: float(p.grad.norm()) for n, p in _module.named_parameters() if p.grad is not None})
            return _step(*args, **kwargs)

        opt.step = recording_step
    return tuner, grads


def test_four_training_steps_match_nvidia(nvidia_run):
    """Losses, every parameter's gradient in every phase (G main, G path length, D main, D R1
    on augmented reals), ADA's p, the path-length mean, and the final G, D and G_ema (so the
    optimiser steps, the style mixing, the augmentations and the EMA all agree)."""
    log, tensors = nvidia_run
    tuner, grads = _tuner(log, tensors)
    names = {"Loss/G/loss": "loss_g", "Loss/pl_penalty": "pl", "Loss/D/loss": "loss_d", "Loss/r1_penalty": "r1"}
    torch.manual_seed(log["seed"])
    for i, ref in enumerate(log["steps"]):
        grads.clear()
        stats = tuner.train_step(tensors["reals"][i])
        assert set(stats) == {names[k] for k in ref["losses"]}, f"step {i}: phases run"
        for key, value in ref["losses"].items():
            assert stats[names[key]] == pytest.approx(value, rel=1e-5, abs=1e-7), f"step {i} {key}"
        assert len(grads) == len(ref["phases"])
        for (phase, ref_norms), norms in zip(ref["phases"].items(), grads):
            assert norms.keys() == ref_norms.keys(), f"step {i} {phase}: parameters with a gradient"
            for name, value in ref_norms.items():
                assert norms[name] == pytest.approx(value, rel=1e-4, abs=1e-8), f"step {i} {phase} {name}"
        assert tuner.ada.p == pytest.approx(ref["augment_p"], abs=1e-6), f"step {i}: ADA p"
        assert float(tuner.pl_mean) == pytest.approx(ref["pl_mean"], rel=1e-5)
    for prefix, module in (("G", tuner.G), ("D", tuner.D), ("G_ema", tuner.G_ema)):
        for name, p in module.named_parameters():
            assert float(p.norm()) == pytest.approx(log["final_norms"][f"{prefix}.{name}"], rel=1e-5), f"{prefix}.{name}"
    assert torch.allclose(tuner.G_ema.mapping.w_avg, torch.tensor(log["final_w_avg"]), atol=1e-6)


def test_ema_beta_per_step_matches_nvidia(nvidia_run):
    log, _ = nvidia_run
    cfg = FinetuneConfig(**log["config"])
    for i, ref in enumerate(log["steps"]):
        assert ema_beta(cfg, cfg.batch, i * cfg.batch) == pytest.approx(ref["ema_beta"], rel=1e-12)
    scratch = FinetuneConfig(batch=4, ema_kimg=10, ema_rampup=0.05)  # NVIDIA's from-scratch schedule
    ours = [ema_beta(scratch, 4, nimg) for nimg in range(0, 24, 4)]
    assert ours == pytest.approx(log["ema_beta_rampup_0.05_kimg_10"], rel=1e-12)
    assert ours[0] == 0.0  # a ramp-up copies G at the first step: transfer learning turns it off
    default = FinetuneConfig(batch=4)
    assert default.ema_rampup is None and ema_beta(default, 4, 0) == pytest.approx(0.5 ** (4 / 1250))


def test_ema_half_life_counts_every_process_batch():
    """Under torchrun the half-life follows the total batch (batch * processes), as NVIDIA's."""
    cfg = FinetuneConfig(batch=4)
    assert ema_beta(cfg, 8, 10_000) == pytest.approx(0.5 ** (8 / (8 * 10 / 32 * 1000)))


def test_auto_gamma_is_nvidias_rule():
    assert auto_gamma(1024, 4) == pytest.approx(52.4288)
    assert auto_gamma(256, 16) == pytest.approx(0.8192)


@pytest.fixture(scope="module")
def nvidia_augment():
    arrays = np.load(DATA / "nvidia_augment.npz")
    return {k: torch.from_numpy(arrays[k]) for k in arrays.files}


@pytest.mark.parametrize("name", GEOMETRIC + COLOUR)
def test_each_augmentation_matches_nvidia(nvidia_augment, name):
    x = nvidia_augment["input"][:2]
    torch.manual_seed(int(nvidia_augment[f"{name}_p1.0_seed"]))
    ours = augment(x, 1.0, AugmentSpec.only(name))
    ref = nvidia_augment[f"{name}_p1.0"]
    assert ((ref - x).abs().flatten(1).max(dim=1).values > 0.05).all(), "the fixture changes every image"
    assert torch.allclose(ours, ref, atol=2e-5), float((ours - ref).abs().max())


@pytest.mark.parametrize("p", [1.0, 0.5])
def test_whole_bgc_pipeline_matches_nvidia(nvidia_augment, p):
    x = nvidia_augment["input"]
    torch.manual_seed(int(nvidia_augment[f"bgc_p{p}_seed"]))
    ours = augment(x, p)
    assert torch.allclose(ours, nvidia_augment[f"bgc_p{p}"], atol=2e-5)


def test_non_finite_gradients_are_cleaned_before_every_optimiser_step():
    """NVIDIA's loop runs nan_to_num(nan=0, posinf=1e5, neginf=-1e5) on every gradient before each
    phase's step. Gradients turned NaN / +inf / -inf during the real backward passes of G and D
    must reach Adam as 0 / 1e5 / -1e5, and leave the weights and Adam's moments finite."""
    G, D = tiny_networks(resolution=16)
    tuner = Finetuner(G, D, FinetuneConfig(batch=4, ada=False))
    poisoned = {"G": tuner.G.synthesis.b8.conv1.weight, "D": tuner.D.b8.conv0.weight}
    bad = torch.tensor([float("nan"), float("inf"), -float("inf")])

    def poison(grad: torch.Tensor) -> torch.Tensor:
        grad = grad.clone(memory_format=torch.contiguous_format)
        grad.view(-1)[:3] = bad
        return grad

    for p in poisoned.values():
        p.requires_grad_(True).register_hook(poison)  # the hook stays; each phase switches grads
        p.requires_grad_(False)
    seen: dict[str, list[list[float]]] = {"G": [], "D": []}
    for opt, key in ((tuner.opt_g, "G"), (tuner.opt_d, "D")):
        step = opt.step

        def recording_step(*args, _step=step, _key=key, **kwargs):
            seen[_key].append(poisoned[_key].grad.reshape(-1)[:4].tolist())
            return _step(*args, **kwargs)

        opt.step = recording_step
    torch.manual_seed(0)
    tuner.train_step(torch.rand(4, 3, 16, 16) * 2 - 1)  # step 0: all four phases
    assert len(seen["G"]) == 2 and len(seen["D"]) == 2
    for key, rows in seen.items():
        for row in rows:
            assert row[:3] == [0.0, 1e5, -1e5], key
            assert np.isfinite(row[3]), key
        p = poisoned[key]
        opt = tuner.opt_g if key == "G" else tuner.opt_d
        assert torch.isfinite(p).all() and torch.isfinite(opt.state[p]["exp_avg_sq"]).all(), key
