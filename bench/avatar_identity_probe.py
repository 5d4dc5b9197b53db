"""How much identity is in the mesh at all, before any avatar attribute: nearest neighbour among
the same 28 repeated-person faces as bench/avatar_identity.py (same faces, same grouping), on

- the 19 raw mesh measures (`features.mesh_measures`, z-scored, photo and mirror averaged),
  upright (roll removed) and turned to face the camera (`frontal`, with the mesh's depth);
- the whole 468-point frontal mesh (scaled to unit size, first 10 principal components);
- the skin's CIELAB colour sampled on the cheeks and forehead (median of six patches).

    PYTHONPATH=src python bench/avatar_identity_probe.py

Prints, per representation, how often the nearest face is the same person among the repeated
people's faces and among all labelled faces.
"""

from __future__ import annotations

import cv2
import numpy as np

from avatar_identity import DATA, dlib_identities, labelled_faces, person
from toonmoji.avatar.features import Upright, mesh_measures, mirrored_mesh_depth
from toonmoji.avatar.frontal import frontal_points
from toonmoji.faces.mesh import landmarks_68_from_mesh

SKIN_POINTS = (50, 280, 101, 330, 151, 9)  # cheeks, under the eyes, forehead, between the brows


def nearest_same(x: np.ndarray, who: dict[int, str]) -> tuple[int, int]:
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    rep = sorted(who)
    among = sum(who[min((j for j in rep if j != i), key=lambda j: d[i, j])] == who[i] for i in rep)
    return among, sum(who.get(int(np.argmin(d[i]))) == who[i] for i in rep)


def measures(face, photo, frontal: bool) -> list[float]:
    mirror, mirror_depth = mirrored_mesh_depth(photo, face.mesh)
    a = mesh_measures(face.mesh, Upright.from_landmarks(face.landmarks), face.depth if frontal else None)
    b = mesh_measures(mirror, Upright.from_landmarks(landmarks_68_from_mesh(mirror)), mirror_depth if frontal else None)
    return [(a[k] + b[k]) / 2 for k in a]


def skin_lab(face, photo) -> np.ndarray:
    m = np.asarray(face.mesh)
    r = max(2, int(0.05 * np.hypot(*(m[389] - m[162]))))
    px = np.concatenate([photo[int(y) - r:int(y) + r, int(x) - r:int(x) + r].reshape(-1, 3) for x, y in m[list(SKIN_POINTS)]])
    return np.median(cv2.cvtColor(px[None].astype(np.float32) / 255, cv2.COLOR_RGB2LAB)[0], axis=0)


def main() -> None:
    if not DATA.is_dir():
        raise SystemExit(f"no labelled faces at {DATA}")
    faces = list(labelled_faces())
    if any(face.mesh is None or face.depth is None for _, _, face in faces):
        raise SystemExit("every labelled face needs the auto detector's mesh for this probe")
    who = {i: p for i, (label, _, _) in enumerate(faces) if (p := person(label))}
    who.update(dlib_identities(faces))
    rows = {}
    for frontal in (False, True):
        x = np.array([measures(face, photo, frontal) for _, photo, face in faces])
        rows["19 mesh measures, " + ("frontal" if frontal else "upright")] = (x - x.mean(0)) / x.std(0)
    p = np.array([frontal_points(face.mesh, face.depth) for _, _, face in faces])
    p = (p - p.mean(1, keepdims=True)) / np.linalg.norm(p - p.mean(1, keepdims=True), axis=(1, 2), keepdims=True)
    flat = p.reshape(len(p), -1) - p.reshape(len(p), -1).mean(0)
    rows["whole frontal mesh, 10 principal components"] = flat @ np.linalg.svd(flat, full_matrices=False)[2][:10].T
    rows["skin colour (CIELAB) on cheeks and forehead"] = np.array([skin_lab(face, photo) for _, photo, face in faces])
    k, n = len(who), len(faces)
    print(f"| representation | nearest among the {k} repeated people's faces | nearest among all {n} |\n|---|---|---|")
    for name, x in rows.items():
        among, every = nearest_same(x, who)
        print(f"| {name} | {among}/{k} = {among / k:.0%} | {every}/{k} = {every / k:.0%} |")


if __name__ == "__main__":
    main()
