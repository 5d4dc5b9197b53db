"""Benchmark: one StyleGAN2 config-F image at 256 and 1024 px on this CPU, time and peak memory.

Config-F widths (channel_base 32768, channel_max 512), random init (no weights ship with toonmoji;
speed does not depend on the values). Each configuration runs in a fresh process so its peak
resident memory (ru_maxrss) is its own. Ratios are against the named baseline
"256 px, fused modulated conv (the eval-mode default), batch 1". The load average is printed
because other processes on a shared machine slow every number down.

    python bench/gan_bench.py                 # a few minutes on 2 cores
    python bench/gan_bench.py --threads 4 --repeats 5
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import statistics
import time


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_case(resolution: int, fused: bool, batch: int, repeats: int, threads: int, queue) -> None:
    """Time `repeats` forward passes (after one warm-up) in this process; report via `queue`."""
    import torch

    from toonmoji.gan.networks import Generator

    torch.set_num_threads(threads)
    base_rss = _rss_mib()
    torch.manual_seed(0)
    G = Generator(resolution=resolution).eval()
    params = sum(p.numel() for p in G.parameters())
    z = torch.randn(batch, G.z_dim)
    times, cpu_times = [], []
    with torch.inference_mode():
        G(z, truncation_psi=0.7, fused=fused)  # warm-up (allocator, kernels)
        for _ in range(repeats):
            start, cpu_start = time.perf_counter(), _cpu_seconds()
            img = G(z, truncation_psi=0.7, fused=fused)
            times.append(time.perf_counter() - start)
            cpu_times.append(_cpu_seconds() - cpu_start)
    assert img.shape == (batch, 3, resolution, resolution)
    queue.put({
        "resolution": resolution, "fused": fused, "batch": batch, "params": params,
        "seconds_per_image": statistics.median(times) / batch, "peak_rss_mib": _rss_mib(),
        "cpu_seconds_per_image": statistics.median(cpu_times) / batch,
        "import_rss_mib": base_rss,
    })


def measure(resolution: int, fused: bool, batch: int, repeats: int, threads: int) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=run_case, args=(resolution, fused, batch, repeats, threads, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cases = [
        ("256 px, fused, batch 1 (baseline)", 256, True, 1),
        ("256 px, unfused, batch 1", 256, False, 1),
        ("256 px, fused, batch 4 (per image)", 256, True, 4),
        ("256 px, unfused, batch 4 (per image)", 256, False, 4),
        ("1024 px, fused, batch 1", 1024, True, 1),
        ("1024 px, unfused, batch 1", 1024, False, 1),
    ]
    print(f"StyleGAN2 config-F generator on CPU, {args.threads} thread(s), median of {args.repeats} runs, "
          f"truncation psi 0.7, noise const; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'case':38s} {'s/image':>8s} {'ratio':>6s} {'CPU s/img':>9s} {'ratio':>6s} {'peak RSS':>9s} "
          f"{'torch alone':>11s} {'params':>11s}")
    base = base_cpu = None
    for name, res, fused, batch in cases:
        r = measure(res, fused, batch, args.repeats, args.threads)
        wall, cpu = r["seconds_per_image"], r["cpu_seconds_per_image"]
        base, base_cpu = base or wall, base_cpu or cpu
        print(f"{name:38s} {wall:8.3f} {wall / base:5.2f}x {cpu:9.3f} {cpu / base_cpu:5.2f}x "
              f"{r['peak_rss_mib']:5.0f} MiB {r['import_rss_mib']:7.0f} MiB {r['params']:11,d}", flush=True)
    print("wall s/image: elapsed time; CPU s/image: user + system time of all threads (less affected by "
          "other processes). Peak RSS includes the ~240 MiB of an idle PyTorch process.")


if __name__ == "__main__":
    main()
