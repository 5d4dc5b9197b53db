"""The page's work as JSON: a photo's faces, emotions and emoji; a photo toonified.

Images travel inside the JSON as data URLs, so the server keeps nothing after answering and the
page can show and download them without another request.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from toonmoji.emoji import make_emoji, sticker_bytes
from toonmoji.emoji.sticker import png_bytes
from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.recognize import FaceEmotion, classify_faces
from toonmoji.errors import ToonmojiError
from toonmoji.faces import align_face, align_faces, detect_faces, require_faces
from toonmoji.faces.detect import Face
from toonmoji.web.uploads import fit_side

if TYPE_CHECKING:
    from toonmoji.emoji.make import Emoji
    from toonmoji.toonify.latent_cache import LatentCache
    from toonmoji.toonify.models import ToonModels
    from toonmoji.toonify.project import ProjectConfig

ALIGNED_SIZE = 256
PREVIEW_SIDE = 1024


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def image_data_url(image: np.ndarray, fmt: str = "PNG") -> str:
    """An `(H, W, 3|4) uint8` image as a PNG (or JPEG) data URL."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return data_url(buf.getvalue(), f"image/{fmt.lower()}")


def emoji_json(emoji: Emoji) -> dict[str, object]:
    """The emoji at its own size as PNG, and the 512x512 sticker WebP."""
    return {
        "size": int(emoji.rgba.shape[0]),
        "png": data_url(png_bytes(emoji.rgba), "image/png"),
        "webp": data_url(sticker_bytes(emoji), "image/webp"),
    }


def emoji_or_error(make: Callable[[], Emoji]) -> dict[str, object]:
    """`{"emoji": ..., "emoji_error": None}`, or the one-line reason there is no emoji."""
    try:
        return {"emoji": emoji_json(make()), "emoji_error": None}
    except ToonmojiError as exc:
        return {"emoji": None, "emoji_error": str(exc)}


def face_json(image: np.ndarray, result: FaceEmotion, aligned_size: int = ALIGNED_SIZE) -> dict[str, object]:
    """One face: its box, detector confidence, emotion, probabilities and FFHQ-aligned crop."""
    aligned = align_face(image, result.face, aligned_size)
    return {
        **result.to_json(),
        "confidence": round(float(result.face.confidence), 4),
        "aligned": image_data_url(aligned.image),
    }


def analyze_photo(
    image: np.ndarray, classifier: EmotionClassifier, detector: str = "auto", source: str = "the photo"
) -> dict[str, object]:
    """Every face of an `(H, W, 3) uint8` RGB photo (largest first) with its emotion and aligned
    crop, the emoji of the largest face, and a JPEG preview of the photo as analysed (EXIF-turned,
    shrunk to 1024 px) to draw the boxes on. NoFaceError when there is no face."""
    faces: list[Face] = require_faces(detect_faces(image, detector), source)
    results = classify_faces(image, faces, classifier)
    return {
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "preview": image_data_url(fit_side(image, PREVIEW_SIDE)[0], "JPEG"),
        "faces": [face_json(image, r) for r in results],
        **emoji_or_error(lambda: make_emoji(image, face=faces[0], source=source)),
    }


def toonify_photo(
    image: np.ndarray,
    models: ToonModels,
    cfg: ProjectConfig,
    cache: LatentCache,
    report: Callable[..., None],
    source: str = "the photo",
) -> dict[str, object]:
    """Every face projected into the base model and rendered through the toon model, the photo
    with the toons pasted back, and the toon emoji of the largest face.

    `report(face=, faces=, step=, steps=, loss=)` is called before each face and after every
    projection step; it may raise to stop the work there (that is how a job is cancelled). Each
    face says how far its reconstruction and toon are from the photo in dlib's face embedding."""
    from toonmoji.emoji.toon import toon_emoji
    from toonmoji.toonify.pipeline import face_report, paste_toons, toonify_with

    aligned = align_faces(image, size=int(models.base.img_resolution), source=source)
    n, done = len(aligned), []
    for i, face in enumerate(aligned):
        report(face=i, faces=n, step=0, steps=cfg.total_steps)

        def on_step(s: int, loss: float, i: int = i) -> None:
            report(face=i, faces=n, step=s + 1, steps=cfg.total_steps, loss=loss)

        done.append(toonify_with(models, face, cfg, cache, on_step))
    return {
        "faces": [
            {**face_report(f), "toon": image_data_url(f.toon), "reconstruction": image_data_url(f.reconstruction)}
            for f in done
        ],
        "pasted": image_data_url(paste_toons(image, done), "JPEG"),
        **emoji_or_error(lambda: toon_emoji(done[0])),
    }
