"""Training the encoder on the base generator's own samples: no data set needed.

Each step samples latents (truncated at a random psi; half the batch style-mixed so per-layer
latents are seen, as W+ projection produces them), renders them, makes the images look like
photos (`photo_augment`), and teaches the encoder to give the latents back:
- latent loss: squared error to the true w+, in units of the samples' spread;
- image loss: the predicted and true latents rendered to a small partial image (cheap, and it
  weighs latent errors by what they change in the picture);
- offset regulariser (e4e): per-layer offsets stay small, so the shared w stays a good W latent.

A run folder, like fine-tuning's: `encoder-SSSSSS.pt` snapshots (usable as `--encoder`),
`preview-SSSSSS.png` (rows: samples as the encoder saw them, the encoder's guess rendered),
`resume.pt`, `run.json`, `log.jsonl`. Under torchrun each process draws its own samples and
gradients are averaged; only rank 0 writes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from toonmoji.errors import CheckpointError, OutputExistsError
from toonmoji.gan.networks import Generator
from toonmoji.gan.sampling import make_grid, to_uint8
from toonmoji.imageio import atomic_path, write_bytes, write_image
from toonmoji.toonify.encoder import Encoder, EncoderConfig, generator_fingerprint, save_encoder
from toonmoji.toonify.photo_augment import PhotoAugment

RESUME_FILE = "resume.pt"


@dataclass
class EncoderTrainConfig:
    steps: int = 20000
    batch: int = 8
    lr: float = 1e-3
    snap: int = 1000  # steps between snapshots
    image_weight: float = 1.0
    image_resolution: int = 64  # partial-image size of the image loss
    offset_weight: float = 0.1
    mixing: float = 0.5  # share of the batch whose latents are style-mixed
    psi_min: float = 0.5  # truncation drawn from [psi_min, 1]
    augment: bool = True
    seed: int = 0
    input_size: int = 256
    width: int = 32


@dataclass
class EncoderTick:
    step: int
    loss: float
    latent_error: float
    image_error: float
    sec_per_step: float


def _rank() -> tuple[int, int]:
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class EncoderTrainer:
    """The encoder, its optimiser and the sampling of training pairs from `G` (frozen)."""

    def __init__(self, G: Generator, cfg: EncoderTrainConfig, device: str = "cpu"):
        self.G = G.to(device).eval().requires_grad_(False)
        self.cfg, self.device, self.step = cfg, device, 0
        config = EncoderConfig.for_generator(G, input_size=cfg.input_size, width=cfg.width)
        with torch.random.fork_rng(devices=[]):  # the same start on every rank, global RNG untouched
            torch.manual_seed(cfg.seed)
            self.encoder = Encoder(config, G.w_avg).to(device)
        self.opt = torch.optim.Adam(self.encoder.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
        rank, _ = _rank()
        self.gen = torch.Generator().manual_seed(cfg.seed + 1_000_003 * rank)
        self.augment = PhotoAugment() if cfg.augment else None
        with torch.no_grad():
            w = G.mapping(torch.randn(2000, G.z_dim, generator=torch.Generator().manual_seed(cfg.seed)).to(device))
            self.w_std = float(w[:, 0].std(0).mean())

    @torch.no_grad()
    def sample(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """True w+ `(n, num_ws, w_dim)` and the photo-like images `(n, 3, S, S)` the encoder sees."""
        G, gen, cfg = self.G, self.gen, self.cfg
        z = torch.randn(n, G.z_dim, generator=gen).to(self.device)
        psi = (torch.rand(n, 1, 1, generator=gen) * (1 - cfg.psi_min) + cfg.psi_min).to(self.device)
        w_avg = G.w_avg.to(self.device)
        ws = w_avg + (G.mapping(z) - w_avg) * psi
        mix = torch.rand(n, generator=gen) < cfg.mixing
        if mix.any():
            other = w_avg + (G.mapping(torch.randn(n, G.z_dim, generator=gen).to(self.device)) - w_avg) * psi
            cut = torch.randint(1, G.num_ws, (n,), generator=gen)
            layer = torch.arange(G.num_ws)[None, :]
            take = (mix[:, None] & (layer >= cut[:, None])).to(self.device)[..., None]
            ws = torch.where(take, other, ws)
        images = G.synthesis(ws, noise_mode="const")
        if self.augment is not None:
            images = self.augment(images, gen)
        return ws, images

    def learning_rate(self) -> float:
        """Cosine decay from `lr` to a tenth of it over the run (late steps settle the guess)."""
        t = min(1.0, self.step / max(self.cfg.steps, 1))
        return self.cfg.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * t)))

    def train_step(self) -> dict[str, float]:
        cfg, G = self.cfg, self.G
        for group in self.opt.param_groups:
            group["lr"] = self.learning_rate()
        ws, images = self.sample(cfg.batch)
        w, offsets = self.encoder.split(images)
        pred = w[:, None, :] + offsets
        latent = (pred - ws).square().mean() / self.w_std**2
        loss = latent + cfg.offset_weight * offsets.square().mean() / self.w_std**2
        image = torch.zeros(())
        if cfg.image_weight > 0:
            res = min(cfg.image_resolution, G.img_resolution)
            with torch.no_grad():
                true_small = G.synthesis(ws, noise_mode="const", resolution=res)
            image = (G.synthesis(pred, noise_mode="const", resolution=res) - true_small).square().mean()
            loss = loss + cfg.image_weight * image
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        _average_gradients(self.encoder)
        self.opt.step()
        self.step += 1
        return {"loss": loss.item(), "latent_error": latent.item(), "image_error": image.item()}

    def state_dict(self) -> dict[str, object]:
        return {"encoder": self.encoder.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                "gen": self.gen.get_state(), "config": asdict(self.cfg)}

    def load_state_dict(self, state: dict) -> None:
        self.encoder.load_state_dict(state["encoder"])
        self.opt.load_state_dict(state["opt"])
        self.step = int(state["step"])
        self.gen.set_state(state["gen"])


def _average_gradients(module: torch.nn.Module) -> None:
    _, world = _rank()
    if world == 1:
        return
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


@torch.no_grad()
def preview(trainer: EncoderTrainer, count: int = 6) -> np.ndarray:
    """Rows: fixed-seed samples as the encoder sees them; the encoder's guess rendered."""
    gen_state = trainer.gen.get_state()
    trainer.gen.manual_seed(12345)
    _, images = trainer.sample(count)
    trainer.gen.set_state(gen_state)
    guess = trainer.G.synthesis(trainer.encoder(images), noise_mode="const")
    return make_grid(np.concatenate([to_uint8(images), to_uint8(guess)]), columns=count)


def write_snapshot(run_dir: Path, trainer: EncoderTrainer, fingerprint: str, settings: dict[str, object]) -> Path:
    tag = f"{trainer.step:06d}"
    write_image(run_dir / f"preview-{tag}.png", preview(trainer), force=True)
    snap = save_encoder(run_dir / f"encoder-{tag}.pt", trainer.encoder, fingerprint, force=True)
    state = dict(trainer.state_dict(), settings=settings, g_config=trainer.G.config.to_dict())
    with atomic_path(run_dir / RESUME_FILE, force=True) as tmp:
        torch.save(state, tmp)
    return snap


def train_encoder(
    G: Generator,
    run_dir: Path,
    cfg: EncoderTrainConfig,
    resume: bool = False,
    force: bool = False,
    device: str = "cpu",
    settings: dict[str, object] | None = None,
    on_tick: Callable[[EncoderTick], None] | None = None,
) -> tuple[EncoderTrainer, Path]:
    """Train (or resume) an encoder for `G` in `run_dir` until `cfg.steps`; returns the trainer
    and the last snapshot (also copied to `encoder.pt` in the run folder)."""
    rank, _ = _rank()
    if resume:
        path = run_dir / RESUME_FILE
        if not path.is_file():
            raise CheckpointError(f"{run_dir} has no {RESUME_FILE}: not a toonmoji encoder run")
        state = torch.load(path, map_location=device, weights_only=True)
        if state["g_config"] != G.config.to_dict():
            raise CheckpointError(f"{run_dir} trains an encoder for another base model")
        cfg = EncoderTrainConfig(**dict(state["config"], steps=cfg.steps))  # only the length may change
        trainer = EncoderTrainer(G, cfg, device)
        trainer.load_state_dict(state)
    else:
        if run_dir.exists() and any(run_dir.iterdir()) and not force:
            raise OutputExistsError(f"{run_dir} already holds files; use --resume {run_dir} or --force")
        trainer = EncoderTrainer(G, cfg, device)
    fingerprint = generator_fingerprint(G)
    settings = dict(settings or {}, config=asdict(cfg))
    if rank == 0:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_bytes(run_dir / "run.json", json.dumps(settings, indent=2).encode(), force=True)
    last = None
    stats: list[dict[str, float]] = []
    start = time.perf_counter()
    while trainer.step < cfg.steps:
        stats.append(trainer.train_step())
        at_snap = trainer.step % cfg.snap == 0 or trainer.step == cfg.steps
        if not at_snap:
            continue
        mean = {k: float(np.mean([s[k] for s in stats])) for k in stats[0]}
        tick = EncoderTick(trainer.step, mean["loss"], mean["latent_error"], mean["image_error"],
                           (time.perf_counter() - start) / len(stats))
        stats, start = [], time.perf_counter()
        if rank == 0:
            last = write_snapshot(run_dir, trainer, fingerprint, settings)
            with open(run_dir / "log.jsonl", "a") as log:
                log.write(json.dumps(asdict(tick)) + "\n")
            save_encoder(run_dir / "encoder.pt", trainer.encoder, fingerprint, force=True)
        if on_tick is not None:
            on_tick(tick)
    if last is None and rank == 0:
        last = save_encoder(run_dir / "encoder.pt", trainer.encoder, fingerprint, force=True)
    return trainer, Path(last) if last is not None else run_dir / "encoder.pt"

