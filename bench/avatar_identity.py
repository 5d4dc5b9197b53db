"""Do two photos of one person give avatars closer to each other than to anyone else's?

Fits an avatar to every labelled face of ../shared/data/faces-attributes (boxes from
labels.json; the `auto` detector's face with the 478-point mesh where one overlaps the box, else
dlib's 68 points on the box) and, for each face of a person photographed more than once, finds
the nearest other avatar by `toonmoji.avatar.likeness.attribute_distance` (the mean over the
avatar file's attributes of a per-attribute difference in [0, 1]; see that module). Prints how
often that nearest avatar is the same person, among (a) the repeated people's faces only and
(b) all 86 labelled faces, and how well the distance orders their pairs
(`likeness.same_person_auc`: 0.5 chance, 1 perfect); the same for the older distance (each
attribute over its range, `scale="range"`). Per attribute it prints how stable it is within one
person against how much it differs between people: the mean term over same-person pairs over
the mean term over different-person pairs (0: it tells people apart; 1: photo-to-photo noise),
for numbers the share of their variance left within one person (1 - ICC) and the Fisher ratio
(variance of the people's means over the mean variance within one person), and the pair
ordering of that attribute's term alone.

Leave-one-person-out check of a reliability-weighted distance: for each of the 6 people, every
attribute is weighted by how much nearer its term is for same-person pairs than for others
(1 - within / between, at least 0) measured on the other 5 people only, and that person's faces
are scored with those weights.

Who is who: kit_harington john1/john2 and clapton-1/-2 by file name; the 24 faces of
bald_guys.jpg (4 actors, 6 photos each, unnamed) are grouped by dlib's face recognition network
(ResNet descriptors, Chinese whispers at 0.5, as dlib's own example does on this photo); the
grouping is printed so it can be checked by eye.

    PYTHONPATH=src python bench/avatar_identity.py [--save avatars.json] [--load avatars.json] [--spreads]

`--save` keeps the fitted avatars (JSON) so another version of the fitting can be scored the
same way with `--load`. `--spreads` prints `likeness.SPREADS` measured on these avatars: each
attribute's mean difference over all pairs of the 86 faces (no names used).
"""

from __future__ import annotations

import argparse
import json
import warnings
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


def term_matrix(avatars, paths: list[str], scale: str) -> np.ndarray:
    """`(n, n, len(paths))` every pair's `attribute_terms`; NaN where an attribute is not compared."""
    from toonmoji.avatar.likeness import attribute_terms

    n = len(avatars)
    terms = np.full((n, n, len(paths)), np.nan)
    for i in range(n):
        terms[i, i] = 0.0
        for j in range(i + 1, n):
            t = attribute_terms(avatars[i], avatars[j], scale)
            terms[i, j] = terms[j, i] = [t.get(p, np.nan) for p in paths]
    return terms


def spreads(avatars, paths: list[str]) -> dict[str, float]:
    """Each attribute's mean raw difference (`likeness.difference`) over all pairs of `avatars`
    in which it is drawn for both: `likeness.SPREADS`."""
    from toonmoji.avatar.likeness import difference, drawn_in_both

    out = {}
    for path in paths:
        d = [difference(a, b, path) for k, a in enumerate(avatars) for b in avatars[k + 1:] if drawn_in_both(a, b, path)]
        out[path] = round(float(np.mean(d)), 4) if d else 0.0
    return out


def consistency(avatars, who: dict[int, str], terms: np.ndarray, paths: list[str]) -> None:
    """Per attribute, over the repeated people's faces: the mean term over same-person pairs over
    that over different-person pairs (0: it tells people apart; 1: photo-to-photo noise); for
    numbers the share of the variance left within one person (1 - ICC) and the Fisher ratio
    (variance of the people's means / mean variance within a person; faces where it is not drawn
    left out); and how well its term
    alone orders the pairs (0.5: chance; pairs where it is not compared count as its mean)."""
    from toonmoji.avatar.likeness import drawn_in_both, same_person_auc, value_of
    from toonmoji.avatar.model import RANGES

    idx = sorted(who)
    names = np.array([who[i] for i in idx])
    upper = np.triu(np.ones((len(idx), len(idx)), bool), 1)
    same = (names[:, None] == names[None, :]) & upper
    rows = []
    for k, path in enumerate(paths):
        t = terms[np.ix_(idx, idx)][..., k]
        if not np.nanmax(terms[:, :, k]) > 0:
            continue
        if np.isnan(t[same]).all() or np.isnan(t[upper & ~same]).all():
            continue  # never drawn for two of one person's faces, or for two people's
        ratio = np.nanmean(t[same]) / max(np.nanmean(t[upper & ~same]), 1e-12)
        share = fisher = float("nan")
        drawn = [k2 for k2, i in enumerate(idx) if drawn_in_both(avatars[i], avatars[i], path)]
        if path in RANGES and len(drawn) > 2:
            x, who_x = np.array([value_of(avatars[idx[k2]], path) for k2 in drawn]), names[drawn]
            groups = [x[who_x == p] for p in set(who_x)]
            within = np.mean([g.var() for g in groups])
            share = within / max(x.var(), 1e-12)
            fisher = np.var([g.mean() for g in groups]) / max(within, 1e-12)
        full = terms[:, :, k]
        rows.append((ratio, path, share, fisher, same_person_auc(np.where(np.isnan(full), np.nanmean(full), full), who)))
    print("\n| attribute | same-person / different-person term | variance left within a person | Fisher ratio "
          "| same-person pairs nearer (term alone) |\n|---|---|---|---|---|")
    for ratio, path, share, fisher, auc in sorted(rows):
        num = "- | -" if np.isnan(share) else f"{share:.2f} | {fisher:.2f}"
        print(f"| {path} | {ratio:.2f} | {num} | {auc:.3f} |")


def nearest_hits(dist: np.ndarray, who: dict[int, str], faces: list[int]) -> tuple[int, int]:
    """For `faces`: how often the nearest other repeated face, and the nearest of all, is the same person."""
    repeated = sorted(who)
    among = sum(who[min((j for j in repeated if j != i), key=lambda j: dist[i, j])] == who[i] for i in faces)
    return among, sum(who.get(int(np.argmin(dist[i]))) == who[i] for i in faces)


def reliability_weights(terms: np.ndarray, who: dict[int, str]) -> np.ndarray:
    """Per attribute: 1 - (mean term over same-person pairs) / (over different-person pairs), at
    least 0: how much nearer one person's avatars are in that attribute than two people's."""
    idx = sorted(who)
    t = terms[np.ix_(idx, idx)]
    names = np.array([who[i] for i in idx])
    upper = np.triu(np.ones((len(idx), len(idx)), bool), 1)
    same = (names[:, None] == names[None, :]) & upper
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an attribute never compared: weight 0
        within, between = np.nan_to_num(np.nanmean(t[same], 0)), np.nan_to_num(np.nanmean(t[upper & ~same], 0))
    return np.where(between > 0, np.clip(1.0 - within / np.maximum(between, 1e-12), 0.0, None), 0.0)


def weighted(terms: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted mean of each pair's compared terms (`attribute_distance` with weights)."""
    present = ~np.isnan(terms)
    total = (present * w).sum(-1)
    return np.where(total > 0, np.nansum(terms * w, -1) / np.maximum(total, 1e-12), 0.0)


def leave_one_person_out(terms: np.ndarray, who: dict[int, str]) -> tuple[int, int]:
    """Nearest-avatar hits with `reliability_weights` learnt on the other people (see module doc)."""
    hits = [0, 0]
    for p in sorted(set(who.values())):
        w = reliability_weights(terms, {i: q for i, q in who.items() if q != p})
        dist = weighted(terms, w)
        np.fill_diagonal(dist, np.inf)
        got = nearest_hits(dist, who, [i for i in sorted(who) if who[i] == p])
        hits = [hits[0] + got[0], hits[1] + got[1]]
    return hits[0], hits[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", type=Path)
    parser.add_argument("--load", type=Path)
    parser.add_argument("--spreads", action="store_true", help="print likeness.SPREADS for these avatars")
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
    from toonmoji.avatar.likeness import attribute_paths, same_person_auc

    paths = attribute_paths()
    if args.spreads:
        print("SPREADS = " + repr(spreads(avatars, paths)) + "\n")
    n = len(avatars)
    terms = term_matrix(avatars, paths, "spread")
    dist = np.nanmean(terms, -1)  # attribute_distance, for every pair at once
    np.fill_diagonal(dist, np.inf)
    meshes = sum(face.mesh is not None for _, _, face in faces)
    people = sorted(set(who.values()))
    print(f"{n} labelled faces ({meshes} with the mesh); repeated people: "
          + ", ".join(f"{p} x{sum(v == p for v in who.values())}" for p in people) + "\n")
    print("| face | person | nearest among repeated | same | nearest among all | same |\n|---|---|---|---|---|---|")
    repeated = sorted(who)
    for i in repeated:
        among = [j for j in repeated if j != i]
        near_rep = min(among, key=lambda j: dist[i, j])
        near_all = int(np.argmin(dist[i]))
        name = f"{Path(faces[i][0]['file']).stem} {faces[i][0]['box'][:2]}"
        print(f"| {name} | {who[i]} | {who[near_rep]} ({dist[i, near_rep]:.3f}) | {who[near_rep] == who[i]} | "
              f"{who.get(near_all, Path(faces[near_all][0]['file']).stem)} ({dist[i, near_all]:.3f}) | {who.get(near_all) == who[i]} |")
    consistency(avatars, who, terms, paths)
    k = len(repeated)
    chance = np.mean([(sum(v == who[i] for v in who.values()) - 1) / (k - 1) for i in repeated])
    older = np.nanmean(term_matrix(avatars, paths, "range"), -1)
    np.fill_diagonal(older, np.inf)
    for label, d in (("", dist), (" (older distance, each attribute over its range)", older)):
        hits_rep, hits_all = nearest_hits(d, who, repeated)
        print(f"\nnearest avatar is the same person{label}: {hits_rep}/{k} = {hits_rep / k:.0%} among the repeated "
              f"people's faces (chance {chance:.0%}), {hits_all}/{k} = {hits_all / k:.0%} among all {n} faces; "
              f"same-person pairs nearer: {same_person_auc(np.where(np.isinf(d), 0.0, d), who):.3f} (chance 0.5)")
    lo_rep, lo_all = leave_one_person_out(terms, who)
    print(f"reliability-weighted, weights learnt leaving each person out: {lo_rep}/{k} = {lo_rep / k:.0%} among the "
          f"repeated people's faces, {lo_all}/{k} = {lo_all / k:.0%} among all {n} faces")


if __name__ == "__main__":
    main()
