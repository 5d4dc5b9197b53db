"""How well the face signals follow a known truth, and how still they hold on a still face.

Sequences are made frame by frame from the sample portrait and, when present, the real photos in
../shared/data/faces (each face's head cropped to 256 px): the picture turned (roll), moved
(in-plane shift), turned in depth by a cylinder warp (yaw), one eye painted shut; and a still face
under camera-like noise (sigma 3 grey levels) for jitter, raw and after the One-Euro filters.
The pose solver itself is checked on the canonical face projected in known poses (its baseline:
what is lost is the mesh's, not the solver's). Errors in degrees and pixels.

    PYTHONPATH=src python3 bench/puppet_signals_bench.py [--faces 8]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from puppet_frames import REAL_FACES, eye_shut, head_crop, noisy, projected_mesh, rotated, turned
from toonmoji.faces.detect import AutoDetector
from toonmoji.faces.follow import MeshFollower
from toonmoji.faces.signals import SIGNAL_NAMES, SignalReader, raw_signals
from toonmoji.imageio import read_image
from toonmoji.samples import sample_portrait


def heads(limit: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, 256-px head crop, its mesh) for the portrait and up to `limit` real faces."""
    out = []
    sources = [("portrait", sample_portrait())] + [(p.name, read_image(p)) for p in sorted(REAL_FACES.glob("*.jpg"))]
    for name, image in sources:
        for i, face in enumerate(f for f in AutoDetector().detect(image) if f.width >= 80):
            out.append((f"{name}#{i}", *head_crop(image, face.mesh)))
            if len(out) > limit:
                return out
    return out


def follow(frames):
    follower = MeshFollower()
    out = []
    for f in frames:
        mesh = follower.find(f)
        out.append(None if mesh is None else raw_signals(mesh, f.shape[1], f.shape[0])[0])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=8, help="real faces besides the portrait")
    args = parser.parse_args()

    grid = np.arange(-40, 41, 10.0)
    worst = {axis: max(abs(getattr(raw_signals(projected_mesh(**{"yaw": 0.0, "pitch": 0.0, "roll": 0.0, axis: a}),
                                                           640, 480)[0], axis) - a) for a in grid)
             for axis in ("yaw", "pitch", "roll")}
    print("pose solver on the projected canonical face, -40..40 deg: worst error "
          + ", ".join(f"{k} {v:.3f} deg" for k, v in worst.items()))

    rows = []
    jitter_raw, jitter = [], []
    rng = np.random.default_rng(0)
    for name, crop, mesh in heads(args.faces):
        centre = tuple(mesh[:468].mean(axis=0))
        eyes = np.hypot(*(mesh[[362, 263]].mean(axis=0) - mesh[[33, 133]].mean(axis=0)))
        angles = np.arange(-30, 31, 10.0)
        rolls = follow([rotated(crop, a, centre) for a in angles])
        if any(s is None for s in rolls):
            print(f"{name}: the face was lost in a turned frame; skipped")
            continue
        r = np.array([s.roll for s in rolls])
        roll_err = np.abs(r - r[3] - angles)
        shifts = np.array([(-24, 12), (-12, -6), (0, 0), (12, 6), (24, -12)], float)
        moved = follow([rotated(crop, 0.0, centre, d) for d in shifts])
        xy = np.array([(s.x, s.y) for s in moved])
        shift_err = np.hypot(*(xy - xy[2] - shifts).T)
        yaws = [s.yaw for s in follow([turned(crop, a, float(mesh[1, 0]), 0.6 * float(np.ptp(mesh[:468, 0])))
                                       for a in (-30, -20, -10, 0, 10, 20, 30)]) if s is not None]
        monotonic = len(yaws) == 7 and all(b > a for a, b in itertools.pairwise(yaws))
        rest, shut = follow([crop, eye_shut(crop, mesh)])
        reader, follower, raw, filt = SignalReader(), MeshFollower(), [], []
        for i in range(30):
            m = follower.find(noisy(crop, rng))
            raw.append(raw_signals(m, 256, 256)[0].as_array())
            filt.append(reader.read(m, 256, 256, i / 30).as_array())
        jitter_raw.append(np.std(np.diff(raw[5:], axis=0), axis=0))
        jitter.append(np.std(np.diff(filt[5:], axis=0), axis=0))
        rows.append((name, eyes, roll_err.mean(), roll_err.max(), shift_err.max(), yaws, monotonic,
                     rest.eye_right, shut.eye_right, shut.eye_left))

    print(f"\n{'face':22s} {'eyes px':>7s} {'roll mean':>9s} {'roll max':>8s} {'shift max px':>12s} "
          f"{'yaw at -30..30 (cylinder warp)':>40s} {'mono':>4s} {'eye R rest->shut':>16s} {'eye L':>5s}")
    for name, eyes, rm, rx, sx, yaws, mono, er, es, el in rows:
        print(f"{name[:22]:22s} {eyes:7.1f} {rm:9.2f} {rx:8.2f} {sx:12.2f} {' '.join(f'{y:5.1f}' for y in yaws):>40s} "
              f"{'yes' if mono else 'NO':>4s} {er:7.2f} -> {es:5.2f} {el:5.2f}")
    print(f"all faces: roll error mean {np.mean([r[2] for r in rows]):.2f} deg, worst {max(r[3] for r in rows):.2f} deg; "
          f"shift worst {max(r[4] for r in rows):.2f} px; yaw monotonic on {sum(r[6] for r in rows)} of {len(rows)}; "
          f"a painted-shut eye reads {np.mean([r[8] / r[7] for r in rows]):.2f} of its open value (other eye "
          f"{np.mean([r[9] / r[7] for r in rows]):.2f})")
    print("\njitter on a still face (frame-to-frame std, noise sigma 3), median over faces")
    print(f"{'signal':12s} {'raw':>8s} {'filtered':>9s}")
    for name, a, b in zip(SIGNAL_NAMES, np.median(jitter_raw, axis=0), np.median(jitter, axis=0)):
        print(f"{name:12s} {a:8.4f} {b:9.4f}")


if __name__ == "__main__":
    main()
