"""Animated stickers: the avatar waving its head, winking, laughing, crying, surprised, shaking
with anger, as looping animated WebP or GIF within messaging apps' limits.

Each animation is a function of the loop's phase `t` in [0, 1) giving the face controls and the
head's pose, drawn by the same posed scene as the live puppet. Every cycle inside a loop is whole,
so the last frame leads back into the first. Limits (WhatsApp's and Telegram's animated stickers):
512 x 512, at most 3 s, a WebP at most 500 KB; the encoder lowers its quality until it fits.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PIL import Image

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.expression import Expression, expression_for
from toonmoji.avatar.model import AvatarError
from toonmoji.avatar.pose import HeadPose, posed_scene
from toonmoji.avatar.raster import render_shapes

SIDE = 512
MAX_SECONDS = 3.0
MAX_WEBP_BYTES = 500_000
TRAY_SIDE = 96  # WhatsApp's tray icon (Telegram's is 100): a PNG of the neutral face

Motion = Callable[[float, Expression], tuple[Expression, HeadPose]]


def _wave(t: float) -> float:
    return math.sin(2 * math.pi * t)


def _bump(t: float, start: float, end: float) -> float:
    """0 outside [start, end], rising smoothly to 1 in its middle."""
    if not start < t < end:
        return 0.0
    return math.sin(math.pi * (t - start) / (end - start)) ** 2


def head_wave(t: float, e: Expression) -> tuple[Expression, HeadPose]:
    """The head tilted from side to side twice, a little turn with it: hello."""
    return e, HeadPose(roll=14 * _wave(2 * t), yaw=8 * _wave(2 * t), pitch=3 * _wave(4 * t))


def wink(t: float, e: Expression) -> tuple[Expression, HeadPose]:
    """One eye closes and opens with a tilt of the head and a bigger smile."""
    k = _bump(t, 0.2, 0.8)
    return (replace(e, lid_right=k, eye_open=max(e.eye_open, 0.0), smile=e.smile + 0.4 * k),
            HeadPose(roll=8 * k, yaw=6 * k, gaze_x=0.3 * k))


def laugh(t: float, e: Expression) -> tuple[Expression, HeadPose]:
    """The mouth opening and closing three times with the head bobbing."""
    beat = abs(_wave(3 * t))
    return (replace(e, mouth_open=min(1.0, 0.45 + 0.45 * beat), eye_open=e.eye_open - 0.2 * beat),
            HeadPose(pitch=7 * beat - 3, roll=4 * _wave(t)))


def cry(t: float, e: Expression) -> tuple[Expression, HeadPose]:
    """Sobs: the shoulders' shake in the head, the mouth quivering, the gaze down."""
    sob = _wave(4 * t)
    return (replace(e, mouth_open=max(0.0, e.mouth_open + 0.15 * sob), tears=1.0),
            HeadPose(pitch=-6 + 3 * sob, roll=3 * _wave(2 * t), gaze_y=-0.5))


def surprise(t: float, e: Expression) -> tuple[Expression, HeadPose]:
    """From rest to surprise in a jolt (the head thrown back), held, then back to rest."""
    k = min(1.0, t / 0.12) if t < 0.75 else max(0.0, 1.0 - (t - 0.75) / 0.25)
    rest = expression_for("neutral")
    mixed = Expression(**{f: getattr(rest, f) + (getattr(e, f) - getattr(rest, f)) * k for f in e.__dataclass_fields__})
    return mixed, HeadPose(pitch=9 * k * (1 - 0.3 * _bump(t, 0.12, 0.75)), yaw=-4 * k)


def angry_shake(t: float, e: Expression) -> tuple[Expression, HeadPose]:
    """The head shaken fast, four times, brows down."""
    return e, HeadPose(yaw=16 * _wave(4 * t), roll=3 * _wave(4 * t + 0.25), pitch=-4)


# name -> (motion, the emotion it is drawn in unless one is given, seconds)
ANIMATIONS: dict[str, tuple[Motion, str, float]] = {
    "wave": (head_wave, "happy", 2.0),
    "wink": (wink, "happy", 2.0),
    "laugh": (laugh, "happy", 1.6),
    "cry": (cry, "sad", 2.0),
    "surprise": (surprise, "surprise", 2.4),
    "shake": (angry_shake, "angry", 1.6),
}


def check_animation(name: str) -> None:
    if name not in ANIMATIONS:
        raise AvatarError(f"unknown animation {name!r}; choose {', '.join(ANIMATIONS)}")


def animation_frames(avatar: Avatar, name: str, emotion: str | None = None, intensity: float = 1.0,
                     size: int = SIDE, fps: float = 15.0) -> list[np.ndarray]:
    """The loop's frames, `(size, size, 4) uint8` RGBA each, `fps` a second for the animation's
    length. `emotion`: the expression it is drawn in (the animation's own when None)."""
    check_animation(name)
    motion, default, seconds = ANIMATIONS[name]
    base = avatar.expression(emotion or default, intensity)
    n = max(2, round(seconds * fps))
    frames = []
    for i in range(n):
        expr, pose = motion(i / n, base)
        frames.append(render_shapes(posed_scene(avatar.attributes, expr, pose), size))
    return frames


def webp_animation(frames: list[np.ndarray], fps: float, max_bytes: int = MAX_WEBP_BYTES) -> bytes:
    """A looping animated WebP with alpha, its quality lowered until it fits `max_bytes`."""
    images = [Image.fromarray(f, "RGBA") for f in frames]
    data = b""
    for quality in (80, 70, 60, 50, 40, 30, 20):
        buf = io.BytesIO()
        images[0].save(buf, format="WEBP", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                       loop=0, quality=quality, method=4, background=(0, 0, 0, 0))
        data = buf.getvalue()
        if len(data) <= max_bytes:
            return data
    raise AvatarError(f"the animation does not fit {max_bytes // 1000} KB even at low quality; use fewer frames")


def gif_animation(frames: list[np.ndarray], fps: float) -> bytes:
    """A looping GIF: one shared 255-colour palette, pixels under half opacity transparent."""
    rgb = np.concatenate([f[..., :3] for f in frames], axis=0)
    palette = Image.fromarray(rgb).quantize(255, method=Image.Quantize.MEDIANCUT)
    images = []
    for f in frames:
        im = Image.fromarray(f[..., :3]).quantize(palette=palette, dither=Image.Dither.NONE)
        idx = np.asarray(im).copy()
        idx[f[..., 3] < 128] = 255
        out = Image.fromarray(idx, "P")
        out.putpalette(palette.getpalette()[: 255 * 3] + [0, 0, 0])
        images.append(out)
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                   loop=0, transparency=255, disposal=2, optimize=False)
    return buf.getvalue()


def animated_sticker(avatar: Avatar, name: str, emotion: str | None = None, intensity: float = 1.0,
                     fmt: str = "webp", size: int = SIDE, fps: float = 15.0) -> bytes:
    """The animation as sticker bytes: `fmt` "webp" (within the limits above) or "gif"."""
    if not 8 <= size <= SIDE:
        raise AvatarError(f"an animated sticker is at most {SIDE} px, got {size}")
    frames = animation_frames(avatar, name, emotion, intensity, size, fps)
    if len(frames) / fps > MAX_SECONDS + 1e-9:
        raise AvatarError(f"an animated sticker lasts at most {MAX_SECONDS:g} s")
    return webp_animation(frames, fps) if fmt == "webp" else gif_animation(frames, fps)


def tray_icon(avatar: Avatar, side: int = TRAY_SIDE) -> bytes:
    """The pack's tray icon: the smiling face as a small transparent PNG."""
    from toonmoji.emoji.sticker import png_bytes, resize_rgba

    return png_bytes(resize_rgba(avatar.render("happy", 1.0, side * 4), side))
