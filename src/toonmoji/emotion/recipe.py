"""Training recipes: TOML files of `TrainSettings` keys, so a run is a command plus a file in the
repository that anyone can re-run (`toonmoji emotion train fer2013.csv.gz --config FILE`)."""

from __future__ import annotations

import os
import tomllib

from toonmoji.errors import DataError
from toonmoji.imageio import require_file


def read_recipe(path: str | os.PathLike[str]) -> dict[str, object]:
    """The settings of a recipe file: top-level keys, or the `[train]` table when there is one."""
    p = require_file(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{p} is not a valid TOML recipe: {exc}") from None
    table = raw.get("train", raw)
    if not isinstance(table, dict):
        raise DataError(f"{p}: [train] must be a table of settings")
    return dict(table)
