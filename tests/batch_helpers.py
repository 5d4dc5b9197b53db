"""Inputs for the batch tests, made from the packaged portrait, and a job whose worker dies.

Good photos: the astronaut at a few sizes (two of them named alike in different folders). Bad
ones: a truncated PNG, a text file named .jpg, a photo with no face.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

from toonmoji.batch.jobs import Done, Job, output
from toonmoji.imageio import write_bytes, write_image
from toonmoji.samples import no_face_image, sample_portrait, scaled

ROOT = Path(__file__).resolve().parent.parent
BAD = ("corrupt.png", "notes.jpg", "noface.png")


def good_photos(folder: Path, count: int = 2) -> list[Path]:
    """`count` portraits: a/me.png and b/me.jpg (the same name in two folders), then more."""
    names = ["a/me.png", "b/me.jpg"] + [f"more/p{i}.png" for i in range(count - 2)]
    paths = []
    for i, name in enumerate(names[:count]):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_image(path, scaled(sample_portrait(), 0.45 + 0.02 * i))
        paths.append(path)
    return paths


def bad_photos(folder: Path) -> list[Path]:
    """A truncated PNG, a text file named like a photo, and a photo with no face."""
    folder.mkdir(parents=True, exist_ok=True)
    whole = write_image(folder / "whole.png", scaled(sample_portrait(), 0.5)).read_bytes()
    (folder / "whole.png").unlink()
    write_bytes(folder / BAD[0], whole[: len(whole) // 3])
    (folder / BAD[1]).write_text("a text file, not a photo\n")
    write_image(folder / BAD[2], no_face_image(200))
    return [folder / n for n in BAD]


def manifest_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def batch_process(*args: str) -> subprocess.Popen:
    """`python -m toonmoji batch ARGS` in a subprocess, this worktree's sources first."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "toonmoji", "batch", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_lines(out: Path, count: int, process: subprocess.Popen, timeout: float = 240) -> None:
    """Until the manifest holds `count` lines (the batch is under way)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        path = out / "manifest.jsonl"
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError(f"the batch wrote fewer than {count} manifest lines in {timeout} s")


class DyingJob(Job):
    """Copies each input; its worker process dies on `poison*` files always, and on `flaky*`
    files the first time (a marker file beside the input remembers that)."""

    name = "dying"
    defaults: ClassVar[dict] = {}

    def process(self, path: Path, base: Path) -> Done:
        if path.name.startswith("poison"):
            os._exit(3)
        marker = path.with_name(path.name + ".died")
        if path.name.startswith("flaky") and not marker.exists():
            marker.write_text("once")
            os._exit(3)
        return Done([write_bytes(output(base, ".copy"), path.read_bytes(), force=True)])
