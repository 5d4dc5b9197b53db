"""Hair: its colour, mask and silhouette from the head matte, simplified to 24 radii.

The head matte (`toonmoji.emoji.matte`, GrabCut seeded by the landmarks) holds face, hair, ears
and neck. Hair is what of it is neither face nor skin-coloured; its colour is learnt on the crown
(above the brows), and the mask is then kept to pixels near that colour and joined to the crown or
the temples, so a dark background or a shirt does not count. The silhouette is the hair's reach
along 24 rays from the head centre (in head radii: 1 is the drawn head's edge), median-smoothed:
a few numbers that draw as one smooth closed path and that a person can edit.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.avatar.canonical import Canonical
from toonmoji.avatar.colour import hex_of, lab_of, rgb_of_lab, robust_colour
from toonmoji.avatar.model import OUTLINE_POINTS
from toonmoji.emoji.matte import compute_matte

HIDDEN = 0.85  # radius of a ray with no hair: under the head


@dataclass(frozen=True)
class HairFit:
    style: str
    color: str | None
    outline: list[float]
    fringe: float
    part: float
    mask: np.ndarray  # (H, W) bool in the canonical crop


def head_ellipse(c: Canonical) -> tuple[np.ndarray, float, float]:
    """Centre and radii (canonical px) of the photo's head matching the avatar's reference ellipse:
    the avatar's eye line (y 51.5) and chin (y 83.2) pinned to the photo's, half-width to 64 px."""
    lm = c.landmarks
    eye_y = lm[36:48, 1].mean()
    per_unit = (lm[8, 1] - eye_y) / 31.7
    centre = np.array([lm[27, 0], eye_y - 1.5 * per_unit])
    return centre, 64.0, 33.0 * per_unit


def fit_hair(c: Canonical, skin_lab: np.ndarray) -> HairFit:
    """Hair style, colour, silhouette and hairline from the canonical crop."""
    img = c.image
    lm = c.landmarks
    centre, rx, ry = head_ellipse(c)
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    ell = ((xx - centre[0]) / rx) ** 2 + ((yy - centre[1]) / ry) ** 2
    matte = compute_matte(img, lm).alpha >= 0.5
    lab = lab_of(img.reshape(-1, 3)).reshape(img.shape)
    d_chroma = np.linalg.norm(lab[..., 1:] - skin_lab[1:], axis=2)
    skinlike = (d_chroma < 9.0) & (np.abs(lab[..., 0] - skin_lab[0]) < 22)
    brow_y = lm[17:27, 1].min()
    hull = cv2.convexHull(np.vstack([lm[:17], lm[17:27] - (0, 6)]).astype(np.float32))[:, 0]
    face = c.polygon_mask(hull)
    near_face = cv2.dilate(face.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31))).astype(bool)
    # the crescent along the top of the head: hair, or a bald scalp
    # in the photo's own proportions (the crown about as far above the eyes as the chin is below)
    eye_y = lm[36:48, 1].mean()
    ell_photo = ((xx - lm[27, 0]) / 66.0) ** 2 + ((yy - eye_y) / (0.95 * (lm[8, 1] - eye_y))) ** 2
    ring = ~face & (yy < brow_y - 10) & (ell_photo < 1.0) & (ell_photo > 0.75**2) & c.valid
    # beards, sideburns and jaw shadows hug the face below the nose: never hair
    jaw_band = cv2.dilate(face.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))).astype(bool)
    candidates = matte & ~skinlike & ~face & ~(jaw_band & (yy > lm[30, 1])) & (ell < 2.3**2) & c.valid
    if (ring & skinlike).sum() > 0.6 * max(1, ring.sum()):
        side = candidates & near_face & (yy < lm[30, 1]) & (np.abs(xx - centre[0]) > 0.8 * rx)
        side_lab = robust_colour(img[side], 10.0, 95.0) if side.sum() > 40 else None
        mask = np.zeros_like(matte)
        if side_lab is not None:
            mask = _joined(_near(lab, side_lab, candidates), side) & (np.abs(xx - centre[0]) > 0.8 * rx) & (yy < lm[8, 1])
        radii = [min(r, 1.2) for r in _radii(mask, centre, rx, ry)]  # what is left is close-cropped
        return HairFit("bald", None if side_lab is None else hex_of(rgb_of_lab(side_lab[None])[0]), radii, 0.0, 0.0, mask)
    colour_lab = robust_colour(img[ring & ~skinlike], 10.0, 95.0)
    colour = hex_of(rgb_of_lab(colour_lab[None])[0])
    mask = _joined(_near(lab, colour_lab, candidates), ring)
    fringe, part = _hairline(mask | (ring & ~skinlike), c, brow_y)
    if (mask & ring).sum() < 0.3 * ring.sum():  # the matte lost the hair (dark on dark): a template
        return HairFit("short", colour, [], fringe, part, ring & ~skinlike)
    radii = _radii(mask, centre, rx, ry)
    refined = robust_colour(img[mask], 10.0, 95.0)  # the whole silhouette's colour, not just the crown's
    if refined is not None:
        colour = hex_of(rgb_of_lab(refined[None])[0])
    return HairFit(_style(radii), colour, radii, fringe, part, mask)


def _near(lab: np.ndarray, colour_lab: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    d = np.linalg.norm(lab - colour_lab, axis=2)
    near = candidates & (d < 24.0 + 0.25 * max(0.0, 60.0 - colour_lab[0]))
    return cv2.morphologyEx(near.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)


def _joined(mask: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """The parts of `mask` connected to `seed` (after closing small gaps)."""
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    _, parts = cv2.connectedComponents(closed, connectivity=8)
    keep = np.unique(parts[seed & (parts > 0)])
    return np.isin(parts, keep) & mask if len(keep) else np.zeros_like(mask)


def _radii(mask: np.ndarray, centre: np.ndarray, rx: float, ry: float) -> list[float]:
    """The hair's outermost reach along 24 rays, in head radii, smoothed; HIDDEN where none."""
    h, w = mask.shape
    r = np.arange(0.7, 2.6, 0.02)
    out = np.full(OUTLINE_POINTS, HIDDEN)
    for i in range(OUTLINE_POINTS):
        a = i * 2 * np.pi / OUTLINE_POINTS
        xs = np.round(centre[0] + rx * r * np.sin(a)).astype(int)
        ys = np.round(centre[1] - ry * r * np.cos(a)).astype(int)
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        hit = np.zeros_like(r, dtype=bool)
        hit[ok] = mask[ys[ok], xs[ok]]
        if hit.sum() >= 3:
            out[i] = max(HIDDEN, float(r[np.nonzero(hit)[0][-1]]))
    out[11:14] = np.minimum(out[11:14], 0.9)  # straight down is the neck, not hair
    padded = np.concatenate([out[-1:], out, out[:1]])
    med = np.array([np.median(padded[i : i + 3]) for i in range(OUTLINE_POINTS)])
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0  # rounds off spikes between rays
    med = np.convolve(np.concatenate([med[-2:], med, med[:2]]), kernel, mode="valid")
    return [round(float(v), 3) for v in np.clip(med, 0.5, 1.75)]


def _hairline(hair: np.ndarray, c: Canonical, brow_y: float) -> tuple[float, float]:
    """Fringe 0 (high hairline) .. 1 (bangs to the brows) and parting side, from where hair starts
    above the brows at three points across the forehead."""
    lm = c.landmarks
    length = lm[8, 1] - lm[27, 1]
    heights = []
    for dx in (-0.22, 0.0, 0.22):
        x = round(float(lm[27, 0]) + dx * 128.0)
        col = hair[: int(brow_y), max(0, x - 2) : x + 3].any(axis=1)
        rows = np.nonzero(col)[0]
        heights.append((brow_y - rows[-1]) / length if len(rows) else 1.0)
    mid = float(np.median(heights))
    fringe = float(np.clip((18.5 - 37.0 * mid) / 9.0, 0.0, 1.0))
    part = float(np.clip((heights[0] - heights[2]) / 0.15, -1.0, 1.0))
    return round(fringe, 3), round(part, 3)


def _style(radii: list[float]) -> str:
    """long (reaches past the ears outside the head), curly (volume), tied (a bun), short."""
    r = np.asarray(radii)
    sides_low = max(r[8:11].max(), r[14:17].max())  # 120..150 and 210..240 degrees
    top = r[[0, 1, 23]].mean()
    upper_sides = np.r_[r[2:6], r[19:23]].mean()
    if sides_low >= 1.1:
        return "long_straight"
    if top >= 1.32 and upper_sides >= 1.25:
        return "curly"
    if top >= 1.3 and upper_sides < 1.12:
        return "ponytail"
    return "short"
