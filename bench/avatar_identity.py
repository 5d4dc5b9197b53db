"""Do two photos of one person give avatars closer to each other than to anyone else's?

Fits an avatar to every labelled face of ../shared/data/faces-attributes (boxes from
labels.json; the `auto` detector's face with the 478-point mesh where one overlaps the box, else
dlib's 68 points on the box) and, for each face of a person photographed more than once, finds
the nearest other avatar by `toonmoji.avatar.likeness.attribute_distance` (the mean over the
avatar file's attributes of a per-attribute difference in [0, 1]; see that module). Prints how
often that nearest avatar is the same person, among (a) the repeated people's faces only and
(b) all 86 labelled faces.

Who is who: kit_harington john1/john2 and clapton-1/-2 by file name; the 24 faces of
bald_guys.jpg (4 actors, 6 photos each, unnamed) are grouped by dlib's face recognition network
(ResNet descriptors, Chinese whispers at 0.5, as dlib's own example does on this photo); the
grouping is printed so it can be checked by eye.

    PYTHONPATH=src python bench/avatar_identity.py [--save avatars.json] [--load avatars.json]

`--save` keeps the fitted avatars (JSON) so another version of the fitting can be scored the
same way with `--load`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces-attributes"
for candidate in (DATA, Path("/work/shared/data/faces-attributes")):
    if candidate.is_dir():
        DATA = candidate
        break


def iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9)


def labelled_faces():
    """(label, photo, Face) for every labelled face, the mesh face where one matches."""
    from toonmoji.faces import detect_faces
    from toonmoji.faces.detect import Face, landmarks_68
    from toonmoji.imageio import read_image

    labels = json.loads((DATA / "labels.json").read_text())
    cache: dict[str, tuple] = {}
    for label in labels:
        f = label["file"]
        if f not in cache:
            photo = read_image(DATA / f)
            cache.clear()
            cache[f] = (photo, detect_faces(photo))
        photo, found = cache[f]
        best = max(found, key=lambda face: iou(face.box, label["box"]), default=None)
        if best is not None and iou(best.box, label["box"]) >= 0.3:
            yield label, photo, best
        else:
            box = tuple(float(v) for v in label["box"])
            yield label, photo, Face(box, 1.0, landmarks_68(photo, box))


def dlib_identities(faces) -> dict[int, str]:
    """Index -> 'actor A'..'actor D' for the bald_guys faces, by dlib's face descriptors."""
    import dlib

    from toonmoji.faces.detect import model_file

    rec = dlib.face_recognition_model_v1(str(model_file("dlib_face_recognition_resnet_model_v1.dat")))
    predictor = dlib.shape_predictor(str(model_file("shape_predictor_68_face_landmarks.dat")))
    idx, descriptors = [], []
    for i, (label, photo, _) in enumerate(faces):
        if "bald_guys" not in label["file"]:
            continue
        x0, y0, x1, y1 = (int(v) for v in label["box"])
        shape = predictor(photo, dlib.rectangle(x0, y0, x1, y1))
        descriptors.append(rec.compute_face_descriptor(photo, shape))
        idx.append(i)
    groups = dlib.chinese_whispers_clustering(descriptors, 0.5)
    names = {g: f"actor {chr(65 + k)}" for k, g in enumerate(sorted(set(groups), key=groups.index))}
    return {i: names[g] for i, g in zip(idx, groups)}


def person(label: dict) -> str | None:
    name = Path(label["file"]).stem
    if "kit_harington" in name:
        return "kit_harington"
    if "clapton" in name:
        return "clapton"
    return None


def consistency(avatars, who: dict[int, str]) -> None:
    """Per numeric attribute: the share of its variance over the repeated people's faces that is
    left within one person (0: it tells people apart perfectly; 1 or more: photo-to-photo noise)."""
    from toonmoji.avatar.likeness import attribute_paths, value_of
    from toonmoji.avatar.model import RANGES

    idx = sorted(who)
    rows = []
    for path in attribute_paths():
        if path not in RANGES:
            continue
        x = np.array([value_of(avatars[i], path) for i in idx])
        if x.var() < 1e-12:
            continue
        within = np.mean([x[[k for k, i in enumerate(idx) if who[i] == p]].var() for p in set(who.values())])
        rows.append((within / x.var(), path))
    print("\n| attribute | variance left within a person |\n|---|---|")
    for share, path in sorted(rows):
        print(f"| {path} | {share:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path)
    parser.add_argument("--load", type=Path)
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no labelled faces at {DATA}")
    faces = list(labelled_faces())
    who = {i: p for i, (label, _, _) in enumerate(faces) if (p := person(label))}
    who.update(dlib_identities(faces))
    from toonmoji.avatar.model import Attributes

    if args.load:
        avatars = [Attributes.from_dict(d) for d in json.loads(args.load.read_text())]
    else:
        from toonmoji.avatar.fitting import fit_attributes

        avatars = [fit_attributes(photo, face) for _, photo, face in faces]
    if args.save:
        args.save.write_text(json.dumps([a.to_dict() for a in avatars]))
    from toonmoji.avatar.likeness import attribute_distance

    n = len(avatars)
    dist = np.full((n, n), np.inf)
    for i in range(n):
        for j in range(i + 1, n):
            dist[i, j] = dist[j, i] = attribute_distance(avatars[i], avatars[j])
    meshes = sum(face.mesh is not None for _, _, face in faces)
    people = sorted(set(who.values()))
    print(f"{n} labelled faces ({meshes} with the mesh); repeated people: "
          + ", ".join(f"{p} x{sum(v == p for v in who.values())}" for p in people) + "\n")
    print("| face | person | nearest among repeated | same | nearest among all | same |\n|---|---|---|---|---|---|")
    hits_rep = hits_all = 0
    repeated = sorted(who)
    for i in repeated:
        among = [j for j in repeated if j != i]
        near_rep = min(among, key=lambda j: dist[i, j])
        near_all = int(np.argmin(dist[i]))
        hits_rep += who[near_rep] == who[i]
        hits_all += who.get(near_all) == who[i]
        name = f"{Path(faces[i][0]['file']).stem} {faces[i][0]['box'][:2]}"
        print(f"| {name} | {who[i]} | {who[near_rep]} ({dist[i, near_rep]:.3f}) | {who[near_rep] == who[i]} | "
              f"{who.get(near_all, Path(faces[near_all][0]['file']).stem)} ({dist[i, near_all]:.3f}) | {who.get(near_all) == who[i]} |")
    consistency(avatars, who)
    k = len(repeated)
    chance = np.mean([(sum(v == who[i] for v in who.values()) - 1) / (k - 1) for i in repeated])
    print(f"\nnearest avatar is the same person: {hits_rep}/{k} = {hits_rep / k:.0%} among the repeated people's faces "
          f"(chance {chance:.0%}), {hits_all}/{k} = {hits_all / k:.0%} among all {n} faces")


if __name__ == "__main__":
    main()
