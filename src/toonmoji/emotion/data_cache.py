"""FER2013 decoded once: the parsed CSV kept as an uncompressed `.npz` array file in a cache
folder, so each training call (a GPU lent in slices means many calls) loads 35k faces in well
under a second instead of parsing 290 MB of text again.

The cache file is named by the CSV's resolved path, size and modification time and the decoding
settings; a changed CSV gets a fresh file. The folder is $TOONMOJI_CACHE/fer2013, else
$XDG_CACHE_HOME/toonmoji/fer2013 (~/.cache/toonmoji/fer2013). The arrays load without pickle.

The same array file is a portable input: `toonmoji emotion data` writes one (or several parts, to
move 74 MB of faces through a channel with a smaller limit), and `train` and `eval` read `.npz`
files as they read CSVs.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from toonmoji.emotion.fer2013 import Fer2013, SkippedRow, read_fer2013
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.errors import DataError
from toonmoji.imageio import atomic_path, require_file

VERSION = 1  # bump when the cached layout or the decoding changes
CACHE_FROM_BYTES = 4_000_000  # smaller CSVs parse in well under a second: not worth a cache file


def default_cache_dir() -> Path:
    root = os.environ.get("TOONMOJI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "toonmoji")
    return Path(root) / "fer2013"


def cache_file(csv: Path, cache_dir: Path, side: int, num_classes: int) -> Path:
    """Where `csv` decoded with these settings is kept: keyed on path, size and mtime."""
    st = csv.stat()
    key = f"{csv.resolve()}|{st.st_size}|{st.st_mtime_ns}|{side}|{num_classes}|v{VERSION}"
    return cache_dir / f"{csv.name}.{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"


def _load(path: Path, source: str) -> Fer2013 | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            skipped = [SkippedRow(int(line), str(reason)) for line, reason in zip(z["skipped_lines"], z["skipped_reasons"])]
            return Fer2013(z["images"], z["labels"], z["usage"], skipped, source)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
        return None  # unreadable or from another layout: decode again


def write_arrays(path: str | os.PathLike[str], data: Fer2013, force: bool = True) -> Path:
    """Save decoded FER2013 as an uncompressed `.npz` (what the cache holds; `emotion data`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target, force=force) as tmp, open(tmp, "wb") as f:
        np.savez(f, images=data.images, labels=data.labels, usage=data.usage.astype(str),
                 skipped_lines=np.array([s.line for s in data.skipped], np.int64),
                 skipped_reasons=np.array([s.reason for s in data.skipped], str))
    return target


def read_arrays(path: str | os.PathLike[str]) -> Fer2013:
    """A `.npz` written by `write_arrays` (or `emotion data`); anything else is one line."""
    p = require_file(path)
    data = _load(p, str(p))
    if data is None:
        raise DataError(f"{p} is not a toonmoji FER2013 array file (write one with `toonmoji emotion data`)")
    return data


def join(parts: list[Fer2013], source: str) -> Fer2013:
    """Several data sets as one, in order."""
    return Fer2013(np.concatenate([d.images for d in parts]), np.concatenate([d.labels for d in parts]),
                   np.concatenate([d.usage.astype(str) for d in parts]),
                   [row for d in parts for row in d.skipped], source)


def split(data: Fer2013, parts: int) -> list[Fer2013]:
    """`data` cut into `parts` runs of consecutive rows (to move a large file in pieces)."""
    cuts = np.array_split(np.arange(len(data)), parts)
    return [Fer2013(data.images[c], data.labels[c], data.usage[c], data.skipped if i == 0 else [], data.source)
            for i, c in enumerate(cuts)]


def read_data(path: str | os.PathLike[str], usages: tuple[str, ...] | None = None, cache: bool = False) -> tuple[Fer2013, bool]:
    """FER2013 from a CSV (`cache`: through the array cache, for CSVs of 4 MB or more) or from a
    `.npz` array file; with `usages`, only those splits. Returns (data, came from a cache or an
    array file)."""
    p = require_file(path)
    if p.suffix.lower() == ".npz":
        data, fast = read_arrays(p), True
    elif cache and p.stat().st_size >= CACHE_FROM_BYTES:
        data, fast = load_fer2013(p)
    else:
        return read_fer2013(p, usages=usages), False
    if usages is not None:
        keep = np.isin(data.usage, list(usages))
        data = Fer2013(data.images[keep], data.labels[keep], data.usage[keep], data.skipped, data.source)
    return data, fast


def load_fer2013(path: str | os.PathLike[str], side: int = 48, num_classes: int = len(EMOTIONS),
                 cache_dir: str | os.PathLike[str] | None = None) -> tuple[Fer2013, bool]:
    """The whole CSV, from the cache when it holds this file, else decoded and then cached;
    returns (data, came from the cache). A cache folder that cannot be written only costs the
    speed-up."""
    csv = require_file(path)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cache_file(csv, folder, side, num_classes)
    if cached.is_file() and (data := _load(cached, str(csv))) is not None:
        return data, True
    data = read_fer2013(csv, side, num_classes)
    try:
        write_arrays(cached, data)
    except OSError:
        pass
    return data, False
