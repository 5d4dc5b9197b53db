"""The ears, read from the photo: the face mesh has none, so they are found as skin that reaches
out beyond the face's outline at ear height, inside the person matte.

At each row of the canonical crop from the brows down to a little below the nose's base, the
walk starts on the face's outline (iBUG points 0-4 and 12-16) and goes outwards while the pixels
are person (selfie segmentation) and of the skin's hue (`surroundings.skin_like`), jumping gaps
of up to 3 pixels (an ear's shadowed fold). Per side, the ear's *reach* is the 75th percentile
of how far that walk gets over the brows-to-nose rows, in face widths. The side reaching further is the one measured: an ear hidden by hair, by the head's turn or by the
photo's edge reads as none, so the larger reading is the truer one. A walk that reaches
`MAX_REACH` has run into something else of the skin's hue (warm-coloured hair, a neighbour's
face) and its row is not read; a side with fewer than half its rows read is not measured. No ear
on either side (a hood, the photo cut at the cheeks) or a face under `MIN_FACE` pixels: None, and
the avatar keeps the default ears. The fitting does not read ears under a hair style that
covers them (the drawing hides them there too).

The reach is turned into `ears.protrusion` against the median of real faces (`EAR_AVERAGES`,
spread `EAR_SPREADS`, measured by bench/avatar_face_averages.py) and exaggerated a little
(`features.CARICATURE`), as the face's proportions are. `ears.size` is not fitted: the ear's
length (the rows the walk gets half as far in, down to the earlobe's level) did not hold from
photo to photo (on the identity bench's 24 faces of four men with ears showing, 76% of its
variance was left within one man, and it ordered same-person pairs no better than chance), so
drawing it would draw noise. On a bald head the side of the skull above the ear is skin too,
so a wide skull reads as a little more protrusion; the drawing then sets the ears a little out,
which is what such a head looks like from the front.
"""

from __future__ import annotations

import numpy as np

from toonmoji.avatar.canonical import FACE_WIDTH, Canonical
from toonmoji.avatar.colour import lab_of
from toonmoji.avatar.features import CARICATURE
from toonmoji.avatar.surroundings import skin_like

MIN_FACE = 40.0  # photo pixels across: an ear under ~6 px is not resolved
GAP = 3  # canonical pixels of non-skin the walk jumps (an ear's fold in shadow)
LOBE = 0.3  # the rows walked reach this share of the brows-to-nose height below the nose
SEEN = 0.03  # face widths: a walk shorter than this is the outline's own blur, not an ear
# face widths: no ear reaches this far out; a walk that does has run into something else of the
# skin's hue (a neighbour's face, warm-coloured hair, a bare shoulder) and the row is not read
MAX_REACH = 0.3
# medians and robust spreads (1.4826 x MAD) over the real faces >= 40 px of ../shared/data/faces
# and faces-attributes/images: bench/avatar_face_averages.py
EAR_AVERAGES = {"reach": 0.1128}
EAR_SPREADS = {"reach": 0.0446}


def ear_reach(skin: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """`(2, R)` how far skin reaches out beyond the outline, in face widths, at each row from the
    brows down to `LOBE` below the nose's base (sides: the image's left, then right; NaN where
    the walk reaches `MAX_REACH`), the rows (canonical y) and how many lie above the nose's base."""
    lm = np.asarray(landmarks, np.float64)
    top, nose = round(float(lm[[19, 24], 1].mean())), lm[33, 1]
    bottom = round(float(nose + LOBE * (nose - top)))
    h, w = skin.shape
    rows = np.arange(max(top, 0), min(bottom, h))
    out = np.zeros((2, len(rows)))
    for s, (outline, step) in enumerate(((lm[0:5], -1), (lm[12:17], 1))):
        order = np.argsort(outline[:, 1])
        xs = np.interp(rows, outline[order, 1], outline[order, 0])
        for k, (y, x0) in enumerate(zip(rows, xs)):
            x, gap, reach = round(float(x0)), 0, 0.0
            while 0 <= x < w and gap <= GAP and reach < MAX_REACH * FACE_WIDTH:
                if skin[y, x]:
                    reach, gap = abs(x - x0), 0
                else:
                    gap += 1
                x += step
            out[s, k] = reach / FACE_WIDTH if reach < MAX_REACH * FACE_WIDTH else np.nan
    return out, rows, int(np.sum(rows < nose))


def ear_measures(c: Canonical, skin_lab: np.ndarray, person: np.ndarray,
                 gains: np.ndarray | None = None) -> dict[str, float] | None:
    """{"reach": face widths} of the ear reaching further (see the module doc), or None when no
    ear shows or the face is too small."""
    if c.upright.width < MIN_FACE:
        return None
    lm = c.landmarks
    y0 = max(0, int(lm[[19, 24], 1].mean()) - 1)
    y1 = min(c.image.shape[0], int(lm[33, 1] + LOBE * (lm[33, 1] - lm[[19, 24], 1].mean())) + 2)
    px = c.image[y0:y1].reshape(-1, 3).astype(np.float64)
    if gains is not None:
        px = np.clip(px * gains, 0, 255)
    band = skin_like(lab_of(px), skin_lab).reshape(y1 - y0, -1)
    skin = np.zeros(c.image.shape[:2], bool)
    skin[y0:y1] = band
    skin &= person & c.valid
    reach, _, upper = ear_reach(skin, lm)
    readable = np.isfinite(reach[:, :upper]).sum(axis=1) >= max(2, upper / 2)  # else no ear to see
    if upper < 2 or not readable.any():
        return None
    per_side = np.array([np.nanpercentile(r[:upper], 75) if ok else 0.0 for r, ok in zip(reach, readable)])
    side = int(np.argmax(per_side))
    if per_side[side] < SEEN:
        return None
    return {"reach": float(per_side[side])}


def ear_attributes(raw: dict[str, float]) -> dict[str, float]:
    """`ears.protrusion` from `ear_measures`: the average ear drawn at 0.5, moved 0.15 per
    spread (times `CARICATURE`) the ear reaches further out than the average one."""
    z = (raw["reach"] - EAR_AVERAGES["reach"]) / EAR_SPREADS["reach"]
    return {"ears.protrusion": float(np.clip(0.5 + 0.15 * CARICATURE * z, 0.0, 1.0))}
