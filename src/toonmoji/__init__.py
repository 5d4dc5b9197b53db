"""toonmoji: a photo to a cartoon character and a personal emoji; facial emotion, live.

The public API is small: read an image, find and align faces, paste results back. Each capability
lives in its own subpackage (`faces`, `emotion`, `gan`, ...).
"""

from toonmoji.errors import ToonmojiError
from toonmoji.faces import align_face, align_faces, detect_faces, paste_back
from toonmoji.imageio import read_image, write_image

__version__ = "0.1.0"

__all__ = [
    "ToonmojiError",
    "align_face",
    "align_faces",
    "detect_faces",
    "paste_back",
    "read_image",
    "write_image",
]
