"""Long work (projection, toonify) as jobs: run on a worker thread, progress readable at any time,
cancellable mid-way.

The work function receives a `report(**progress)` callback and calls it often (after every
projection step); once the job is cancelled, the next call raises JobCancelled, which unwinds the
work there. A finished job keeps its result (no photo) until it is fetched and deleted, or for
`keep_seconds`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from toonmoji.errors import ToonmojiError

log = logging.getLogger("toonmoji.web")

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


class JobCancelled(Exception):
    """Raised inside a job's work by `report` once the job was cancelled."""


class JobNotFound(KeyError):
    pass


class TooManyJobs(ToonmojiError):
    """A client already has its limit of jobs queued or running (HTTP 429)."""


@dataclass
class Job:
    id: str
    kind: str
    status: str = QUEUED
    progress: dict[str, object] = field(default_factory=dict)
    error: str | None = None
    result: dict[str, object] | None = None
    owner: str = ""  # the client that submitted it (its address), for per-client limits
    created: float = field(default_factory=time.time)
    finished: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _future: Future | None = field(default=None, repr=False)

    def report(self, **progress: object) -> None:
        """Record progress; raises JobCancelled if the job was cancelled meanwhile."""
        if self._cancel.is_set():
            raise JobCancelled
        with self._lock:
            self.progress.update(progress)

    def snapshot(self, with_result: bool = True) -> dict[str, object]:
        """The job as JSON: status, progress (with `fraction` when known), error, result."""
        with self._lock:
            progress = dict(self.progress)
            out = {"id": self.id, "kind": self.kind, "status": self.status, "progress": progress,
                   "error": self.error, "result": self.result if with_result else None}
        faces, steps = progress.get("faces"), progress.get("steps")
        if isinstance(faces, int) and isinstance(steps, int) and faces > 0 and steps > 0:
            step, face = int(progress.get("step", 0)), int(progress.get("face", 0))
            progress["fraction"] = round(min(1.0, (face + step / steps) / faces), 4)
        if self.status == DONE:
            progress["fraction"] = 1.0
        return out

    def _finish(self, status: str, error: str | None = None, result: dict[str, object] | None = None) -> None:
        with self._lock:
            self.status, self.error, self.result, self.finished = status, error, result, time.time()


class JobRunner:
    """Runs jobs one at a time (`workers`) in the order submitted; keeps their state for polling."""

    def __init__(self, workers: int = 1, keep_seconds: float = 600.0, max_finished: int = 32):
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="toonmoji-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.keep_seconds, self.max_finished = keep_seconds, max_finished

    def submit(self, kind: str, work: Callable[[Callable[..., None]], dict[str, object]],
               owner: str = "", limit: int | None = None) -> Job:
        """Queue `work(report) -> result`; returns the job at once. TooManyJobs if `owner` already
        has `limit` jobs queued or running (checked and queued atomically)."""
        job = Job(uuid.uuid4().hex[:12], kind, owner=owner)
        with self._lock:
            self._check_room(owner, limit)
            self._forget_old()
            self._jobs[job.id] = job
        job._future = self._pool.submit(self._run, job, work)
        return job

    def check_room(self, owner: str, limit: int | None) -> None:
        """TooManyJobs if `owner` has `limit` jobs queued or running (a cheap check before work)."""
        with self._lock:
            self._check_room(owner, limit)

    def _check_room(self, owner: str, limit: int | None) -> None:
        if limit is None:
            return
        active = sum(1 for j in self._jobs.values() if j.owner == owner and j.status not in FINISHED)
        if active >= limit:
            raise TooManyJobs(f"you already have {active} jobs queued or running (the limit is {limit}, "
                              "--max-jobs); wait for one or cancel it")

    def get(self, job_id: str) -> Job:
        with self._lock:
            self._forget_old()
            if job_id not in self._jobs:
                raise JobNotFound(job_id)
            return self._jobs[job_id]

    def cancel(self, job_id: str) -> Job:
        """Ask a job to stop: a queued job never starts, a running one stops at its next step."""
        job = self.get(job_id)
        job._cancel.set()
        if job._future is not None and job._future.cancel():
            job._finish(CANCELLED)
        return job

    def delete(self, job_id: str) -> None:
        """Cancel if still going, and forget the job and its result."""
        self.cancel(job_id)
        with self._lock:
            self._jobs.pop(job_id, None)

    def shutdown(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job._cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: Job, work: Callable[[Callable[..., None]], dict[str, object]]) -> None:
        if job._cancel.is_set():
            job._finish(CANCELLED)
            return
        with job._lock:
            job.status = RUNNING
        try:
            result = work(job.report)
        except JobCancelled:
            job._finish(CANCELLED)
        except ToonmojiError as exc:
            job._finish(FAILED, str(exc))
        except Exception as exc:  # a bug must fail the job, not the worker thread
            log.exception("job %s failed", job.id)
            job._finish(FAILED, f"internal error ({type(exc).__name__}); see the server log")
        else:
            job._finish(DONE, result=result)

    def _forget_old(self) -> None:
        """Drop finished jobs older than keep_seconds, and the oldest beyond max_finished."""
        now = time.time()
        finished = sorted((j for j in self._jobs.values() if j.finished is not None), key=lambda j: j.finished)
        for i, job in enumerate(finished):
            if now - job.finished > self.keep_seconds or i < len(finished) - self.max_finished:
                del self._jobs[job.id]
