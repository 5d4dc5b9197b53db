"""`toonmoji gan ...`: convert, inspect and sample StyleGAN2 checkpoints of any supported format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from toonmoji.errors import InputError

app = typer.Typer(
    name="gan",
    help="StyleGAN2 checkpoints: convert any format to toonmoji's, inspect, render samples.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(emoji=False)  # see toonmoji.cli


@app.callback()
def _needs_torch() -> None:
    # Runs before any `gan` sub-command parses its arguments: without the [gan] extra every one
    # of them would fail, so say so first (one line, exit 2), even for `toonmoji gan info`.
    from toonmoji.extras import require

    require("torch", feature="toonmoji gan (StyleGAN2)")


CheckpointArg = Annotated[
    Path,
    typer.Argument(help="A StyleGAN2 checkpoint: ada-pytorch .pkl, TensorFlow .pkl, rosinality .pt or toonmoji .pt."),
]


def _param_count(module: object) -> int:
    return sum(p.numel() for p in module.parameters()) if module is not None else 0  # type: ignore[attr-defined]


def _channels_text(channels: dict[int, int]) -> str:
    """'4-32: 512, 64: 256, ...' (runs of equal width merged)."""
    parts: list[str] = []
    items = sorted(channels.items())
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1][1] == items[i][1]:
            j += 1
        res = f"{items[i][0]}" if i == j else f"{items[i][0]}-{items[j][0]}"
        parts.append(f"{res}: {items[i][1]}")
        i = j + 1
    return ", ".join(parts)


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Checkpoint to read (any supported format).")],
    dest: Annotated[Path, typer.Argument(help="toonmoji checkpoint to write (.pt).")],
    force: Annotated[bool, typer.Option(help="Overwrite DEST if it exists.")] = False,
) -> None:
    """Convert SOURCE (ada-pytorch / TensorFlow / rosinality / toonmoji) to toonmoji's format."""
    from toonmoji.gan.checkpoints import FORMAT_NAMES, convert_checkpoint

    ckpt = convert_checkpoint(source, dest, force=force)
    nets = ", ".join(n for n, m in (("G_ema", ckpt.G_ema), ("G", ckpt.G), ("D", ckpt.D)) if m is not None)
    console.print(
        f"[green]converted[/green] {source} ({FORMAT_NAMES[ckpt.format]}, "
        f"{ckpt.config.resolution} px, {nets}) -> {dest}"
    )
    for note in ckpt.notes:
        console.print(f"note: {note}")


@app.command()
def info(
    checkpoint: CheckpointArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Show a checkpoint's format, resolution, channels and parameter counts."""
    from toonmoji.gan.checkpoints import FORMAT_NAMES, load_checkpoint

    ckpt = load_checkpoint(checkpoint)
    cfg = ckpt.config
    params = {"G_ema": _param_count(ckpt.G_ema), "G": _param_count(ckpt.G), "D": _param_count(ckpt.D)}
    if as_json:
        print(json.dumps({
            "file": str(checkpoint), "format": ckpt.format, "format_name": FORMAT_NAMES[ckpt.format],
            "generator": cfg.to_dict(), "num_ws": ckpt.G_ema.num_ws,
            "channels": {str(k): v for k, v in cfg.channels().items()},
            "discriminator": ckpt.D.config.to_dict() if ckpt.D is not None else None,
            "parameters": {k: v for k, v in params.items() if v}, "notes": ckpt.notes,
        }))
        return
    table = Table(title=str(checkpoint), show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("format", f"{FORMAT_NAMES[ckpt.format]} ({ckpt.format})")
    table.add_row("resolution", f"{cfg.resolution} x {cfg.resolution}, {cfg.img_channels} channels")
    table.add_row("latents", f"z {cfg.z_dim}, w {cfg.w_dim}, {ckpt.G_ema.num_ws} style inputs (w+)")
    table.add_row("mapping", f"{cfg.mapping_layers} layers, lr multiplier {cfg.mapping_lr:g}")
    table.add_row("channels", _channels_text(cfg.channels()))
    for name, count in params.items():
        table.add_row(f"{name} parameters", f"{count:,}" if count else "not in file")
    for note in ckpt.notes:
        table.add_row("note", note)
    console.print(table)


@app.command()
def sample(
    checkpoint: CheckpointArg,
    out: Annotated[Path, typer.Option(help="Grid image to write (PNG/JPEG/WebP).")] = Path("grid.png"),
    seeds: Annotated[str, typer.Option(help="Seeds, e.g. 0-7 or 1,5,9 (same faces as NVlabs' generate.py).")] = "0-7",
    psi: Annotated[float, typer.Option(help="Truncation psi: 1 = full variety, lower = closer to the average face.")] = 0.7,
    cutoff: Annotated[int | None, typer.Option(help="Truncate only the first N style inputs.")] = None,
    noise_mode: Annotated[str, typer.Option(help="const (repeatable), random or none.")] = "const",
    columns: Annotated[int | None, typer.Option(min=1, help="Grid columns (default: square).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass (1 is fastest on a CPU).")] = 1,
    force: Annotated[bool, typer.Option(help="Overwrite OUT if it exists.")] = False,
) -> None:
    """Render one image per seed from CHECKPOINT's averaged generator and tile them into OUT."""
    from toonmoji.gan.checkpoints import load_generator
    from toonmoji.gan.networks import NOISE_MODES
    from toonmoji.gan.sampling import generate, make_grid, parse_seeds
    from toonmoji.imageio import check_writable, write_image

    if noise_mode not in NOISE_MODES:
        raise InputError(f"--noise-mode must be one of {', '.join(NOISE_MODES)}, not {noise_mode!r}")
    seed_list = parse_seeds(seeds)
    check_writable(out, force)
    G = load_generator(checkpoint)
    if cutoff is not None and not 0 <= cutoff <= G.num_ws:
        raise InputError(f"--cutoff must be between 0 and {G.num_ws} for this network")
    columns_ = (
        TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
    )
    with Progress(*columns_, console=console, transient=True) as progress:
        task = progress.add_task("render", total=len(seed_list))
        images = generate(
            G, seed_list, psi, cutoff, noise_mode, batch_size,
            on_batch=lambda n: progress.advance(task, n),
        )
    write_image(out, make_grid(images, columns), force=force)
    console.print(f"[green]wrote[/green] {out} ({len(seed_list)} images, {G.img_resolution} px, psi {psi:g})")


def parse_auto_float(text: str, option: str, word: str = "auto") -> float | None:
    """`word` -> None (the rule's value), else a non-negative number; a bad value is one line."""
    if text.strip().lower() == word:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option} takes '{word}' or a number, not {text!r}") from None
    if not value >= 0:
        raise InputError(f"{option} must be '{word}' or a non-negative number, not {text!r}")
    return value


@app.command()
def finetune(
    images_dir: Annotated[Path | None, typer.Argument(help="Folder of character faces (any sizes).")] = None,
    base: Annotated[Path | None, typer.Option(help="Base (FFHQ) checkpoint with a discriminator.")] = None,
    out: Annotated[Path, typer.Option(help="Run folder: snapshots, sample grids, logs.")] = Path("finetune-run"),
    resume: Annotated[Path | None, typer.Option(help="Continue the run in this folder where it stopped.")] = None,
    cfg: Annotated[str, typer.Option(
        help="NVIDIA's base configuration: auto (from resolution and processes), stylegan2, paper256, "
             "paper512, paper1024 or cifar; the options below override it.")] = "auto",
    kimg: Annotated[float, typer.Option(help="Train until this many thousand real images were shown.")] = 10.0,
    snap: Annotated[float, typer.Option(help="Snapshot (grid + checkpoint) every this many kimg.")] = 1.0,
    batch: Annotated[int | None, typer.Option(
        min=1, help="Total batch over all processes (NVIDIA's --batch); default from --cfg.")] = None,
    batch_gpu: Annotated[int | None, typer.Option(
        min=1, help="Images per forward pass on one process (gradients accumulate up to the batch).")] = None,
    lr: Annotated[float | None, typer.Option(min=0.0, help="Adam learning rate; default from --cfg.")] = None,
    gamma: Annotated[str, typer.Option(
        help="R1 weight, or 'auto' for --cfg's (0.0002 * resolution^2 / batch with auto).")] = "auto",
    ema_kimg: Annotated[float | None, typer.Option(min=0.0, help="EMA half-life in kimg; default from --cfg.")] = None,
    mixing: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Style-mixing probability; default 0.9 (0 with cifar).")] = None,
    mbstd_group: Annotated[int | None, typer.Option(
        min=1, help="Minibatch-stddev group size; default from --cfg.")] = None,
    ema_rampup: Annotated[str, typer.Option(
        help="EMA ramp-up: 'none' for transfer learning (NVIDIA's choice), or e.g. 0.05 from scratch.")] = "none",
    ada: Annotated[bool, typer.Option(help="Adaptive discriminator augmentation (for small data).")] = True,
    mirror: Annotated[bool, typer.Option(help="Double the data set with left-right flipped copies.")] = False,
    fp16_res: Annotated[int, typer.Option(
        min=0, help="On CUDA, train the top N resolutions in float16 (conv clamp 256); 0: float32.")] = 4,
    align: Annotated[bool, typer.Option(help="FFHQ-align images that hold a detectable face.")] = False,
    metrics: Annotated[str, typer.Option(help="'fid' to ask for FID at snapshots, or 'none'.")] = "none",
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1 ...")] = "cpu",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    force: Annotated[bool, typer.Option(help="Start a new run in a folder that already has files.")] = False,
    print_config: Annotated[bool, typer.Option(
        "--print-config", help="Print the resolved settings as JSON and exit (nothing is trained).")] = False,
) -> None:
    """Fine-tune a base StyleGAN2 on a small folder of character faces (cartoon, baby, emoji),
    the way StyleGAN2-ADA does transfer learning."""
    from contextlib import nullcontext

    from rich.progress import TimeElapsedColumn

    from toonmoji.gan.finetune import finetune as run
    from toonmoji.gan.finetune import init_distributed, is_main_process, preview_config
    from toonmoji.gan.train import FinetuneConfig

    if metrics not in ("none", "fid"):
        raise InputError("--metrics takes 'fid' or 'none'")
    r1_gamma = parse_auto_float(gamma, "--gamma")
    rampup = parse_auto_float(ema_rampup, "--ema-rampup", word="none")
    settings = FinetuneConfig(
        cfg=cfg, batch=batch, batch_gpu=batch_gpu, total_kimg=kimg, snap_kimg=snap, lr=lr, r1_gamma=r1_gamma,
        ema_kimg=ema_kimg, mixing=mixing, mbstd_group=mbstd_group, ema_rampup=rampup, ada=ada, mirror=mirror,
        fp16_res=fp16_res, seed=seed,
    )
    if print_config:
        if resume is None and base is None:
            raise InputError("--print-config needs --base (or --resume RUN_DIR)")
        typer.echo(json.dumps(preview_config(settings, base, resume, device), indent=2))
        return
    if metrics == "fid":
        console.print(
            "[yellow]FID unavailable:[/yellow] it needs Inception-v3 weights, which cannot be "
            "obtained offline here; no FID is computed (training continues)."
        )
    if resume is None and (images_dir is None or base is None):
        raise InputError("give IMAGES_DIR and --base for a new run, or --resume RUN_DIR")
    device = init_distributed(device)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    )
    task = progress.add_task("fine-tuning", total=kimg, info="")

    def prepared(data) -> None:
        if is_main_process():
            console.print(f"{len(data)} training image(s) at {data.images.shape[-1]} px; {len(data.skipped)} skipped")
            for path, why in data.skipped[:20]:
                console.print(f"  skipped {path}: {why}")

    def step(t) -> None:
        progress.update(task, completed=t.nimg / 1000)

    def tick(s) -> None:
        progress.update(task, info=f"kimg {s.kimg:.2f}  G {s.loss_g:.3f}  D {s.loss_d:.3f}  p {s.augment_p:.2f}  {s.sec_per_tick:.1f}s/tick")

    with progress if is_main_process() else nullcontext():
        tuner = run(images_dir, resume or out, base, resume is not None, settings, align, device, force,
                    on_prepared=prepared, on_tick=tick, on_step=step)
    if is_main_process():
        console.print(f"[green]done:[/green] {tuner.nimg / 1000:.2f} kimg; snapshots in {resume or out}")
