"""manifest.jsonl: one JSON line per input as it finishes, so a batch can stop at any moment.

    {"path": "/data/a.jpg", "key": "a", "sha256": "9f..", "status": "ok", "outputs": ["a.png"],
     "error": null, "seconds": 0.41, "finished": "2026-12-04T16:02:11Z", "rows": [...]}

`status` is ok, error (the error's one line in `error`) or skipped (not this command's kind of
file). Each line goes to the file in one `write` on an O_APPEND descriptor, so a killed batch
leaves whole lines (at worst a torn last line, which reading ignores). The last line for a path
is its state: a rerun skips inputs whose last line is ok with the same content hash.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from toonmoji.errors import OutputExistsError

MANIFEST = "manifest.jsonl"
JOB_FILE = "job.json"


@dataclass
class Record:
    """What happened to one input."""

    path: str
    key: str
    status: str  # ok | error | skipped
    sha256: str | None = None
    outputs: list[str] = field(default_factory=list)  # relative to the batch folder
    error: str | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the worker's CPU time on it (below `seconds`: it waited for a core)
    rows: list[dict[str, object]] = field(default_factory=list)  # emotion/report table rows
    attempts: int = 1  # 2: a worker died on it once and it was retried
    finished: str = ""

    def to_line(self) -> bytes:
        data = asdict(self)
        if not self.rows:
            del data["rows"]
        return (json.dumps(data, separators=(",", ":")) + "\n").encode()

    @classmethod
    def from_json(cls, data: dict) -> Record:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Manifest:
    """The batch folder's manifest: read once at start, appended to as inputs finish."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST
        self.latest: dict[str, Record] = {}
        if self.path.exists():
            for line in self.path.read_bytes().splitlines():
                try:
                    record = Record.from_json(json.loads(line))
                except (ValueError, TypeError):
                    continue  # a torn last line from a killed run
                self.latest[record.path] = record
        self._fd: int | None = None
        self.appended: list[Record] = []  # this run's lines

    def keys(self) -> dict[Path, str]:
        return {Path(p): r.key for p, r in self.latest.items()}

    def append(self, record: Record) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            if os.fstat(self._fd).st_size and not self.path.read_bytes().endswith(b"\n"):
                os.write(self._fd, b"\n")  # end a torn line, so this one starts clean
        record.finished = record.finished or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        data = record.to_line()
        while data:
            data = data[os.write(self._fd, data):]
        self.latest[record.path] = record
        self.appended.append(record)

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None


def check_batch_folder(folder: Path, job: dict[str, object], force: bool) -> None:
    """The batch folder must be new, empty, or hold a batch of the same command and options.

    It is the batch's own folder: outputs of unfinished inputs in it are overwritten, so a
    folder of somebody's files is refused. `force` starts over in a folder of an earlier batch
    (every input is redone, outputs overwritten)."""
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(f"{folder} is a file, not a folder for the batch")
    job_file = folder / JOB_FILE
    if not job_file.exists():
        if folder.exists() and any(folder.iterdir()) and not (folder / MANIFEST).exists():
            raise OutputExistsError(f"{folder} holds other files; give a new or empty folder for --out")
        return
    try:
        before = json.loads(job_file.read_text())
    except ValueError:
        before = None
    manifest = folder / MANIFEST
    started = manifest.exists() and manifest.stat().st_size > 0
    if before != job and started and not force:  # (a batch that recorded nothing may change)
        what = "command" if not isinstance(before, dict) or before.get("command") != job["command"] else "options"
        raise OutputExistsError(f"{folder} holds a batch with other {what}; use a new --out, or --force to redo it")


def write_job(folder: Path, job: dict[str, object]) -> None:
    from toonmoji.imageio import write_bytes

    write_bytes(folder / JOB_FILE, (json.dumps(job, indent=2) + "\n").encode(), force=True)
