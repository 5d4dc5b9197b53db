"""`toonmoji avatar ...`: your cartoon self from one photo, with nothing downloaded.

`toonmoji avatar PHOTO` runs `make`; `render` draws a saved avatar file in any expression,
`set` writes the seven emotion emoji (and stickers, animated with `--animated`) from one photo,
`sticker` one sticker (still or animated) and `puppet` moves the avatar with a face in a camera
or a video. Every output is checked before
any work and written atomically; a bad input writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from toonmoji.cli_default import default_command_group
from toonmoji.errors import InputError

if TYPE_CHECKING:
    from toonmoji.avatar.avatar import Avatar

app = typer.Typer(
    cls=default_command_group("make"),
    help="Your cartoon avatar: fitted from one photo, drawn as vectors, in seven expressions. "
    "`toonmoji avatar PHOTO` runs `make`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(emoji=False)  # see toonmoji.cli
err_console = Console(emoji=False, stderr=True)

Force = Annotated[bool, typer.Option(help="Overwrite existing outputs.")]
Sets = Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help="Override an attribute, e.g. --set hair.color=#3b2a20 --set glasses=none (repeatable).", show_default=False)]
Detector = Annotated[str, typer.Option(help="auto (CenterFace + MediaPipe mesh, the default), dlib (needs [dlib]) or haar.")]
EMOTION_HELP = "angry, disgust, fear, happy, sad, surprise or neutral."


def check_pose(emotion: str, intensity: float, size: int | None = None) -> None:
    """One-line errors for an unknown emotion or out-of-range intensity/size."""
    from toonmoji.avatar.avatar import MAX_SIZE
    from toonmoji.avatar.model import AvatarError
    from toonmoji.emotion.labels import EMOTIONS

    if emotion not in EMOTIONS:
        raise AvatarError(f"unknown emotion {emotion!r}; choose {', '.join(EMOTIONS)}")
    if not 0.0 <= intensity <= 1.0:
        raise AvatarError(f"--intensity must be in [0, 1], got {intensity:g}")
    if size is not None and not 8 <= size <= MAX_SIZE:
        raise AvatarError(f"--size must be in [8, {MAX_SIZE}] pixels, got {size}")


def fit_photo(photo: Path, detector: str, sets: list[str] | None) -> Avatar:
    from toonmoji.avatar.fitting import fit_avatar
    from toonmoji.imageio import read_image

    if detector not in ("auto", "dlib", "haar"):
        raise InputError(f"unknown detector {detector!r}; choose auto, dlib or haar")
    image = read_image(photo)
    return fit_avatar(image, detector=detector, source=str(photo)).with_set(*(sets or []))


def _check_suffix(path: Path, allowed: tuple[str, ...], what: str) -> None:
    if path.suffix.lower() not in allowed:
        raise InputError(f"{path}: {what} must end in {' or '.join(allowed)}")


def _image_bytes(rgba, path: Path) -> bytes:
    from toonmoji.emoji.sticker import png_bytes, webp_bytes

    return webp_bytes(rgba, max_bytes=10**9) if path.suffix.lower() == ".webp" else png_bytes(rgba)


@app.command()
def make(
    photo: Annotated[Path, typer.Argument(help="A photo with a face (JPEG, PNG, WebP).")],
    out: Annotated[Path | None, typer.Option(help="The avatar drawing: .svg, or .png / .webp (transparent) "
                                             "[default: PHOTO_avatar.svg].", show_default=False)] = None,
    png: Annotated[Path | None, typer.Option(help="Also a transparent PNG (or .webp).", show_default=False)] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also the avatar file (JSON): edit it, render it later. `-` prints it (with each choice's confidence and alternative) instead.", show_default=False)] = None,
    emotion: Annotated[str, typer.Option(help=f"Expression: {EMOTION_HELP}")] = "neutral",
    intensity: Annotated[float, typer.Option(help="Expression strength, 0 .. 1.")] = 1.0,
    size: Annotated[int, typer.Option(help="Side of the PNG and the SVG's display size, pixels.")] = 512,
    sets: Sets = None,
    detector: Detector = "auto",
    force: Force = False,
) -> None:
    """Fit an avatar to the largest face in PHOTO and draw it (SVG; PNG and JSON on request)."""
    from toonmoji.imageio import check_writable, write_bytes

    check_pose(emotion, intensity, size)
    out = out or Path(f"{photo.stem}_avatar.svg")
    _check_suffix(out, (".svg", ".png", ".webp"), "--out")
    raster_out = out.suffix.lower() != ".svg"
    if png is not None:
        _check_suffix(png, (".png", ".webp"), "--png")
    to_stdout = json_out is not None and str(json_out) == "-"
    if json_out is not None and not to_stdout:
        _check_suffix(json_out, (".json",), "--json")
    targets = [p for p in (out, png, None if to_stdout else json_out) if p is not None]
    for p in targets:
        check_writable(p, force)
    avatar = fit_photo(photo, detector, sets)
    rgba = avatar.render(emotion, intensity, size) if png is not None or raster_out else None
    drawing = _image_bytes(rgba, out) if raster_out else avatar.to_svg(emotion, intensity, size).encode()
    write_bytes(out, drawing, force=force)
    say = err_console.print if to_stdout else console.print  # stdout then carries only the JSON
    say(f"avatar: {out}")
    if png is not None:
        write_bytes(png, _image_bytes(rgba, png), force=force)
        say(f"image: {png} ({size}x{size})")
    if to_stdout:
        typer.echo(avatar.to_json(), nl=False)
    elif json_out is not None:
        write_bytes(json_out, avatar.to_json().encode(), force=force)
        say(f"avatar file: {json_out}")
    a = avatar.attributes
    say(f"skin {a.skin}, hair {a.hair.style} {a.hair.color}, eyes {a.eyes.color}, "
        f"glasses {a.glasses.style}, beard {a.beard.style}", highlight=False)
    doubts = doubt_lines(a)
    if doubts:
        say("not sure of: " + "; ".join(doubts) + " (change with --set KEY=VALUE)", highlight=False)


def doubt_lines(attrs) -> list[str]:
    """`beard.style? full (0.47) / stubble` for each choice fitted with low confidence."""
    out = []
    for key, c in attrs.doubtful().items():
        section, name = key.split(".")
        out.append(f"{key}? {getattr(getattr(attrs, section), name)} ({c.score:.2f}) / {c.alternative}")
    return out


@app.command()
def render(
    avatar_file: Annotated[Path, typer.Argument(help="An avatar file (JSON) from `toonmoji avatar PHOTO --json`.")],
    out: Annotated[Path, typer.Option(help="Where to draw it: .png or .webp (transparent) or .svg.")] = Path("avatar.png"),
    emotion: Annotated[str, typer.Option(help=f"Expression: {EMOTION_HELP}")] = "neutral",
    intensity: Annotated[float, typer.Option(help="Expression strength, 0 .. 1.")] = 1.0,
    size: Annotated[int, typer.Option(help="Side in pixels.")] = 512,
    sets: Sets = None,
    force: Force = False,
) -> None:
    """Draw a saved avatar in an expression, at any size."""
    from toonmoji.avatar.avatar import Avatar
    from toonmoji.imageio import check_writable, write_bytes

    check_pose(emotion, intensity, size)
    _check_suffix(out, (".png", ".webp", ".svg"), "--out")
    check_writable(out, force)
    avatar = Avatar.load(avatar_file).with_set(*(sets or []))
    if out.suffix.lower() == ".svg":
        data = avatar.to_svg(emotion, intensity, size).encode()
    else:
        data = _image_bytes(avatar.render(emotion, intensity, size), out)
    write_bytes(out, data, force=force)
    console.print(f"{emotion} ({intensity:g}): {out}")


@app.command("set")
def emotion_set(
    photo: Annotated[Path, typer.Argument(help="One photo of the person, any expression; or an avatar file (.json).")],
    out: Annotated[Path, typer.Option(help="Folder for <emotion>.png (readable by `toonmoji emotion --emoji-set`) and <emotion>.webp stickers.")] = Path("emoji-set"),
    size: Annotated[int, typer.Option(help="Side of each PNG in pixels.")] = 256,
    intensity: Annotated[float, typer.Option(help="Expression strength, 0 .. 1.")] = 1.0,
    sets: Sets = None,
    detector: Detector = "auto",
    animated: Annotated[bool, typer.Option(help="Also the animated stickers (DIR/animated/<name>.webp) and the pack's "
                                           "tray icon (DIR/tray.png, 96 px).")] = False,
    force: Force = False,
) -> None:
    """The seven emotions as emoji from ONE photo: DIR/<emotion>.png plus 512 px WebP stickers."""
    from toonmoji.avatar.animate import ANIMATIONS, animated_sticker, tray_icon
    from toonmoji.avatar.avatar import Avatar
    from toonmoji.emoji.sticker import png_bytes, sticker_bytes
    from toonmoji.emotion.labels import EMOTIONS
    from toonmoji.imageio import check_writable, write_bytes

    check_pose("neutral", intensity, size)
    paths = {e: (out / f"{e}.png", out / f"{e}.webp") for e in EMOTIONS}
    moving = {name: out / "animated" / f"{name}.webp" for name in ANIMATIONS} if animated else {}
    for p in [p for pair in paths.values() for p in pair] + list(moving.values()) + ([out / "tray.png"] if animated else []):
        check_writable(p, force)
    if photo.suffix.lower() == ".json":
        avatar = Avatar.load(photo).with_set(*(sets or []))
    else:
        avatar = fit_photo(photo, detector, sets)
    made = {e: (png_bytes(avatar.render(e, intensity, size)), sticker_bytes(avatar.render(e, intensity, 512)))
            for e in EMOTIONS}
    for e, (png_data, webp_data) in made.items():
        write_bytes(paths[e][0], png_data, force=force)
        write_bytes(paths[e][1], webp_data, force=force)
    console.print(f"emoji set: {out}/<emotion>.png ({size}x{size}) and <emotion>.webp stickers (512x512) "
                  f"for {', '.join(EMOTIONS)}")
    if animated:
        for name, path in moving.items():
            write_bytes(path, animated_sticker(avatar, name, intensity=intensity), force=force)
        write_bytes(out / "tray.png", tray_icon(avatar), force=force)
        console.print(f"animated stickers: {out}/animated/<name>.webp (512x512) for {', '.join(ANIMATIONS)}; "
                      f"tray icon {out}/tray.png")


@app.command()
def puppet(
    video: Annotated[Path | None, typer.Argument(help="A video file with a face; or use --camera.", show_default=False)] = None,
    avatar_file: Annotated[Path, typer.Option("--avatar", help="The avatar file (JSON) from `toonmoji avatar PHOTO --json`.")] = Path("avatar.json"),
    camera: Annotated[int | None, typer.Option(help="Read from camera number N instead.", min=0, show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(help="Write .mp4/.avi, or .webp/.gif (animated, may be transparent) "
                                             "[default: a window; VIDEO_puppet.mp4 or cameraN_puppet.mp4 when none can open].",
                                             show_default=False)] = None,
    beside: Annotated[bool, typer.Option(help="The camera frame beside the avatar.")] = False,
    background: Annotated[str, typer.Option(help="white, black, green, grey, #rrggbb, or transparent (.webp/.gif).")] = "white",
    size: Annotated[int, typer.Option(help="The avatar's side in pixels.", min=64, max=1024)] = 384,
    emotion: Annotated[bool, typer.Option(help="Let the recognised emotion style the face.")] = True,
    fast: Annotated[bool | None, typer.Option(help="Look at one eye a frame (a third less work, each eye at half "
                                              "the frame rate) [default: on for a camera, off for a video].",
                                              show_default=False)] = None,
    max_frames: Annotated[int | None, typer.Option(help="Stop after N frames.", min=1, show_default=False)] = None,
    force: Force = False,
) -> None:
    """The avatar moves with the face: head turns, blinks and winks, gaze, brows, mouth, emotion."""
    from toonmoji.avatar.avatar import Avatar
    from toonmoji.avatar.puppet import Puppet
    from toonmoji.avatar.puppet_video import background_rgba, check_output, run_puppet
    from toonmoji.emotion.live import gui_available
    from toonmoji.errors import VideoReadError
    from toonmoji.imageio import VideoSource, check_writable

    if (video is None) == (camera is None):
        raise InputError("give either a VIDEO path or --camera N (one of them)")
    if out is not None:
        check_output(out)
    bg = background_rgba(background, out)
    avatar = Avatar.load(avatar_file)
    src = VideoSource(camera if camera is not None else video)
    show = out is None and gui_available()
    if out is None and not show:  # headless OpenCV, or no display: a file (Ctrl-C ends a camera)
        out = Path(f"camera{camera}_puppet.mp4" if camera is not None else f"{video.stem}_puppet.mp4")
    if out is not None:
        check_writable(out, force)
    puppet = Puppet.create(avatar, size, emotion, fast=camera is not None if fast is None else fast)
    run = run_puppet(puppet, src, out, bg, beside, show, max_frames, force)
    console.print(f"{run.frames} frame(s), {run.frames / max(run.seconds, 1e-9):.1f} fps, a face in {run.faces}")
    if run.output:
        console.print(f"puppet: {run.output}")
    if run.interrupted:
        console.print("interrupted; the output so far is kept")
    if run.capped:
        console.print(f"an animated file holds at most {run.frames} frames; use --out NAME.mp4 for longer videos")
    if run.broken:
        raise VideoReadError(f"{src.name} broke off after frame {run.frames} (truncated or corrupt); the frames before it are kept")


@app.command()
def sticker(
    avatar_file: Annotated[Path, typer.Argument(help="An avatar file (JSON) from `toonmoji avatar PHOTO --json`.")],
    out: Annotated[Path, typer.Option(help="The sticker: .webp (512 px) or .gif; .png for a still one.")] = Path("sticker.webp"),
    emotion: Annotated[str | None, typer.Option(help=f"Expression: {EMOTION_HELP} [default: the animation's own, or neutral].",
                                                show_default=False)] = None,
    animate: Annotated[str | None, typer.Option(help="wave, wink, laugh, cry, surprise or shake: an animated sticker.",
                                                show_default=False)] = None,
    intensity: Annotated[float, typer.Option(help="Expression strength, 0 .. 1.")] = 1.0,
    size: Annotated[int, typer.Option(help="Side in pixels (at most 512).", min=8, max=512)] = 512,
    force: Force = False,
) -> None:
    """One sticker of the avatar: still, or animated (a loop of at most 3 s, WebP at most 500 KB)."""
    from toonmoji.avatar.animate import ANIMATIONS, animated_sticker, check_animation, gif_animation
    from toonmoji.avatar.avatar import Avatar
    from toonmoji.emoji.sticker import png_bytes, webp_bytes
    from toonmoji.imageio import check_writable, write_bytes

    check_pose(emotion or "neutral", intensity)
    _check_suffix(out, (".webp", ".gif", ".png") if animate is None else (".webp", ".gif"), "--out")
    if animate is not None:
        check_animation(animate)
    check_writable(out, force)
    avatar = Avatar.load(avatar_file)
    if animate is None:
        rgba = avatar.render(emotion or "neutral", intensity, size)
        suffix = out.suffix.lower()
        data = webp_bytes(rgba) if suffix == ".webp" else png_bytes(rgba) if suffix == ".png" else gif_animation([rgba], 1.0)
    else:
        data = animated_sticker(avatar, animate, emotion, intensity, out.suffix.lower()[1:], size)
    write_bytes(out, data, force=force)
    what = f"{animate} ({ANIMATIONS[animate][2]:g} s, {emotion or ANIMATIONS[animate][1]})" if animate else emotion or "neutral"
    console.print(f"sticker {what}: {out} ({size}x{size}, {len(data) // 1000} KB)")

