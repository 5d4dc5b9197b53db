"""A fine-tuning run on disk: start from a base checkpoint or resume a run folder, snapshot often.

A run folder holds:
- `reals.png`: a grid of the prepared training images, to check the data looks right;
- `fakes-KKKK.KKK.png` and `snapshot-KKKK.KKK.pt` every `snap_kimg` (thousands of real images
  seen): samples from fixed seeds, and a toonmoji checkpoint (G_ema, G, D);
- `resume.pt`: networks, optimisers, ADA state, counters and RNG state, for `--resume`;
- `run.json`: settings and data summary; `log.jsonl`: one line of statistics per tick.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import torch
import torch.distributed as dist

from toonmoji.errors import CheckpointError, DataError, OutputExistsError
from toonmoji.gan.checkpoints import load_checkpoint, save_checkpoint
from toonmoji.gan.configs import describe, resolve
from toonmoji.gan.dataset import PreparedImages, prepare_folder
from toonmoji.gan.networks import Discriminator, DiscriminatorConfig, Generator, GeneratorConfig
from toonmoji.gan.sampling import generate, make_grid, to_uint8
from toonmoji.gan.train import (
    FinetuneConfig,
    Finetuner,
    TickStats,
    process_rank,
    rank_seed,
    run_finetune,
)
from toonmoji.imageio import atomic_path, write_bytes, write_image

RESUME_FILE = "resume.pt"


def is_main_process() -> bool:
    return not dist.is_initialized() or dist.get_rank() == 0


def start_from_base(base: Path, device: str) -> tuple[Generator, Discriminator, Generator, str]:
    """G (trainable), D, G_ema and a note, from a base checkpoint; refuses one without a
    discriminator. The EMA starts from the file's G_ema, as NVIDIA's loop does on --resume: the
    base's long-run average is worth keeping. Files with only one generator use it for both."""
    ckpt = load_checkpoint(base, device)
    if ckpt.D is None:
        raise CheckpointError(
            f"{base.name} has no discriminator; fine-tuning needs one "
            "(an ada-pytorch network pickle, a rosinality .pt with 'd', or a toonmoji snapshot)"
        )
    G = ckpt.G if ckpt.G is not None else copy.deepcopy(ckpt.G_ema)
    if ckpt.D.img_resolution != G.img_resolution:
        raise CheckpointError(f"{base.name}: generator and discriminator resolutions differ")
    return G, ckpt.D, ckpt.G_ema, f"fine-tuned from {base.name} ({ckpt.format})"


def check_run_dir(run_dir: Path, force: bool) -> None:
    """A new run never mixes its files into an earlier run's folder unless --force."""
    if run_dir.exists() and any(run_dir.iterdir()) and not force:
        raise OutputExistsError(f"{run_dir} already holds files; use --resume {run_dir} or --force")


def save_resume_state(run_dir: Path, tuner: Finetuner, settings: dict[str, object]) -> None:
    state = tuner.state_dict()
    state["g_config"] = tuner.G.config.to_dict()
    state["d_config"] = tuner.D.config.to_dict()
    state["settings"] = settings
    with atomic_path(run_dir / RESUME_FILE, force=True) as tmp:
        torch.save(state, tmp)


def load_resume_state(run_dir: Path, device: str) -> tuple[Finetuner, dict[str, object]]:
    path = run_dir / RESUME_FILE
    if not path.is_file():
        raise CheckpointError(f"{run_dir} has no {RESUME_FILE}: not a toonmoji fine-tuning run")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise CheckpointError(f"cannot read {path}: {exc}") from None
    G = Generator(GeneratorConfig.from_dict(state["g_config"]))
    D = Discriminator(DiscriminatorConfig.from_dict(state["d_config"]))
    tuner = Finetuner(G, D, FinetuneConfig.from_dict(state["config"]), device)
    tuner.load_state_dict(state)
    return tuner, dict(state["settings"])


def write_snapshot(run_dir: Path, tuner: Finetuner, settings: dict[str, object]) -> Path:
    """fakes-KKKKKK.png and snapshot-KKKKKK.pt for the current state, then the resume file."""
    kimg = f"{tuner.nimg / 1000:08.3f}"
    seeds = tuner.cfg.grid_seeds
    grid = make_grid(generate(tuner.G_ema, seeds, noise_mode="const", device=tuner.device))
    write_image(run_dir / f"fakes-{kimg}.png", grid, force=True)
    snap = save_checkpoint(
        run_dir / f"snapshot-{kimg}.pt", tuner.G_ema, tuner.G, tuner.D, force=True,
        notes=[str(settings.get("note", "")), f"{tuner.nimg} images seen"],
    )
    save_resume_state(run_dir, tuner, settings)
    return snap


def finetune(
    images_dir: Path | None,
    run_dir: Path,
    base: Path | None = None,
    resume: bool = False,
    cfg: FinetuneConfig | None = None,
    align: bool = False,
    device: str = "cpu",
    force: bool = False,
    on_prepared: Callable[[PreparedImages], None] | None = None,
    on_tick: Callable[[TickStats], None] | None = None,
    on_step: Callable[[Finetuner], None] | None = None,
) -> Finetuner:
    """Start (from `base`) or resume (from `run_dir`) a fine-tuning run and train to `total_kimg`."""
    if resume:
        tuner, settings = load_resume_state(run_dir, device)
        if cfg is not None:  # a longer run may be asked for on resume; nothing else changes
            tuner.cfg.total_kimg = cfg.total_kimg
        images_dir = Path(str(settings["images"])) if images_dir is None else images_dir
        align = bool(settings.get("align", align))
    else:
        if base is None or images_dir is None:
            raise DataError("a new run needs IMAGES_DIR and --base")
        check_run_dir(run_dir, force)
        G, D, G_ema, note = start_from_base(base, device)
        cfg = cfg or FinetuneConfig()
        torch.manual_seed(rank_seed(cfg.seed, process_rank()))  # latents, augmentation, noise: repeatable
        tuner = Finetuner(G, D, cfg, device, G_ema=G_ema)
        settings = {"images": str(images_dir), "base": str(base), "align": align, "note": note}
    data = prepare_folder(images_dir, tuner.G.img_resolution, align=align)
    if on_prepared:
        on_prepared(data)
    if is_main_process():
        run_dir.mkdir(parents=True, exist_ok=True)
        summary = dict(settings, images_used=len(data), skipped=[[str(p), why] for p, why in data.skipped],
                       config=asdict(tuner.cfg))
        write_bytes(run_dir / "run.json", json.dumps(summary, indent=2).encode(), force=True)
        write_image(run_dir / "reals.png", make_grid(to_uint8(data.images[:16])), force=True)

    def snapshot(t: Finetuner, _index: int) -> None:
        if is_main_process():
            write_snapshot(run_dir, t, settings)

    run_finetune(tuner, data.images, run_dir, snapshot, on_tick=on_tick, on_step=on_step)
    return tuner


def processes() -> int:
    """How many processes this run will have: torchrun's WORLD_SIZE, read before joining."""
    return dist.get_world_size() if dist.is_initialized() else int(os.environ.get("WORLD_SIZE", "1"))


def preview_config(cfg: FinetuneConfig, base: Path | None, run_dir: Path | None, device: str) -> dict[str, object]:
    """The settings a run would use (`--print-config`): `cfg` resolved for the base network's
    resolution (or a resumed run's saved settings) on this many processes and this device."""
    if run_dir is not None:
        path = run_dir / RESUME_FILE
        if not path.is_file():
            raise CheckpointError(f"{run_dir} has no {RESUME_FILE}: not a toonmoji fine-tuning run")
        state = torch.load(path, map_location="cpu", weights_only=True)
        g_config = GeneratorConfig.from_dict(state["g_config"])
        cfg = replace(FinetuneConfig.from_dict(state["config"]), total_kimg=cfg.total_kimg)
    else:
        g_config = load_checkpoint(base, "cpu", roles=("G_ema",)).G_ema.config
    gpus = processes()
    resolved = resolve(cfg, g_config.resolution, gpus)
    return describe(resolved, g_config.resolution, gpus, torch.device(device).type,
                    g_config.mapping_layers, g_config.conv_clamp)


def init_distributed(device: str) -> str:
    """Join a torchrun group when launched by torchrun; returns the device for this process."""
    if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) <= 1 or dist.is_initialized():
        return device
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.startswith("cuda"):
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return f"cuda:{local_rank}"
    dist.init_process_group("gloo")
    return device
