"""A folder of character faces, made ready for fine-tuning at the base generator's resolution.

Users bring folders of any images: different sizes, greyscale, RGBA, a stray text file. Each
readable image is converted to RGB, centre-cropped to a square (or FFHQ-aligned when it holds a
detectable face and `align=True`), and resized; unreadable files are skipped and listed, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from toonmoji.errors import DataError, ToonmojiError
from toonmoji.imageio import IMAGE_SUFFIXES, read_image


@dataclass
class PreparedImages:
    """`images`: `(N, 3, R, R) float32` in [-1, 1]; `skipped`: (path, reason) of unusable files."""

    images: torch.Tensor
    files: list[Path]
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return self.images.shape[0]


def centre_square(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    return image[y0 : y0 + side, x0 : x0 + side]


def to_resolution(image: np.ndarray, resolution: int) -> np.ndarray:
    interp = cv2.INTER_AREA if image.shape[0] > resolution else cv2.INTER_CUBIC
    return cv2.resize(image, (resolution, resolution), interpolation=interp)


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """`(H, W, 3) uint8` -> `(3, H, W) float32` in [-1, 1]."""
    return torch.from_numpy(image).permute(2, 0, 1).float().div(127.5).sub(1.0)


def tensor_to_image(t: torch.Tensor) -> np.ndarray:
    """`(3, H, W)` float in [-1, 1] -> `(H, W, 3) uint8`."""
    x = (t.detach().float().clamp(-1, 1) + 1) * 127.5
    return np.ascontiguousarray(x.round().byte().permute(1, 2, 0).cpu().numpy())  # OpenCV needs C order


def prepare_folder(folder: str | Path, resolution: int, align: bool = False) -> PreparedImages:
    """Load every usable image under `folder` at `resolution`; DataError if none is usable."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"not a folder of images: {root}")
    candidates = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    tensors, files, skipped = [], [], []
    for path in candidates:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            skipped.append((path, "not an image type"))
            continue
        try:
            image = read_image(path)
        except ToonmojiError as exc:
            skipped.append((path, str(exc)))
            continue
        square = _aligned_or_centre(image, resolution) if align else centre_square(image)
        tensors.append(image_to_tensor(to_resolution(square, resolution)))
        files.append(path)
    if not tensors:
        raise DataError(f"no usable images in {root} ({len(skipped)} file(s) skipped)")
    return PreparedImages(torch.stack(tensors), files, skipped)


def _aligned_or_centre(image: np.ndarray, resolution: int) -> np.ndarray:
    from toonmoji.faces import align_face, detect_faces

    faces = detect_faces(image)
    return align_face(image, faces[0], resolution).image if faces else centre_square(image)
