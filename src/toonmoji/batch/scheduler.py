"""Handing inputs to worker slots, the same for processes on this machine and Ray actors.

A backend runs `slots` workers and tells what happened with `events()`; this loop keeps each
slot busy with one input at a time, so it always knows which input a worker holds. A worker that
dies is replaced and its input tried once more (a second death records it as an error, so one
poisonous file cannot stop the batch). A stop request (the first Ctrl-C) hands out nothing new
and lets the inputs in progress finish; the caller turns a second Ctrl-C into a hard stop.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from toonmoji.batch.inputs import Input
from toonmoji.batch.manifest import Record
from toonmoji.errors import ToonmojiError

READY, DONE, DIED, INIT_ERROR = "ready", "done", "died", "init_error"


@dataclass
class Event:
    """Something a worker slot did: became ready, finished an input (`record`), died, or failed
    to load its models (`error`, which ends the batch: every input would fail the same way)."""

    slot: int
    kind: str
    record: Record | None = None
    error: BaseException | None = None
    reason: str = ""


class Backend(Protocol):
    def start(self, slots: int) -> None: ...
    def submit(self, slot: int, item: Input) -> None: ...
    def events(self, timeout: float) -> list[Event]: ...
    def restart(self, slot: int) -> None: ...
    def stop(self, now: bool) -> None: ...


@dataclass
class Timing:
    """When the workers were ready and the inputs finished, for the summary's throughput."""

    started: float = field(default_factory=time.perf_counter)
    ready: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)
    slots: int = 0

    @property
    def startup(self) -> float:
        """Seconds until every worker had its models loaded (a Ray instance started, too)."""
        return (self._all_ready() - self.started) if self.ready else 0.0

    def _all_ready(self) -> float:
        """When the first `slots` workers were all ready (a replaced worker's start is left out)."""
        return sorted(self.ready)[min(self.slots, len(self.ready)) - 1]

    @property
    def throughput(self) -> float:
        """Inputs finished per second once every worker was ready (start-up left out)."""
        if not self.finished:
            return 0.0
        start = self._all_ready() if len(self.ready) >= self.slots else self.started
        after = [t for t in self.finished if t > start]
        if len(after) < 2:
            return len(self.finished) / max(self.finished[-1] - self.started, 1e-9)
        return len(after) / max(after[-1] - start, 1e-9)


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


MAX_START_DEATHS = 3  # workers dying before taking any input: something is wrong with the set-up


def schedule(
    backend: Backend, items: list[Input], slots: int, on_record: Callable[[Record], None],
    stop_requested: Callable[[], bool], timing: Timing | None = None,
) -> bool:
    """Run every item through the backend's workers; False when stopped before the end."""
    queue, busy, deaths, ready = deque(items), {}, {}, set()
    start_deaths = 0
    timing = timing or Timing()
    slots = timing.slots = max(1, min(slots, len(items)))
    backend.start(slots)
    for slot in range(slots):
        if queue:
            busy[slot] = queue.popleft()
            backend.submit(slot, busy[slot])
    while busy:
        stopping = stop_requested()
        for event in backend.events(0.2):
            if event.kind == INIT_ERROR:
                raise event.error or ToonmojiError("a batch worker could not start")
            if event.kind == READY:
                ready.add(event.slot)
                timing.ready.append(time.perf_counter())
                continue
            item = busy.pop(event.slot, None)
            if event.kind == DONE and event.record is not None:
                event.record.attempts = deaths.get(item, 0) + 1 if item else 1
                timing.finished.append(time.perf_counter())
                on_record(event.record)
            elif event.kind == DIED and event.slot not in ready:  # while loading: not the input's fault
                backend.restart(event.slot)
                start_deaths += 1
                if start_deaths > MAX_START_DEATHS:
                    raise ToonmojiError(f"batch workers keep dying before taking an input ({event.reason})")
                if item is not None:
                    queue.appendleft(item)
            elif event.kind == DIED:
                ready.discard(event.slot)
                backend.restart(event.slot)
                if item is not None:
                    deaths[item] = deaths.get(item, 0) + 1
                    if deaths[item] >= 2:
                        timing.finished.append(time.perf_counter())
                        on_record(Record(path=str(item.path), key=item.key, status="error", attempts=2,
                                         error=f"a worker died on this input twice ({event.reason})"))
                    else:
                        queue.appendleft(item)
            if queue and not stopping and event.slot not in busy:
                busy[event.slot] = queue.popleft()
                backend.submit(event.slot, busy[event.slot])
    return not queue
