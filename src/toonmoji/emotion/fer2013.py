"""The FER2013 CSV: `emotion,pixels,Usage` rows of 48x48 grey faces as space-separated integers.

Malformed rows (wrong pixel count, a bad label or pixel, an unknown Usage) are skipped and
reported with their line numbers, so one bad line never costs a whole run.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from toonmoji.emotion.labels import EMOTIONS
from toonmoji.errors import DataError
from toonmoji.imageio import require_file

USAGES = ("Training", "PublicTest", "PrivateTest")


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Fer2013:
    """Faces `(N, S, S) uint8`, labels `(N,) int64` in 0..C-1, usage `(N,)` str, skipped rows."""

    images: np.ndarray
    labels: np.ndarray
    usage: np.ndarray
    skipped: list[SkippedRow] = field(default_factory=list)
    source: str = "fer2013.csv"

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, usage: str) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of one Usage ('Training', 'PublicTest', 'PrivateTest'), or all."""
        if usage == "all":
            return self.images, self.labels
        keep = self.usage == usage
        return self.images[keep], self.labels[keep]

    def counts(self) -> dict[str, int]:
        return {u: int((self.usage == u).sum()) for u in USAGES}


def _usage(row: dict[str, str | None]) -> str:
    return (row.get("Usage") or "Training").strip()


def _parse_row(row: dict[str, str | None], side: int, num_classes: int) -> tuple[int, np.ndarray, str]:
    """(label, pixels (side, side) uint8, usage) or ValueError with the reason."""
    label_text, pixel_text = row.get("emotion"), row.get("pixels")
    missing = [name for name, value in (("emotion", label_text), ("pixels", pixel_text)) if value is None]
    if missing:
        raise ValueError(f"the {' and '.join(repr(m) for m in missing)} column is missing from this row")
    try:
        label = int(label_text.strip())
    except ValueError:
        raise ValueError(f"label {label_text.strip()[:20]!r} is not an integer") from None
    if not 0 <= label < num_classes:
        raise ValueError(f"label {label} is outside 0..{num_classes - 1}")
    values = pixel_text.split()
    if len(values) != side * side:
        raise ValueError(f"expected {side * side} pixels, got {len(values)}")
    try:
        pixels = np.array(values, dtype=np.int32)
    except ValueError:
        raise ValueError("pixels must be integers") from None
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError("pixel values must be within 0..255")
    usage = _usage(row)
    if usage not in USAGES:
        raise ValueError(f"unknown Usage {usage[:20]!r} (expected {', '.join(USAGES)})")
    return label, pixels.astype(np.uint8).reshape(side, side), usage


def _is_gzip(path: os.PathLike[str]) -> bool:
    """By content, not name: gzip files start with the bytes 1f 8b."""
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_fer2013(path: str | os.PathLike[str], side: int = 48, num_classes: int = len(EMOTIONS),
                 usages: Collection[str] | None = None) -> Fer2013:
    """Read a FER2013-format CSV, plain or gzip-compressed (`.csv.gz`, as Kaggle's file is often
    kept). Rows that cannot be used are skipped and listed in `.skipped`; with `usages`, rows of
    other splits are passed over unread (evaluating one split need not parse all 35k rows)."""
    p = require_file(path)
    images, labels, found, skipped = [], [], [], []
    opener = gzip.open if _is_gzip(p) else open
    with opener(p, "rt", encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        if "emotion" not in fields or "pixels" not in fields:
            raise DataError(f"{p} is not a FER2013 CSV: line 1, the header, must name 'emotion' and 'pixels' (got {fields[:5]})")
        try:
            for row in reader:
                if usages is not None and _usage(row) not in usages:
                    continue
                try:
                    label, pixels, usage = _parse_row(row, side, num_classes)
                except ValueError as exc:
                    skipped.append(SkippedRow(reader.line_num, str(exc)))
                    continue
                images.append(pixels)
                labels.append(label)
                found.append(usage)
        except csv.Error as exc:
            raise DataError(f"{p} line {reader.line_num}: broken CSV ({exc})") from None
        except (OSError, EOFError) as exc:  # gzip: truncated or corrupt stream
            raise DataError(f"{p}: cannot decompress ({str(exc).strip() or type(exc).__name__})") from None
    if not labels:
        first = f"; first: {skipped[0]}" if skipped else ""
        raise DataError(f"{p} holds no usable rows ({len(skipped)} malformed{first})")
    return Fer2013(np.stack(images), np.array(labels, np.int64), np.array(found), skipped, str(p))
