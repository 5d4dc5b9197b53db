"""toonmoji: a photo to a cartoon character and a personal emoji; facial emotion, live.

The public API is small: read an image, find and align faces, paste results back. Each capability
lives in its own subpackage (`faces`, `emotion`, `gan`, `toonify`, `emoji`, ...). Names are imported on first use, so
`import toonmoji.gan` does not pull in OpenCV and dlib, and the CLI starts quickly.
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "ToonmojiError": "toonmoji.errors",
    "align_face": "toonmoji.faces",
    "align_faces": "toonmoji.faces",
    "detect_faces": "toonmoji.faces",
    "paste_back": "toonmoji.faces",
    "read_image": "toonmoji.imageio",
    "write_image": "toonmoji.imageio",
}

__all__ = [
    "ToonmojiError",
    "align_face",
    "align_faces",
    "detect_faces",
    "paste_back",
    "read_image",
    "write_image",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
