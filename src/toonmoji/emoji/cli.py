"""`toonmoji emoji ...`: personal emoji from a photo, sticker sizes, sheets and emotion sets.

`toonmoji emoji IMAGE` runs the `make` command; `sheet` and `set` are named sub-commands. (A photo
literally called `sheet` or `set` can be given as `toonmoji emoji make sheet`.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from toonmoji.cli_default import default_command_group
from toonmoji.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from rich.progress import Progress

    from toonmoji.toonify.models import ToonModels
    from toonmoji.toonify.pipeline import ToonifiedFace

ALPHA_SUFFIXES = (".png", ".webp")


app = typer.Typer(
    cls=default_command_group("make"),
    help="Personal emoji: cut the head out of a photo onto a transparent background, square. "
    "`toonmoji emoji IMAGE` runs `make`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(emoji=False)  # see toonmoji.cli

Force = Annotated[bool, typer.Option(help="Overwrite existing outputs.")]
BaseModel = Annotated[Path | None, typer.Option("--base", help="Toonify first: base (FFHQ) generator checkpoint, with its discriminator (needs --toon).", show_default=False)]
ToonModel = Annotated[Path | None, typer.Option("--toon", help="Toonify first: toon generator, e.g. from `toonmoji gan blend` (needs --base).", show_default=False)]
ProjectSteps = Annotated[int | None, typer.Option(min=1, help="With --base/--toon: projection steps [default: set by --quality].", show_default=False)]
Quality = Annotated[str, typer.Option(help="With --base/--toon: fast (coarse-to-fine, seconds with --encoder) or best (300 full-resolution steps).")]
EncoderModel = Annotated[Path | None, typer.Option("--encoder", help="With --base/--toon: encoder for the base (`toonmoji gan train-encoder`); starts the projection.", show_default=False)]
Device = Annotated[str, typer.Option(help="With --base/--toon: cpu, cuda ...")]


def _toon_models(base: Path | None, toon: Path | None, device: str, encoder: Path | None = None) -> ToonModels | None:
    """The toon model pair when both are given, None when neither; one alone is an error."""
    if base is None and toon is None:
        return None
    if base is None or toon is None:
        raise InputError("toonify first needs both --base and --toon")
    from toonmoji.toonify.models import load_toon_models

    return load_toon_models(base, toon, device, encoder)


def _projection_progress() -> Progress:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                    TimeRemainingColumn(), console=console, transient=True)


def _toonify(
    image: np.ndarray, models: ToonModels, quality: str, steps: int | None, detector: str, source: str
) -> ToonifiedFace:
    """Project the largest face (or reuse its cached latent) and render it through the toon."""
    from toonmoji.toonify.latent_cache import LatentCache, default_cache_dir
    from toonmoji.toonify.pipeline import toonify_largest_face
    from toonmoji.toonify.project import quality_config

    cfg = quality_config(quality, "w", steps, models.encoder is not None)
    with _projection_progress() as progress:
        task = progress.add_task("projecting the face", total=cfg.total_steps, info="")
        result = toonify_largest_face(
            image, models, cfg, LatentCache(default_cache_dir()), detector, source,
            on_step=lambda s, loss: progress.update(task, completed=s + 1, info=f"loss {loss:.4f}"),
        )
    if result.from_cache:
        console.print("projected latent taken from the cache")
    return result


def _require_alpha_format(path: Path) -> None:
    if path.suffix.lower() not in ALPHA_SUFFIXES:
        raise InputError(f"{path}: an emoji needs transparency; write .png or .webp (not {path.suffix or 'no suffix'})")


def sticker_paths(out: Path) -> tuple[Path, Path]:
    """Where `--sticker` writes: `<stem>_sticker.webp` (512x512) and `<stem>_128.png`."""
    return out.with_name(f"{out.stem}_sticker.webp"), out.with_name(f"{out.stem}_128.png")


def step_paths(folder: Path) -> dict[str, Path]:
    """Where `--steps` writes the four stages: 1_original.png ... 4_cropped.png."""
    from toonmoji.emoji.make import STEP_NAMES

    return {name: folder / f"{i}_{name}.png" for i, name in enumerate(STEP_NAMES, start=1)}


@app.command()
def make(
    image: Annotated[Path, typer.Argument(help="A photo or a toonified face (JPEG, PNG, WebP; PNG transparency is respected).")],
    out: Annotated[Path | None, typer.Option(help="The emoji: a transparent .png or .webp [default: IMAGE_emoji.png].", show_default=False)] = None,
    steps: Annotated[Path | None, typer.Option(help="Also write the four stages (original, masked, background removed, cropped) into this folder.")] = None,
    sticker: Annotated[bool, typer.Option(help="Also write a 512x512 WebP sticker and a 128x128 PNG beside --out.")] = False,
    size: Annotated[int | None, typer.Option(min=16, max=4096, help="Resize the emoji to SIZE x SIZE [default: the crop's own size].", show_default=False)] = None,
    margin: Annotated[float, typer.Option(min=0.0, max=1.0, help="Space around the head on each side, as a fraction of its size.")] = 0.06,
    detector: Annotated[str, typer.Option(help="auto (CNN + face mesh: turned, small, covered faces), dlib or haar (frontal only).")] = "auto",
    base: BaseModel = None,
    toon: ToonModel = None,
    encoder: EncoderModel = None,
    quality: Quality = "fast",
    project_steps: ProjectSteps = None,
    device: Device = "cpu",
    force: Force = False,
) -> None:
    """Cut the largest face's head out of IMAGE (hair and ears kept), transparent and square.

    With --base and --toon the face is toonified first and the character is cut out."""
    from toonmoji.emoji.make import make_emoji
    from toonmoji.emoji.sticker import icon_bytes, png_bytes, resize_rgba, sticker_bytes, webp_bytes
    from toonmoji.imageio import check_writable, read_image, write_bytes, write_image

    if detector not in ("auto", "dlib", "haar"):
        raise InputError(f"unknown detector {detector!r}; choose auto, dlib or haar")
    out = out or Path(f"{image.stem}_emoji.png")
    _require_alpha_format(out)
    targets = [out]
    if sticker:
        targets += sticker_paths(out)
    if steps is not None:
        targets += step_paths(steps).values()
    for p in targets:  # fail before the work, not half-way through writing
        check_writable(p, force)

    models = _toon_models(base, toon, device, encoder)
    if models is None:
        emoji = make_emoji(read_image(image, mode="RGBA"), detector=detector, margin=margin, source=str(image))
    else:
        from toonmoji.emoji.toon import toon_emoji

        toonified = _toonify(read_image(image), models, quality, project_steps, detector, str(image))
        emoji = toon_emoji(toonified, detector, margin)
    rgba = resize_rgba(emoji.rgba, size) if size else emoji.rgba
    write_bytes(out, webp_bytes(rgba, max_bytes=10**9) if out.suffix.lower() == ".webp" else png_bytes(rgba), force=force)
    console.print(f"emoji: {out} ({rgba.shape[1]}x{rgba.shape[0]})")
    if sticker:
        webp, icon = sticker_paths(out)
        write_bytes(webp, sticker_bytes(emoji), force=force)
        write_bytes(icon, icon_bytes(emoji), force=force)
        console.print(f"sticker: {webp} (512x512), {icon} (128x128)")
    if steps is not None:
        for name, path in step_paths(steps).items():
            write_image(path, emoji.steps[name], force=force)
        console.print(f"steps: {steps}/1_original.png ... 4_cropped.png")


@app.command()
def sheet(
    folder: Annotated[Path, typer.Argument(help="A folder of emoji (.png, .webp), e.g. from `toonmoji emoji set`.")],
    out: Annotated[Path, typer.Option(help="The sheet (.png or .webp).")] = Path("sheet.png"),
    columns: Annotated[int | None, typer.Option(min=1, max=100, help="Emoji per row [default: a square-ish grid].", show_default=False)] = None,
    cell: Annotated[int, typer.Option(min=16, max=1024, help="Side of each emoji on the sheet, in pixels.")] = 160,
    labels: Annotated[bool, typer.Option(help="Write each file's name under its emoji.")] = True,
    background: Annotated[str, typer.Option(help="'transparent' or a colour ('white', '#f0f0f0').")] = "transparent",
    force: Force = False,
) -> None:
    """Lay every emoji in FOLDER out on one sheet (emotion names in FER2013 order first)."""
    from toonmoji.emoji.sheet import sheet_from_folder
    from toonmoji.imageio import check_writable, write_image

    _require_alpha_format(out)
    check_writable(out, force)
    image = sheet_from_folder(folder, exclude=out, cell=cell, columns=columns, labels=labels, background=background)
    write_image(out, image, force=force)
    console.print(f"sheet: {out} ({image.shape[1]}x{image.shape[0]})")


@app.command("set")
def emotion_set_command(
    photos: Annotated[list[Path], typer.Argument(help="Photos and/or videos of one person showing different expressions.")],
    out: Annotated[Path, typer.Option(help="Folder for <emotion>.png (angry, disgust, fear, happy, sad, surprise, neutral).")] = Path("emoji-set"),
    every: Annotated[float, typer.Option(min=0.01, help="Seconds between the video frames read.")] = 0.5,
    size: Annotated[int, typer.Option(min=16, max=4096, help="Side of each emoji in pixels.")] = 256,
    detector: Annotated[str, typer.Option(help="auto (CNN + face mesh: turned, small, covered faces), dlib or haar (frontal only).")] = "auto",
    base: BaseModel = None,
    toon: ToonModel = None,
    encoder: EncoderModel = None,
    quality: Quality = "fast",
    strength: Annotated[float, typer.Option(help="With --base/--toon: how far to move along each expression direction, in standard deviations of the sampled faces.")] = 2.0,
    samples: Annotated[int, typer.Option(min=10, help="With --base/--toon: faces sampled to find the expression directions (once per base model; cached).")] = 512,
    project_steps: ProjectSteps = None,
    device: Device = "cpu",
    force: Force = False,
) -> None:
    """One emoji per emotion (DIR/<emotion>.png).

    Without toon models: every photo, and a video frame every --every seconds, is read by the
    packaged emotion model; only the largest face of each counts, and each emotion's emoji comes
    from the face that shows it most strongly. Emotions no photo showed are reported, never made up.

    With --base and --toon: one photo is toonified, and its latent is moved along an expression
    direction per emotion (found by reading the emotion of faces sampled from the base model).
    """
    from rich.progress import BarColumn, Progress, TextColumn

    from toonmoji.emoji.emotion_set import check_inputs, emotion_set, missing_emotions, set_paths
    from toonmoji.emoji.sticker import png_bytes, resize_rgba
    from toonmoji.imageio import check_writable, write_bytes

    if detector not in ("auto", "dlib", "haar"):
        raise InputError(f"unknown detector {detector!r}; choose auto, dlib or haar")
    check_inputs(photos)
    paths = set_paths(out)
    for p in paths.values():
        check_writable(p, force)
    models = _toon_models(base, toon, device, encoder)
    if models is not None:
        _toon_emotion_set(photos, models, paths, strength, samples, quality, project_steps, size, detector, force)
        return
    with Progress(TextColumn("reading expressions"), BarColumn(), TextColumn("{task.completed} image(s)"),
                  console=console, transient=True) as progress:
        task = progress.add_task("shots", total=None)
        emoji, picks = emotion_set(photos, detector=detector, every_seconds=every,
                                   on_shot=lambda _: progress.advance(task))
    table = Table(title=f"emoji set in {out}")
    for col in ("emotion", "probability", "from", "file"):
        table.add_column(col)
    for name, e in emoji.items():
        write_bytes(paths[name], png_bytes(resize_rgba(e.rgba, size)), force=force)
        table.add_row(name, f"{picks[name].score:.2f}", picks[name].shot.where, str(paths[name]))
    console.print(table)
    missing = missing_emotions(emoji)
    if missing:
        console.print(f"not found (no face showed them most): {', '.join(missing)}")


def _toon_emotion_set(
    photos: list[Path], models: ToonModels, paths: dict[str, Path], strength: float, samples: int,
    quality: str, project_steps: int | None, size: int, detector: str, force: bool,
) -> None:
    """`emoji set --base --toon`: the one photo's toon moved to every emotion."""
    from rich.progress import BarColumn, Progress, TextColumn

    from toonmoji.emoji.sticker import png_bytes, resize_rgba
    from toonmoji.emoji.toon import expression_emoji
    from toonmoji.emotion import EmotionClassifier
    from toonmoji.imageio import is_image_path, read_image, write_bytes
    from toonmoji.toonify.expression import cached_directions
    from toonmoji.toonify.latent_cache import LatentCache, default_cache_dir

    if len(photos) != 1 or not is_image_path(photos[0]):
        raise InputError("with --base/--toon give exactly one photo: its face is moved to every emotion")
    image = read_image(photos[0])
    toonified = _toonify(image, models, quality, project_steps, detector, str(photos[0]))
    classifier = EmotionClassifier.default()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=console, transient=True) as progress:
        task = progress.add_task("finding expression directions", total=samples)
        directions = cached_directions(models, classifier, LatentCache(default_cache_dir()), samples,
                                       on_batch=lambda n: progress.advance(task, n))
        task = progress.add_task("rendering emotions", total=len(directions.classes))
        made = expression_emoji(toonified, models, directions, classifier, strength, detector,
                                on_emotion=lambda _: progress.advance(task))
    table = Table(title=f"emoji set in {paths[made[0].emotion].parent}")
    for col in ("emotion", "classifier's probability in the base image: photo -> moved", "file"):
        table.add_column(col)
    for e in made:
        write_bytes(paths[e.emotion], png_bytes(resize_rgba(e.emoji.rgba, size)), force=force)
        table.add_row(e.emotion, f"{e.score_before:.2f} -> {e.base_score:.2f}", str(paths[e.emotion]))
    console.print(table)
