"""`toonmoji emoji ...`: personal emoji from a photo, sticker sizes, sheets and emotion sets.

`toonmoji emoji IMAGE` runs the `make` command; `sheet` and `set` are named sub-commands. (A photo
literally called `sheet` or `set` can be given as `toonmoji emoji make sheet`.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from toonmoji.cli_default import default_command_group
from toonmoji.errors import InputError

ALPHA_SUFFIXES = (".png", ".webp")


app = typer.Typer(
    cls=default_command_group("make"),
    help="Personal emoji: cut the head out of a photo onto a transparent background, square. "
    "`toonmoji emoji IMAGE` runs `make`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()

Force = Annotated[bool, typer.Option(help="Overwrite existing outputs.")]


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
    detector: Annotated[str, typer.Option(help="dlib (accurate) or haar (fast).")] = "dlib",
    force: Force = False,
) -> None:
    """Cut the largest face's head out of IMAGE (hair and ears kept), transparent and square."""
    from toonmoji.emoji.make import make_emoji
    from toonmoji.emoji.sticker import icon_bytes, png_bytes, resize_rgba, sticker_bytes, webp_bytes
    from toonmoji.imageio import check_writable, read_image, write_bytes, write_image

    if detector not in ("dlib", "haar"):
        raise InputError(f"unknown detector {detector!r}; choose dlib or haar")
    out = out or Path(f"{image.stem}_emoji.png")
    _require_alpha_format(out)
    targets = [out]
    if sticker:
        targets += sticker_paths(out)
    if steps is not None:
        targets += step_paths(steps).values()
    for p in targets:  # fail before the work, not half-way through writing
        check_writable(p, force)

    emoji = make_emoji(read_image(image, mode="RGBA"), detector=detector, margin=margin, source=str(image))
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
    detector: Annotated[str, typer.Option(help="dlib (accurate) or haar (fast).")] = "dlib",
    force: Force = False,
) -> None:
    """One emoji per emotion (DIR/<emotion>.png), each from the face that shows it most strongly.

    Every photo, and a video frame every --every seconds, is read by the packaged emotion model;
    only the largest face of each counts. Emotions no photo showed are reported, never made up.
    """
    from rich.progress import BarColumn, Progress, TextColumn

    from toonmoji.emoji.emotion_set import check_inputs, emotion_set, missing_emotions, set_paths
    from toonmoji.emoji.sticker import png_bytes, resize_rgba
    from toonmoji.imageio import check_writable, write_bytes

    if detector not in ("dlib", "haar"):
        raise InputError(f"unknown detector {detector!r}; choose dlib or haar")
    check_inputs(photos)
    paths = set_paths(out)
    for p in paths.values():
        check_writable(p, force)
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
