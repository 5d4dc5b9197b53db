"""Training throughput on the CPU: the classic host loop (the baseline) against the fed loop
(issue 27), same recipe, same faces, same seed, in one run; and reading the data: parsing a
FER2013 CSV against loading the decoded array file that the fed loop's cache keeps.

On the CPU both loops do the same arithmetic (they agree bit for bit, tests/test_emotion_fed.py),
so the fed loop can only save its per-step overheads here (a host sync per step, the EMA's two
kernels per tensor); its real gains are on a GPU (data and augmentation on the device, bf16,
channels-last, no sync per step), which this bench measures too when given `--device cuda`.

    python bench/emotion_train_bench.py [--faces 1024] [--epochs 2] [--rounds 2] [--threads 1]
        [--config configs/emotion_resnet.toml] [--device cpu] [--data fer2013.npz]

Faces come from `--data`, else the real FER2013 at ../shared/data when present, else a synthetic set.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console

from toonmoji.emotion.data_cache import read_arrays, read_data, write_arrays
from toonmoji.emotion.fer2013 import Fer2013, read_fer2013
from toonmoji.emotion.recipe import read_recipe
from toonmoji.emotion.train import TrainSettings, train

REPO = Path(__file__).resolve().parents[1]
FER2013 = next((p / "data" / "fer2013" / "fer2013.csv.gz" for p in (REPO.parent / "shared", REPO.parent.parent / "shared")
                if (p / "data" / "fer2013" / "fer2013.csv.gz").is_file()), None)
BASELINE = "classic"


def training_faces(n: int, source: Path | None = None) -> Fer2013:
    """The first `n` Training faces of `source` (a CSV or `.npz` array file), else of the real
    FER2013 (read from the start of the file), else `n` synthetic ones."""
    if source is not None:
        data = read_data(source)[0]
        keep = np.flatnonzero(data.usage == "Training")[:n]
        return Fer2013(data.images[keep], data.labels[keep], data.usage[keep], source=str(source))
    if FER2013 is not None:
        rows = []
        with gzip.open(FER2013, "rt") as f:
            rows.append(next(f))
            rows += [line for line, _ in zip((line for line in f if line.rstrip().endswith("Training")), range(n))]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "slice.csv"
            path.write_text("".join(rows))
            return read_fer2013(path)
    rng = np.random.default_rng(0)
    return Fer2013(rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n),
                   np.array(["Training"] * n), source="synthetic faces")


def time_reading(data: Fer2013, rounds: int) -> tuple[float, float]:
    """(seconds to parse the faces as a CSV, seconds to load them as an array file), medians."""
    with tempfile.TemporaryDirectory() as tmp:
        csv, npz = Path(tmp) / "f.csv", Path(tmp) / "f.npz"
        csv.write_text("emotion,pixels,Usage\n" + "".join(
            f"{k},{' '.join(map(str, img.ravel()))},Training\n" for k, img in zip(data.labels, data.images)))
        write_arrays(npz, data)
        parse, load = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            read_fer2013(csv)
            parse.append(time.perf_counter() - start)
            start = time.perf_counter()
            read_arrays(npz)
            load.append(time.perf_counter() - start)
    return statistics.median(parse), statistics.median(load)


def samples_per_second(data: Fer2013, settings: TrainSettings, loop: str, device: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = train(data, Path(tmp) / "run", settings, console=Console(quiet=True), show_progress=False,
                       device=device, loop=loop, save_every=10**6)  # last.pt once, at the end
        seconds = time.perf_counter() - start
    trained = len(data) - max(1, round(len(data) * settings.val_fraction))
    return len(result.history) * trained / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "emotion_resnet.toml")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", type=Path, default=None, help="FER2013 CSV or .npz (default: ../shared/data's)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = training_faces(args.faces, args.data)
    values = {**read_recipe(args.config), "epochs": args.epochs, "calibrate": False, "teachers": [], "distill_weight": 0.0}
    settings = TrainSettings.from_dict(values)
    print(f"{len(data)} Training faces from {Path(data.source).name}; recipe {args.config.name} "
          f"({settings.arch}, batch {settings.batch_size}), {args.epochs} epochs per run, {args.rounds} rounds, "
          f"device {args.device}, {args.threads} torch thread(s)")
    parse, load = time_reading(data, args.rounds)
    print(f"reading the faces: CSV parse {parse:.3f} s, array file {load:.3f} s: {parse / load:.0f}x faster")
    speeds: dict[str, list[float]] = {BASELINE: [], "fed": []}
    warm = TrainSettings.from_dict({**values, "epochs": 1})
    for loop in speeds:  # the first run pays for kernel selection and allocations: not counted
        samples_per_second(data, warm, loop, args.device)
    for r in range(args.rounds):  # the loops take turns, first one then the other, so a busy
        for loop in (list(speeds) if r % 2 == 0 else list(speeds)[::-1]):  # neighbour slows both alike
            speeds[loop].append(samples_per_second(data, settings, loop, args.device))
    base = statistics.median(speeds[BASELINE])
    for loop, values_ in speeds.items():
        median = statistics.median(values_)
        print(f"{loop + ' loop' + (' (baseline)' if loop == BASELINE else ''):24} {median:8.1f} samples/s   "
              f"{median / base:.2f}x   (rounds: {', '.join(f'{v:.1f}' for v in values_)})")


if __name__ == "__main__":
    main()
