"""The average face the avatar's caricature moves away from: medians and robust spreads of the
mesh proportions (`toonmoji.avatar.features.mesh_measures`, turned to face the camera with the
mesh's depth) over the real photos.

Faces are found with the `auto` detector (478-point mesh) in ../shared/data/faces/*.jpg and
../shared/data/faces-attributes/images/*.jpg; faces under `--min-width` px are skipped. Prints
the constants `features.MESH_AVERAGES` / `MESH_SPREADS` hold (spread: 1.4826 x the median
absolute deviation, a standard deviation that a few odd faces cannot inflate).

`--ears` prints instead the ears' readings (`toonmoji.avatar.ears.ear_measures`) over the same
faces where the fitting reads them (an ear shows, the fitted hair style does not cover the
ears): the constants `ears.EAR_AVERAGES` / `EAR_SPREADS`.

    PYTHONPATH=src python bench/avatar_face_averages.py [--min-width 40] [--ears]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from toonmoji.avatar.features import Upright, mesh_measures
from toonmoji.faces import detect_faces
from toonmoji.imageio import read_image

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def mesh_faces(min_width: float, ears: bool = False) -> list[tuple[str, dict[str, float]]]:
    out = []
    photos = sorted((DATA / "faces").glob("*.jpg")) + sorted((DATA / "faces-attributes" / "images").glob("*.jpg"))
    for path in photos:
        image = read_image(path)
        for i, face in enumerate(detect_faces(image)):
            if face.mesh is None or face.width < min_width:
                continue
            found = ear_reading(image, face) if ears else mesh_measures(
                face.mesh, Upright.from_landmarks(face.landmarks), face.depth)
            if found is not None:
                out.append((f"{path.stem}#{i}", found))
    return out


def ear_reading(image, face) -> dict[str, float] | None:
    """`ears.ear_measures` as the fitting takes it (white-balanced skin, the person matte; None
    under a hair style that covers the ears)."""
    from toonmoji.avatar import cues
    from toonmoji.avatar.canonical import Canonical
    from toonmoji.avatar.colour import white_balance_gains
    from toonmoji.avatar.draw_hair import ears_hidden
    from toonmoji.avatar.ears import ear_measures
    from toonmoji.avatar.fitting import fit_attributes
    from toonmoji.avatar.surroundings import person_mask

    if ears_hidden(fit_attributes(image, face)):
        return None
    c = Canonical.from_photo(image, face.landmarks)
    gains = white_balance_gains(image)
    return ear_measures(c, cues.skin_lab(c, gains), person_mask(c), gains)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-width", type=float, default=40.0)
    parser.add_argument("--ears", action="store_true", help="the ears' readings instead of the mesh's")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no real photos at {DATA}")
    faces = mesh_faces(args.min_width, args.ears)
    keys = list(faces[0][1])
    values = np.array([[m[k] for k in keys] for _, m in faces])
    median = np.median(values, axis=0)
    spread = 1.4826 * np.median(np.abs(values - median), axis=0)
    print(f"{len(faces)} faces >= {args.min_width:g} px with a mesh" + (" and an ear showing" if args.ears else "") + "\n")
    print("| measure | median | spread | min | max |\n|---|---|---|---|---|")
    for k, m, s, lo, hi in zip(keys, median, spread, values.min(0), values.max(0)):
        print(f"| {k} | {m:.4g} | {s:.3g} | {lo:.4g} | {hi:.4g} |")
    name = "EAR" if args.ears else "MESH"
    print(f"\n{name}_AVERAGES = {{" + ", ".join(f'"{k}": {m:.4g}' for k, m in zip(keys, median)) + "}")
    print(f"{name}_SPREADS = {{" + ", ".join(f'"{k}": {s:.3g}' for k, s in zip(keys, spread)) + "}")


if __name__ == "__main__":
    main()
