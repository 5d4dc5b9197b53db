"""Face detectors on real photos, mesh-vs-dlib FFHQ alignment, and a contact sheet of emoji.

On the 11 photos with hand-labelled face boxes in ../shared/data/faces (dlib's imglab XML;
`--data` to point elsewhere), for every detector: recall and precision at IoU 0.5 and time per
image, the baseline being dlib's HOG detector. Then, on every face both `auto` and `dlib` find,
how far FFHQ alignment from the mesh's 68 points lands from alignment with dlib's 68 points:
the pixel distance, in the aligned 1024x1024 crop, of dlib's eye centres and mouth corners
mapped by each alignment. Finally the emoji of every face `auto` finds, on one sheet (--sheet).

Run: python bench/faces_bench.py [--data DIR] [--sheet faces_emoji_sheet.png]
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from toonmoji.emoji.make import make_emoji
from toonmoji.emoji.sheet import make_sheet
from toonmoji.faces import make_detector
from toonmoji.faces.align import ffhq_quad, quad_to_aligned_matrix, transform_points
from toonmoji.imageio import read_image, write_image

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"
Box = tuple[float, float, float, float]


def labelled_boxes(folder: Path) -> dict[str, list[Box]]:
    """{file name: [(x0, y0, x1, y1), ...]} from every imglab XML file in `folder`."""
    boxes: dict[str, list[Box]] = {}
    for xml in sorted(folder.glob("*.xml")):
        for image in ET.parse(xml).getroot().iter("image"):
            rows = boxes.setdefault(image.get("file", ""), [])
            for b in image.iter("box"):
                x, y, w, h = (float(b.get(k, 0)) for k in ("left", "top", "width", "height"))
                rows.append((x, y, x + w, y + h))
    return boxes


def iou(a: Box, b: Box) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def matches(found: list[Box], truth: list[Box], threshold: float = 0.5) -> int:
    """Found boxes matched one-to-one (greedy, best IoU first) to labelled boxes at IoU >= threshold."""
    pairs = sorted(((iou(f, t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth)), reverse=True)
    used_f, used_t = set(), set()
    for score, i, j in pairs:
        if score >= threshold and i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
    return len(used_f)


def score_detectors(images: dict[str, np.ndarray], truth: dict[str, list[Box]]) -> dict[str, tuple[float, float, float]]:
    """{detector: (recall, precision, seconds per image)}."""
    results = {}
    for name in ("auto", "dlib", "haar"):
        det = make_detector(name)
        det.detect(next(iter(images.values())))  # load models outside the timing
        tp = n_found = 0
        t0 = time.perf_counter()
        for file, image in images.items():
            found = [f.box for f in det.detect(image)]
            tp += matches(found, truth[file])
            n_found += len(found)
        seconds = (time.perf_counter() - t0) / len(images)
        n_true = sum(len(t) for t in truth.values())
        results[name] = (tp / n_true, tp / max(n_found, 1), seconds)
    return results


def alignment_offsets(images: list[np.ndarray], size: int = 1024) -> np.ndarray:
    """`(N, 4)` pixel distances in the aligned crop (left eye, right eye, left and right mouth
    corner) between mesh-based and dlib-based FFHQ alignment, for faces both detectors find."""
    auto, dlib = make_detector("auto"), make_detector("dlib")
    rows = []
    for image in images:
        meshed = auto.detect(image)
        for d in dlib.detect(image):
            a = max(meshed, key=lambda f: iou(f.box, d.box), default=None)
            if a is None or iou(a.box, d.box) < 0.4:
                continue
            lm = d.landmarks
            points = np.array([lm[36:42].mean(0), lm[42:48].mean(0), lm[48], lm[54]])
            by_dlib = transform_points(points, quad_to_aligned_matrix(ffhq_quad(lm), size))
            by_mesh = transform_points(points, quad_to_aligned_matrix(ffhq_quad(a.landmarks), size))
            rows.append(np.linalg.norm(by_mesh - by_dlib, axis=1))
    return np.array(rows)


def emoji_sheet(images: dict[str, np.ndarray]) -> np.ndarray:
    """Every face's emoji (auto detector), labelled file-stem + face number, on one RGBA sheet."""
    items = []
    det = make_detector("auto")
    for file, image in images.items():
        faces = det.detect(image)
        for i, face in enumerate(faces):
            emoji = make_emoji(image, face=face, others=faces[:i] + faces[i + 1 :])
            items.append((f"{Path(file).stem[:10]}#{i}", emoji.rgba))
    return make_sheet(items, cell=128, columns=10, background="#3070c0")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--sheet", type=Path, default=Path("faces_emoji_sheet.png"))
    args = ap.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no photo folder {args.data} (see ../shared/data/README.md)")
    truth = labelled_boxes(args.data)
    images = {f: read_image(args.data / f) for f in truth}
    n_faces = sum(len(t) for t in truth.values())
    print(f"{len(images)} labelled photos, {n_faces} faces, IoU >= 0.5; baseline: dlib HOG")
    print(f"{'detector':<8} {'recall':>7} {'precision':>10} {'ms/image':>9} {'speed vs dlib':>14}")
    results = score_detectors(images, truth)
    for name, (recall, precision, seconds) in results.items():
        print(f"{name:<8} {recall:>7.3f} {precision:>10.3f} {seconds * 1e3:>9.0f} {results['dlib'][2] / seconds:>13.2f}x")

    every = {p.name: read_image(p) for p in sorted(args.data.iterdir()) if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
    offsets = alignment_offsets(list(every.values()))
    print(f"\nFFHQ alignment, mesh vs dlib landmarks, {len(offsets)} faces both find, px in the 1024 crop:")
    for k, name in enumerate(("left eye", "right eye", "mouth left", "mouth right")):
        col = offsets[:, k]
        print(f"  {name:<12} mean {col.mean():5.1f}  median {np.median(col):5.1f}  90th pct {np.percentile(col, 90):5.1f}")
    sheet = emoji_sheet(every)
    write_image(args.sheet, sheet, force=True)
    print(f"\nemoji contact sheet of every face in {args.data}: {args.sheet}")


if __name__ == "__main__":
    main()
