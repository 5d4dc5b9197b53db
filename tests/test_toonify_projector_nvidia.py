"""`--quality best` projection follows NVIDIA's projector step for step (no NVIDIA code is shipped).

tests/data/nvidia_projector.{json,npz} were made once, outside this repository, by running
`projector.project()` of NVIDIA's stylegan2-ada-pytorch (commit d72cc7d, PyTorch 2.13, CPU) for 40
steps on the tiny G_ema of nvidia_training.npz, target `reals[0][1]`, torch seed 0 just before the
call. Its VGG16 (which cannot be downloaded here) was replaced by the stand-in `features` below;
everything else is NVIDIA's: w statistics from 10000 `RandomState(123)` latents, Adam (0.9, 0.999),
the learning-rate ramp-up and cosine ramp-down, the latent-noise ramp, the noise-map regulariser
(weight 1e5) and the renormalisation of the noise maps. Recorded: the defaults of `project()`,
the learning rate and every parameter's gradient norm at each Adam step, the stand-in distance,
the w after every step, the final noise maps, and w_avg / w_std.

What differs by design: the perceptual distance (toonmoji uses the base model's discriminator,
PerceptualDistance, not VGG16), the number of steps (300, not 1000) and the w statistics (2000
torch-seeded latents, not 10000 from RandomState(123)); the test supplies NVIDIA's w statistics
and the stand-in distance so that the optimisation itself is compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from toonmoji.gan.networks import Generator, GeneratorConfig
from toonmoji.toonify import project as projection

DATA = Path(__file__).parent / "data"


def features(images: torch.Tensor) -> torch.Tensor:
    """The VGG16 stand-in both runs used: images `(N, 3, H, W)` in [0, 255] -> `(N, F)`."""
    x = images / 127.5 - 1
    a = F.avg_pool2d(x, 2)
    f = a / (a.square().sum(1, keepdim=True) + 1e-8).sqrt()
    return torch.cat([f.flatten(1), a.flatten(1)], 1)


class StandInDistance(torch.nn.Module):
    """NVIDIA's `(target_features - synth_features).square().sum()` on the stand-in features."""

    def __init__(self):
        super().__init__()
        self.dists: list[float] = []

    def target(self, images):
        return features((images + 1) * (255 / 2)).detach(), images

    def forward(self, a, target_features, _small):
        dist = (target_features - features((a + 1) * (255 / 2))).square().sum()
        self.dists.append(float(dist.detach()))
        return dist


@pytest.fixture(scope="module")
def nvidia():
    arrays = np.load(DATA / "nvidia_projector.npz")
    return json.loads((DATA / "nvidia_projector.json").read_text()), {k: torch.from_numpy(arrays[k]) for k in arrays.files}


def _generator() -> Generator:
    arrays = np.load(DATA / "nvidia_training.npz")
    config = GeneratorConfig(resolution=16, z_dim=16, w_dim=16, channel_base=256, channel_max=16, mapping_layers=2)
    G = Generator(config)
    G.load_state_dict({k[6:]: torch.from_numpy(arrays[k]) for k in arrays.files if k.startswith("G_ema.")})
    return G.eval().requires_grad_(False)


def test_best_quality_uses_nvidias_schedule(nvidia):
    ref, _ = nvidia
    cfg = projection.quality_config("best")
    nv = ref["defaults"]
    assert (cfg.lr, cfg.lr_rampdown, cfg.lr_rampup) == (
        nv["initial_learning_rate"], nv["lr_rampdown_length"], nv["lr_rampup_length"])
    assert (cfg.initial_noise, cfg.noise_ramp, cfg.noise_reg) == (
        nv["initial_noise_factor"], nv["noise_ramp_length"], nv["regularize_noise_weight"])
    assert cfg.latent == "w" and cfg.resolution is None and cfg.optimize_noise
    steps = ref["steps"]
    assert [projection.learning_rate(cfg, i / steps) for i in range(steps)] == pytest.approx(ref["lr"], rel=1e-12, abs=0)


def test_best_projection_matches_nvidias_projector_step_by_step(nvidia, monkeypatch):
    ref, arrays = nvidia
    w_avg, w_std = arrays["w_avg"], ref["w_std"]
    monkeypatch.setattr(projection, "w_statistics", lambda G, samples, seed=0: (w_avg.clone(), w_std))
    seen: dict[str, list] = {"lr": [], "grad_norms": []}

    class RecordingAdam(projection.Adam):
        def __init__(self, params, *args, **kwargs):
            super().__init__(params, *args, **kwargs)
            seen["params"] = params

        def step(self, grads):
            seen["lr"].append(self.lr)
            seen["grad_norms"].append([float(g.norm()) for g in grads])
            super().step(grads)

    monkeypatch.setattr(projection, "Adam", RecordingAdam)
    cfg = projection.quality_config("best", steps=ref["steps"], seed=ref["seed"])
    distance = StandInDistance()
    trajectory: list[torch.Tensor] = []
    projection.project(_generator(), arrays["target"], distance, cfg,
                       on_step=lambda _i, _loss, ws: trajectory.append(ws.reshape(-1, 16)[0].clone()))
    assert seen["lr"] == pytest.approx(ref["lr"], rel=1e-12, abs=0)  # ramp-up, plateau, cosine ramp-down
    # noise-map gradients are mostly the regulariser's (x 1e5); w's the distance's
    assert np.array(seen["grad_norms"]) == pytest.approx(np.array(ref["grad_norms"]), rel=1e-3, abs=1e-6)
    assert distance.dists == pytest.approx(ref["dist"], rel=1e-4)
    # latent noise ramp and Adam: the w after every step
    assert torch.stack(trajectory).numpy() == pytest.approx(arrays["w_out"][:, 0].numpy(), abs=2e-4)
    noises = seen["params"][1:]
    assert len(noises) == 5
    for i, n in enumerate(noises):  # renormalised noise maps at the end
        assert n.detach().numpy() == pytest.approx(arrays[f"noise{i}"].numpy(), abs=2e-4), i
