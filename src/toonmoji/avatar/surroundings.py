"""What the photo shows around the face: the shirt under the chin and the smile lines beside
the mouth (the drawing's shoulders and age cues)."""

from __future__ import annotations

import cv2
import numpy as np

from toonmoji.avatar.canonical import FACE_WIDTH, Canonical
from toonmoji.avatar.colour import hex_of, lab_of, rgb_of, rgb_of_lab, robust_colour
from toonmoji.faces.segment import person_probability

LINES_PX = 80  # photo pixels across the face below which folds are not resolved


def person_mask(c: Canonical) -> np.ndarray:
    """`(H, W) bool`: the canonical crop's person pixels (selfie segmentation), hair included."""
    h, w = c.image.shape[:2]
    return person_probability(c.image, (0, 0, w, h)) >= 0.5


def clothing_colour(c: Canonical, gains: np.ndarray, skin_lab: np.ndarray | None = None,
                    hair_hex: str | None = None, person: np.ndarray | None = None) -> str | None:
    """The shirt's colour: person pixels (selfie segmentation) from half a face length below the
    chin down, beside and under the neck, that are neither skin (the skin's hue, any shade: a neck,
    bare shoulders) nor hair (long hair falls on the shoulders); None when the photo ends at the
    chin or shows too little of the clothes to say."""
    lm = c.landmarks
    face_len = lm[8, 1] - lm[27, 1]
    h, w = c.image.shape[:2]
    y0, y1 = int(lm[8, 1] + 0.45 * face_len), int(min(h, lm[8, 1] + 1.1 * face_len))
    x0, x1 = int(max(0, lm[8, 0] - 0.8 * FACE_WIDTH)), int(min(w, lm[8, 0] + 0.8 * FACE_WIDTH))
    if y1 - y0 < 8 or x1 - x0 < 8:
        return None
    region = np.zeros((h, w), bool)
    region[y0:y1, x0:x1] = True
    region &= c.valid
    if region.sum() < 200:
        return None
    person = person_mask(c) if person is None else person
    px = np.clip(c.image[region & person].astype(np.float64) * gains, 0, 255)
    if len(px) < 150:
        return None
    lab = lab_of(px)
    keep = np.ones(len(px), bool)
    if skin_lab is not None:
        keep &= ~skin_like(lab, skin_lab)
    if hair_hex is not None:
        keep &= np.linalg.norm(lab - lab_of(rgb_of(hair_hex)[None])[0], axis=1) > 15.0
    if keep.sum() < 150:
        return None
    colour = robust_colour(px[keep], 15.0, 90.0)
    return None if colour is None else hex_of(rgb_of_lab(colour[None])[0])


def skin_like(lab: np.ndarray, skin_lab: np.ndarray) -> np.ndarray:
    """`(...)` bool: the skin's hue with enough of its chroma, in any shade (shading changes
    lightness, not hue), or close to the skin colour itself."""
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    skin_chroma = float(np.hypot(skin_lab[1], skin_lab[2]))
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    gap = np.abs((hue - np.degrees(np.arctan2(skin_lab[2], skin_lab[1])) + 180.0) % 360.0 - 180.0)
    return ((gap < 18) & (chroma > 0.5 * skin_chroma)) | (np.linalg.norm(lab - skin_lab, axis=-1) < 12.0)


def smile_lines(c: Canonical) -> float:
    """0 .. 1: how much the folds from the nose wings to the mouth corners show, as a dark ridge
    between the skin on either side of it, on both sides of the face (a shadow from a side light
    darkens one); 0 when the face is too small to resolve them. Plain by default: a faint ridge
    gives 0, so a young face is not drawn with lines."""
    if c.face_px < LINES_PX:
        return 0.0
    lm = c.landmarks
    light = cv2.GaussianBlur(lab_of(c.image.reshape(-1, 3)).reshape(c.image.shape)[..., 0].astype(np.float32),
                             (0, 0), 1.5)
    t = np.linspace(0.15, 0.85, 12)
    ridges = []
    for wing, corner, out in ((31, 48, -1.0), (35, 54, 1.0)):
        profile = []
        for offset in range(-4, 22, 2):  # lines parallel to nose wing -> mouth corner, moving outwards
            a, b = lm[wing] + (out * offset, 2.0), lm[corner] + (out * offset, 0.0)
            line = a[None] * (1 - t[:, None]) + b[None] * t[:, None]
            xs = np.clip(np.round(line[:, 0]).astype(int), 0, light.shape[1] - 1)
            ys = np.clip(np.round(line[:, 1]).astype(int), 0, light.shape[0] - 1)
            profile.append(float(np.median(light[ys, xs])))
        p = np.asarray(profile)
        ridges.append(min(p[:2].mean(), p[-2:].mean()) - p[3:10].min())  # darker than both sides
    return round(float(np.clip((min(ridges) - 2.0) / 4.0, 0.0, 1.0)), 2)  # L* of ridge beyond 2
