"""Personal emoji: a face's head cut out of a photo onto a transparent background, cropped square.

    from toonmoji.emoji import make_emoji, sticker_bytes
    emoji = make_emoji(image)            # Emoji: .rgba (S, S, 4) uint8, .matte (H, W), .steps
    webp = sticker_bytes(emoji)          # 512x512 WebP with alpha

Modules: geometry (face units from landmarks), matte (contours + GrabCut -> alpha), crop (the
square), make (the pipeline), sticker (sizes and formats), sheet (several on one image),
emotion_set (one per emotion from the user's own photos), cli.
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

# Imported on first use, so the CLI starts without loading what a command does not need.
_EXPORTS = {
    "STEP_NAMES": "toonmoji.emoji.make",
    "Emoji": "toonmoji.emoji.make",
    "make_emoji": "toonmoji.emoji.make",
    "icon_bytes": "toonmoji.emoji.sticker",
    "sticker_bytes": "toonmoji.emoji.sticker",
}

__all__ = [
    "STEP_NAMES",
    "Emoji",
    "icon_bytes",
    "make_emoji",
    "sticker_bytes",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
