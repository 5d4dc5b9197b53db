"""The `toonmoji` command: one sub-command per job, each thin (parse, call the API, report).

Every ToonmojiError becomes one line on stderr and a non-zero exit code; users never see a
traceback for their own mistakes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from toonmoji.avatar import cli as avatar_cli
from toonmoji.avatar.live import load_panel
from toonmoji.batch import cli as batch_cli
from toonmoji.cli_help import tidy_help
from toonmoji.emoji import cli as emoji_cli
from toonmoji.emotion import cli as emotion_cli
from toonmoji.errors import ToonmojiError
from toonmoji.extras import missing_extra
from toonmoji.gan import cli as gan_cli
from toonmoji.toonify import cli as toonify_cli
from toonmoji.web import cli as web_cli

if TYPE_CHECKING:
    import click

app = typer.Typer(
    name="toonmoji",
    help="Turn a photo into a cartoon character and a personal emoji; read facial emotion live.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Help is printed as written: Rich markup would eat every "[...]" in it (extras such as
    # [dlib], defaults), and Rich's panels show flags as taking a "<bool>" value.
    rich_markup_mode=None,
    context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]},
)
console = Console(emoji=False)  # paths and hex fingerprints hold ":ab:"-like runs, never emoji codes
err_console = Console(stderr=True, emoji=False)


def _print_version(value: bool) -> None:
    if value:
        from toonmoji import __version__

        print(f"toonmoji {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Turn a photo into a cartoon character and a personal emoji; read facial emotion live."""


@app.command()
def faces(
    photo: Annotated[Path, typer.Argument(help="A photo (JPEG, PNG, WebP).")],
    out: Annotated[Path | None, typer.Option(help="Folder for one aligned PNG per face (none are written without it).", show_default=False)] = None,
    size: Annotated[int, typer.Option(min=8, max=4096, help="Side of each aligned crop in pixels.")] = 256,
    detector: Annotated[str, typer.Option(help="auto (CNN + face mesh: turned, small, covered faces), dlib or haar (frontal only).")] = "auto",
    landmarks: Annotated[str | None, typer.Option(help="With --detector auto: mesh (MediaPipe, Apache-2.0; the default) or dlib (dlib's 68-point model: exact FFHQ alignment, but trained on research-only data).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite existing outputs.")] = False,
) -> None:
    """Find every face in PHOTO and align each the FFHQ way; --out DIR writes the aligned crops."""
    from toonmoji.faces import align_faces
    from toonmoji.faces.detect import cli_detector
    from toonmoji.imageio import check_writable, read_image, write_image

    image = read_image(photo)
    aligned = align_faces(image, size=size, detector=cli_detector(detector, landmarks), source=str(photo))
    paths = [out / f"{photo.stem}_face{i}.png" if out else None for i in range(len(aligned))]
    for p in paths:  # fail before writing anything rather than half-way
        if p is not None:
            check_writable(p, force)
    for a, p in zip(aligned, paths):
        if p is not None:
            write_image(p, a.image, force=force)
    if as_json:
        rows = [dict(a.face.to_json(), aligned=str(p) if p else None) for a, p in zip(aligned, paths)]
        print(json.dumps({"image": str(photo), "faces": rows}))
        return
    table = Table(title=f"{len(aligned)} face(s) in {photo.name}")
    for col in ("#", "box (x0, y0, x1, y1)", "confidence", "aligned") if out else ("#", "box (x0, y0, x1, y1)", "confidence"):
        table.add_column(col)
    for i, (a, p) in enumerate(zip(aligned, paths)):
        box = ", ".join(f"{v:.0f}" for v in a.face.box)
        table.add_row(str(i), box, f"{a.face.confidence:.2f}", *([str(p)] if p else []))
    console.print(table)
    if out is None:
        console.print("aligned crops: add --out DIR to write them")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the results and index.html.")] = Path("toonmoji-demo"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing demo folder's files.")] = False,
) -> None:
    """Run every capability on the built-in sample portrait; open OUT/index.html to look."""
    from toonmoji.demo import run_demo

    index = run_demo(out, force=force, console=console)
    console.print(f"[green]demo written:[/green] {index}")


emotion_cli.avatar_panel_loader = load_panel  # `toonmoji emotion --avatar FILE`
app.add_typer(emotion_cli.app, name="emotion")
app.add_typer(gan_cli.app, name="gan")
toonify_cli.register(gan_cli.app, app)
gan_cli.app.command("finetune")(gan_cli.finetune)  # the StyleGAN2 library's training command
app.add_typer(emoji_cli.app, name="emoji")
app.add_typer(avatar_cli.app, name="avatar")
app.command("serve")(web_cli.serve)
app.add_typer(batch_cli.app, name="batch")


def _error_line(exc: ToonmojiError) -> int:
    err_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    return exc.exit_code


def command() -> click.Command:
    """The whole command tree as Click commands, with help that reads as written (see cli_help)."""
    return tidy_help(typer.main.get_command(app))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (ToonmojiError -> one line on stderr)."""
    try:
        command().main(args=argv, prog_name="toonmoji")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ToonmojiError as exc:
        return _error_line(exc)
    except ImportError as exc:  # an optional module reached without require(): name its extra
        missing = missing_extra(exc)
        if missing is None:
            raise
        return _error_line(missing)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return 0


def main() -> None:
    sys.exit(run())
