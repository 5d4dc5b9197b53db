"""The one frame loop behind live emotion and the avatar puppet: when it stops, and that the
sink is always closed so what was written stays valid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from toonmoji.frameloop import run_frames
from toonmoji.imageio import Frame


class Source:
    def __init__(self, n: int, broken: bool = False, interrupt_at: int | None = None) -> None:
        self.n, self.broken, self.interrupt_at = n, broken, interrupt_at

    def __iter__(self):
        for i in range(self.n):
            if i == self.interrupt_at:
                raise KeyboardInterrupt
            yield Frame(i, i / 10, np.full((4, 6, 3), i, np.uint8))


class Sink:
    def __init__(self, capacity: int | None = None) -> None:
        self.capacity, self.written, self.closed = capacity, [], False

    @property
    def full(self) -> bool:
        return self.capacity is not None and len(self.written) >= self.capacity

    def write(self, image: np.ndarray) -> None:
        self.written.append(int(image[0, 0, 0]))

    def close(self) -> Path | None:
        self.closed = True
        return Path("out.mp4") if self.written else None


def drawing(seen: list):
    def step(frame: Frame, draw: bool):
        seen.append((frame.index, draw))
        return frame.image if draw else None
    return step


def test_every_frame_is_stepped_and_written_then_the_sink_closed():
    seen, sink = [], Sink()
    run = run_frames(Source(5), drawing(seen), sink)
    assert [i for i, _ in seen] == [0, 1, 2, 3, 4] and all(d for _, d in seen)
    assert sink.written == [0, 1, 2, 3, 4] and sink.closed
    assert (run.frames, run.output, run.interrupted, run.broken, run.full) == (5, "out.mp4", False, False, False)


def test_without_sink_or_window_nothing_is_drawn():
    seen = []
    run = run_frames(Source(3), drawing(seen))
    assert seen == [(0, False), (1, False), (2, False)] and run.output is None


@pytest.mark.parametrize(("kwargs", "frames", "full"), [({"max_frames": 2}, 2, False), ({"capacity": 3}, 3, True)])
def test_a_frame_cap_or_a_full_sink_stops_the_run(kwargs, frames, full):
    sink = Sink(kwargs.get("capacity"))
    run = run_frames(Source(10), drawing([]), sink, max_frames=kwargs.get("max_frames"))
    assert run.frames == frames and len(sink.written) == frames and run.full is full and sink.closed


def test_ctrl_c_keeps_what_was_written():
    sink = Sink()
    run = run_frames(Source(10, interrupt_at=4), drawing([]), sink)
    assert run.interrupted and run.frames == 4 and sink.written == [0, 1, 2, 3] and sink.closed


def test_a_broken_source_is_reported_and_progress_counted():
    ticks = []
    run = run_frames(Source(3, broken=True), drawing([]), Sink(), on_frame=ticks.append)
    assert run.broken and ticks == [1, 2, 3]
