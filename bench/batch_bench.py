"""How does `toonmoji batch` scale? Throughput of one batch on 1 and 2 worker processes (baseline:
1 worker; goal >= 1.7x on 2 cores), on `--ray local` against the plain process pool with the same
workers (goal: within 15%), and the scheduling overhead per input (a job that does no work).

    PYTHONPATH=src python bench/batch_bench.py [--command emoji] [--inputs 24] [--noop 300] [--no-ray]

Throughput is inputs finished per second once every worker has its models loaded (summary.json's
throughput_per_second); start-up is printed beside it. Each input's CPU time is measured in its
worker too: "core share" (CPU time / wall time in the job) says how much of a core each worker
got. On a shared machine other processes take cores, and the 2-worker ratio can only be as good
as the second core is free; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from toonmoji.batch import run
from toonmoji.batch.jobs import Done, Job
from toonmoji.imageio import write_image
from toonmoji.samples import sample_portrait, scaled


class NoopJob(Job):
    """Reads nothing, writes nothing: what is left is the batch's own cost per input (hashing a
    tiny file, the pipe or Ray call, the manifest line)."""

    name = "noop"
    defaults: ClassVar[dict] = {}

    def process(self, path: Path, base: Path) -> Done:
        return Done([])


def make_photos(folder: Path, count: int) -> None:
    """`count` portraits at slightly different sizes (so no two files are the same)."""
    folder.mkdir(parents=True)
    for i in range(count):
        write_image(folder / f"p{i:03d}.png", scaled(sample_portrait(), 0.40 + 0.005 * i))


def one_run(command, inputs: Path, out: Path, workers: int, ray: str | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    summary = run(command, [inputs], out, workers=workers, ray=ray)
    summary["wall"] = time.perf_counter() - start
    assert summary["totals"]["failed"] == 0, summary["failures"]
    return summary


def _spin(seconds: float) -> int:
    """Pure-Python CPU work for about `seconds` on a free core."""
    end, n = time.thread_time() + seconds, 0
    while time.thread_time() < end:
        n += 1
    return n


def machine_ceiling(seconds: float = 1.5) -> float:
    """What this machine gives two processes right now: the work of two 1-core spins done
    concurrently, relative to one alone (2.0 on two free cores, ~1 when others hold a core)."""
    import multiprocessing as mp

    start = time.perf_counter()
    _spin(seconds)
    one = time.perf_counter() - start
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [0.01, 0.01])  # start-up out of the timing
        start = time.perf_counter()
        pool.map(_spin, [seconds, seconds])
        two = time.perf_counter() - start
    return 2 * one / two


def best(runs: list[dict]) -> dict:
    return max(runs, key=lambda s: s["throughput_per_second"])


def overhead_ms(summary: dict) -> float:
    """Milliseconds per input beyond the job's own time, one worker busy all the time."""
    per_input = 1.0 / summary["throughput_per_second"]
    return 1000.0 * (per_input - summary["mean_seconds_per_input"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", default="emoji", help="emoji, avatar or emotion")
    parser.add_argument("--inputs", type=int, default=24)
    parser.add_argument("--noop", type=int, default=300, help="inputs of the no-work job (overhead)")
    parser.add_argument("--no-ray", action="store_true", help="leave the Ray comparison out")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each (interleaved); the best counts")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="toonmoji-batch-bench-"))
    try:
        make_photos(tmp / "photos", args.inputs)
        (tmp / "tiny").mkdir()
        for i in range(args.noop):
            (tmp / "tiny" / f"t{i:04d}.png").write_bytes(i.to_bytes(4, "little"))
        print(f"{os.cpu_count()} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"batch {args.command}, {args.inputs} photos (the sample portrait at ~205-300 px)\n")
        print(f"{'run':<26}{'inputs/s':>10}{'start-up s':>12}{'wall s':>9}{'s/input in job':>16}"
              f"{'CPU s/input':>13}{'core share':>12}")
        plans = [("processes, 1 worker", 1, None), ("processes, 2 workers", 2, None)]
        if not args.no_ray:
            plans.append(("ray local, 2 actors", 2, "local"))
        runs: dict[str, list[dict]] = {label: [] for label, _, _ in plans}
        ceilings = []
        for _ in range(args.repeat):
            ceilings.append(machine_ceiling())
            for label, workers, ray in plans:
                runs[label].append(one_run(args.command, tmp / "photos", tmp / "out", workers, ray))
        rows = {label: best(r) for label, r in runs.items()}
        for label, s in rows.items():
            print(f"{label:<26}{s['throughput_per_second']:>10.2f}{s['startup_seconds']:>12.1f}{s['wall']:>9.1f}"
                  f"{s['mean_seconds_per_input']:>16.3f}{s['mean_cpu_seconds_per_input']:>13.3f}"
                  f"{s['mean_cpu_seconds_per_input'] / s['mean_seconds_per_input']:>12.0%}")
        one, two = rows["processes, 1 worker"], rows["processes, 2 workers"]
        print(f"\n2 workers / 1 worker: {two['throughput_per_second'] / one['throughput_per_second']:.2f}x (goal >= 1.7x); "
              f"this machine's own 2-process ceiling meanwhile: {', '.join(f'{c:.2f}x' for c in ceilings)}")
        if "ray local, 2 actors" in rows:
            ray = rows["ray local, 2 actors"]
            print(f"ray local / processes (2 each): {ray['throughput_per_second'] / two['throughput_per_second']:.2f}x "
                  "(goal >= 0.85x)")
        noop = one_run(NoopJob, tmp / "tiny", tmp / "out", 1)
        cpu = one["mean_cpu_seconds_per_input"]
        print(f"on free cores (CPU time per input {cpu:.3f} s + overhead): ~{1 / cpu:.1f} inputs/s per core")
        print(f"\nscheduling overhead per input (no-work job, {args.noop} inputs, 1 worker): "
              f"processes {overhead_ms(noop):.2f} ms", end="")
        if not args.no_ray:
            noop_ray = one_run(NoopJob, tmp / "tiny", tmp / "out", 1, "local")
            print(f", ray local {overhead_ms(noop_ray):.2f} ms", end="")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
