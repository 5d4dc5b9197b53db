"""`run(command, inputs, out)`: one batch, from the INPUT arguments to summary.json.

1. The folder is checked (new, empty, or an earlier batch of the same job) and the inputs are
   expanded and given their output names.
2. Inputs whose last manifest line is ok with the same content hash are done already; the rest
   (new, failed, changed) are handed to the workers: processes here, or Ray actors.
3. Each finished input is appended to manifest.jsonl at once; a progress bar counts them.
4. At the end (or after Ctrl-C) the combined table and summary.json are written.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Self

from toonmoji.batch.inputs import Input, assign_keys, content_hash, expand, suffixes_for
from toonmoji.batch.jobs import Job, job_class
from toonmoji.batch.manifest import Manifest, Record, check_batch_folder, write_job
from toonmoji.batch.scheduler import Timing, cores, schedule
from toonmoji.batch.tables import write_summary, write_tables
from toonmoji.errors import InputError

KIND_WORD = {"image": "photo", "video": "video"}


def run(
    command: str | type[Job],
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    ray: str | None = None,
    options: dict[str, Any] | None = None,
    force: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Run `command` (emoji, avatar, emotion, report, toonify) on every input; returns the summary.

    `inputs`: files, folders (searched recursively for photos, or videos for `report`) and text
    files listing paths. `out`: the batch folder (manifest.jsonl, outputs, tables, summary.json).
    `workers`: worker processes (default: this machine's cores), or Ray actors with `ray`
    ("local", "auto" or a cluster address; default: the cluster's CPUs). `options`: the single
    command's options by name (e.g. {"sticker": True}). `force`: redo every input.
    A first Ctrl-C lets the inputs in progress finish, a second stops at once; either way the
    manifest, table and summary are written and KeyboardInterrupt is raised."""
    job_cls = job_class(command)
    options = job_cls.check(dict(options or {}))
    folder = Path(out)
    job = {"command": job_cls.name, "options": _jsonable(options)}
    check_batch_folder(folder, job, force)
    proposed = expand(inputs, job_cls.kind)
    if not proposed:
        raise InputError(f"no {KIND_WORD[job_cls.kind]}s found in {', '.join(map(str, inputs)) or 'the inputs'}")
    folder.mkdir(parents=True, exist_ok=True)
    write_job(folder, job)
    manifest = Manifest(folder)
    items = assign_keys(proposed, manifest.keys())
    todo, already = plan(items, manifest, job_cls, force)
    started = time.perf_counter()
    timing = Timing()
    finished = _work(job_cls, options, folder, manifest, todo, already, workers, ray, progress, timing) if todo else True
    summary = _summary(job, folder, items, manifest, already, ray, started, timing, not finished)
    summary["tables"] = [p.name for p in write_tables(folder, manifest, job_cls.table)]
    write_summary(folder, summary)
    if not finished:
        raise KeyboardInterrupt
    return summary


def _work(job_cls: type[Job], options: dict[str, Any], folder: Path, manifest: Manifest, todo: list[Input],
          already: int, workers: int | None, ray: str | None, progress: bool, timing: Timing) -> bool:
    """Process `todo` on the workers, appending to the manifest; False when stopped early."""
    finished = False
    with _connected(ray, workers) as (ray_mod, slots):
        backend = _backend(ray_mod, job_cls, options, folder, slots)
        with _progress(progress, job_cls.name, len(todo), already) as on_record, StopSwitch() as switch:
            def record(r: Record) -> None:
                manifest.append(r)
                on_record(r)

            hard = False
            try:
                finished = schedule(backend, todo, slots, record, switch.requested, timing)
            except KeyboardInterrupt:
                hard = True
            finally:
                backend.stop(now=hard or not finished)
                manifest.close()
    return finished


def plan(items: list[Input], manifest: Manifest, job_cls: type[Job], force: bool) -> tuple[list[Input], int]:
    """(inputs to process now, how many are done already). Inputs of the wrong kind are recorded
    as skipped here; inputs done before are recognised by their content hash (read in threads)."""
    wanted = suffixes_for(job_cls.kind)
    todo, candidates, already = [], [], 0
    for item in items:
        last = manifest.latest.get(str(item.path))
        if item.path.suffix.lower() not in wanted:
            if last is not None and last.status == "skipped" and not force:
                already += 1
            else:
                word = KIND_WORD[job_cls.kind]
                manifest.append(Record(str(item.path), item.key, "skipped",
                                       error=f"not a {word} ({item.path.suffix or 'no suffix'}); "
                                             f"batch {job_cls.name} reads {word}s"))
            continue
        if last is not None and last.status == "ok" and not force and item.path.is_file():
            candidates.append((item, last.sha256))
        else:
            todo.append(item)
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = list(pool.map(lambda c: _hash_or_none(c[0].path), candidates))
    for (item, before), now in zip(candidates, hashes):
        if now == before:
            already += 1
        else:
            todo.append(item)
    manifest.close()
    return todo, already


def _hash_or_none(path: Path) -> str | None:
    try:
        return content_hash(path)
    except OSError:
        return None


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in options.items()}


@contextmanager
def _connected(ray: str | None, workers: int | None) -> Iterator[tuple[Any, int]]:
    """(the ray module or None, worker slots); a local Ray instance is stopped afterwards."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if ray is None:
        yield None, workers or cores()
        return
    from toonmoji.batch.cluster import cluster_cpus, connect

    ray_mod, started = connect(ray, workers)
    try:
        yield ray_mod, workers or cluster_cpus(ray_mod)
    finally:
        if started:
            ray_mod.shutdown()


def _backend(ray_mod: Any, job_cls: type[Job], options: dict[str, Any], folder: Path, slots: int) -> Any:
    threads = max(1, cores() // slots)
    if ray_mod is None:
        from toonmoji.batch.local import ProcessBackend

        return ProcessBackend(job_cls, options, folder.resolve(), threads)
    from toonmoji.batch.cluster import RayBackend

    return RayBackend(ray_mod, job_cls, options, folder.resolve(), 1)


class StopSwitch:
    """SIGINT while the batch runs: the first asks for a stop after the inputs in progress, the
    second raises KeyboardInterrupt (a stop now). Only in the main thread (where signals go)."""

    def __init__(self) -> None:
        self.stop = False
        self.previous: Any = None

    def requested(self) -> bool:
        return self.stop

    def _handle(self, signum: int, frame: object) -> None:
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True
        print("stopping after the inputs in progress (Ctrl-C again to stop now)", file=sys.stderr, flush=True)

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _progress(show: bool, name: str, total: int, already: int) -> Any:
    if not show:
        return nullcontext(lambda r: None)
    from toonmoji.batch.progress import batch_progress

    return batch_progress(name, total, already)


def _summary(job: dict[str, Any], folder: Path, items: list[Input], manifest: Manifest, already: int,
             ray: str | None, started: float, timing: Timing, interrupted: bool) -> dict[str, Any]:
    seconds = time.perf_counter() - started
    latest = [manifest.latest.get(str(i.path)) for i in items]
    states = [r.status if r is not None else "not_done" for r in latest]
    worked = [r for r in manifest.appended if r.status != "skipped"]
    failures = [{"path": r.path, "error": r.error} for r in latest if r is not None and r.status == "error"]
    return {
        **job,
        "out": str(folder),
        "backend": f"ray {ray}" if ray else "processes",
        "workers": timing.slots,
        "totals": {"inputs": len(items), "ok": states.count("ok"), "failed": states.count("error"),
                   "skipped": states.count("skipped"), "not_done": states.count("not_done")},
        "this_run": {"processed": len(worked), "done_before": already,
                     "ok": sum(r.status == "ok" for r in worked),
                     "failed": sum(r.status == "error" for r in worked),
                     "skipped": sum(r.status == "skipped" for r in manifest.appended),
                     "retried_after_worker_death": sum(r.attempts > 1 for r in worked),
                     "interrupted": interrupted},
        "seconds": round(seconds, 3),
        "startup_seconds": round(timing.startup, 3),
        "throughput_per_second": round(timing.throughput, 3),
        "mean_seconds_per_input": round(sum(r.seconds for r in worked) / len(worked), 4) if worked else 0.0,
        "mean_cpu_seconds_per_input": round(sum(r.cpu_seconds for r in worked) / len(worked), 4) if worked else 0.0,
        "failures": failures,
    }
