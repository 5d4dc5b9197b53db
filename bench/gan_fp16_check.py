"""GPU check of fine-tuning in mixed precision against float32 (needs CUDA; prints and exits).

Baseline: the same run with `fp16_res=0` (float32 everywhere, no clamp). Both start from one
randomly initialised 256-px config-F pair (NVIDIA's auto width, channel_base 16384) and one seed,
and take a few steps of `auto` (batch 16) on smooth random reals. Prints each step's losses for
both, their relative differences, seconds per step and the speed ratio; then checks that the
generator's float16 blocks give the float32 image to float16 accuracy and that TF32 settings come
back after training. Exit status 1 if a loss is not finite or the first step's losses differ by
more than 5 %.

    python bench/gan_fp16_check.py [--steps 4] [--resolution 256]
"""

from __future__ import annotations

import argparse
import copy
import sys
import time

import torch
import torch.nn.functional as F

from toonmoji.gan.networks import Discriminator, Generator, set_fp16
from toonmoji.gan.train import FinetuneConfig, Finetuner


def reals(n: int, resolution: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 8, 8, generator=g) * 2 - 1
    return F.interpolate(coarse, size=resolution, mode="bicubic", align_corners=False).clamp(-1, 1)


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(G, D, fp16_res: int, steps: int, resolution: int, device: str = "cuda") -> tuple[list[dict[str, float]], float]:
    torch.manual_seed(0)
    tuner = Finetuner(copy.deepcopy(G), copy.deepcopy(D), FinetuneConfig(fp16_res=fp16_res), device)
    out, times = [], []
    for step in range(steps):
        batch = reals(tuner.cfg.batch, resolution, step).to(device)
        sync(device)
        t0 = time.perf_counter()
        out.append(tuner.train_step(batch))
        sync(device)
        times.append(time.perf_counter() - t0)
    return out, sum(times[1:]) / max(1, len(times) - 1)  # the first step includes cuDNN autotuning


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--resolution", type=int, default=256)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to check")
        return 2
    res = args.resolution
    torch.manual_seed(0)
    G = Generator(resolution=res, channel_base=16384)
    D = Discriminator(resolution=res, channel_base=16384)
    tf32_before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    mixed, t_mixed = run(G, D, 4, args.steps, res)
    plain, t_plain = run(G, D, 0, args.steps, res)
    ok = tf32_before == (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    print(f"TF32 settings restored after training: {ok}")
    first_diff = 0.0
    for step, (a, b) in enumerate(zip(mixed, plain)):
        for key in sorted(b):
            rel = abs(a[key] - b[key]) / max(abs(b[key]), 1e-8)
            finite = torch.isfinite(torch.tensor([a[key], b[key]])).all().item()
            ok &= bool(finite)
            if step == 0:
                first_diff = max(first_diff, rel)
            print(f"step {step} {key:7s} fp16 {a[key]:.6f}  fp32 {b[key]:.6f}  rel diff {rel:.2e}")
    print(f"sec/step: mixed {t_mixed:.3f}, float32 {t_plain:.3f}; float32 / mixed = {t_plain / t_mixed:.2f}x")
    Gc = G.cuda().eval()
    ws = Gc.mapping(torch.randn(4, Gc.z_dim, device="cuda"))
    with torch.no_grad():
        ref = Gc.synthesis(ws)
        set_fp16(Gc, 4)
        img = Gc.synthesis(ws)
    err = float((img - ref).abs().max() / ref.abs().max())
    print(f"G float16 blocks vs float32: max error {err:.2e} of the image range; dtype {img.dtype}")
    ok &= first_diff < 0.05 and err < 0.02 and img.dtype == torch.float32
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
