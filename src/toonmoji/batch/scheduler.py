"""Handing inputs to worker slots, the same for processes on this machine and Ray actors.

A backend runs `slots` workers and tells what happened with `events()`; this loop keeps each
slot busy with one input at a time, so it always knows which input a worker holds. A worker that
dies is replaced and its input tried once more (a second death records it as an error, so one
poisonous file cannot stop the batch). A stop request (the first Ctrl-C) hands out nothing new
and lets the inputs in progress finish; the caller turns a second Ctrl-C into a hard stop.
"""

from __future__ import annotations

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
    """When the workers were ready, for the summary's throughput."""

    started: float = field(default_factory=time.perf_counter)
    ready: list[float] = field(default_factory=list)
    slots: int = 0

    @property
    def startup(self) -> float:
        return (max(self.ready) - self.started) if self.ready else 0.0


MAX_START_DEATHS = 3  # workers dying before taking any input: something is wrong with the set-up


def schedule(
    backend: Backend, items: list[Input], slots: int, on_record: Callable[[Record], None],
    stop_requested: Callable[[], bool], timing: Timing | None = None,
) -> bool:
    """Run every item through the backend's workers; False when stopped before the end."""
    queue, busy, deaths = deque(items), {}, {}
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
                timing.ready.append(time.perf_counter())
                continue
            item = busy.pop(event.slot, None)
            if event.kind == DONE and event.record is not None:
                event.record.attempts = deaths.get(item, 0) + 1 if item else 1
                on_record(event.record)
            elif event.kind == DIED:
                backend.restart(event.slot)
                if item is None:
                    start_deaths += 1
                    if start_deaths > MAX_START_DEATHS:
                        raise ToonmojiError(f"batch workers keep dying before taking an input ({event.reason})")
                else:
                    deaths[item] = deaths.get(item, 0) + 1
                    if deaths[item] >= 2:
                        on_record(Record(path=str(item.path), key=item.key, status="error", attempts=2,
                                         error=f"a worker died on this input twice ({event.reason})"))
                    else:
                        queue.appendleft(item)
            if queue and not stopping and event.slot not in busy:
                busy[event.slot] = queue.popleft()
                backend.submit(event.slot, busy[event.slot])
    return not queue
