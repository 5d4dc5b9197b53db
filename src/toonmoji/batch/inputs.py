"""What a batch reads: INPUT arguments expanded to files, and one output name (a key) per file.

An INPUT is a file, a folder (searched recursively for the command's kind of file: photos or
videos) or a text file (`.txt`, `.lst`, `.list`) naming one path per line (relative paths are read
from the list's folder; blank lines and `#` comments are ignored).

Each input gets a *key*: the name its outputs carry inside the batch folder. A file's key is its
stem; a file found in folder `photos/` keeps its place under it (`photos/2024/anna`). Dots become
`_` so that `<key>.<anything>` never belongs to two inputs, and keys that would still collide
(same-named files in different folders, or names differing only in case) get a short hash of
their full path. A key already recorded in the manifest is kept, so reruns write the same names.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toonmoji.errors import InputError
from toonmoji.imageio import IMAGE_SUFFIXES, VIDEO_SUFFIXES

LIST_SUFFIXES = {".txt", ".lst", ".list"}
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class Input:
    """One file of the batch: its absolute path and the key its outputs are named by."""

    path: Path
    key: str


def suffixes_for(kind: str) -> set[str]:
    """File endings a folder is searched for: `image` -> photos, `video` -> videos."""
    return IMAGE_SUFFIXES if kind == "image" else VIDEO_SUFFIXES


def expand(arguments: Iterable[str | os.PathLike[str]], kind: str) -> list[tuple[Path, str]]:
    """(absolute path, proposed key) for every file the INPUT arguments name, in order, once each.

    A missing argument is an InputError (the batch has not started); a missing path inside a
    list file is kept, so that it fails as one input and is recorded in the manifest."""
    found: dict[Path, str] = {}
    for arg in arguments:
        p = Path(arg)
        if p.is_dir():
            _add_folder(found, p, kind)
        elif p.suffix.lower() in LIST_SUFFIXES and p.is_file():
            for line in _list_lines(p):
                entry = Path(line) if Path(line).is_absolute() else p.parent / line
                if entry.is_dir():
                    _add_folder(found, entry, kind)
                else:
                    found.setdefault(_absolute(entry), _stem(entry))
        elif p.exists():
            found.setdefault(_absolute(p), _stem(p))
        else:
            raise InputError(f"no such file or folder: {p}")
    return list(found.items())


def _absolute(p: Path) -> Path:
    return Path(os.path.abspath(p))


def _stem(p: Path) -> str:
    return p.stem.replace(".", "_") or "_"


def _add_folder(found: dict[Path, str], folder: Path, kind: str) -> None:
    wanted = suffixes_for(kind)
    root = _absolute(folder)
    name = root.name.replace(".", "_") or "root"
    files = sorted(f for f in root.rglob("*") if f.suffix.lower() in wanted and f.is_file()
                   and not any(part.startswith(".") for part in f.relative_to(root).parts))
    for f in files:
        rel = f.relative_to(root).with_suffix("")
        found.setdefault(f, "/".join([name, *(part.replace(".", "_") for part in rel.parts)]))


def _list_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the list of inputs {path}: {exc}") from None
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def assign_keys(proposed: list[tuple[Path, str]], known: dict[Path, str]) -> list[Input]:
    """Final keys: the manifest's for inputs it knows, else the proposed key, made unique."""
    taken = {k.lower(): p for p, k in known.items()}
    counts: dict[str, int] = {}
    for path, key in proposed:
        if path not in known:
            counts[key.lower()] = counts.get(key.lower(), 0) + 1
    result = []
    for path, key in proposed:
        if path in known:
            result.append(Input(path, known[path]))
            continue
        if counts[key.lower()] > 1 or key.lower() in taken:
            key = f"{key}-{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
        taken[key.lower()] = path
        result.append(Input(path, key))
    return result


def content_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 of the file's bytes, hex (read in 1 MiB chunks: videos can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
