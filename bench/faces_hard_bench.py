"""Detectors on real faces made hard the way webcam users make them: a tilted head, a small face
far from the camera, the lower half covered.

Every hand-labelled face at least 40 px wide in ../shared/data/faces (`--data`) is cut out with
its surroundings (a square 3 face widths wide) and put alone into a 640x480 grey scene three
ways: turned by +-35 degrees (face about 110 px), shrunk to a 40 px face, and with a flat
coloured patch (a mug, a hand) over everything from the nose tip down (face about 110 px).
A face counts as found when a detection's centre lies within half a face width of the face's
centre and its width is within a factor of 1.6 of the face's. Prints the share found by each
detector; the baseline is dlib's HOG detector.

Run: python bench/faces_hard_bench.py [--data DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faces_bench import DATA, labelled_boxes
from toonmoji.faces import make_detector
from toonmoji.imageio import read_image

SCENE = (480, 640)  # height, width
Scene = tuple[np.ndarray, np.ndarray, float]  # image, face centre, face width


def cut_out(photo: np.ndarray, box: tuple[float, float, float, float]) -> tuple[np.ndarray, float]:
    """A square around the face, 3 face widths wide (grey where it leaves the photo), and the
    face width in it."""
    x0, y0, x1, y1 = box
    w = x1 - x0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = 1.5 * w
    m = np.array([[1.0, 0.0, half - cx], [0.0, 1.0, half - cy]])
    side = round(2 * half)
    return cv2.warpAffine(photo, m, (side, side), borderValue=(128, 128, 128)), w


def place(patch: np.ndarray, face_w: float, target_w: float, angle: float = 0.0) -> Scene:
    """The patch scaled so the face is `target_w` px wide, turned by `angle` degrees about the
    face centre, in the middle of a grey 640x480 scene."""
    h, w = SCENE
    k = target_w / face_w
    c = np.array([patch.shape[1] / 2, patch.shape[0] / 2])
    m = cv2.getRotationMatrix2D((float(c[0]), float(c[1])), angle, k)
    m[:, 2] += np.array([w / 2, h / 2]) - c
    scene = cv2.warpAffine(patch, m, (w, h), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR, borderValue=(128, 128, 128))
    return scene, np.array([w / 2, h / 2]), target_w


def covered(scene: Scene) -> Scene:
    """The lower face (from just under the box centre, the nose tip, to below the chin) behind a
    flat red patch a little wider than the face."""
    image, (cx, cy), fw = scene
    out = image.copy()
    out[int(cy + 0.1 * fw) : int(cy + 0.75 * fw), int(cx - 0.65 * fw) : int(cx + 0.65 * fw)] = (200, 60, 40)
    return out, np.array([cx, cy]), fw


def found(detections: list, centre: np.ndarray, width: float) -> bool:
    for d in detections:
        x0, y0, x1, y1 = d.box
        dc = np.hypot((x0 + x1) / 2 - centre[0], (y0 + y1) / 2 - centre[1])
        ratio = (x1 - x0) / width
        if dc <= 0.5 * width and 1 / 1.6 <= ratio <= 1.6:
            return True
    return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    if not args.data.is_dir():
        sys.exit(f"error: no real photos at {args.data} (see ../shared/data/README.md)")
    cases: dict[str, list[Scene]] = {"tilted 35 degrees": [], "40 px face in 640x480": [], "lower half covered": []}
    for file, boxes in labelled_boxes(args.data).items():
        photo = read_image(args.data / file)
        for box in boxes:
            if box[2] - box[0] < 40:
                continue
            patch, fw = cut_out(photo, box)
            cases["tilted 35 degrees"] += [place(patch, fw, 110.0, 35.0), place(patch, fw, 110.0, -35.0)]
            cases["40 px face in 640x480"].append(place(patch, fw, 40.0))
            cases["lower half covered"].append(covered(place(patch, fw, 110.0)))
    detectors = {name: make_detector(name) for name in ("auto", "dlib", "haar")}
    print(f"faces found, of those made hard from the labelled faces >= 40 px in {args.data}; baseline: dlib HOG\n")
    print("| case | scenes | " + " | ".join(detectors) + " |")
    print("|---|---|" + "---|" * len(detectors))
    for case, scenes in cases.items():
        counts = [sum(found(det.detect(img), c, w) for img, c, w in scenes) for det in detectors.values()]
        print(f"| {case} | {len(scenes)} | " + " | ".join(f"{n} ({n / len(scenes):.0%})" for n in counts) + " |")


if __name__ == "__main__":
    main()
