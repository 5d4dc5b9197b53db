"""Is the avatar drawn in the person's skin tone? Baseline (the skin drawn before: `cues.skin_lab`,
the median CIELAB of the cheek/forehead patches after the white-balance cue, dropping the darkest
25 % and the brightest 8 %) against the drawn tone now (`skin.skin_tone_lab`), in one run.

(a) Fidelity: CIEDE2000 between the drawn skin and a reference read by a separate route: dlib's
own 68-point predictor on the labelled box (not the mesh landmarks the fit uses), the whole upper
face (jaw outline up to a band above the brows, above the nose tip, eyes, brows, nose and mouth cut
out, in the original photo, no white balance), and of those pixels the lit half below the sheen
(CIELAB lightness between its 50th and 92nd percentiles), their median; and, as a check of how
much the answer hangs on what "lit" means, the 70th to 95th percentiles. Printed for the colour
in the avatar file and for the drawn head (the median colour of the rendered head, gradient and
blush included).

(b) Consistency: on the people photographed more than once (the 4 actors of bald_guys.jpg, 6 photos
each, grouped by dlib's face recognition network as bench/avatar_identity.py does; the two
kit_harington and the two clapton photos), the mean CIEDE2000 between two drawn skins of one person
against two different people; and whether darker people stay darker (per-person mean L*, Barack
Obama in two_people.jpg against Joe Biden beside him, the spread of L* over all faces).

    PYTHONPATH=src python bench/avatar_skin.py [--cache /tmp/skin_faces.pkl]

`--cache` keeps the detected faces and identities (pickle) so a rerun skips detection.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000

sys.path.insert(0, str(Path(__file__).resolve().parent))

from avatar_identity import DATA, dlib_identities, labelled_faces, person
from toonmoji.avatar import cues
from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import hex_of, lab_of, rgb_of, rgb_of_lab, white_balance_gains
from toonmoji.avatar.model import Attributes
from toonmoji.avatar.raster import render_shapes
from toonmoji.avatar.scene import build_scene
from toonmoji.avatar.skin import exposure_gain, skin_tone_lab
from toonmoji.faces.detect import landmarks_68
from toonmoji.imageio import read_image

GROUPS = ("2007_007763", "2008_001009", "2008_004176", "2008_007676")  # the group photos of issue #24


def reference_pixels(photo: np.ndarray, box) -> np.ndarray:
    """`(N, 3)` CIELAB of the upper face's bare skin (see the module docstring)."""
    lm = landmarks_68(photo, tuple(float(v) for v in box))
    w = float(np.linalg.norm(lm[16] - lm[0]))
    up = (lm[19] + lm[24]) / 2 - lm[8]
    up /= np.linalg.norm(up)
    outline = np.vstack([lm[0:17], (lm[17:27] + up * 0.22 * w)[::-1]]).astype(np.float32)
    face = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(face, [np.round(cv2.convexHull(outline)).astype(np.int32)], 1)
    cut = np.zeros_like(face)
    t = max(2, round(0.08 * w))
    for part in (lm[36:42], lm[42:48], lm[48:60], lm[[31, 32, 33, 34, 35, 30]]):
        cv2.fillPoly(cut, [np.round(part).astype(np.int32)], 1)
        cv2.polylines(cut, [np.round(part).astype(np.int32)], True, 1, t)
    for part in (lm[17:22], lm[22:27], lm[27:31]):
        cv2.polylines(cut, [np.round(part).astype(np.int32)], False, 1, t)
    ys, xs = np.mgrid[: photo.shape[0], : photo.shape[1]]
    above_tip = (xs - lm[33, 0]) * up[0] + (ys - lm[33, 1]) * up[1] > 0  # the lower face may be beard
    return lab_of(photo[(face > 0) & (cut == 0) & above_tip].astype(np.float64))


def band_median(lab: np.ndarray, low: float, high: float) -> np.ndarray:
    """Median CIELAB of the pixels between the `low` and `high` percentiles of lightness."""
    lo, hi = np.percentile(lab[:, 0], [low, high])
    return np.median(lab[(lab[:, 0] >= lo) & (lab[:, 0] <= hi)], axis=0)


def drawn_head_lab(skin_hex: str) -> np.ndarray:
    """Median CIELAB of the rendered head (its gradient and the blush) of an avatar in `skin_hex`."""
    attrs = Attributes()
    attrs.skin = skin_hex
    shapes = [s for s in build_scene(attrs) if s.name in ("head", "blush")]
    rgba = render_shapes(shapes, 128)
    return lab_of(np.median(rgba[rgba[..., 3] == 255][:, :3].astype(np.float64), axis=0)[None])[0]


def de(a: np.ndarray, b: np.ndarray) -> float:
    return float(deltaE_ciede2000(np.asarray(a, np.float64), np.asarray(b, np.float64)))


def as_drawn(lab: np.ndarray) -> np.ndarray:
    """The CIELAB of the '#rrggbb' the avatar file keeps."""
    return lab_of(rgb_of(hex_of(rgb_of_lab(np.asarray(lab)[None])[0]))[None])[0]


def load(cache: Path | None):
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    faces = list(labelled_faces())
    who = {i: p for i, (label, _, _) in enumerate(faces) if (p := person(label))}
    who.update(dlib_identities(faces))
    kept = ([(label, face) for label, _, face in faces], who)
    if cache is not None:
        cache.write_bytes(pickle.dumps(kept))
    return kept


def fidelity(name: str, drawn: list[np.ndarray], refs: list[np.ndarray], files: list[str]) -> None:
    d = np.array([de(a, b) for a, b in zip(drawn, refs)])
    grp = np.array([any(g in f for g in GROUPS) for f in files])
    heads = np.array([de(drawn_head_lab(hex_of(rgb_of_lab(a[None])[0])), b) for a, b in zip(drawn, refs)])
    dl = np.array([a[0] - b[0] for a, b in zip(drawn, refs)])
    print(f"| {name} | {np.median(d):.1f} | {d.mean():.1f} | {np.percentile(d, 90):.1f} | {np.mean(d > 5):.0%} | "
          f"{np.median(d[grp]):.1f} | {np.median(heads):.1f} | {np.median(dl):+.1f} |")


def consistency(name: str, drawn: dict[int, np.ndarray], who: dict[int, str]) -> tuple[float, float]:
    ids = sorted(who)
    within, between = [], []
    for k, i in enumerate(ids):
        for j in ids[k + 1 :]:
            (within if who[i] == who[j] else between).append(de(drawn[i], drawn[j]))
    w, b = float(np.mean(within)), float(np.mean(between))
    people = sorted(set(who.values()))
    mean_l = " / ".join(f"{np.mean([drawn[i][0] for i in ids if who[i] == p]):.0f}" for p in people)
    spread = " / ".join(f"{np.std([drawn[i][0] for i in ids if who[i] == p]):.1f}" for p in people)
    print(f"| {name} | {w:.1f} | {b:.1f} | {w / b:.2f} | {mean_l} | {spread} |")
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="pickle of the detected faces and identities (made if absent)")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no labelled faces at {DATA}")
    faces, who = load(args.cache)
    base, new, refs, lit_refs, files = {}, {}, [], [], []
    photos: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
    for i, (label, face) in enumerate(faces):
        if label["file"] not in photos:
            photos.clear()
            photo = read_image(DATA / label["file"])
            photos[label["file"]] = (photo, white_balance_gains(photo), exposure_gain(photo))
        photo, gains, exposure = photos[label["file"]]
        c = Canonical.from_photo(photo, face.landmarks)
        base[i] = as_drawn(cues.skin_lab(c, gains))
        new[i] = as_drawn(skin_tone_lab(c, cues.skin_patches(c), gains, exposure))
        skin_px = reference_pixels(photo, label["box"])
        refs.append(band_median(skin_px, 50, 92))
        lit_refs.append(band_median(skin_px, 70, 95))
        files.append(label["file"])
    order = sorted(base)
    print(f"{len(faces)} labelled faces; {sum(any(g in f for g in GROUPS) for f in files)} in the group photos "
          f"{', '.join(GROUPS)}\n")
    print("(a) CIEDE2000, drawn skin vs the photo's lit skin (reference route above)\n")
    print("| skin | median | mean | 90th pct | share > 5 | median, group photos | median, drawn head | "
          "median L* drawn - photo |\n|---|---|---|---|---|---|---|---|")
    fidelity("baseline (cues.skin_lab)", [base[i] for i in order], refs, files)
    fidelity("lit skin (skin.skin_tone_lab)", [new[i] for i in order], refs, files)
    fidelity("reference itself, as drawn", [as_drawn(r) for r in refs], refs, files)
    print("\nthe same against a reference of the brighter lit skin (its lightness percentiles 70-95, "
          "below the glare):\n\n|skin | median | mean | 90th pct | share > 5 | median, group photos | "
          "median, drawn head | median L* drawn - photo |\n|---|---|---|---|---|---|---|---|")
    fidelity("baseline (cues.skin_lab)", [base[i] for i in order], lit_refs, files)
    fidelity("lit skin (skin.skin_tone_lab)", [new[i] for i in order], lit_refs, files)
    people = sorted(set(who.values()))
    print(f"\n(b) CIEDE2000 between two drawn skins of the repeated people ({len(who)} faces); "
          f"per person ({', '.join(people)}) mean and spread of L*\n")
    print("| skin | within a person | between people | ratio (lower: more consistent) | mean L* | "
          "std L* |\n|---|---|---|---|---|---|")
    consistency("baseline (cues.skin_lab)", base, who)
    consistency("lit skin (skin.skin_tone_lab)", new, who)
    consistency("reference (photo's lit skin)", dict(zip(order, refs)), who)
    obama = [i for i, f in enumerate(files) if "two_people" in f]
    print("\ndarker people stay darker: L* of two_people.jpg's faces (Obama, Biden): "
          f"baseline {' / '.join(f'{base[i][0]:.0f}' for i in obama)}, "
          f"now {' / '.join(f'{new[i][0]:.0f}' for i in obama)}, "
          f"photo {' / '.join(f'{refs[i][0]:.0f}' for i in obama)}; "
          f"std of L* over all {len(order)} faces: baseline {np.std([base[i][0] for i in order]):.1f}, "
          f"now {np.std([new[i][0] for i in order]):.1f}, photo {np.std([r[0] for r in refs]):.1f}")


if __name__ == "__main__":
    main()
