"""`toonmoji emotion report VIDEO|--camera N --out DIR`: a whole video's emotions per face, as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from toonmoji.errors import InputError, VideoReadError

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


def report(
    source: Annotated[Path | None, typer.Argument(help="A video file.", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the report (default: <video>_report).")] = None,
    camera: Annotated[int | None, typer.Option(help="Read from camera number N instead (with --seconds).", min=0)] = None,
    seconds: Annotated[float | None, typer.Option("--seconds", "--max-seconds", min=0.1, help="Read only this many seconds of the video (a camera: how long to record); the report covers them.")] = None,
    smooth_frames: Annotated[int, typer.Option(min=1, max=100, help="Frames each face's probabilities are averaged over (1 = none).")] = 5,
    keep_seconds: Annotated[float, typer.Option(min=0.0, help="A face unseen this long keeps its track id; after that it is a new face.")] = 1.0,
    model: Annotated[Path | None, typer.Option("--model", help="A toonmoji .pt checkpoint or .onnx export (default: packaged FER2013 model).")] = None,
    detector: Annotated[str | None, typer.Option(help="Face detector (default: the live command's); see `toonmoji emotion --help`.", show_default=False)] = None,
    detect_width: Annotated[int, typer.Option(min=80, max=4096, help="Frames are shrunk to this width for detection.")] = 320,
    rescan: Annotated[int, typer.Option(min=1, help="Scan the whole frame every N frames, follow known faces in between.")] = 10,
    force: Annotated[bool, typer.Option(help="Overwrite a report already in --out.")] = False,
) -> None:
    """Who felt what, when: track every face through a video and write emotions.csv, summary.json,
    timeline.png and index.html (Ctrl-C stops and writes the report so far)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from toonmoji.emotion.report import check_report_folder, prewarm, write_report
    from toonmoji.emotion.video import WORK_WIDTH, analyze_video, mmss
    from toonmoji.imageio import VideoSource, is_image_path, require_file

    if (source is None) == (camera is None):
        raise InputError("give either a VIDEO path or --camera N (one of them)")
    if camera is not None and seconds is None:
        raise InputError("--camera needs --seconds: how long to record")
    if detector not in (None, "auto", "haar", "dlib"):
        raise InputError(f"unknown detector {detector!r}; choose auto, haar or dlib")
    if source is not None:
        require_file(source)  # "no such file" before anything is said about its name
    if source is not None and is_image_path(source):
        raise InputError(f"{source} is a photo; `toonmoji emotion {source}` reads the emotions in a photo")
    out = out or Path(f"camera{camera}_report" if camera is not None else f"{source.stem}_report")
    check_report_folder(out, force)
    name = f"camera {camera}" if camera is not None else source.name
    src = VideoSource(camera if camera is not None else source, max_width=WORK_WIDTH)  # a bad file fails here
    imports = prewarm()
    try:
        with Progress(TextColumn(f"[bold]{name}[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("frames"),
                      TimeRemainingColumn(), console=err_console, transient=True,
                      disable=not err_console.is_terminal) as progress:
            task = progress.add_task("frames", total=None)
            video = analyze_video(src, model=model, detector=detector, smooth_frames=smooth_frames,
                                  detect_width=detect_width, rescan_every=rescan, keep_seconds=keep_seconds,
                                  seconds=seconds,
                                  on_progress=lambda n, total: progress.update(task, completed=n, total=total))
    finally:
        src.close()
        imports.join()  # an exit while it still imports in C (pyarrow) would abort the interpreter
    write_report(video, out, force)
    fps = video.frames / video.seconds_taken if video.seconds_taken > 0 else 0.0
    console.print(f"{video.frames} frame(s) ({mmss(video.duration)}) read at {fps:.0f} fps; {len(video.tracks)} face(s)")
    for t in video.tracks:
        console.print(f"  face {t.id}: on screen {mmss(t.seconds)}, mostly {t.dominant} ({t.shares[t.dominant]:.0%})",
                      highlight=False)
    console.print(f"report: {out / 'index.html'}", highlight=False, soft_wrap=True)
    for note in video.notes:
        if not video.broken or "broke off" not in note:
            err_console.print(note, highlight=False, markup=False, soft_wrap=True)
    if video.broken:
        raise VideoReadError(f"{video.source} broke off after frame {video.frames} ({mmss(video.duration)}; truncated "
                             f"or corrupt); the report in {out} covers the frames before it")
