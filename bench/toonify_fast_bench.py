"""Benchmark: seconds per toonified face at config-F sizes for three ways to invert the face.

- best (today's projection): 300 steps at full resolution from the average face;
- coarse-to-fine (`--quality fast`, no encoder): 150 steps against the partial image (the
  default size, 32 px, and 64 px for comparison);
- encoder + refinement (`--quality fast --encoder`): one encoder pass, then 50 coarse steps.
Baseline named in the output: best, on the same machine in the same run.

Random-init config-F networks (no weights ship; speed does not depend on the values). Projection
steps are timed (median of `--steps` after a warm-up) and multiplied by the step count: the
per-face totals are extrapolations from measured steps, labelled as such. The rest of a face is
measured once on the sample portrait: alignment, encoder pass, renders through base and toon,
paste-back, identity check (dlib embeddings of photo, reconstruction and toon).
Wall seconds and this process's CPU seconds are both printed: on a shared CPU the wall time
depends on the neighbours; CPU seconds / threads is what an idle machine would take at best.

    python bench/toonify_fast_bench.py                      # 256 and 1024 px: many minutes on 2 cores
    python bench/toonify_fast_bench.py --resolutions 256 --steps 2
The whole command, start-up and loading included, is timed by bench/toonify_e2e_bench.py.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from dataclasses import replace

import torch

from toonmoji.faces import align_faces
from toonmoji.gan.dataset import image_to_tensor
from toonmoji.gan.networks import Discriminator, Generator
from toonmoji.samples import sample_portrait
from toonmoji.toonify.encoder import Encoder, EncoderConfig
from toonmoji.toonify.identity import likeness
from toonmoji.toonify.pipeline import ToonifiedFace, paste_toons, render
from toonmoji.toonify.project import PerceptualDistance, ProjectConfig, project, quality_config


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result) of one call."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def step_seconds(G, target, distance, cfg: ProjectConfig, steps: int, start=None) -> tuple[float, float]:
    """Median wall and CPU seconds of one projection step (after one warm-up step)."""
    stamps: list[tuple[float, float]] = []

    def on_step(_s: int, _loss: float, _ws: torch.Tensor) -> None:
        stamps.append((time.perf_counter(), time.process_time()))

    cfg.steps = steps + 1
    project(G, target, distance, cfg, on_step=on_step, start=start)
    walls = sorted(b[0] - a[0] for a, b in itertools.pairwise(stamps))
    cpus = sorted(b[1] - a[1] for a, b in itertools.pairwise(stamps))
    return walls[len(walls) // 2], cpus[len(cpus) // 2]


def bench(res: int, steps: int) -> list[tuple[str, int, float, float, float, float]]:
    torch.manual_seed(0)
    G = Generator(resolution=res).eval()
    toon = Generator(resolution=res).eval()
    distance = PerceptualDistance(Discriminator(resolution=res).eval())
    encoder = Encoder(EncoderConfig.for_generator(G), G.w_avg).eval()
    photo = sample_portrait()
    align_w, align_c, faces = timed(lambda: align_faces(photo, size=res))
    face = faces[0]
    target = image_to_tensor(face.image)
    enc_w, enc_c, start = timed(lambda: encoder.guess(target, "w"))
    latent = G.w_avg.repeat(G.num_ws, 1)
    render_w, render_c, images = timed(lambda: (render(G, latent), render(toon, latent)))
    done = ToonifiedFace(face, latent, images[1], False, G)
    paste_w, paste_c, _ = timed(lambda: paste_toons(photo, [done]))
    ident_w, ident_c, _ = timed(lambda: likeness(face.image, {"r": images[0], "t": images[1]}, face.landmarks))
    fixed_w = align_w + render_w + paste_w + ident_w
    fixed_c = align_c + render_c + paste_c + ident_c
    print(f"{res} px fixed costs (measured, wall/CPU s): align {align_w:.2f}/{align_c:.2f}, renders "
          f"{render_w:.2f}/{render_c:.2f}, paste {paste_w:.2f}/{paste_c:.2f}, identity {ident_w:.2f}/{ident_c:.2f}, "
          f"encoder {enc_w:.3f}/{enc_c:.3f}", flush=True)
    rows = []
    fast, enc = quality_config("fast"), quality_config("fast", encoder=True)
    other = 64 if fast.resolution != 64 else 128
    for name, cfg, s in (
        ("best (today)", quality_config("best"), None),
        (f"coarse-to-fine {fast.resolution}", fast, None),
        (f"coarse-to-fine {other}", replace(fast, resolution=other), None),
        (f"encoder + refine {enc.resolution}", enc, start),
        (f"encoder + refine {other}", replace(enc, resolution=other), start),
    ):
        count = cfg.steps
        sw, sc = step_seconds(G, target, distance, cfg, steps, start=s)
        extra_w, extra_c = (enc_w, enc_c) if s is not None else (0.0, 0.0)
        rows.append((name, count, sw, sc, fixed_w + extra_w + sw * count, fixed_c + extra_c + sc * count))
        print(f"  {name}: {sw:.2f} s/step wall, {sc:.2f} CPU", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolutions", default="256,1024")
    ap.add_argument("--steps", type=int, default=2, help="timed projection steps per mode")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: PyTorch's choice)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"CPU, {torch.get_num_threads()} threads; baseline: best (today's projection), same machine, same run")
    header = f"{'px':>5} {'mode':<24} {'steps':>5} {'s/step':>7} {'CPU s/step':>10} {'s/face*':>8} {'CPU s/face*':>11} {'vs best':>8}"
    for res in (int(r) for r in args.resolutions.split(",")):
        rows = bench(res, args.steps)
        print(header)
        for name, count, sw, sc, fw, fc in rows:
            print(f"{res:>5} {name:<24} {count:>5} {sw:>7.2f} {sc:>10.2f} {fw:>8.1f} {fc:>11.1f} {rows[0][4] / fw:>7.1f}x")
    print("* per face = measured fixed costs + measured s/step x steps (extrapolated from the timed steps)")


if __name__ == "__main__":
    main()
