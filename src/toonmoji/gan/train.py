"""Fine-tuning a StyleGAN2 generator on a small folder of character faces.

The loop follows StyleGAN2-ADA's training loop (kept apart from the networks): non-saturating
logistic loss, lazy R1 on reals and path-length regularisation on fakes, an EMA copy of the
generator, and adaptive discriminator augmentation for data sets of a few hundred images.
Snapshots come every `snap_kimg` thousand real images (the seed needed frequent ones to catch the
moment a generator is cartoonish but still face-like), each with a grid from fixed seeds and a
checkpoint; `latest.pt` holds everything needed to resume exactly where the run stopped.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist

from toonmoji.gan.augment import AdaptiveP, augment
from toonmoji.gan.losses import (
    d_logistic_loss,
    g_nonsaturating_loss,
    path_length_penalty,
    r1_penalty,
)


@dataclass
class FinetuneConfig:
    """Hyper-parameters; the defaults are StyleGAN2-ADA's for small-data transfer learning."""

    batch: int = 4
    total_kimg: float = 10.0
    snap_kimg: float = 1.0
    lr: float = 0.002
    r1_gamma: float = 10.0
    r1_interval: int = 16
    pl_weight: float = 2.0
    pl_interval: int = 4
    ema_kimg: float | None = None  # None: batch * 10 / 32, StyleGAN2-ADA's choice for small batches
    ema_rampup: float = 0.05  # early on, the EMA half-life is at most this fraction of images seen
    ada: bool = True
    ada_target: float = 0.6
    ada_interval: int = 4
    ada_kimg: float = 100.0
    augment_p: float = 0.0
    grid_seeds: list[int] = field(default_factory=lambda: list(range(16)))
    seed: int = 0


@dataclass
class TickStats:
    kimg: float
    loss_g: float
    loss_d: float
    r1: float
    pl: float
    augment_p: float
    rt: float
    sec_per_tick: float


def sync_gradients(module: torch.nn.Module) -> None:
    """Average gradients over a torchrun group (a no-op on one process).

    Done by hand, as StyleGAN2-ADA does, rather than with DDP wrappers: the generator and
    discriminator switch requires_grad on and off between phases, which DDP does not expect.
    """
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return
    world = dist.get_world_size()
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


def sync_buffers(module: torch.nn.Module) -> None:
    """Average floating-point buffers (the mapping network's running `w_avg`, which each process
    updates from its own latents) so every process holds the same generator."""
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return
    for b in module.buffers():
        if b.is_floating_point():
            dist.all_reduce(b)
            b /= dist.get_world_size()


class Finetuner:
    """State of one fine-tuning run: networks, optimisers, EMA, ADA and counters."""

    def __init__(self, G: torch.nn.Module, D: torch.nn.Module, cfg: FinetuneConfig, device: str | torch.device = "cpu"):
        self.cfg = cfg
        self.device = torch.device(device)
        self.G = G.to(self.device).train().requires_grad_(False)
        self.D = D.to(self.device).train().requires_grad_(False)
        self.G_ema = copy.deepcopy(self.G).eval()
        # lazy regularisation: scale learning rate and betas as StyleGAN2 does
        g_ratio = cfg.pl_interval / (cfg.pl_interval + 1)
        d_ratio = cfg.r1_interval / (cfg.r1_interval + 1)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr * g_ratio, betas=(0.0, 0.99**g_ratio), eps=1e-8)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr * d_ratio, betas=(0.0, 0.99**d_ratio), eps=1e-8)
        self.ada = AdaptiveP(p=cfg.augment_p, target=cfg.ada_target, speed_images=cfg.ada_kimg * 1000)
        self.pl_mean = torch.zeros((), device=self.device)
        self.nimg = 0
        self.step = 0

    # --- one training step -------------------------------------------------------------
    def _z(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.G.z_dim, device=self.device)

    def _fake(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        ws = self.G.mapping(self._z(n), update_w_avg=self.G.training)
        return self.G.synthesis(ws, noise_mode="random"), ws

    def _d_logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.D(augment(images, self.ada.p))

    def train_step(self, reals: torch.Tensor) -> dict[str, float]:
        """One G and one D update on a batch of reals `(B, 3, R, R)` in [-1, 1]."""
        cfg, stats = self.cfg, {}
        reals = reals.to(self.device)
        n = reals.shape[0]

        # G: non-saturating loss
        self.G.requires_grad_(True)
        fakes, _ = self._fake(n)
        loss_g = g_nonsaturating_loss(self._d_logits(fakes))
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        stats["loss_g"] = loss_g.item()
        if self.step % cfg.pl_interval == 0 and cfg.pl_weight > 0:
            images, ws = self._fake(max(1, n // 2))
            penalty, self.pl_mean, _ = path_length_penalty(images, ws, self.pl_mean)
            (penalty * cfg.pl_weight * cfg.pl_interval).backward()
            stats["pl"] = penalty.item()
        sync_gradients(self.G)
        self.opt_g.step()
        self.G.requires_grad_(False)

        # D: logistic loss on fakes and reals, lazy R1
        self.D.requires_grad_(True)
        with torch.no_grad():
            fakes, _ = self._fake(n)
        real_logits = self._d_logits(reals)
        self.ada.observe(real_logits)
        loss_d = d_logistic_loss(real_logits, self._d_logits(fakes))
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        stats["loss_d"] = loss_d.item()
        if self.step % cfg.r1_interval == 0 and cfg.r1_gamma > 0:
            # R1 on un-augmented reals: PyTorch's grid_sample has no double backward, which a
            # gradient penalty through the geometric augmentations would need.
            reals_r1 = reals.detach().requires_grad_(True)
            penalty = r1_penalty(self.D(reals_r1), reals_r1)
            (penalty * (cfg.r1_gamma / 2) * cfg.r1_interval).backward()
            stats["r1"] = penalty.item()
        sync_gradients(self.D)
        self.opt_d.step()
        self.D.requires_grad_(False)

        world = dist.get_world_size() if dist.is_initialized() else 1
        sync_buffers(self.G)
        self._update_ema(n * world)
        self.nimg += n * world
        self.step += 1
        if cfg.ada and self.step % cfg.ada_interval == 0:
            if world > 1:
                self.ada.all_reduce()
            self.ada.update(n * world * cfg.ada_interval)
        return stats

    @torch.no_grad()
    def _update_ema(self, n: int) -> None:
        ema_kimg = self.cfg.ema_kimg if self.cfg.ema_kimg is not None else self.cfg.batch * 10 / 32
        ema_nimg = ema_kimg * 1000
        if self.cfg.ema_rampup > 0:
            ema_nimg = min(ema_nimg, (self.nimg + n) * self.cfg.ema_rampup)
        beta = 0.5 ** (n / max(ema_nimg, 1e-8))
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.copy_(p.lerp(p_ema, beta))
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    # --- resumable state ------------------------------------------------------------
    def state_dict(self) -> dict[str, object]:
        return {
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "augment_p": self.ada.p,
            "ada_observed": [self.ada._signs, self.ada._count],
            "pl_mean": self.pl_mean.cpu(),
            "nimg": self.nimg,
            "step": self.step,
            "rng": torch.get_rng_state(),
            "config": asdict(self.cfg),
        }

    def load_state_dict(self, state: dict[str, object]) -> None:
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.G_ema.load_state_dict(state["G_ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.ada.p = float(state["augment_p"])
        self.ada._signs, self.ada._count = float(state["ada_observed"][0]), int(state["ada_observed"][1])
        self.pl_mean = torch.as_tensor(state["pl_mean"], device=self.device)
        self.nimg = int(state["nimg"])
        self.step = int(state["step"])
        torch.set_rng_state(state["rng"])
        if process_rank() > 0:  # resume.pt holds rank 0's state; other ranks derive their own
            torch.manual_seed(rank_seed(self.cfg.seed, process_rank()) + self.step)


def process_rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def rank_seed(seed: int, rank: int) -> int:
    """The global RNG seed of one process: each rank draws its own latents and augmentations
    (rank 0 keeps the run's seed, so one process behaves as before)."""
    return seed + 1_000_003 * rank


def run_finetune(
    tuner: Finetuner,
    reals: torch.Tensor,
    run_dir: Path,
    on_snapshot: Callable[[Finetuner, int], None],
    on_tick: Callable[[TickStats], None] | None = None,
    on_step: Callable[[Finetuner], None] | None = None,
) -> None:
    """Train until `total_kimg`, calling `on_snapshot(tuner, snapshot_kimg_index)` every
    `snap_kimg` and once at the end; `reals` is the whole prepared folder `(N, 3, R, R)`."""
    cfg = tuner.cfg
    total = int(cfg.total_kimg * 1000)
    snap_every = max(1, int(cfg.snap_kimg * 1000))
    next_snap = (tuner.nimg // snap_every + 1) * snap_every
    rank = process_rank()
    gen = torch.Generator()
    log = run_dir / "log.jsonl"
    tick_start, acc = time.perf_counter(), {"loss_g": 0.0, "loss_d": 0.0, "r1": 0.0, "pl": 0.0, "n": 0}
    while tuner.nimg < total:
        # batches depend only on (seed, step, rank), so a resumed run sees what it would have seen
        gen.manual_seed(cfg.seed * 1_000_003 + tuner.step * 7_919 + rank)
        idx = torch.randint(0, reals.shape[0], (cfg.batch,), generator=gen)
        stats = tuner.train_step(reals[idx])
        for k in ("loss_g", "loss_d", "r1", "pl"):
            acc[k] += stats.get(k, 0.0)
        acc["n"] += 1
        if on_step:
            on_step(tuner)
        if tuner.nimg >= next_snap or tuner.nimg >= total:
            n = max(acc["n"], 1)
            tick = TickStats(
                kimg=tuner.nimg / 1000,
                loss_g=acc["loss_g"] / n,
                loss_d=acc["loss_d"] / n,
                r1=acc["r1"] / n,
                pl=acc["pl"] / n,
                augment_p=tuner.ada.p,
                rt=tuner.ada.rt,
                sec_per_tick=time.perf_counter() - tick_start,
            )
            if rank == 0:
                with log.open("a") as f:
                    f.write(json.dumps(asdict(tick)) + "\n")
            on_snapshot(tuner, tuner.nimg // snap_every)
            if on_tick:
                on_tick(tick)
            next_snap += snap_every
            tick_start, acc = time.perf_counter(), {"loss_g": 0.0, "loss_d": 0.0, "r1": 0.0, "pl": 0.0, "n": 0}
