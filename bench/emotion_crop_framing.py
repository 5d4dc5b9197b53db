"""Does our face crop frame a face the way FER2013 does? And do labels hold under box jitter?

1. Framing: dlib's 68 landmarks located on FER2013 faces (upscaled 4x) and on our crops of real
   faces (/work/shared/data/faces photos and the sample portrait, Haar boxes as the photo and live
   pipelines use, `crop_face` with its default margin; CenterFace `auto` boxes, the default, too). Prints where brows, eyes, mouth and chin
   sit as a share of the crop side, for both, and the difference.
   Every detector is measured at the old 10% margin and at its fitted `framing()`.
2. Picture: `docs/emotion_crops.png`, FER2013 faces (top) beside our crops (bottom), 48x48 each.
3. Jitter: each real face (auto boxes) re-cropped with its box shifted by up to +-10% of its side and scaled by
   0.9-1.1 (20 draws per face); prints how often the top label differs from the unjittered crop's,
   per packaged model (and any `--model`).

    python bench/emotion_crop_framing.py [--data ../shared/data] [--picture docs/emotion_crops.png] [--model run/best.pt]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from toonmoji.emotion.classifier import EmotionClassifier
from toonmoji.emotion.crop import MARGIN, crop_face, framing, jittered_boxes, square_box
from toonmoji.emotion.fer2013 import read_fer2013
from toonmoji.emotion.packaged import shipped_models
from toonmoji.emotion.recognize import haar_detector
from toonmoji.faces.detect import DlibDetector, landmarks_68, make_detector
from toonmoji.samples import sample_portrait

PARTS = {"brows": slice(17, 27), "eyes": slice(36, 48), "mouth": slice(48, 68), "chin": slice(8, 9)}


def geometry(landmarks: np.ndarray, side: float) -> dict[str, float]:
    """Heights of the face parts and the eye span as shares of the crop side (crop coords)."""
    g = {name: float(landmarks[s, 1].mean() / side) for name, s in PARTS.items()}
    g["eye span"] = float((landmarks[45, 0] - landmarks[36, 0]) / side)
    g["centre x"] = float(landmarks[27:36, 0].mean() / side)
    return g


def fer_geometry(images: np.ndarray, limit: int = 600) -> tuple[list[dict[str, float]], int]:
    """Landmarks on FER2013 faces, found by dlib on a 4x upscale with a border around it."""
    det = DlibDetector(min_confidence=0.0, upsample=0)
    out, tried = [], 0
    for img in images[:limit]:
        tried += 1
        big = cv2.resize(img, (192, 192), interpolation=cv2.INTER_CUBIC)
        big = cv2.copyMakeBorder(big, 48, 48, 48, 48, cv2.BORDER_REPLICATE)
        faces = det.detect(cv2.cvtColor(big, cv2.COLOR_GRAY2RGB))
        if faces:
            out.append(geometry((faces[0].landmarks - 48) / 4.0, 48))
    return out, tried


def real_faces(photos: list[Path], detector: str = "haar") -> list[tuple[np.ndarray, tuple[float, float, float, float]]]:
    """(RGB image, box) for every face the photo pipeline's detector (auto, haar or dlib) finds."""
    if detector == "auto":
        det = make_detector("auto", landmarks="none")
    else:
        det = haar_detector(detect_width=1280, min_face=24) if detector == "haar" else DlibDetector()
    found = []
    for image in [sample_portrait(), *(cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in photos)]:
        found += [(image, f.box) for f in det.detect(image)]
    return found


def our_geometry(faces, margin: float = MARGIN, shift: float = 0.0) -> list[dict[str, float]]:
    out = []
    for image, box in faces:
        x0, y0, x1, _ = square_box(box, margin, shift)
        out.append(geometry(landmarks_68(image, box) - (x0, y0), x1 - x0))
    return out


def fitted_margin(ours: dict[str, float], fer: dict[str, float], margin: float) -> tuple[float, float]:
    """(margin, vertical shift as a share of the box) that would give our crops FER2013's scale
    (eye span and eye-to-mouth distance) and put the eye-mouth midpoint where FER2013 has it."""
    scale = np.mean([ours["eye span"] / fer["eye span"],
                     (ours["mouth"] - ours["eyes"]) / (fer["mouth"] - fer["eyes"])])
    side = (1 + 2 * margin) * scale  # new crop side in box sides
    ours_mid = 0.5 + ((ours["eyes"] + ours["mouth"]) / 2 - 0.5) / scale
    shift = ((fer["eyes"] + fer["mouth"]) / 2 - ours_mid) * side
    return float((side - 1) / 2), float(-shift)


def summary(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.median([r[k] for r in rows])) for k in rows[0]}


def jitter_flips(classifier: EmotionClassifier, faces, draws: int = 20, seed: int = 0,
                 margin: float = MARGIN, shift: float = 0.0, confident: float = 0.6) -> dict[str, tuple[int, int]]:
    """Jittered crops whose top label differs from the unjittered crop's (boxes framed by `margin`
    and `shift`, as the detector that found them is): {group: (flips, crops)} for all faces, for
    faces whose unjittered top probability is at least `confident` and below it, and for faces at
    least 80 px wide and smaller."""
    rng = np.random.default_rng(seed)
    counts = {k: [0, 0] for k in ("all", f"top >= {confident}", f"top < {confident}", ">= 80 px", "< 80 px")}
    for image, (x0, y0, x1, y1) in faces:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        probs = classifier.predict([crop_face(grey, (x0, y0, x1, y1), margin, shift)])[0]
        base = int(np.argmax(probs))
        crops = [crop_face(grey, b, margin, shift) for b in jittered_boxes((x0, y0, x1, y1), draws, rng)]
        flips = int((np.argmax(classifier.predict(crops), axis=1) != base).sum())
        groups = ("all", f"top >= {confident}" if probs[base] >= confident else f"top < {confident}",
                  ">= 80 px" if x1 - x0 >= 80 else "< 80 px")
        for g in groups:
            counts[g][0] += flips
            counts[g][1] += draws
    return {k: (f, n) for k, (f, n) in counts.items()}


def picture(fer: np.ndarray, ours: list[np.ndarray], path: Path, cell: int = 96) -> None:
    """Two rows of 48x48 faces shown at `cell` px: FER2013 on top, our crops below."""
    n = min(len(ours), 8)
    rows = [np.hstack([cv2.resize(f, (cell, cell), interpolation=cv2.INTER_NEAREST) for f in fer[:n]]),
            np.hstack([cv2.resize(cv2.resize(c, (48, 48), interpolation=cv2.INTER_AREA), (cell, cell),
                                  interpolation=cv2.INTER_NEAREST) for c in ours[:n]])]
    band = np.full((22, n * cell), 255, np.uint8)
    top, bottom = band.copy(), band.copy()
    cv2.putText(top, "FER2013 (48x48)", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1, cv2.LINE_AA)
    cv2.putText(bottom, "our crops of real faces, as fed to the model (48x48)", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1, cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack([top, rows[0], bottom, rows[1]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--picture", type=Path, default=None)
    parser.add_argument("--fer-faces", type=int, default=600)
    parser.add_argument("--model", action="append", default=[], help="Also jitter-test this .pt/.onnx (repeatable).")
    args = parser.parse_args()
    fer = read_fer2013(args.data / "fer2013" / "fer2013.csv.gz")
    public, _ = fer.split("PublicTest")
    fer_rows, tried = fer_geometry(public, args.fer_faces)
    photos = sorted((args.data / "faces").glob("*.jpg"))
    a = summary(fer_rows)
    print(f"framing (median share of the crop side): FER2013 {len(fer_rows)}/{tried} faces with landmarks")
    for detector in ("auto", "haar", "dlib"):
        found = real_faces(photos, detector)
        for margin, shift in ((0.1, 0.0), framing(detector)):
            b = summary(our_geometry(found, margin, shift))
            print(f"\n{detector} boxes, margin {margin}, shift {shift}: {len(found)} real faces")
            print(f"{'part':10} {'FER2013':>8} {'ours':>8} {'ours-FER':>9}")
            for k in a:
                print(f"{k:10} {a[k]:8.3f} {b[k]:8.3f} {b[k] - a[k]:+9.3f}")
            m, extra = fitted_margin(b, a, margin)
            print(f"best fit: margin {m:+.3f}, box shifted down by {shift + extra:+.3f} of its height")
    faces = real_faces(photos, "auto")  # the default detector of photos and live video
    if args.picture:
        grey = [crop_face(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), box, *framing("auto")) for img, box in faces]
        order = np.random.default_rng(0).permutation(len(public))
        picture(public[order], [grey[i] for i in np.linspace(0, len(grey) - 1, 8).astype(int)], args.picture)
        print(f"wrote {args.picture}")
    for name in [*shipped_models(), *args.model]:
        clf = EmotionClassifier.load(name)
        counts = jitter_flips(clf, faces, margin=framing("auto")[0], shift=framing("auto")[1])
        print(f"{name:14} label flips under +-10% shift/scale jitter ({len(faces)} faces, 20 draws each):")
        for group, (flips, n) in counts.items():
            print(f"  {group:10} {flips / max(1, n):6.1%} of {n} crops")


if __name__ == "__main__":
    main()
