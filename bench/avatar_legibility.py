"""Can the packaged emotion classifier read the avatar's expressions?

Avatars (fitted to the sample and the real photos, plus random attribute draws) are rendered in
the seven FER2013 emotions at full intensity, composited on white, cut out the way live
classification cuts faces (a square around the face box, grey) and classified by
`EmotionClassifier.default()`. Prints the confusion matrix (rows: drawn, columns: read) as
Markdown and each emotion's recall. The drawings are what is tuned, never the classifier.

    PYTHONPATH=src python bench/avatar_legibility.py [--random 20] [--min-width 60] [--model mini-xception]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from avatar_faces import real_faces
from toonmoji.avatar import Attributes, Avatar
from toonmoji.avatar.fitting import fit_avatar
from toonmoji.avatar.model import CHOICES, RANGES
from toonmoji.emotion import EMOTIONS, EmotionClassifier
from toonmoji.emotion.crop import crop_face

SIZE = 256
FACE_BOX = (20.0, 26.0, 80.0, 86.0)  # the box OpenCV's Haar cascade returns on the avatars it finds


def random_avatar(rng: np.random.Generator) -> Avatar:
    attrs = Attributes()
    av = Avatar(attrs)
    sets = []
    for key, (lo, hi) in RANGES.items():
        if key == "face.roll":
            continue
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        sets.append(f"{key}={mid + rng.uniform(-0.6, 0.6) * half:.3f}")
    for key, options in CHOICES.items():
        sets.append(f"{key}={options[rng.integers(len(options))]}")
    skin = rng.choice(["#f6d7c3", "#e8b894", "#c68863", "#8d5a3b", "#5a3825", "#3b2219"])
    hair = rng.choice(["#1c1410", "#3b2a20", "#6b4a2b", "#b58a4c", "#d9c27a", "#a33d1f", "#9a9a9a"])
    sets += [f"skin={skin}", f"hair.color={hair}", f"brows.color={hair}"]
    return av.with_set(*sets)


def face_crop(rgba: np.ndarray) -> np.ndarray:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    grey = (rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    grey = (grey * a + 255.0 * (1 - a))[..., 0].astype(np.uint8)
    box = tuple(v * SIZE / 100.0 for v in FACE_BOX)
    return crop_face(grey, box, margin=0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=20, help="random attribute draws")
    parser.add_argument("--min-width", type=float, default=36.0, help="smallest real face fitted, px")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="emotion model by name or path (default: the packaged default)")
    args = parser.parse_args()

    avatars = [(name, fit_avatar(photo, face)) for name, photo, face in real_faces(args.min_width)]
    rng = np.random.default_rng(args.seed)
    avatars += [(f"random{i}", random_avatar(rng)) for i in range(args.random)]
    clf = EmotionClassifier.load(args.model)
    confusion = np.zeros((7, 7), int)
    for _, av in avatars:
        crops = [face_crop(av.render(e, 1.0, SIZE)) for e in EMOTIONS]
        pred = clf.predict(crops).argmax(axis=1)
        for i, p in enumerate(pred):
            confusion[i, p] += 1
    n = len(avatars)
    print(f"{n} avatars ({n - args.random} fitted to real faces, {args.random} random), 7 emotions each, "
          f"intensity 1.0; rows: drawn, columns: read by {args.model or 'EmotionClassifier.default()'}\n")
    print("| drawn \\ read | " + " | ".join(EMOTIONS) + " | recall |")
    print("|---" * 9 + "|")
    for i, e in enumerate(EMOTIONS):
        print(f"| {e} | " + " | ".join(str(v) for v in confusion[i]) + f" | {confusion[i, i] / n:.0%} |")
    print(f"\noverall: {np.trace(confusion) / confusion.sum():.0%} read as drawn")


if __name__ == "__main__":
    main()
