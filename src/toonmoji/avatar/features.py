"""Face and feature measurements from the 478-point mesh (or the 68 iBUG landmarks without one).

Landmarks are first turned upright (the head's roll removed) and measured in face widths (jaw
corner to jaw corner, points 0 and 16). Each measure is mapped to its attribute by its average over
real faces (the `AVERAGE_*` constants, measured on the sample portrait and the real photos in
../shared/data/faces with dlib's predictor), with a gain that exaggerates a little: a caricature
reads more like the person than the average face does.

iBUG order: jaw 0-16, brows 17-21 (image left) and 22-26, nose 27-35, eyes 36-41 and 42-47,
outer lips 48-59, inner lips 60-67.

With the 478-point mesh (faces found by the `auto` detector) the face's proportions are measured
on it (`mesh_measures`), turned to face the camera with the mesh's depth (`frontal`) so that the
head's yaw and pitch do not pass for the face's shape: face length against width, forehead, cheekbones against the jaw, the
eyes' opening and the lid's room under the brow, the brows' arch and corner, the nose's length,
width and tip, the lips' thickness and upper/lower balance. Each is turned into its attribute
against the median of real faces (`MESH_AVERAGES`, with the spread in `MESH_SPREADS`, measured
by bench/avatar_face_averages.py) and exaggerated a little away from it (`CARICATURE`), the way
a caricaturist does; the choices (face, eye and brow shapes) are named from how many spreads a
measure is from the median. The mesh has no ears: `ears.*` are read from the photo's pixels
(`ears.py`).

Where dlib is installed, the 17 proportions the 68 points measure (`PREDICTOR_KEYS`) and the
face shape are taken from dlib's predictor instead (`predictor_shape`, photo and mirror
averaged): the mesh net pulls faces towards its average face, the predictor follows the
person's outline, and photos of one person come out nearer each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.avatar.frontal import frontal_points
from toonmoji.faces.detect import landmark_roll_degrees

# median measures (face-width units unless noted) over 44 real faces (the 43 in
# ../shared/data/faces and the sample portrait), dlib's 68-point predictor
AVERAGE_RATIO = 1.20  # face width / face length (nose bridge to chin)
AVERAGE_JAW = 0.816  # width between points 4 and 12
AVERAGE_CHIN = 0.457  # width between points 6 and 10
AVERAGE_EYE = 0.162  # eye width
AVERAGE_SPACING = 0.425  # between eye centres
AVERAGE_OPEN = 0.272  # eye height / eye width
AVERAGE_NOSE = 0.208  # nostril width
AVERAGE_MOUTH = 0.416  # mouth width
AVERAGE_LIPS = 0.095  # upper + lower lip thickness
# brow peak above the line through its ends, in brow lengths: the median over the 67 faces dlib
# finds in ../shared/data/faces is 0.197 (robust spread 0.036), 0.188 (0.040) over the 86 faces of
# faces-attributes on the auto detector's box. It was 0.12, which put more than half of all real
# faces at the top of the range (brows.arch 1.0): their arches were all drawn alike.
AVERAGE_ARCH = 0.19
# one spread of the arch moves `brows.arch` 0.22, as on the mesh path (0.15 x CARICATURE)
ARCH_GAIN = 1.1
AVERAGE_UPPER = 0.75  # upper lip thickness / lower lip thickness (points 51-62 / 66-57)
# medians and robust spreads (1.4826 x MAD) over the 86 faces of faces-attributes (dlib's points in
# the auto detector's box, photo and mirror averaged; no names used): the brows' height above the
# upper lids (points 19, 20, 23, 24 over 37, 38, 43, 44), the cheekbones' width over the jaw's
# (points 1-15 over 4-12), and where the nose's base lies between the bridge and the upper lip
# (27-33 over 27-51, heights: the drawing keeps the mouth in place and moves the nose's base)
AVERAGE_BROW_GAP, SPREAD_BROW_GAP = 0.1185, 0.0329
AVERAGE_CHEEKS, SPREAD_CHEEKS = 1.192, 0.0368
AVERAGE_NOSE_SHARE, SPREAD_NOSE_SHARE = 0.770, 0.0458
# medians over the same 86 faces (robust spreads in the comments): the brows' length (chords 17-21,
# 22-26; 0.050) and the gap between their inner ends (21-22; 0.062), both over the distance between
# the eye centres, as the cartoon draws the brows about the eyes; the upper lip's height above the
# chin (51 to 8) over the face's length (27 to 8; 0.045). Identity lies in them as much as in the
# measures above (same-person differences 0.75-0.77 of different-person ones here) and the
# avatar had no attribute to carry them (docs/guides/avatar-likeness.md, identity)
AVERAGE_BROW_LENGTH, AVERAGE_BROW_SPLIT, AVERAGE_CHIN_HEIGHT = 0.737, 0.3845, 0.469
# `brows.height` per spread, before CARICATURE: a third of the other measures' 0.1, because the
# brows' height over the eyes is also what the expressions move; at 0.1 the emotion classifier
# read 66% of the 44 fitted avatars' expressions as drawn (sad as angry, neutral and fear lost),
# at 0.033 69%, as without the attribute (bench/avatar_legibility.py --random 0)
BROW_HEIGHT_STEP = 0.033


@dataclass(frozen=True)
class Upright:
    """Landmarks with the roll removed: `points` (68, 2) in face widths, origin at the nose
    bridge (27), x right, y down. `roll`: degrees (clockwise on screen). `width`: pixels per unit.
    `matrix`: 2x3 affine image -> upright pixels (unscaled, rotated about the nose bridge)."""

    points: np.ndarray
    roll: float
    width: float
    matrix: np.ndarray

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> Upright:
        lm = np.asarray(landmarks, np.float64)
        roll = landmark_roll_degrees(lm)
        m = cv2.getRotationMatrix2D((float(lm[27, 0]), float(lm[27, 1])), roll, 1.0)
        pts = lm @ m[:, :2].T + m[:, 2]
        width = float(np.hypot(*(pts[16] - pts[0])))
        return cls((pts - pts[27]) / max(width, 1e-6), roll, width, m)

    def dist(self, a: int, b: int) -> float:
        return float(np.hypot(*(self.points[a] - self.points[b])))


def _gain(value: float, average: float, gain: float, lo: float, hi: float, centre: float = 1.0) -> float:
    return float(np.clip(centre + (value / average - 1.0) * gain, lo, hi))


def measure_shape(u: Upright, mesh: np.ndarray | None = None, mirrored: np.ndarray | None = None,
                  depth: np.ndarray | None = None, mirrored_depth: np.ndarray | None = None) -> dict[str, float | str]:
    """Face, eyes, brows, nose and mouth attributes from the upright landmarks, and from the
    478-point `mesh` (image x, y) where the face has one: its measures replace the 68 points'.
    `mirrored`: the mesh of the mirrored photo (`mirrored_mesh`); the mesh net is not quite
    mirror-symmetric, so both are measured and averaged (eyes.size differed by 0.12 between a
    photo and its mirror image, 0.03 averaged). `depth`, `mirrored_depth`: the meshes' depths
    (`Face.depth`): where given, the mesh is measured turned to face the camera (`frontal`)."""
    out: dict[str, float | str] = dict(_landmark_shape(u))
    if mesh is not None and len(mesh) >= 468:
        out.update(measure_mesh(mesh, u, mirrored, depth, mirrored_depth))
    return out


def mirrored_mesh(image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """`(478, 2)` the mesh net's points for the same face in the mirrored photo (mirrored x)."""
    return mirrored_mesh_depth(image, mesh)[0]


def mirrored_mesh_depth(image: np.ndarray, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`mirrored_mesh` and its depth `(468,)`."""
    from toonmoji.faces.mesh import face_mesh_depth, region_from_mesh

    centre, size, angle = region_from_mesh(np.asarray(mesh, np.float64)[:468])
    width = image.shape[1]
    flipped = np.ascontiguousarray(image[:, ::-1])
    points, depth, _ = face_mesh_depth(flipped, np.array([width - 1 - centre[0], centre[1]]), size, -angle)
    return points, depth


# the attributes dlib's 68-point predictor tells people apart by better than the mesh does
PREDICTOR_KEYS = ("face.width", "face.jaw", "face.chin", "face.cheeks", "face.chin_height", "eyes.size",
                  "eyes.spacing", "eyes.openness", "brows.arch", "brows.height", "brows.length", "brows.gap",
                  "nose.width", "nose.length", "mouth.width", "mouth.lips", "mouth.upper")


# robust spreads (1.4826 x MAD) of the face's length (27-8), jaw (4-12) and chin (6-10) widths in
# face widths over the 86 faces of faces-attributes (dlib's points, photo and mirror averaged; no names used)
PREDICTOR_SPREADS = (0.0514, 0.0291, 0.0330)


def predictor_shape(image: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float | str] | None:
    """`PREDICTOR_KEYS` and `face.shape` measured on dlib's 68 points (`_landmark_shape`) in `box`, averaged over
    the photo and its mirror image; None without dlib. Why not the mesh: the mesh net pulls every
    face towards its average, dlib's predictor (trained on hand-placed points) follows the
    person's own outline, so photos of one person come out nearer each other (see
    docs/guides/avatar-likeness.md, identity)."""
    from toonmoji.errors import MissingExtraError
    from toonmoji.faces.detect import landmarks_68

    try:
        lm, mirrored = landmarks_68(image, box), mirrored_landmarks_68(image, box)
    except MissingExtraError:
        return None
    ups = Upright.from_landmarks(lm), Upright.from_landmarks(mirrored)
    a, b = (_landmark_shape(u) for u in ups)
    out: dict[str, float | str] = {k: (float(a[k]) + float(b[k])) / 2 for k in PREDICTOR_KEYS}
    # the face's shape named from the same points (the forehead, which they lack, taken as average)
    length, jaw, chin = np.mean([(u.dist(27, 8), u.dist(4, 12), u.dist(6, 10)) for u in ups], 0)
    s_length, s_jaw, s_chin = PREDICTOR_SPREADS
    out["face.shape"] = shape_from_z((length - 1.0 / AVERAGE_RATIO) / s_length, (jaw - AVERAGE_JAW) / s_jaw,
                                     (chin - AVERAGE_CHIN) / s_chin)
    return out


def mirrored_landmarks_68(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """`(68, 2)` dlib's points found on the mirror image, mapped back into the photo with each
    point's left/right partner swapped: a second reading of the same face whose errors are
    mirrored, so averaging it with the first cancels the predictor's one-sided bias."""
    from toonmoji.faces.detect import landmarks_68

    w = image.shape[1]
    mirrored = landmarks_68(np.ascontiguousarray(image[:, ::-1]), (w - 1 - box[2], box[1], w - 1 - box[0], box[3]))
    mirrored[:, 0] = w - 1 - mirrored[:, 0]
    return mirrored[list(MIRROR_68)]


# iBUG index of each point's mirror partner (left <-> right)
MIRROR_68 = (tuple(range(16, -1, -1)) + tuple(range(26, 16, -1)) + (27, 28, 29, 30, 35, 34, 33, 32, 31)
             + (45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40)
             + (54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65))


def _landmark_shape(u: Upright) -> dict[str, float | str]:
    """The 68 points' measures; without a mesh the face shape is named from length and jaw only."""
    p = u.points
    length = u.dist(27, 8)
    eye_w = (u.dist(36, 39) + u.dist(42, 45)) / 2
    eye_h = (u.dist(37, 41) + u.dist(38, 40) + u.dist(43, 47) + u.dist(44, 46)) / 4
    # eye tilt: outer corner above inner is positive, averaged over both eyes (mirror-symmetric)
    tilt_l = np.degrees(np.arctan2(p[39, 1] - p[36, 1], p[39, 0] - p[36, 0]))
    tilt_r = np.degrees(np.arctan2(p[42, 1] - p[45, 1], p[45, 0] - p[42, 0]))
    arches, brow_tilts = [], []
    for a, peak, b in ((17, 19, 21), (26, 24, 22)):
        line = p[b] - p[a]
        n = np.array([line[1], -line[0]]) / (np.hypot(*line) + 1e-9)
        if n[1] > 0:
            n = -n
        arches.append(float(np.dot(p[peak] - p[a], n)) / (np.hypot(*line) + 1e-9))
        brow_tilts.append(float(np.degrees(np.arctan2(p[b, 1] - p[a, 1], abs(p[b, 0] - p[a, 0])))))
    brow_gap = float(np.mean([p[37, 1] - p[19, 1], p[38, 1] - p[20, 1], p[43, 1] - p[23, 1], p[44, 1] - p[24, 1]]))
    cheeks = u.dist(1, 15) / max(u.dist(4, 12), 1e-6)
    nose_share = (p[33, 1] - p[27, 1]) / max(float(p[51, 1] - p[27, 1]), 1e-6)
    eye_spacing = float(np.hypot(*(p[42:48].mean(0) - p[36:42].mean(0))))
    eyes_apart = max(eye_spacing, 1e-6)
    return {
        "face.width": _gain(1.0 / max(length, 1e-6), AVERAGE_RATIO, 1.2, 0.7, 1.3),
        # the same steps per spread as the mesh path's (`measure_mesh`)
        "face.cheeks": float(np.clip(1.0 + (cheeks - AVERAGE_CHEEKS) / SPREAD_CHEEKS * 0.05 * CARICATURE, 0.7, 1.3)),
        "brows.height": float(np.clip(1.0 + (brow_gap - AVERAGE_BROW_GAP) / SPREAD_BROW_GAP * BROW_HEIGHT_STEP * CARICATURE,
                                      0.5, 1.6)),
        "nose.length": float(np.clip(1.0 + (nose_share - AVERAGE_NOSE_SHARE) / SPREAD_NOSE_SHARE * 0.1 * CARICATURE, 0.6, 1.5)),
        "face.jaw": _gain(u.dist(4, 12), AVERAGE_JAW, 4.0, 0.0, 1.0, 0.5),
        "face.chin": _gain(u.dist(6, 10), AVERAGE_CHIN, -3.0, 0.0, 1.0, 0.5),
        "face.chin_height": _gain((p[8, 1] - p[51, 1]) / max(length, 1e-6), AVERAGE_CHIN_HEIGHT, 1.5, 0.6, 1.4),
        "brows.length": _gain((u.dist(17, 21) + u.dist(22, 26)) / 2 / eyes_apart, AVERAGE_BROW_LENGTH, 1.5, 0.7, 1.3),
        "brows.gap": _gain(u.dist(21, 22) / eyes_apart, AVERAGE_BROW_SPLIT, 1.5, 0.5, 1.6),
        "face.roll": float(np.clip(u.roll, -45.0, 45.0)),
        "eyes.size": _gain(eye_w, AVERAGE_EYE, 1.5, 0.6, 1.5),
        "eyes.spacing": _gain(eye_spacing, AVERAGE_SPACING, 1.5, 0.75, 1.25),
        "eyes.openness": _gain(eye_h / max(eye_w, 1e-6), AVERAGE_OPEN, 1.2, 0.5, 1.5),
        "eyes.tilt": float(np.clip(-(tilt_l + tilt_r) / 2 * 1.5, -20.0, 20.0)),
        "brows.arch": _gain(float(np.mean(arches)), AVERAGE_ARCH, ARCH_GAIN, 0.0, 1.0, 0.5),
        "brows.tilt": float(np.clip(np.mean(brow_tilts) * 0.8, -20.0, 20.0)),
        "nose.width": _gain(u.dist(31, 35), AVERAGE_NOSE, 1.5, 0.6, 1.6),
        "mouth.width": _gain(u.dist(48, 54), AVERAGE_MOUTH, 1.5, 0.6, 1.5),
        "mouth.lips": _gain(u.dist(50, 61) / 2 + u.dist(52, 63) / 2 + u.dist(65, 56) / 2 + u.dist(67, 58) / 2,
                            AVERAGE_LIPS, 1.2, 0.5, 1.8),
        "mouth.upper": _gain(u.dist(51, 62) / max(u.dist(66, 57), 1e-6), AVERAGE_UPPER, 0.5, 0.5, 1.6),
        "face.shape": "long" if 1.0 / max(length, 1e-6) < AVERAGE_RATIO * 0.9 else
                      ("round" if 1.0 / max(length, 1e-6) > AVERAGE_RATIO * 1.1 else "oval"),
    }


CARICATURE = 1.5  # how far one spread from the average moves a drawn attribute, in STEPS units
# medians and robust spreads (1.4826 x MAD) over the 67 real faces >= 40 px with a mesh in
# ../shared/data/faces and faces-attributes/images, measured turned to face the camera:
# bench/avatar_face_averages.py
MESH_AVERAGES = {"ratio": 0.8743, "jaw": 0.8137, "chin": 0.4531, "forehead_w": 0.8623,
                 "forehead_h": 0.2114, "eye_w": 0.1996, "eye_open": 0.2822, "lid_room": 0.4329,
                 "brow_arch": 0.1326, "brow_peak": 0.5946, "brow_angle": 149.3, "nose_len": 0.4181,
                 "nose_w": 0.2866, "nose_tip": 0.04289, "mouth_w": 0.4, "lips": 0.1103, "upper": 0.59,
                 "eye_tilt": 2.717, "brow_tilt": -7.536}
MESH_SPREADS = {"ratio": 0.0482, "jaw": 0.0214, "chin": 0.0202, "forehead_w": 0.0114, "forehead_h": 0.012,
                "eye_w": 0.0065, "eye_open": 0.0396, "lid_room": 0.0822, "brow_arch": 0.0116,
                "brow_peak": 0.00731, "brow_angle": 2.88, "nose_len": 0.017, "nose_w": 0.0156,
                "nose_tip": 0.0103, "mouth_w": 0.0529, "lips": 0.0111, "upper": 0.0659, "eye_tilt": 1.67,
                "brow_tilt": 2.25}
MESH_AVERAGES["tip"] = float(np.sqrt(MESH_AVERAGES["nose_tip"] * MESH_AVERAGES["nose_w"]))  # the tip's size
MESH_SPREADS["tip"] = 0.5 * MESH_AVERAGES["tip"] * (MESH_SPREADS["nose_tip"] / MESH_AVERAGES["nose_tip"]
                                                    + MESH_SPREADS["nose_w"] / MESH_AVERAGES["nose_w"])
# MediaPipe mesh indices (the subject's right eye is on the image's left)
# the face's sides at the temples' foot (iBUG 0 and 16: steadier from photo to photo than the
# cheekbones' 234/454), the nose bridge, the forehead's top, the chin
MESH_FACE = (162, 389, 168, 10, 152)
MESH_JAW, MESH_CHIN, MESH_TEMPLES = (172, 397), (149, 378), (54, 284)
MESH_EYES = ((33, 133, 159, 145), (263, 362, 386, 374))  # outer, inner, upper lid, lower lid
MESH_BROW_LOW = (52, 282)  # the brows' lower edge over each eye's middle
MESH_BROWS = ((70, 63, 105, 66, 107), (300, 293, 334, 296, 336))  # upper edge, outer to inner
MESH_BRIDGE, MESH_GLABELLA, MESH_TIP, MESH_SUBNASALE, MESH_ALAE = 168, 9, 1, 2, (64, 294)
MESH_LIPS = (61, 291, 0, 13, 14, 17)  # corners, upper lip top and inside, lower lip inside and bottom


def mesh_measures(mesh: np.ndarray, u: Upright, depth: np.ndarray | None = None) -> dict[str, float]:
    """Raw proportions of the face from its mesh `(478, 2)` image x, y, turned upright with the
    landmarks' roll, or, given its `depth`, turned to face the camera (`frontal.frontal_points`);
    lengths in face widths (iBUG points 0 to 16) unless noted; `ratio` is the nose bridge to chin
    over that width."""
    if depth is not None:
        m = frontal_points(mesh, depth)
    else:
        m = np.asarray(mesh, np.float64) @ u.matrix[:, :2].T + u.matrix[:, 2]
    left, right, bridge, top, chin = (m[i] for i in MESH_FACE)
    width = max(float(np.hypot(*(right - left))), 1e-6)
    length = float(chin[1] - bridge[1])  # bridge to chin: the forehead's top is a guess under hair

    def d(a: int, b: int) -> float:
        return float(np.hypot(*(m[a] - m[b]))) / width

    eye_w = np.mean([d(o, i) for o, i, _, _ in MESH_EYES])
    eye_h = np.mean([d(up, lo) for _, _, up, lo in MESH_EYES])
    room = np.mean([(m[up, 1] - m[b, 1]) / width for (_, _, up, _), b in zip(MESH_EYES, MESH_BROW_LOW)])
    arches, peaks, angles = [], [], []
    for brow in MESH_BROWS:
        pts = m[list(brow)]
        chord = pts[-1] - pts[0]
        n = np.array([chord[1], -chord[0]]) / (np.hypot(*chord) + 1e-9)
        if n[1] > 0:
            n = -n
        rise = (pts - pts[0]) @ n
        k = int(np.argmax(rise[1:-1])) + 1
        arches.append(rise[k] / (np.hypot(*chord) + 1e-9))
        peaks.append(float(np.dot(pts[k] - pts[-1], chord * -1) / (np.dot(chord, chord) + 1e-9)))  # 0 inner .. 1 outer
        a, b = pts[0] - pts[k], pts[-1] - pts[k]
        angles.append(float(np.degrees(np.arccos(np.dot(a, b) / (np.hypot(*a) * np.hypot(*b) + 1e-9)))))
    # tilts, degrees, positive when the outer end is higher (mirror-symmetric averages)
    eye_tilt = np.mean([np.degrees(np.arctan2(m[i, 1] - m[o, 1], abs(m[o, 0] - m[i, 0]))) for o, i, _, _ in MESH_EYES])
    brow_tilt = np.mean([np.degrees(np.arctan2(m[b[-1], 1] - m[b[0], 1], abs(m[b[-1], 0] - m[b[0], 0]))) for b in MESH_BROWS])
    c0, c1, lip_top, up_in, lo_in, lip_bottom = MESH_LIPS
    upper, lower = d(lip_top, up_in), d(lo_in, lip_bottom)
    return {
        "ratio": length / width,
        "jaw": d(*MESH_JAW), "chin": d(*MESH_CHIN), "forehead_w": d(*MESH_TEMPLES),
        "forehead_h": float(m[MESH_GLABELLA, 1] - top[1]) / max(float(chin[1] - top[1]), 1e-6),
        "eye_w": float(eye_w), "eye_open": float(eye_h / max(eye_w, 1e-6)), "lid_room": float(room / max(eye_w, 1e-6)),
        "brow_arch": float(np.mean(arches)), "brow_peak": float(np.mean(peaks)), "brow_angle": float(np.mean(angles)),
        "nose_len": float(m[MESH_SUBNASALE, 1] - m[MESH_BRIDGE, 1]) / max(length, 1e-6),
        "nose_w": d(*MESH_ALAE), "nose_tip": d(MESH_TIP, MESH_SUBNASALE),
        "mouth_w": d(c0, c1), "lips": upper + lower, "upper": upper / max(lower, 1e-6),
        "eye_tilt": float(eye_tilt), "brow_tilt": float(brow_tilt),
    }


def _z(raw: dict[str, float], key: str) -> float:
    """How many spreads `key` is from the average face."""
    return (raw[key] - MESH_AVERAGES[key]) / MESH_SPREADS[key]


def _drawn(raw: dict[str, float], key: str, step: float, lo: float, hi: float, centre: float = 1.0) -> float:
    """The attribute for measure `key`: `centre` for the average face, moved `step` x CARICATURE
    per spread the face is away from it, within [lo, hi]."""
    return float(np.clip(centre + _z(raw, key) * step * CARICATURE, lo, hi))


def face_shape(raw: dict[str, float]) -> str:
    """oval, round, square, long or heart, as a person would name it: long when the face is
    clearly longer than most; round or square when shorter (square with a wide jaw); heart when
    the forehead is wide over a narrow, pointed jaw; square when the jaw is very wide; else oval."""
    return shape_from_z(_z(raw, "ratio"), _z(raw, "jaw"), _z(raw, "chin"), _z(raw, "forehead_w"))


def shape_from_z(long: float, jaw: float, chin: float, fore: float = 0.0) -> str:
    """`face_shape` from how many spreads the face's length (over its width), jaw width, chin
    width and forehead width are from the average face's."""
    if long > 1.0:
        return "long"
    if long < -0.8:
        return "square" if jaw > 0.3 else "round"
    if fore - jaw > 1.5 and chin < 0.0:
        return "heart"
    if jaw > 1.2:
        return "square"
    return "oval"


def eye_shape(raw: dict[str, float]) -> str:
    """hooded (little lid showing under the brow: the fold hides the rest), round (a tall
    opening), monolid (a low, flat opening with no room for a crease), else almond."""
    opening, room = _z(raw, "eye_open"), _z(raw, "lid_room")
    if room < -1.0:
        return "hooded"
    if opening > 1.0:
        return "round"
    if opening < -1.0 and room < 0.0:
        return "monolid"
    return "almond"


def brow_shape(raw: dict[str, float]) -> str:
    """straight (hardly arched), angled (a sharp corner), arched (a high curve), else soft."""
    arch, angle = _z(raw, "brow_arch"), _z(raw, "brow_angle")
    if arch < -1.0:
        return "straight"
    if angle < -1.5 and arch > 0.5:
        return "angled"
    if arch > 1.0:
        return "arched"
    return "soft"


def measure_mesh(mesh: np.ndarray, u: Upright, mirrored: np.ndarray | None = None, depth: np.ndarray | None = None,
                 mirrored_depth: np.ndarray | None = None) -> dict[str, float | str]:
    """The attributes the mesh measures better than the 68 points, caricatured (see module doc);
    averaged with the `mirrored` photo's mesh when given; frontal where the depths are given."""
    raw = mesh_measures(mesh, u, depth)
    if mirrored is not None:
        from toonmoji.faces.mesh import landmarks_68_from_mesh

        other = mesh_measures(mirrored, Upright.from_landmarks(landmarks_68_from_mesh(mirrored)),
                              mirrored_depth if depth is not None else None)
        raw = {k: (v + other[k]) / 2 for k, v in raw.items()}
    raw["tip"] = float(np.sqrt(raw["nose_tip"] * raw["nose_w"]))
    cheeks = _z(raw, "forehead_w") - _z(raw, "jaw")  # wide upper face over a narrow jaw
    return {
        "face.width": _drawn(raw, "ratio", -0.06, 0.7, 1.3),
        "face.shape": face_shape(raw),
        "face.jaw": _drawn(raw, "jaw", 0.15, 0.0, 1.0, 0.5),
        "face.chin": _drawn(raw, "chin", -0.15, 0.0, 1.0, 0.5),
        "face.forehead": _drawn(raw, "forehead_h", 0.1, 0.6, 1.4),
        "face.cheeks": float(np.clip(1.0 + 0.05 * CARICATURE * cheeks, 0.7, 1.3)),
        "eyes.shape": eye_shape(raw),
        "eyes.size": _drawn(raw, "eye_w", 0.1, 0.6, 1.5),
        "eyes.openness": _drawn(raw, "eye_open", 0.12, 0.5, 1.5),
        "eyes.tilt": _drawn(raw, "eye_tilt", 3.0, -20.0, 20.0, 0.0),  # the average face's eyes drawn level
        "brows.tilt": _drawn(raw, "brow_tilt", 3.0, -20.0, 20.0, 0.0),
        "brows.shape": brow_shape(raw),
        "brows.arch": _drawn(raw, "brow_arch", 0.15, 0.0, 1.0, 0.5),
        "brows.height": _drawn(raw, "lid_room", BROW_HEIGHT_STEP, 0.5, 1.6),
        "nose.length": _drawn(raw, "nose_len", 0.1, 0.6, 1.5),
        "nose.width": _drawn(raw, "nose_w", 0.1, 0.6, 1.6),
        "nose.size": _drawn(raw, "tip", 0.1, 0.6, 1.6),
        "mouth.width": _drawn(raw, "mouth_w", 0.1, 0.6, 1.5),
        "mouth.lips": _drawn(raw, "lips", 0.15, 0.5, 1.8),
        "mouth.upper": _drawn(raw, "upper", 0.12, 0.5, 1.6),
    }


def mouth_opening(landmarks: np.ndarray) -> float:
    """How open the mouth is, 0 closed .. 1 wide open (inner lips apart by 0.35 face lengths)."""
    lm = np.asarray(landmarks, np.float64)
    gap = np.hypot(*(lm[66] - lm[62]))
    length = np.hypot(*(lm[8] - lm[27])) + 1e-6
    return float(np.clip((gap / length - 0.03) / 0.3, 0.0, 1.0))


def eye_closure(landmarks: np.ndarray) -> float:
    """0 open .. 1 shut, from the eye aspect ratio (Soukupova and Cech 2016): about 0.3 open,
    under 0.15 shut."""
    lm = np.asarray(landmarks, np.float64)

    def ear(e: np.ndarray) -> float:
        return (np.hypot(*(e[1] - e[5])) + np.hypot(*(e[2] - e[4]))) / (2 * np.hypot(*(e[0] - e[3])) + 1e-6)

    ratio = (ear(lm[36:42]) + ear(lm[42:48])) / 2
    return float(np.clip((0.24 - ratio) / 0.1, 0.0, 1.0))
