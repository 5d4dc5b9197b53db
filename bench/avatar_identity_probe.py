"""How much identity is in the mesh at all, before any avatar attribute: nearest neighbour among
the same 28 repeated-person faces as bench/avatar_identity.py (same faces, same grouping), on

- the 19 raw mesh measures (`features.mesh_measures`, z-scored, photo and mirror averaged),
  upright (roll removed) and turned to face the camera (`frontal`, with the mesh's depth);
- the whole 468-point frontal mesh (scaled to unit size, first 10 principal components);
- the skin's CIELAB colour sampled on the cheeks and forehead (median of six patches);
- 35 measures of the rigid parts of the face in 3D (`rigid_measures`: eye corners, nose width,
  protrusion and bridge depth, the eyes' depth under the brows, the face's widths and depth, the
  philtrum, the lips, the chin...), in units of the distance between the eye centres, on the
  frontal mesh with its depth, photo and mirror averaged;
- the same with the mouth's opening and the smile (corners raised) regressed out over all 86
  faces (no names used): each measure as if the face were at rest;
- dlib's 68 points in the face's box (photo and mirror averaged): the attribute measures the
  fitting now takes from them (`features.predictor_shape`, z-scored), and the whole 68 points
  similarity-aligned (Procrustes), 10 and 20 principal components, whitened (the number of
  components was picked among 5, 10 and 20 on these faces: a mild choice);
- the 8 of the 89 columns above (the 35 rigid measures raw and at rest, the 19 mesh measures)
  that best order the 28 faces' pairs, chosen greedily on those very faces (an overfit upper bound)
  and again leaving each person out (the honest figure for such a choice).

    PYTHONPATH=src python bench/avatar_identity_probe.py

Prints, per representation, how often the nearest face is the same person among the repeated
people's faces and among all labelled faces.
"""

from __future__ import annotations

import cv2
import numpy as np

from avatar_identity import DATA, dlib_identities, labelled_faces, person
from toonmoji.avatar.features import (
    PREDICTOR_KEYS,
    Upright,
    mesh_measures,
    mirrored_landmarks_68,
    mirrored_mesh_depth,
    predictor_shape,
)
from toonmoji.avatar.frontal import EYE_MIDDLE, frontal_frame, frontal_points
from toonmoji.faces.mesh import landmarks_68_from_mesh

SKIN_POINTS = (50, 280, 101, 330, 151, 9)  # cheeks, under the eyes, forehead, between the brows


def nearest_same(x: np.ndarray, who: dict[int, str], queries: list[int] | None = None) -> tuple[int, int]:
    """For `queries` (default: every face in `who`): how often the nearest repeated face, and the
    nearest of all, is the same person."""
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    rep = sorted(who)
    queries = rep if queries is None else queries
    among = sum(who[min((j for j in rep if j != i), key=lambda j: d[i, j])] == who[i] for i in queries)
    return among, sum(who.get(int(np.argmin(d[i]))) == who[i] for i in queries)


def measures(face, photo, frontal: bool) -> list[float]:
    mirror, mirror_depth = mirrored_mesh_depth(photo, face.mesh)
    a = mesh_measures(face.mesh, Upright.from_landmarks(face.landmarks), face.depth if frontal else None)
    b = mesh_measures(mirror, Upright.from_landmarks(landmarks_68_from_mesh(mirror)), mirror_depth if frontal else None)
    return [(a[k] + b[k]) / 2 for k in a]


def frontal_3d(mesh: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """`(468, 3)` the mesh in the face's own frame (x, y as `frontal_points`, z depth)."""
    xyz = np.hstack([np.asarray(mesh, np.float64)[:468], np.asarray(depth, np.float64)[:468, None]])
    return (xyz - xyz[list(EYE_MIDDLE)].mean(axis=0)) @ frontal_frame(xyz).T


def rigid_measures(mesh: np.ndarray, depth: np.ndarray) -> tuple[dict[str, float], list[float]]:
    """35 measures in eye-centre distances (see the module doc), and the expression covariates
    (the inner lips' gap, the mouth corners' rise above the lips' middle)."""
    m = frontal_3d(mesh, depth)
    iod = float(np.linalg.norm(m[[33, 133]].mean(0)[:2] - m[[263, 362]].mean(0)[:2]))

    def w(*pairs: tuple[int, int]) -> float:
        return float(np.mean([np.linalg.norm(m[a, :2] - m[b, :2]) for a, b in pairs])) / iod

    def y(i: int) -> float:
        return float(m[i, 1]) / iod

    def z(*idx: int) -> float:
        return float(m[list(idx), 2].mean()) / iod

    iris = np.asarray(mesh, np.float64)[468:478]
    out = {
        "eye width": w((33, 133), (263, 362)), "inner corners": w((133, 362)), "cheekbones": w((234, 454)),
        "temples": w((162, 389)), "jaw": w((172, 397)), "jaw angle": w((58, 288)), "chin width": w((149, 378)),
        "forehead width": w((54, 284)), "nose wings": w((64, 294)), "alae": w((48, 278)), "nostrils": w((129, 358)),
        "nose length": y(2) - y(168), "tip height": y(1) - y(168), "nose protrusion": z(64, 294) - z(1),
        "tip to cheekbones": z(234, 454) - z(1), "bridge depth": z(133, 362) - z(168), "eye depth": z(159, 386) - z(52, 282),
        "mouth width": w((61, 291)), "upper lip": y(13) - y(0), "lower lip": y(17) - y(14), "philtrum": y(0) - y(2),
        "chin height": y(152) - y(17), "lower face": y(152) - y(2), "brow height": (y(105) + y(334)) / 2,
        "brow to lid": (y(159) - y(52) + y(386) - y(282)) / 2, "forehead height": y(168) - y(10),
        "eye opening": w((159, 145), (386, 374)), "face depth": z(234, 454) - z(168), "chin protrusion": z(152) - z(1),
        "cheek depth": z(50, 280) - z(1), "brows' inner gap": w((107, 336)), "jaw height": (y(172) + y(397)) / 2,
        "cheekbone height": (y(234) + y(454)) / 2,
        "iris": float(np.mean([np.linalg.norm(iris[1:5] - iris[0], axis=1).mean(), np.linalg.norm(iris[6:10] - iris[5], axis=1).mean()]))
        / float(np.linalg.norm(np.asarray(mesh)[[33, 133]].mean(0) - np.asarray(mesh)[[263, 362]].mean(0))),
        "mouth corners' drop": (y(61) + y(291)) / 2 - y(13),
    }
    return out, [y(14) - y(13), (y(13) + y(14)) / 2 - (y(61) + y(291)) / 2]


def predictor_points(face, photo) -> np.ndarray:
    """`(68, 2)` dlib's points in the face's box, photo and mirror (partners swapped) averaged,
    each similarity-aligned to the same upright unit frame first (centred, unit size, roll removed)."""
    from toonmoji.faces.detect import landmarks_68

    a, b = landmarks_68(photo, face.box), mirrored_landmarks_68(photo, face.box)
    return (Upright.from_landmarks(a).points + Upright.from_landmarks(b).points) / 2


def procrustes(points: np.ndarray) -> np.ndarray:
    """`(n, 68, 2)` each shape rotated and scaled onto their mean (three rounds)."""
    x = points - points.mean(1, keepdims=True)
    x /= np.linalg.norm(x, axis=(1, 2), keepdims=True)
    ref = x.mean(0)
    for _ in range(3):
        rots = [np.linalg.svd(s.T @ ref) for s in x]
        x = np.array([s @ (u @ vt) for s, (u, _, vt) in zip(x, rots)])
        ref = x.mean(0) / np.linalg.norm(x.mean(0))
    return x


def pairs_auc(x: np.ndarray, who: dict[int, str]) -> float:
    """`likeness.same_person_auc` of the Euclidean distance between rows of `x`."""
    from toonmoji.avatar.likeness import same_person_auc

    return same_person_auc(np.linalg.norm(x[:, None] - x[None], axis=-1), who)


def greedy(z: np.ndarray, who: dict[int, str], k: int = 8) -> list[int]:
    """The `k` columns of `z`, added one at a time, that best order `who`'s pairs."""
    cols: list[int] = []
    for _ in range(k):
        cols.append(max((c for c in range(z.shape[1]) if c not in cols), key=lambda c: pairs_auc(z[:, cols + [c]], who)))
    return cols


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
    both = [(rigid_measures(face.mesh, face.depth), rigid_measures(*mirrored_mesh_depth(photo, face.mesh)))
            for _, photo, face in faces]
    rigid = np.array([[(a[0][key] + b[0][key]) / 2 for key in a[0]] for a, b in both])
    covariates = np.array([np.add(a[1], b[1]) / 2 for a, b in both])
    design = np.hstack([covariates - covariates.mean(0), np.ones((len(covariates), 1))])
    at_rest = rigid - design[:, :2] @ np.linalg.lstsq(design, rigid, rcond=None)[0][:2]
    rows["35 rigid measures in 3D, photo and mirror averaged"] = (rigid - rigid.mean(0)) / rigid.std(0)
    rows["the same, mouth opening and smile regressed out"] = (at_rest - at_rest.mean(0)) / at_rest.std(0)
    pool = np.hstack([rigid, at_rest, np.array([measures(face, photo, True) for _, photo, face in faces])])
    med = np.median(pool, axis=0)
    pool = np.clip((pool - med) / (1.4826 * np.median(np.abs(pool - med), axis=0) + 1e-12), -4, 4)
    dlib_shape = np.array([[predictor_shape(photo, face.box)[key] for key in PREDICTOR_KEYS] for _, photo, face in faces])
    rows[f"dlib's 68 points: the {len(PREDICTOR_KEYS)} measures the fitting takes from them"] = (dlib_shape - dlib_shape.mean(0)) / dlib_shape.std(0)
    aligned = procrustes(np.array([predictor_points(face, photo) for _, photo, face in faces])).reshape(len(faces), -1)
    u = np.linalg.svd(aligned - aligned.mean(0), full_matrices=False)[0]
    for count in (10, 20):
        rows[f"dlib's 68 points aligned, {count} principal components whitened"] = u[:, :count]
    rows["best 8 of those, chosen on these 28 faces (overfit)"] = pool[:, greedy(pool, who)]
    k, n = len(who), len(faces)
    print(f"| representation | nearest among the {k} repeated people's faces | nearest among all {n} | same-person pairs nearer |\n|---|---|---|---|")
    for name, x in rows.items():
        among, every = nearest_same(x, who)
        print(f"| {name} | {among}/{k} = {among / k:.0%} | {every}/{k} = {every / k:.0%} | {pairs_auc(x, who):.3f} |")
    among = every = 0
    for p in sorted(set(who.values())):
        cols = greedy(pool, {i: q for i, q in who.items() if q != p})
        a, e = nearest_same(pool[:, cols], who, [i for i in who if who[i] == p])
        among, every = among + a, every + e
    print(f"| best 8 chosen leaving each person out, scored on that person | {among}/{k} = {among / k:.0%} | "
          f"{every}/{k} = {every / k:.0%} | - |")


if __name__ == "__main__":
    main()
