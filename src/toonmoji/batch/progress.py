"""The batch's progress bar: done / total, errors so far, time left (Rich, on stderr)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from toonmoji.batch.manifest import Record


@contextmanager
def batch_progress(name: str, total: int, already: int) -> Iterator[Callable[[Record], None]]:
    """A bar over this run's inputs; yields the function to call as each input finishes."""
    console = Console(stderr=True, emoji=False)
    note = f" ({already} done before)" if already else ""
    with Progress(TextColumn(f"[bold]batch {name}[/bold]{note}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[errors]} error(s)"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console) as progress:
        task = progress.add_task(name, total=total, errors=0)
        errors = 0

        def advance(record: Record) -> None:
            nonlocal errors
            errors += record.status == "error"
            progress.update(task, advance=1, errors=errors)

        yield advance
