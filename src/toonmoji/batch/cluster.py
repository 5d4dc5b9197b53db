"""The batch on a Ray cluster: one Ray Core actor per worker slot, holding the job's models.

Actors rather than Ray Data: the scheduler (scheduler.py) hands each slot one input at a time and
writes the manifest as each finishes, the same code as for local processes, so a rerun, a dead
worker (a dead actor: replaced, its input retried once) and Ctrl-C behave identically. Inputs and
the batch folder are plain paths, so on a real cluster they must be on storage every node mounts
at the same place (NFS, a cloud bucket mounted with a FUSE driver); the driver only writes the
manifest and the tables.

    --ray local      a Ray instance started here for this batch (stopped at the end)
    --ray auto       the cluster named by RAY_ADDRESS (or the one started on this machine)
    --ray HOST:PORT  that cluster's address (or ray://HOST:10001 for Ray Client)
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from toonmoji.batch.inputs import Input
from toonmoji.batch.jobs import Job, process_one
from toonmoji.batch.local import make_worker_job, portable_error
from toonmoji.batch.scheduler import DIED, DONE, INIT_ERROR, READY, Event, cores
from toonmoji.errors import InputError, ToonmojiError
from toonmoji.extras import require


class WorkerActor:
    """The body of a Ray actor: the job built once, then one `process` call per input."""

    def __init__(self, job_cls: type[Job], options: dict[str, Any], out: str, threads: int) -> None:
        self.out = Path(out)
        self.error: ToonmojiError | None = None
        try:
            self.job = make_worker_job(job_cls, options, threads)
        except Exception as exc:  # noqa: BLE001 - reported by ready() as one line
            self.error = portable_error(exc)

    def ready(self) -> ToonmojiError | None:
        return self.error

    def process(self, item: Input):
        return process_one(self.job, item, self.out)


def connect(address: str, cpus: int | None) -> tuple[Any, bool]:
    """(the ray module, whether this call started a local instance that `disconnect` must stop)."""
    ray = require("ray", extra="cluster", feature="toonmoji batch --ray")
    if ray.is_initialized():  # a Python caller already connected
        return ray, False
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    try:
        if address == "local":
            src = str(Path(__file__).resolve().parents[2])  # the workers import this toonmoji
            path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
            ray.init(num_cpus=cpus or cores(), include_dashboard=False,
                     runtime_env={"env_vars": {"PYTHONPATH": path}}, **quiet)
            return ray, True
        target = (os.environ.get("RAY_ADDRESS") or "auto") if address == "auto" else address
        check_reachable(target)
        ray.init(address=target, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        raise InputError(f"cannot reach the Ray cluster at {address}: {lines[0]}") from None
    return ray, False


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes (Ray retries), when HOST:PORT does not answer at all."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise InputError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


def cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


class RayBackend:
    """`slots` actors (one CPU each); each holds at most one input at a time."""

    def __init__(self, ray: Any, job_cls: type[Job], options: dict[str, Any], out: Path, threads: int) -> None:
        self.ray = ray
        self.actor_cls = ray.remote(num_cpus=1, max_restarts=0)(WorkerActor)
        self.args = (job_cls, options, str(out), threads)
        self.actors: list[Any] = []
        self.pending: dict[Any, tuple[int, str]] = {}
        # An input waits until its actor is ready: a death is then surely the input's doing
        # (Ray may report a failed call before the ready reply that preceded it).
        self.ready: set[int] = set()
        self.waiting: dict[int, Input] = {}

    def _make(self, slot: int) -> Any:
        actor = self.actor_cls.remote(*self.args)
        self.pending[actor.ready.remote()] = (slot, READY)
        return actor

    def start(self, slots: int) -> None:
        self.actors = [self._make(slot) for slot in range(slots)]

    def submit(self, slot: int, item: Input) -> None:
        if slot not in self.ready:
            self.waiting[slot] = item
            return
        self.pending[self.actors[slot].process.remote(item)] = (slot, DONE)

    def events(self, timeout: float) -> list[Event]:
        if not self.pending:
            return []
        refs = list(self.pending)
        ready, rest = self.ray.wait(refs, num_returns=1, timeout=timeout)
        if ready and rest:
            more, _ = self.ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        return [self._event(ref) for ref in ready]

    def _event(self, ref: Any) -> Event:
        slot, kind = self.pending.pop(ref)
        try:
            value = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:  # the actor died (or its call could not run)
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            return Event(slot, DIED, reason=f"Ray: {lines[0][:200]}")
        if kind == READY:
            if value is not None:
                return Event(slot, INIT_ERROR, error=value)
            self.ready.add(slot)
            if slot in self.waiting:
                self.submit(slot, self.waiting.pop(slot))
            return Event(slot, READY)
        return Event(slot, DONE, record=value)

    def restart(self, slot: int) -> None:
        self.ready.discard(slot)
        self.waiting.pop(slot, None)
        for ref, (s, _) in list(self.pending.items()):
            if s == slot:
                del self.pending[ref]
        self._kill(self.actors[slot])
        self.actors[slot] = self._make(slot)

    def _kill(self, actor: Any) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.ray.kill(actor, no_restart=True)

    def stop(self, now: bool) -> None:
        for actor in self.actors:
            self._kill(actor)
        self.actors, self.pending, self.ready, self.waiting = [], {}, set(), {}
