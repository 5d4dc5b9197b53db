"""Many photos or videos at once: `toonmoji batch COMMAND INPUT... --out DIR`.

    from toonmoji.batch import run
    summary = run("emoji", ["photos/"], "emoji-out", workers=4, options={"sticker": True})

Resumable (manifest.jsonl), on all cores (worker processes) or on a Ray cluster (`ray=`).
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

__all__ = ["JOBS", "run"]

__getattr__ = lazy_getattr(__name__, {"run": "toonmoji.batch.runner", "JOBS": "toonmoji.batch.jobs"})
