"""Worker processes on this machine: one per slot, each loading its job's models once.

Plain `multiprocessing` (spawn) with one pipe per worker rather than a ProcessPoolExecutor: the
executor cannot say which input a dead worker was holding (all its futures fail together), and
retrying exactly that input once is the point. Workers ignore SIGINT (the parent decides what a
Ctrl-C means), turn SIGTERM into a normal exit (so a half-written output's temporary file is
removed) and, on Linux, get SIGTERM when the parent dies, so a killed batch leaves no orphans.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from toonmoji.batch.inputs import Input
from toonmoji.batch.jobs import Job, process_one
from toonmoji.batch.scheduler import DIED, DONE, INIT_ERROR, READY, Event
from toonmoji.errors import ToonmojiError

STOP_GRACE_SECONDS = 10.0
# Thread pools sized when a library loads (OpenBLAS under NumPy, OpenMP, MKL): set in the child's
# environment before it starts, as Ray does for its workers; N workers x all cores would thrash.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def limit_threads(threads: int) -> None:
    """Keep one worker to its share of the cores (OpenCV, and PyTorch once a job imports it)."""
    import cv2

    cv2.setNumThreads(threads)


def limit_torch_threads(threads: int) -> None:
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def make_worker_job(job_cls: type[Job], options: dict[str, Any], threads: int) -> Job:
    """The job with its models loaded and warmed, on this worker's share of the cores."""
    limit_threads(threads)
    job = job_cls(options)
    limit_torch_threads(threads)
    job.warm()
    return job


def _die_with_parent(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        sys.exit(143)


def worker_main(conn: Connection, job_cls: type[Job], options: dict[str, Any], out: Path, threads: int,
                parent: int) -> None:
    """A worker process: load the job, then process inputs until told to stop (None)."""
    _die_with_parent(parent)
    try:
        job = make_worker_job(job_cls, options, threads)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        conn.send((INIT_ERROR, portable_error(exc)))
        return
    conn.send((READY, os.getpid()))
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        conn.send((DONE, process_one(job, item, out)))


def portable_error(exc: Exception) -> ToonmojiError:
    """A ToonmojiError that pickles (subclasses with extra arguments do not), exit code kept."""
    if isinstance(exc, ToonmojiError):
        error = ToonmojiError(str(exc))
        error.exit_code = exc.exit_code
        return error
    return ToonmojiError(f"a batch worker could not start: {type(exc).__name__}: {exc}")


class ProcessBackend:
    """`slots` worker processes, each with its own pipe."""

    def __init__(self, job_cls: type[Job], options: dict[str, Any], out: Path, threads: int) -> None:
        self.args = (job_cls, options, out, threads, os.getpid())
        self.ctx = mp.get_context("spawn")
        self.workers: list[tuple[mp.process.BaseProcess, Connection]] = []

    def _spawn(self) -> tuple[mp.process.BaseProcess, Connection]:
        parent_end, child_end = self.ctx.Pipe()
        proc = self.ctx.Process(target=worker_main, args=(child_end, *self.args), daemon=True,
                                name="toonmoji-batch-worker")
        with _environment(dict.fromkeys(THREAD_VARIABLES, str(self.args[3]))):
            proc.start()
        child_end.close()
        return proc, parent_end

    def start(self, slots: int) -> None:
        self.workers = [self._spawn() for _ in range(slots)]

    def submit(self, slot: int, item: Input) -> None:
        try:
            self.workers[slot][1].send(item)
        except (BrokenPipeError, OSError):
            pass  # it died; events() reports it and the scheduler retries the input

    def events(self, timeout: float) -> list[Event]:
        handles = {}
        for slot, (proc, conn) in enumerate(self.workers):
            handles[conn] = slot
            handles[proc.sentinel] = slot
        found = []
        for slot in sorted({handles[h] for h in wait(list(handles), timeout)}):
            proc, conn = self.workers[slot]
            try:
                if conn.poll():
                    kind, payload = conn.recv()
                    found.append(_event(slot, kind, payload))
                    continue
            except (EOFError, OSError):
                pass
            if not proc.is_alive():
                found.append(Event(slot, DIED, reason=_exit_reason(proc)))
        return found

    def restart(self, slot: int) -> None:
        proc, conn = self.workers[slot]
        conn.close()
        proc.join(timeout=1)
        self.workers[slot] = self._spawn()

    def stop(self, now: bool) -> None:
        for proc, conn in self.workers:
            with contextlib.suppress(OSError):
                if now:
                    proc.terminate()
                else:
                    conn.send(None)
        for proc, conn in self.workers:
            proc.join(timeout=STOP_GRACE_SECONDS if not now else 5)
            if proc.is_alive():
                proc.kill()
                proc.join()
            conn.close()
        self.workers = []


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """These environment variables for a child started inside the block (the user's own win)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if saved[k] is None})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)


def _event(slot: int, kind: str, payload: Any) -> Event:
    if kind == DONE:
        return Event(slot, DONE, record=payload)
    if kind == INIT_ERROR:
        return Event(slot, INIT_ERROR, error=payload)
    return Event(slot, READY)


def _exit_reason(proc: mp.process.BaseProcess) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"
