"""CLI of the toonify workflow: `gan blend`, `gan project`, `toonify` (registered
into the `gan` group and the top level by `register`).

Thin: parse, validate inputs before heavy work, call the library, show progress, report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from toonmoji.errors import InputError

console = Console(emoji=False)  # see toonmoji.cli


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console,
    )


class _Quiet:
    """A stand-in for a progress display where none is shown (other ranks, --json)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def blend(
    base: Annotated[Path, typer.Argument(help="The base (FFHQ) generator checkpoint.")],
    toon: Annotated[Path, typer.Argument(help="The fine-tuned (toon) generator checkpoint.")],
    swap: Annotated[int, typer.Option(help="Resolution at and below which layers come from the structure model.")] = 16,
    structure: Annotated[str, typer.Option(help="Which model gives the low-resolution layers: toon or base.")] = "toon",
    transition: Annotated[float, typer.Option(help="Spread the swap over this many octaves (0 = hard swap).")] = 0.0,
    out: Annotated[Path, typer.Option(help="Blended checkpoint to write.")] = Path("blended.pt"),
    preview: Annotated[Path | None, typer.Option(help="Also write a grid: base, toon, blend at every swap level.")] = None,
    seeds: Annotated[str, typer.Option(help="Seeds for the preview grid, e.g. 0-5.")] = "0-5",
    psi: Annotated[float, typer.Option(help="Truncation for the preview.")] = 0.7,
    force: Annotated[bool, typer.Option(help="Overwrite existing outputs.")] = False,
) -> None:
    """Blend two generators by layer swapping (resolution-dependent interpolation)."""
    from toonmoji.gan.checkpoints import save_checkpoint
    from toonmoji.gan.sampling import parse_seeds
    from toonmoji.imageio import check_writable, write_image
    from toonmoji.toonify.blend import blend_state_dicts, synthesis_resolutions
    from toonmoji.toonify.models import blend_preview, blended_generator, load_pair

    if structure not in ("toon", "base"):
        raise InputError("--structure takes 'toon' or 'base'")
    check_writable(out, force)
    if preview is not None:
        check_writable(preview, force)
    seed_list = parse_seeds(seeds)
    G_base, G_toon = load_pair(base, toon)
    levels = synthesis_resolutions(G_base.state_dict())
    if swap not in levels:
        raise InputError(f"--swap must be one of the generator's resolutions: {', '.join(map(str, levels))}")
    state = blend_state_dicts(G_base.state_dict(), G_toon.state_dict(), swap, structure, transition)
    G_blend = blended_generator(G_base, state)
    note = f"blend of {base.name} and {toon.name}: {structure} layers <= {swap} px, transition {transition}"
    save_checkpoint(out, G_blend, force=force, notes=[note])
    console.print(f"[green]blended generator:[/green] {out} ({note})")
    if preview is not None:
        write_image(preview, blend_preview(G_base, G_toon, seed_list, structure, transition, psi), force=force)
        console.print(f"preview rows: base, toon, then swap at {', '.join(map(str, levels))} px -> {preview}")


Quality = Annotated[str, typer.Option(help="fast: coarse-to-fine (32-px partial image), 50 steps from --encoder's guess or 150 from the average face; best: 300 full-resolution steps (slow on a CPU).")]
Latent = Annotated[str, typer.Option(help="w: one latent for every layer (carries over to the toon model best); w+: one per layer (closer in the base).")]
Steps = Annotated[int | None, typer.Option(min=1, help="Projection steps [default: set by --quality].", show_default=False)]
EncoderOpt = Annotated[Path | None, typer.Option("--encoder", help="Encoder for the base (`toonmoji gan train-encoder`): its guess starts the projection.", show_default=False)]


def project_command(
    photo: Annotated[Path, typer.Argument(help="A photo with at least one face.")],
    model: Annotated[Path, typer.Option(help="Base generator checkpoint (with its discriminator).")],
    out: Annotated[Path, typer.Option(help="Folder for target, projection and latent per face.")] = Path("projected"),
    quality: Quality = "fast",
    latent: Latent = "w",
    steps: Steps = None,
    encoder: EncoderOpt = None,
    video: Annotated[bool, typer.Option(help="Also write an MP4 of the optimisation.")] = False,
    device: Annotated[str, typer.Option(help="cpu, cuda ...")] = "cpu",
    force: Annotated[bool, typer.Option(help="Overwrite existing outputs.")] = False,
) -> None:
    """Find the latent of each face in PHOTO in the base generator's space (inversion)."""
    import torch

    from toonmoji.faces import align_faces
    from toonmoji.gan.dataset import image_to_tensor
    from toonmoji.imageio import VideoSink, atomic_path, check_writable, read_image, write_image
    from toonmoji.toonify.encoder import load_encoder
    from toonmoji.toonify.models import load_base
    from toonmoji.toonify.pipeline import render
    from toonmoji.toonify.project import project, quality_config

    cfg = quality_config(quality, latent, steps, encoder is not None)
    image = read_image(photo)
    G, distance, _digest = load_base(model, device)
    enc = load_encoder(encoder, G, device) if encoder is not None else None
    faces = align_faces(image, size=G.img_resolution, source=str(photo))
    names = [out / f"{photo.stem}_face{i}" for i in range(len(faces))]
    for n in names:
        for suffix in ("_target.png", "_projected.png", "_latent.pt") + (("_projection.mp4",) if video else ()):
            check_writable(n.with_name(n.name + suffix), force)
    total = cfg.total_steps
    with _progress() as progress:
        for i, (face, name) in enumerate(zip(faces, names)):
            task = progress.add_task(f"face {i}", total=total, info="")
            sink = None
            if video:
                size = (2 * G.img_resolution, G.img_resolution)
                sink = VideoSink(name.with_name(name.name + "_projection.mp4"), 25, size, force=force)

            def on_step(s: int, loss: float, ws: torch.Tensor, task=task, sink=sink, face=face) -> None:
                progress.update(task, completed=s + 1, info=f"loss {loss:.4f}")
                if sink is not None and (s % 5 == 0 or s == total - 1):
                    import numpy as np

                    sink.write(np.concatenate([face.image, render(G, ws)], axis=1))

            target = image_to_tensor(face.image)
            start = enc.guess(target, cfg.latent) if enc is not None else None
            try:
                result = project(G, target, distance, cfg, on_step=on_step, start=start)
            finally:
                if sink is not None:
                    sink.close()
            write_image(name.with_name(name.name + "_target.png"), face.image, force=force)
            write_image(name.with_name(name.name + "_projected.png"), render(G, result), force=force)
            with atomic_path(name.with_name(name.name + "_latent.pt"), force=force) as tmp:
                torch.save(result, tmp)
    console.print(f"[green]projected {len(faces)} face(s)[/green] into {out}")


def toonify(
    photo: Annotated[Path, typer.Argument(help="A photo with at least one face.")],
    base: Annotated[Path, typer.Option(help="Base (FFHQ) generator checkpoint, with its discriminator.")],
    toon: Annotated[Path, typer.Option(help="Toon generator: a blend from `toonmoji gan blend` (or any fine-tuned model).")],
    out: Annotated[Path, typer.Option(help="Output image; with several faces and no --paste-back, one file per face.")] = Path("toonified.png"),
    paste_back: Annotated[bool, typer.Option(help="Paste the toonified faces back into the photo.")] = False,
    quality: Quality = "fast",
    latent: Latent = "w",
    steps: Steps = None,
    encoder: EncoderOpt = None,
    identity: Annotated[bool, typer.Option(help="Measure how much the reconstruction and the toon still look like the person (dlib face embedding).")] = True,
    cache: Annotated[bool, typer.Option(help="Reuse projected latents for the same face and base model.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    device: Annotated[str, typer.Option(help="cpu, cuda ...")] = "cpu",
    force: Annotated[bool, typer.Option(help="Overwrite existing outputs.")] = False,
) -> None:
    """Turn every face in PHOTO into a character: align, project into BASE, render through TOON."""
    import json

    from toonmoji.faces import detect_faces, require_faces
    from toonmoji.imageio import check_writable, read_image, write_image
    from toonmoji.toonify.latent_cache import LatentCache, default_cache_dir
    from toonmoji.toonify.models import load_toon_models
    from toonmoji.toonify.pipeline import face_report, paste_toons, toonify_faces
    from toonmoji.toonify.project import quality_config

    cfg = quality_config(quality, latent, steps, encoder is not None)
    image = read_image(photo)
    detected = require_faces(detect_faces(image), str(photo))
    count = len(detected)
    outputs = [out] if paste_back or count == 1 else [out.with_name(f"{out.stem}_face{i}{out.suffix}") for i in range(count)]
    for p in outputs:
        check_writable(p, force)
    models = load_toon_models(base, toon, device, encoder)
    with _progress() if not as_json else _Quiet() as progress:
        tasks: dict[int, int] = {}

        def on_step(face: int, s: int, loss: float) -> None:
            if progress is None:
                return
            if face not in tasks:
                tasks[face] = progress.add_task(f"projecting face {face}", total=cfg.total_steps, info="")
            progress.update(tasks[face], completed=s + 1, info=f"loss {loss:.4f}")

        faces = toonify_faces(image, models, cfg, LatentCache(default_cache_dir() if cache else None), str(photo),
                              on_step, detected)
    if paste_back:
        write_image(out, paste_toons(image, faces), force=force)
    else:
        for f, p in zip(faces, outputs):
            write_image(p, f.toon, force=force)
    reports = [face_report(f, identity) for f in faces]
    if as_json:
        print(json.dumps({"image": str(photo), "outputs": [str(p) for p in outputs], "quality": quality,
                          "latent": latent, "steps": cfg.total_steps, "encoder": str(encoder) if encoder else None,
                          "faces": reports}))
        return
    cached = sum(f.from_cache for f in faces)
    note = f" ({cached} latent(s) from cache)" if cached else ""
    console.print(f"[green]toonified {len(faces)} face(s)[/green]{note}: {', '.join(map(str, outputs))}")
    for i, r in enumerate(reports):
        if "identity" in r:
            rec, toon_ = r["identity"]["reconstruction"], r["identity"]["toon"]
            verdict = "same person" if rec["same_person"] else "[yellow]lost the person[/yellow]"
            console.print(f"face {i}: identity distance (dlib, < 0.6 = same person): reconstruction "
                          f"{rec['distance']:.2f} ({verdict}), toon {toon_['distance']:.2f}")


def train_encoder(
    base: Annotated[Path | None, typer.Option(help="Base (FFHQ) generator checkpoint the encoder inverts into.", show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="The encoder file to write (also kept in the run folder).")] = Path("encoder.pt"),
    run: Annotated[Path | None, typer.Option(help="Run folder: snapshots, previews, log [default: OUT without suffix + '-run'].", show_default=False)] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue the run in this folder where it stopped.", show_default=False)] = None,
    steps: Annotated[int, typer.Option(min=1, help="Train until this many steps in all.")] = 20000,
    batch: Annotated[int, typer.Option(min=1, help="Samples per step (per process).")] = 8,
    snap: Annotated[int, typer.Option(min=1, help="Snapshot (encoder + preview) every this many steps.")] = 1000,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    input_size: Annotated[int, typer.Option(min=8, help="The face is shrunk to this size for the encoder (CPU speed).")] = 256,
    augment: Annotated[bool, typer.Option(help="Photo augmentations: blur, JPEG, noise, colour, background, crop jitter.")] = True,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1 ... (a GPU is recommended).")] = "cpu",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    force: Annotated[bool, typer.Option(help="Overwrite OUT, start over in a run folder with files.")] = False,
) -> None:
    """Train an encoder into BASE's latent space on BASE's own samples (no data set needed)."""
    import shutil

    from toonmoji.gan.finetune import init_distributed, is_main_process
    from toonmoji.imageio import check_writable
    from toonmoji.toonify.encoder_train import EncoderTrainConfig
    from toonmoji.toonify.encoder_train import train_encoder as run_training
    from toonmoji.toonify.models import load_toon

    run_dir = resume or run or out.with_name(out.stem + "-run")
    if resume is None and base is None:
        raise InputError("give --base for a new run, or --resume RUN_DIR")
    if resume is not None and base is None:
        base = _run_base(resume)
    check_writable(out, force)
    device = init_distributed(device)
    G = load_toon(base, device)
    cfg = EncoderTrainConfig(steps=steps, batch=batch, lr=lr, snap=snap, input_size=input_size, augment=augment, seed=seed)
    progress = _progress()
    task = progress.add_task("training the encoder", total=steps, info="")

    def tick(t) -> None:
        progress.update(task, completed=t.step, info=f"latent {t.latent_error:.3f}  image {t.image_error:.4f}  {t.sec_per_step:.2f}s/step")

    with progress if is_main_process() else _Quiet():
        _, last = run_training(G, run_dir, cfg, resume is not None, force, device, {"base": str(base)}, on_tick=tick)
    if is_main_process():
        if last.resolve() != out.resolve():
            shutil.copyfile(last, out)
        console.print(f"[green]encoder:[/green] {out} (run folder {run_dir})")


def _run_base(run_dir: Path) -> Path:
    import json

    try:
        return Path(json.loads((run_dir / "run.json").read_text())["base"])
    except (OSError, ValueError, KeyError):
        raise InputError(f"{run_dir} is not an encoder run folder (no run.json naming its base)") from None


def register(gan_app: typer.Typer, root_app: typer.Typer) -> None:
    """Add these commands to the `gan` group and the top level."""
    gan_app.command("blend")(blend)
    gan_app.command("project")(project_command)
    gan_app.command("train-encoder")(train_encoder)
    root_app.command("toonify")(toonify)

