"""Do the avatar's attributes hold when the same faces are smaller or more compressed?

The labelled development set (../shared/data/faces-attributes) mixes 30-50 px faces in group
photos with 100-600 px portraits. Real photos we have not seen have faces of every size, so this
bench takes every labelled face at least `--min-face` px wide, shrinks its whole photo (OpenCV
INTER_AREA, as a phone's thumbnailer would) until the face is `--sizes` px wide, optionally
re-encodes it as JPEG at `--jpeg` quality, detects faces again (`auto`; the face that overlaps
the shrunk label box most) and fits the avatar. It prints, per size, the agreement with the
labels of the attributes `bench/avatar_attributes.py` scores, and the two errors a user minds
most: glasses drawn on a face without them (and how many of those are sure, confidence 0.6 or
more, rather than offered as a question with `none` one click away), and a beard or stubble on a
clean-shaven face.

Nothing here is tuned on: it is a check that a cue does not lean on the portraits' resolution.

    PYTHONPATH=src python bench/avatar_attributes_scaled.py [--sizes 40 56 80] [--jpeg 70]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from avatar_attributes import ATTRS, DATA, _iou, fitted_values, label_value, labelled_faces, percent
from toonmoji.avatar.fitting import fit_avatar
from toonmoji.avatar.model import DOUBTFUL
from toonmoji.errors import InputError
from toonmoji.faces import detect_faces


def shrunk(photo: np.ndarray, factor: float, jpeg: int | None) -> np.ndarray:
    """`photo` scaled by `factor` (< 1), re-encoded as JPEG at quality `jpeg` if given."""
    h, w = photo.shape[:2]
    small = cv2.resize(photo, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    if jpeg is None:
        return small
    ok, data = cv2.imencode(".jpg", small[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].copy() if ok else small


def fitted(photo: np.ndarray, face) -> dict:
    """The fitted classes, and the glasses answer's confidence (under `DOUBTFUL` the UI asks)."""
    attrs = fit_avatar(photo, face).attributes
    return fitted_values(attrs) | {"glasses_score": attrs.confidence["glasses.style"].score}


def fit_scaled(entry: dict, photo: np.ndarray, width: float, size: int, jpeg: int | None) -> dict | None:
    """The fitted attribute classes of the labelled face shrunk to `size` px wide, None if the
    detector no longer finds it or the fit refuses it (too small, turned away)."""
    factor = size / width
    small = shrunk(photo, factor, jpeg)
    box = [v * factor for v in entry["box"]]
    faces = detect_faces(small)
    best = max(faces, key=lambda f: _iou(f.box, box), default=None)
    if best is None or _iou(best.box, box) <= 0.25:
        return None
    try:
        return fitted(small, best)
    except InputError:
        return None


def print_changes(by_size: dict) -> None:
    """Each face and attribute whose fitted class differs from the full-size fit's: label, full
    size, then every smaller size's class."""
    sizes = list(by_size)
    print()
    for i, (entry, full) in enumerate(by_size["full"]):
        for attr in ATTRS:
            seen = [by_size[s][i][1][attr] if by_size[s][i][1] else "-" for s in sizes]
            if len(set(seen)) > 1:
                name = Path(entry["file"]).stem.split("__")[-1][:20]
                print(f"{name} {entry['box']} {attr}: label {label_value(entry, attr)}; "
                      + ", ".join(f"{s}: {v}" for s, v in zip(sizes, seen)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 56, 80], help="face widths to shrink to (px)")
    parser.add_argument("--min-face", type=int, default=96, help="labelled faces at least this wide are used")
    parser.add_argument("--jpeg", type=int, default=None, help="re-encode the shrunk photo as JPEG at this quality")
    parser.add_argument("--verbose", action="store_true", help="print each face whose classes change with its size")
    args = parser.parse_args()
    if not (DATA / "labels.json").is_file():
        sys.exit(f"no labelled set at {DATA}")

    start = time.perf_counter()
    faces = [(entry, photo, face) for entry, photo, face in labelled_faces()
             if face is not None and face.width >= args.min_face]
    print(f"{len(faces)} labelled faces at least {args.min_face} px wide"
          + (f"; JPEG quality {args.jpeg}" if args.jpeg else ""))
    sizes = ["full"] + sorted(args.sizes, reverse=True)
    by_size: dict = {}
    print("\n| face width | found | " + " | ".join(ATTRS) + " | glasses on bare faces (sure) | beard on clean-shaven |")
    print("|---|---|" + "---|" * len(ATTRS) + "---|---|")
    for size in sizes:
        fits = []
        for entry, photo, face in faces:
            if size == "full":
                fit = fitted(photo, face)
            else:
                fit = fit_scaled(entry, photo, face.width, size, args.jpeg)
            fits.append((entry, fit))
        by_size[size] = fits
        found = [(e, f) for e, f in fits if f is not None]
        cells = []
        for attr in ATTRS:
            pairs = [(label_value(e, attr), f[attr]) for e, f in found if label_value(e, attr) != "unsure"]
            cells.append(percent(sum(a == b for a, b in pairs), len(pairs)))
        bare = [f for e, f in found if e["glasses"] is False]
        shaven = [f for e, f in found if e["facial_hair"] == "none"]
        print(f"| {size} px | {len(found)}/{len(fits)} | " + " | ".join(cells)
              + f" | {sum(f['glasses'] for f in bare)}/{len(bare)}"
              + f" ({sum(f['glasses'] and f['glasses_score'] >= DOUBTFUL for f in bare)})"
              + f" | {sum(f['facial_hair'] != 'none' for f in shaven)}/{len(shaven)} |")
    if args.verbose:
        print_changes(by_size)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
