"""Benchmark: one face toonified end to end by the real command, wall clock and CPU seconds.

`toonmoji toonify PHOTO --base BASE --toon TOON --encoder ENC --json` (default `--quality fast`)
runs in a fresh process on the sample portrait, with random-weight config-F checkpoints written
once into `--work`: the base holds G_ema, G and D (what `gan convert` writes for NVIDIA's ffhq
pickle), the toon G_ema, the encoder is untrained (speed does not depend on the values). Printed:
the whole command's wall clock (Python start-up, imports and checkpoint loading included) and
the CPU seconds of the process; goal (issue 14): at most 15 s at 256 px and 60 s at 1024 px on
the 2-core build machine, no baseline but that goal. `--phases` then runs the same face
in-process, phase by phase, to show where the seconds go (start-up is measured apart).

    python bench/toonify_e2e_bench.py --work /tmp/tf --resolutions 256,1024
    python bench/toonify_e2e_bench.py --work /tmp/tf --resolutions 256 --phases -- --steps 10
Run it on an idle machine: with another busy process, two PyTorch threads wait on each other and
a run can take several times as long.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def make_files(work: Path, res: int) -> dict[str, Path]:
    """Random-weight config-F checkpoints at `res` px and the sample portrait, made once."""
    files = {"photo": work / "me.png", "base": work / f"base{res}.pt", "toon": work / f"toon{res}.pt",
             "encoder": work / f"enc{res}.pt"}
    if all(p.is_file() for p in files.values()):
        return files
    import torch

    from toonmoji.gan.checkpoints import save_checkpoint
    from toonmoji.gan.networks import Discriminator, Generator
    from toonmoji.imageio import write_image
    from toonmoji.samples import sample_portrait
    from toonmoji.toonify.encoder import Encoder, EncoderConfig, generator_fingerprint, save_encoder

    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(res)
    G, D, T = Generator(resolution=res).eval(), Discriminator(resolution=res).eval(), Generator(resolution=res).eval()
    write_image(files["photo"], sample_portrait(), force=True)
    save_checkpoint(files["base"], G, G, D, force=True)
    save_checkpoint(files["toon"], T, force=True)
    save_encoder(files["encoder"], Encoder(EncoderConfig.for_generator(G), G.w_avg), generator_fingerprint(G), force=True)
    return files


def run_command(files: dict[str, Path], extra: list[str]) -> tuple[float, float, dict]:
    """(wall s, CPU s, --json report) of one `toonmoji toonify` in a fresh process, empty cache."""
    with tempfile.TemporaryDirectory() as cache:
        return _run_command(files, extra, Path(cache))


def _run_command(files: dict[str, Path], extra: list[str], cache: Path) -> tuple[float, float, dict]:
    out = files["base"].with_name("e2e-out.png")
    cmd = [sys.executable, "-m", "toonmoji", "toonify", str(files["photo"]), "--base", str(files["base"]),
           "--toon", str(files["toon"]), "--encoder", str(files["encoder"]), "--out", str(out), "--force", "--json", *extra]
    env = dict(os.environ, TOONMOJI_CACHE=str(cache))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout.strip().splitlines()[-1])


def startup_seconds() -> tuple[float, float]:
    """Wall and CPU seconds of a process that only starts Python and imports the CLI and PyTorch."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import toonmoji.cli, torch"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def phases(files: dict[str, Path], steps: int | None, identity: bool) -> list[tuple[str, float, float]]:
    """The command's work in-process, phase by phase: (name, wall s, CPU s)."""
    from toonmoji.faces import align_face, detect_faces
    from toonmoji.gan.dataset import image_to_tensor
    from toonmoji.imageio import read_image, write_image
    from toonmoji.toonify.models import load_toon_models
    from toonmoji.toonify.pipeline import ToonifiedFace, face_report, render
    from toonmoji.toonify.project import project, quality_config

    rows: list[tuple[str, float, float]] = []

    def timed(name: str, fn: Callable[[], object]) -> object:
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        rows.append((name, time.perf_counter() - w, time.process_time() - c))
        return out

    cfg = quality_config("fast", "w", steps, encoder=True)
    image = timed("read photo", lambda: read_image(files["photo"]))
    faces = timed("detect faces", lambda: detect_faces(image))
    models = timed("load base (G_ema, D), toon, encoder; file digest", lambda: load_toon_models(
        files["base"], files["toon"], "cpu", files["encoder"]))
    aligned = timed("align", lambda: align_face(image, faces[0], int(models.base.img_resolution)))
    target = image_to_tensor(aligned.image)
    start = timed("encoder", lambda: models.encoder.guess(target, cfg.latent))
    latent = timed(f"projection: {cfg.steps} steps at {cfg.resolution} px", lambda: project(
        models.base, target, models.distance, cfg, start=start))
    toon = timed("toon render", lambda: render(models.toon, latent))
    face = ToonifiedFace(aligned, latent, toon, False, models.base)
    timed("write", lambda: write_image(files["base"].with_name("e2e-phases.png"), toon, force=True))
    if identity:
        timed("reconstruction render (for identity)", lambda: face.reconstruction)
        timed("identity (dlib, 3 faces)", lambda: face_report(face, True))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True, help="folder for the checkpoints (hundreds of MB each)")
    ap.add_argument("--resolutions", default="256,1024")
    ap.add_argument("--repeats", type=int, default=1, help="command runs per resolution")
    ap.add_argument("--phases", action="store_true", help="also time each phase in-process")
    ap.add_argument("extra", nargs="*", help="after --: more toonify options, e.g. --steps 10 --no-identity")
    args = ap.parse_args()
    print(f"CPU: {os.cpu_count()} cores; goal: <= 15 s at 256 px, <= 60 s at 1024 px, wall clock of the command")
    w, c = startup_seconds()
    print(f"start-up alone (python -c 'import toonmoji.cli, torch'): {w:.2f} s wall, {c:.2f} s CPU")
    for res in (int(r) for r in args.resolutions.split(",")):
        files = make_files(args.work, res)
        for _ in range(args.repeats):
            wall, cpu, report = run_command(files, args.extra)
            ident = report["faces"][0].get("identity")
            print(f"{res:>5} px  steps {report['steps']:>3}  identity {'on ' if ident else 'off'}  "
                  f"wall {wall:6.2f} s  CPU {cpu:6.2f} s  goal {'met' if wall <= (15 if res <= 256 else 60) else 'NOT met'}",
                  flush=True)
        if args.phases:
            steps = int(args.extra[args.extra.index("--steps") + 1]) if "--steps" in args.extra else None
            for name, pw, pc in phases(files, steps, "--no-identity" not in args.extra):
                print(f"        {name:<52} {pw:6.2f} s wall {pc:6.2f} s CPU", flush=True)


if __name__ == "__main__":
    main()
