"""Fine-tuning a StyleGAN2 generator on a small folder of character faces.

The loop is StyleGAN2-ADA's training loop (`training/training_loop.py`, `training/loss.py`) with
its transfer-learning defaults, kept apart from the networks: each step runs four phases with
their own optimiser steps (G main, G path-length every `pl_interval` steps, D main, D R1 every
`r1_interval` steps: lazy regularisation, with NVIDIA's learning-rate and beta scaling), style
mixing with probability 0.9, R1 on the augmented reals (the gradient goes back through the
augmentation to the clean images), NaN/inf gradients cleaned before every step, an EMA copy of
the generator that starts from the base checkpoint's EMA and has no ramp-up, and adaptive
discriminator augmentation ('bgc') for data sets of a few hundred images. Batch, gamma, EMA and
lr come from NVIDIA's `--cfg` rules (configs.py); a phase accumulates gradients over rounds of
`batch_gpu` images; on CUDA the top resolutions run in float16 with TF32 off; reals come from a
shuffled infinite sampler (sampler.py).
tests/test_gan_nvidia_equivalence.py and tests/test_gan_configs.py check losses, gradients,
augmentations, EMA, settings and sampling against numbers from NVIDIA's code;
docs/guides/finetune-config.md lists what differs by design.

Snapshots come every `snap_kimg` thousand real images (the seed needed frequent ones to catch the
moment a generator is cartoonish but still face-like), each with a grid from fixed seeds and a
checkpoint; `resume.pt` holds everything needed to resume exactly where the run stopped.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F

from toonmoji.gan.augment import AdaptiveP, augment
from toonmoji.gan.configs import FP16_CONV_CLAMP, FinetuneConfig, resolve, uses_fp16
from toonmoji.gan.losses import path_length_penalty
from toonmoji.gan.networks import set_fp16
from toonmoji.gan.sampler import InfiniteSampler, gather

__all__ = ["FinetuneConfig", "Finetuner", "auto_gamma", "ema_beta", "run_finetune"]

PHASES = 4  # G main, G reg, D main, D reg: one slice of latents each, drawn every step


def auto_gamma(resolution: int, total_batch: int) -> float:
    """StyleGAN2-ADA's R1 weight heuristic: 52 at 1024 px with batch 4, about 1 at 256 px with 16."""
    return 0.0002 * resolution**2 / total_batch


def ema_beta(cfg: FinetuneConfig, total_batch: int, nimg: int) -> float:
    """The EMA decay for one step of `total_batch` images taken after `nimg` images were seen.

    The half-life is `ema_kimg` thousand images; with a ramp-up it is at most `nimg * ema_rampup`
    (so the first step copies G outright), which suits training from scratch, not transfer.
    """
    ema_kimg = cfg.ema_kimg if cfg.ema_kimg is not None else total_batch * 10 / 32
    ema_nimg = ema_kimg * 1000
    if cfg.ema_rampup is not None:
        ema_nimg = min(ema_nimg, nimg * cfg.ema_rampup)
    return 0.5 ** (total_batch / max(ema_nimg, 1e-8))


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


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def sync_gradients(module: torch.nn.Module) -> None:
    """Average gradients over a torchrun group (a no-op on one process).

    Done by hand, as StyleGAN2-ADA does, rather than with DDP wrappers: the generator and
    discriminator switch requires_grad on and off between phases, which DDP does not expect.
    """
    if world_size() == 1:
        return
    world = world_size()
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


def sync_buffers(module: torch.nn.Module) -> None:
    """Average floating-point buffers (the mapping network's running `w_avg`, which each process
    updates from its own latents) so every process holds the same generator."""
    if world_size() == 1:
        return
    for b in module.buffers():
        if b.is_floating_point():
            dist.all_reduce(b)
            b /= world_size()


def clean_gradients(module: torch.nn.Module) -> None:
    """NaN -> 0 and +-inf -> +-1e5 in place, as NVIDIA's loop does: one inf would otherwise poison
    Adam's second-moment estimate for the rest of the run."""
    for p in module.parameters():
        if p.grad is not None:
            torch.nan_to_num(p.grad, nan=0.0, posinf=1e5, neginf=-1e5, out=p.grad)


def lazy_adam(params, lr: float, interval: int) -> torch.optim.Adam:
    """Adam(0, 0.99) for a phase that also takes a regularisation step every `interval` steps:
    lr and betas scaled by interval / (interval + 1) so the pair moves like one plain step."""
    ratio = interval / (interval + 1)
    return torch.optim.Adam(params, lr=lr * ratio, betas=(0.0**ratio, 0.99**ratio), eps=1e-8)


@contextmanager
def tf32_off(device: torch.device):
    """TF32 off for matmul and cuDNN convolutions, cuDNN autotuning on, as in NVIDIA's training
    loop (TF32 keeps only 10 mantissa bits; PyTorch allows it for cuDNN by default). The previous
    settings come back afterwards. Nothing changes on a CPU."""
    if device.type != "cuda":
        yield
        return
    backends = torch.backends
    saved = (backends.cuda.matmul.allow_tf32, backends.cudnn.allow_tf32, backends.cudnn.benchmark)
    backends.cuda.matmul.allow_tf32 = backends.cudnn.allow_tf32 = False
    backends.cudnn.benchmark = True
    try:
        yield
    finally:
        backends.cuda.matmul.allow_tf32, backends.cudnn.allow_tf32, backends.cudnn.benchmark = saved


def adapt_network(module: torch.nn.Module, **changes) -> torch.nn.Module:
    """The same network with some architecture settings changed (conv clamp, minibatch-std
    group): rebuilt from its config with the same weights; returned as is when nothing changes.
    Built under a forked RNG, so the random stream of the run does not depend on it."""
    config = replace(module.config, **changes)
    if config == module.config:
        return module
    with torch.random.fork_rng(devices=[]):
        fresh = type(module)(config)
    fresh.load_state_dict(module.state_dict())
    return fresh.to(next(module.parameters()).device).train(module.training)


def prepare_networks(G, D, G_ema, cfg: FinetuneConfig, mixed_precision: bool):
    """G, D and G_ema as NVIDIA's training builds them for `cfg`: D's minibatch-std group from
    the configuration; with mixed precision, conv outputs clamped to +-256 in G and D and the
    top `fp16_res` resolutions marked float16; without, the loaded clamps and float32."""
    g_clamp = FP16_CONV_CLAMP if mixed_precision else G.config.conv_clamp
    d_clamp = FP16_CONV_CLAMP if mixed_precision else D.config.conv_clamp
    G, G_ema = (adapt_network(g, conv_clamp=g_clamp) for g in (G, G_ema))
    D = adapt_network(D, conv_clamp=d_clamp, mbstd_group_size=cfg.mbstd_group)
    for net in (G, D, G_ema):
        set_fp16(net, cfg.fp16_res if mixed_precision else 0)
    return G, D, G_ema


class Finetuner:
    """State of one fine-tuning run: networks, optimisers, EMA, ADA and counters.

    `cfg` is resolved against the generator's resolution and the number of processes (NVIDIA's
    `--cfg` rules, see configs.py). On CUDA with `fp16_res` > 0, G, D and G_ema run their top
    resolutions in float16 with conv outputs clamped to +-256; on a CPU they stay float32 as
    loaded. `G_ema` is the base checkpoint's averaged generator (a copy of `G` when there is none).
    """

    def __init__(
        self,
        G: torch.nn.Module,
        D: torch.nn.Module,
        cfg: FinetuneConfig,
        device: str | torch.device = "cpu",
        G_ema: torch.nn.Module | None = None,
    ):
        self.device = torch.device(device)
        self.cfg = cfg = resolve(cfg, G.img_resolution, world_size())
        self.mixed_precision = uses_fp16(cfg, self.device.type)
        ema = G_ema if G_ema is not None and G_ema is not G else G
        nets = (G.to(self.device), D.to(self.device), copy.deepcopy(ema).to(self.device))
        self.G, self.D, self.G_ema = prepare_networks(*nets, cfg, self.mixed_precision)
        self.G.train().requires_grad_(False)
        self.D.train().requires_grad_(False)
        self.G_ema.eval().requires_grad_(False)
        self.opt_g = lazy_adam(self.G.parameters(), cfg.lr, cfg.pl_interval)
        self.opt_d = lazy_adam(self.D.parameters(), cfg.lr, cfg.r1_interval)
        self.ada = AdaptiveP(p=cfg.augment_p, target=cfg.ada_target, speed_images=cfg.ada_kimg * 1000)
        self.pl_mean = torch.zeros((), device=self.device)
        self.nimg = 0
        self.step = 0
        self.sampler: InfiniteSampler | None = None
        self._sampler_state: dict[str, object] | None = None

    @property
    def total_batch(self) -> int:
        return self.cfg.batch

    @property
    def r1_gamma(self) -> float:
        return self.cfg.r1_gamma

    # --- the networks as the loss sees them ---------------------------------------------
    def run_G(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images `(N, C, R, R)` and ws `(N, num_ws, w_dim)` from z, with style mixing: with
        probability `mixing`, the layers from a random cutoff on take a second latent's w.
        The random draws happen in NVIDIA's order, whether or not this step mixes."""
        ws = self.G.mapping(z, update_w_avg=self.G.training)
        if self.cfg.mixing > 0:
            num_ws = ws.shape[1]
            cutoff = torch.empty([], dtype=torch.int64, device=ws.device).random_(1, num_ws)
            mix = torch.rand([], device=ws.device) < self.cfg.mixing
            cutoff = int(cutoff) if bool(mix) else num_ws
            other = self.G.mapping(torch.randn_like(z))
            ws[:, cutoff:] = other[:, cutoff:]
        return self.G.synthesis(ws, noise_mode="random"), ws

    def augmenting(self) -> bool:
        return self.cfg.ada or self.cfg.augment_p > 0

    def run_D(self, images: torch.Tensor) -> torch.Tensor:
        if self.augmenting():
            images = augment(images, self.ada.p)
        return self.D(images)

    # --- one training step: four phases -------------------------------------------------
    def _begin(self, module: torch.nn.Module, opt: torch.optim.Optimizer) -> None:
        opt.zero_grad(set_to_none=True)
        module.requires_grad_(True)

    def _finish(self, module: torch.nn.Module, opt: torch.optim.Optimizer) -> None:
        module.requires_grad_(False)
        sync_gradients(module)
        clean_gradients(module)
        opt.step()

    def train_step(self, reals: torch.Tensor) -> dict[str, float]:
        """One step on this process's share of the batch, reals `(batch / processes, 3, R, R)`
        in [-1, 1]. Each phase runs in rounds of `batch_gpu` images whose gradients add up
        (NVIDIA's gradient accumulation), then takes one optimiser step."""
        cfg = self.cfg
        share = cfg.batch // world_size()
        if reals.shape[0] != share:
            raise ValueError(f"expected {share} reals for this process, got {reals.shape[0]}")
        real_rounds = reals.to(self.device).split(cfg.batch_gpu)
        rounds = len(real_rounds)
        all_z = torch.randn([PHASES * cfg.batch, self.G.z_dim], device=self.device)
        z_main_g, z_reg_g, z_main_d, _ = (z.split(cfg.batch_gpu)[:rounds] for z in all_z.split(cfg.batch))
        with tf32_off(self.device):
            stats = self._phases(real_rounds, z_main_g, z_reg_g, z_main_d)
        sync_buffers(self.G)
        self._update_ema()
        self.nimg += cfg.batch
        self.step += 1
        if cfg.ada and self.step % cfg.ada_interval == 0:
            if world_size() > 1:
                self.ada.all_reduce()
            self.ada.update(cfg.batch * cfg.ada_interval)
        return {k: v / rounds for k, v in stats.items()}

    def _phases(self, real_rounds, z_main_g, z_reg_g, z_main_d) -> dict[str, float]:
        """G main, G path length, D main, D R1; returns the losses summed over the rounds."""
        cfg, stats = self.cfg, {}

        # G main: make D call the fakes real
        self._begin(self.G, self.opt_g)
        stats["loss_g"] = 0.0
        for z in z_main_g:
            fakes, _ = self.run_G(z)
            loss_g = F.softplus(-self.run_D(fakes)).mean()
            loss_g.backward()
            stats["loss_g"] += loss_g.item()
        self._finish(self.G, self.opt_g)

        # G reg: path length, every pl_interval steps, weighted up by the interval
        if self.step % cfg.pl_interval == 0 and cfg.pl_weight != 0:
            self._begin(self.G, self.opt_g)
            stats["pl"] = 0.0
            for z in z_reg_g:
                images, ws = self.run_G(z[: max(1, z.shape[0] // cfg.pl_batch_shrink)])
                penalty, self.pl_mean, _ = path_length_penalty(images, ws, self.pl_mean, cfg.pl_decay)
                # the zero-weighted image term gives every parameter a gradient (zero where the
                # penalty does not reach), so Adam advances all of its moments, as in NVIDIA's loop
                (images[:, 0, 0, 0] * 0 + penalty * cfg.pl_weight * cfg.pl_interval).mean().backward()
                stats["pl"] += penalty.item()
            self._finish(self.G, self.opt_g)

        # D main: fakes fake, reals real
        self._begin(self.D, self.opt_d)
        stats["loss_d"] = 0.0
        for z, reals in zip(z_main_d, real_rounds):
            with torch.no_grad():
                fakes, _ = self.run_G(z)
            loss_fake = F.softplus(self.run_D(fakes)).mean()
            loss_fake.backward()
            real_logits = self.run_D(reals)
            self.ada.observe(real_logits)
            loss_real = F.softplus(-real_logits).mean()
            loss_real.backward()
            stats["loss_d"] += loss_fake.item() + loss_real.item()
        self._finish(self.D, self.opt_d)

        # D reg: R1 on augmented reals, every r1_interval steps, weighted up by the interval
        gamma = cfg.r1_gamma
        if self.step % cfg.r1_interval == 0 and gamma != 0:
            self._begin(self.D, self.opt_d)
            stats["r1"] = 0.0
            for reals in real_rounds:
                reals_r1 = reals.detach().requires_grad_(True)
                logits = self.run_D(reals_r1)
                self.ada.observe(logits)  # NVIDIA's ADA statistic counts these reals too
                (grad,) = torch.autograd.grad(logits.sum(), reals_r1, create_graph=True)
                penalty = grad.square().sum(dim=[1, 2, 3]).mean()
                (logits * 0 + penalty * (gamma / 2) * cfg.r1_interval).mean().backward()
                stats["r1"] += penalty.item()
            self._finish(self.D, self.opt_d)
        return stats

    # --- which reals each step sees -------------------------------------------------------
    def next_reals(self, images: torch.Tensor) -> torch.Tensor:
        """This process's reals for the next step from the prepared images `(N, 3, R, R)`,
        drawn by the shuffled infinite sampler (of 2N with `mirror`), which resumes with the run."""
        size = images.shape[0] * (2 if self.cfg.mirror else 1)
        if self.sampler is None or self.sampler.size != size:
            self.sampler = InfiniteSampler(size, process_rank(), world_size(), self.cfg.seed)
            if self._sampler_state is not None and int(self._sampler_state["size"]) == size:
                self.sampler.load_state_dict(self._sampler_state)
                # all ranks walk one sequence; after a step rank r stands r slots past rank 0
                if self.sampler.position > 0:
                    self.sampler.skip(process_rank())
            self._sampler_state = None
        return gather(images, self.sampler.take(self.cfg.batch // world_size()))

    @torch.no_grad()
    def _update_ema(self) -> float:
        beta = ema_beta(self.cfg, self.total_batch, self.nimg)
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.copy_(p.lerp(p_ema, beta))
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)
        return beta

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
            "sampler": self.sampler.state_dict() if self.sampler is not None else self._sampler_state,
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
        self._sampler_state = state.get("sampler")  # rank 0's; others catch up in next_reals
        self.sampler = None
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
    log = run_dir / "log.jsonl"
    tick_start, acc = time.perf_counter(), {"loss_g": 0.0, "loss_d": 0.0, "r1": 0.0, "pl": 0.0, "n": 0}
    while tuner.nimg < total:
        stats = tuner.train_step(tuner.next_reals(reals))
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
                rt=tuner.ada.last_rt,
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
