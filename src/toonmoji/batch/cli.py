"""`toonmoji batch COMMAND INPUT... --out DIR`: the single commands over many files, resumable.

Thin: each sub-command gathers its options (the single command's, by the same names) and calls
`toonmoji.batch.run`. Exit codes: 0 every input ok (or skipped as not this command's kind),
7 the batch ran to its end but some inputs failed (each has its line in DIR/manifest.jsonl),
130 stopped by Ctrl-C (run the same command again to finish), others as for every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from toonmoji.errors import BatchFailuresError

app = typer.Typer(
    help="Many photos or videos at once, resumable: a manifest records every input as it "
    "finishes, a rerun does only what is left. On all cores, or on a Ray cluster (--ray).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(emoji=False)  # see toonmoji.cli
err_console = Console(stderr=True, emoji=False)

Inputs = Annotated[list[Path], typer.Argument(help="Files, folders (searched recursively) and text files (.txt) listing paths.", show_default=False)]
Out = Annotated[Path, typer.Option(help="The batch folder: outputs, manifest.jsonl, summary.json. Run again with the same --out to finish or retry.", show_default=False)]
Workers = Annotated[int | None, typer.Option(min=1, help="Worker processes (with --ray: actors) [default: the machine's cores; the cluster's CPUs].", show_default=False)]
Ray = Annotated[str | None, typer.Option(help="Run on Ray: local (start one here), auto (RAY_ADDRESS) or a cluster address. Needs toonmoji[cluster]; paths must be on storage every node reaches.", show_default=False)]
Force = Annotated[bool, typer.Option(help="Redo every input (also in a folder of an earlier batch with other options).")]
Detector = Annotated[str, typer.Option(help="auto (CNN + face mesh), dlib or haar.")]
Base = Annotated[Path | None, typer.Option("--base", help="Base (FFHQ) generator checkpoint, with its discriminator.", show_default=False)]
Toon = Annotated[Path | None, typer.Option("--toon", help="Toon generator, e.g. from `toonmoji gan blend`.", show_default=False)]
Encoder = Annotated[Path | None, typer.Option("--encoder", help="Encoder for the base: starts each projection.", show_default=False)]
Quality = Annotated[str, typer.Option(help="fast (coarse-to-fine) or best (300 full-resolution steps).")]
Device = Annotated[str, typer.Option(help="cpu, cuda ... (toon models).")]


def _run(command: str, inputs: list[Path], out: Path, workers: int | None, ray: str | None, force: bool,
         options: dict[str, Any]) -> None:
    from toonmoji.batch.runner import run

    try:
        summary = run(command, inputs, out, workers=workers, ray=ray, options=options, force=force, progress=True)
    except KeyboardInterrupt:
        err_console.print(f"stopped; what finished is in {escape(str(out / 'manifest.jsonl'))}: run the same "
                          "command again to do the rest", highlight=False)
        raise
    _report(summary, out)


def _report(summary: dict[str, Any], out: Path) -> None:
    t, now = summary["totals"], summary["this_run"]
    before = f" ({now['done_before']} done before)" if now["done_before"] else ""
    console.print(f"{t['inputs']} input(s): {t['ok']} ok, {t['failed']} failed, {t['skipped']} skipped{before}; "
                  f"this run {now['processed']} in {summary['seconds']:.1f} s "
                  f"({summary['throughput_per_second']:.2f}/s on {summary['workers']} worker(s))", highlight=False)
    for name in summary["tables"]:
        console.print(f"table: {out / name}", highlight=False, soft_wrap=True)
    for failure in summary["failures"][:10]:
        err_console.print(f"failed: {escape(failure['path'])}: {escape(failure['error'] or '')}", highlight=False,
                          soft_wrap=True)
    if t["failed"]:
        raise BatchFailuresError(f"{t['failed']} of {t['inputs']} input(s) failed; each has its line in "
                                 f"{out / 'manifest.jsonl'} (run again to retry them)")


@app.command()
def emoji(
    inputs: Inputs,
    out: Out,
    sticker: Annotated[bool, typer.Option(help="Also KEY.sticker.webp (512x512) and KEY.128.png.")] = False,
    size: Annotated[int | None, typer.Option(min=16, max=4096, help="Resize each emoji to SIZE x SIZE.", show_default=False)] = None,
    margin: Annotated[float, typer.Option(min=0.0, max=1.0, help="Space around the head, a fraction of its size.")] = 0.06,
    detector: Detector = "auto",
    base: Base = None,
    toon: Toon = None,
    encoder: Encoder = None,
    quality: Quality = "fast",
    project_steps: Annotated[int | None, typer.Option(min=1, help="With --base/--toon: projection steps.", show_default=False)] = None,
    device: Device = "cpu",
    workers: Workers = None,
    ray: Ray = None,
    force: Force = False,
) -> None:
    """`toonmoji emoji` for every photo: DIR/KEY.png (KEY: the photo's name, its folders kept)."""
    _run("emoji", inputs, out, workers, ray, force, {
        "sticker": sticker, "size": size, "margin": margin, "detector": detector, "base": _s(base), "toon": _s(toon),
        "encoder": _s(encoder), "quality": quality, "project_steps": project_steps, "device": device})


@app.command()
def avatar(
    inputs: Inputs,
    out: Out,
    png: Annotated[bool, typer.Option(help="Also a transparent KEY.png.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Also the avatar file KEY.json (edit it, render it later).")] = False,
    emotion: Annotated[str, typer.Option(help="Expression: angry, disgust, fear, happy, sad, surprise or neutral.")] = "neutral",
    intensity: Annotated[float, typer.Option(help="Expression strength, 0 .. 1.")] = 1.0,
    size: Annotated[int, typer.Option(help="Side of the PNG and the SVG's display size, pixels.")] = 512,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override an attribute for every avatar, e.g. --set glasses=none.", show_default=False)] = None,
    detector: Detector = "auto",
    workers: Workers = None,
    ray: Ray = None,
    force: Force = False,
) -> None:
    """`toonmoji avatar` for every photo: DIR/KEY.svg (+ .png, .json)."""
    _run("avatar", inputs, out, workers, ray, force, {
        "png": png, "json": json_out, "emotion": emotion, "intensity": intensity, "size": size,
        "sets": list(sets or []), "detector": detector})


@app.command()
def emotion(
    inputs: Inputs,
    out: Out,
    annotate: Annotated[bool, typer.Option(help="Also the annotated photo KEY.png.")] = True,
    model: Annotated[str | None, typer.Option(help="A packaged model name, a .pt checkpoint or an .onnx export.", show_default=False)] = None,
    detector: Annotated[str, typer.Option(help="auto (CNN), haar (frontal only) or dlib.")] = "auto",
    workers: Workers = None,
    ray: Ray = None,
    force: Force = False,
) -> None:
    """`toonmoji emotion` for every photo: DIR/KEY.json per photo, DIR/all_faces.csv for all."""
    _run("emotion", inputs, out, workers, ray, force, {"annotate": annotate, "model": model, "detector": detector})


@app.command()
def report(
    inputs: Inputs,
    out: Out,
    seconds: Annotated[float | None, typer.Option(min=0.1, help="Read only the first SECONDS of each video.", show_default=False)] = None,
    smooth_frames: Annotated[int, typer.Option(min=1, max=100, help="Frames each face's probabilities are averaged over.")] = 5,
    keep_seconds: Annotated[float, typer.Option(min=0.0, help="A face unseen this long keeps its track id.")] = 1.0,
    model: Annotated[str | None, typer.Option(help="A .pt checkpoint or .onnx export (default: packaged).", show_default=False)] = None,
    detector: Annotated[str | None, typer.Option(help="Face detector (default: the live command's).", show_default=False)] = None,
    detect_width: Annotated[int, typer.Option(min=80, max=4096, help="Frames are shrunk to this width for detection.")] = 320,
    rescan: Annotated[int, typer.Option(min=1, help="Scan the whole frame every N frames.")] = 10,
    workers: Workers = None,
    ray: Ray = None,
    force: Force = False,
) -> None:
    """`toonmoji emotion report` for every video: DIR/KEY.report/, DIR/all_tracks.csv for all."""
    _run("report", inputs, out, workers, ray, force, {
        "seconds": seconds, "smooth_frames": smooth_frames, "keep_seconds": keep_seconds, "model": model,
        "detector": detector, "detect_width": detect_width, "rescan": rescan})


@app.command()
def toonify(
    inputs: Inputs,
    out: Out,
    base: Base = None,
    toon: Toon = None,
    encoder: Encoder = None,
    paste_back: Annotated[bool, typer.Option(help="Paste the toonified faces back into each photo.")] = False,
    quality: Quality = "fast",
    latent: Annotated[str, typer.Option(help="w (carries over to the toon best) or w+.")] = "w",
    steps: Annotated[int | None, typer.Option(min=1, help="Projection steps [default: set by --quality].", show_default=False)] = None,
    cache: Annotated[bool, typer.Option(help="Reuse projected latents for the same face and base model.")] = True,
    device: Device = "cpu",
    workers: Workers = None,
    ray: Ray = None,
    force: Force = False,
) -> None:
    """`toonmoji toonify` for every photo: DIR/KEY.png (several faces: KEY.face0.png, ...)."""
    _run("toonify", inputs, out, workers, ray, force, {
        "base": _s(base), "toon": _s(toon), "encoder": _s(encoder), "paste_back": paste_back, "quality": quality,
        "latent": latent, "steps": steps, "cache": cache, "device": device})


def _s(path: Path | None) -> str | None:
    """Paths travel to workers (and job.json) as absolute strings."""
    return str(path.resolve()) if path is not None else None
