"""Hair: its colour, mask and silhouette from the head matte, simplified to 24 radii.

The head matte (`toonmoji.emoji.matte`, GrabCut seeded by the landmarks) holds face, hair, ears
and neck. Hair is what of it is neither face nor skin-coloured; its colour is learnt on the crown
(above the brows), and the mask is then kept to pixels near that colour and joined to the crown or
the temples, so a dark background or a shirt does not count. The silhouette is the hair's reach
along 24 rays from the head centre (in head radii: 1 is the drawn head's edge), median-smoothed:
a few numbers that draw as one smooth closed path and that a person can edit.

The head matte cuts the neck under the chin and drops the shoulders beside it, and with them long
hair hanging there. So where the head matte finds no length, the person matte's pixels of the
hair's colour beside the head, from the brows (the temples, where GrabCut loses dark or shaded
hair too) down past the jaw to the neck's end, are added, also where the head matte lost all of
the hair; they make the hair long only when they reach below the ears on both sides (loose long
hair frames the face; a dark background, a neighbour or a jacket joins the hair on one side).

Bald is decided from the bare scalp above the forehead, and vetoed when the person matte (selfie
segmentation, which keeps hair of any colour against any background) shows a layer of hair on
top of it; when the photo's top edge cuts through the forehead, the photo cannot say. A scalp
that steps down in lightness inside that bare run is stubble's hairline: a buzz cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.avatar.canonical import FACE_WIDTH, Canonical
from toonmoji.avatar.colour import hex_of, lab_of, rgb_of, rgb_of_lab, robust_colour
from toonmoji.avatar.hair_colour import named_hair_colour
from toonmoji.avatar.model import OUTLINE_POINTS
from toonmoji.avatar.naming import length_class
from toonmoji.avatar.surroundings import person_mask
from toonmoji.emoji.matte import compute_matte

HIDDEN = 0.85  # radius of a ray with no hair: under the head
BALD = 0.82  # share of the head above the brows that is bare skin, for bald
RECEDING = 0.65  # ... for a receding hairline
RECEDING_LINE = 0.5  # face lengths above the brows: a hairline higher than a forehead reaches
BALD_LINE = 0.6  # ... bare skin this high is past any hairline (2 SD above a forehead's height)
SCALP_SHADE = 28.0  # L* a scalp may be darker than the face and still count as skin
HAIR_ON_TOP = 0.15  # face lengths of hair above the forehead (about 2 cm) that rule out bald
CROWN = 0.6  # face lengths above the brows a photo must show to tell a bald head
FAR = 2.0  # head radii: only an afro or loose long hair reaches this far
BARE_SIDE = 0.95  # head radii: no hair beside the head on that side
CLOSE = 1.2  # what a one-sided far reach is capped to
LONG_REACH = 1.1  # head radii below the ears (120-150 and 210-240 degrees): hair to the shoulders
NECK_END = 0.3  # face lengths under the chin: the neck's end, where the head matte cuts (emoji.matte.NECK_CUT)
TIGHT_SIDES = 1.12  # head radii: hair along the sides of the head pulled back flat (a bun, a tail)
FACE_PX_FOR_TEXTURE = 80  # photo pixels across the face from which hair strands are resolved
FACE_PX_FOR_SCALP = 48  # ... from which a thin layer of hair on the scalp (HAIR_ON_TOP) is resolved
BESIDE = (1.2, 1.5)  # head half-widths out from the nose bridge: beside the head, off the skull
BACKGROUND_DE = 12.0  # CIELAB Delta E within which a strip pixel has the colour beside the head
DRIFT_SPAN = 0.05  # face lengths over which a scalp's colour is compared with the skin below it
DRIFT = 10.0  # CIELAB Delta E over that span: more is a step (a hairline), less a sheen or shade
BUZZ_STEP = DRIFT  # L* a bare-looking scalp darkens by over DRIFT_SPAN: a buzz cut's hairline
BUZZ_FROM = 0.15  # face lengths above the brows from which that step is looked for (above the brows' own shade)


@dataclass(frozen=True)
class HairFit:
    style: str
    color: str | None
    outline: list[float]
    fringe: float
    part: float
    mask: np.ndarray  # (H, W) bool in the canonical crop
    score: float = 0.5  # how sure the style is, 0..1
    alternative: str | None = None  # the runner-up style
    grey: float = 0.0


def head_ellipse(c: Canonical) -> tuple[np.ndarray, float, float]:
    """Centre and radii (canonical px) of the photo's head matching the avatar's reference ellipse:
    the avatar's eye line (y 51.5) and chin (y 83.2) pinned to the photo's, half-width to 64 px."""
    lm = c.landmarks
    eye_y = lm[36:48, 1].mean()
    per_unit = (lm[8, 1] - eye_y) / 31.7
    centre = np.array([lm[27, 0], eye_y - 1.5 * per_unit])
    return centre, 64.0, 33.0 * per_unit


def fit_hair(c: Canonical, skin_lab: np.ndarray, gains: np.ndarray | None = None,
             person: np.ndarray | None = None) -> HairFit:
    """Hair style, colour (white-balanced by `gains`), silhouette and hairline from the canonical
    crop, with how sure the style is and the runner-up. `person`: the crop's person matte
    (`(H, W) bool`, selfie segmentation), computed here when not given."""
    img = c.image
    balanced = img if gains is None else np.clip(img * np.asarray(gains), 0, 255)
    lm = c.landmarks
    centre, rx, ry = head_ellipse(c)
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    ell = ((xx - centre[0]) / rx) ** 2 + ((yy - centre[1]) / ry) ** 2
    matte = compute_matte(img, lm).alpha >= 0.5
    lab = lab_of(img.reshape(-1, 3)).reshape(img.shape)
    if not head_visible(c):  # the frame cuts the head off above the brows: nothing to read
        return HairFit("short", None, [], 0.4, 0.0, np.zeros_like(matte), 0.3, "bald")
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
    hair_like = ~skinlike & ~face & ~(jaw_band & (yy > lm[30, 1])) & (ell < 2.3**2) & c.valid
    candidates = matte & hair_like
    bare, hairline = scalp(c, lab, skin_lab, matte)
    if person is None:
        person = person_mask(c)
    beyond = hairline >= BALD_LINE  # bare skin higher than any forehead reaches: a bald crown
    haired = hair_on_top(c, lab, skin_lab, person) >= HAIR_ON_TOP and not beyond
    if not haired and (bare >= RECEDING or (ring & skinlike).sum() > 0.6 * max(1, ring.sum())):
        if crown_cut_off(c, person):  # a bare forehead up to the photo's edge: bald or not, it can't say
            return HairFit("short", None, [], 0.4, 0.0, np.zeros_like(matte), 0.3, "bald")
        side = candidates & near_face & (yy < lm[30, 1]) & (np.abs(xx - centre[0]) > 0.8 * rx)
        side_lab = robust_colour(img[side], 10.0, 95.0) if side.sum() > 40 else None
        mask = np.zeros_like(matte)
        if side_lab is not None:
            mask = _joined(_near(lab, side_lab, candidates), side) & (np.abs(xx - centre[0]) > 0.8 * rx) & (yy < lm[8, 1])
        radii = [min(r, 1.2) for r in _radii(mask, centre, rx, ry)]  # what is left is close-cropped
        named = named_hair_colour(balanced[colour_sample(c, mask, lab, skin_lab, person)], skin_lab) if mask.sum() >= 30 else None
        colour = named[1] if named else None
        if (bare >= BALD or beyond) and hairline >= 0.25:
            if hairline < 0.45:  # the head ends low: light hair on a light background may be lost
                style, score, alternative = "bald", 0.5, "short"
            else:
                score = round(float(np.clip(0.55 + 2.5 * (bare - BALD), 0.55, 0.9)), 2)
                style, alternative = "bald", "buzz" if bare > 0.95 else "receding"
        elif bare >= RECEDING:
            style, score, alternative = "receding", 0.5, "bald" if bare >= 0.75 else "short"
        else:
            style, score, alternative = "bald", 0.45, "short"  # a skin-coloured crown only
        style, score, alternative = bald_if_resolved(style, score, alternative, c.face_px, hairline)
        if style == "bald" and c.face_px >= FACE_PX_FOR_TEXTURE:
            # its colour is the hair's beside the temples, read above, where the stubble is thicker
            style, score, alternative = buzz_if_stepped(style, score, alternative, buzz_step(c, lab, skin_lab, matte))
            if style == "buzz" and not darker_than_skin(colour, skin_lab):
                colour = stubble_colour(c, lab, balanced, skin_lab, matte & person & ~face) or colour
        return HairFit(style, colour, radii, 0.1 if style == "receding" else 0.0, 0.0, mask, score, alternative)
    colour_lab = robust_colour(img[ring & ~skinlike], 10.0, 95.0)
    if colour_lab is None:  # nothing but skin and background above the brows: a neutral guess
        return HairFit("short", None, [], 0.4, 0.0, np.zeros_like(matte), 0.3, "bald")
    colour = hex_of(rgb_of_lab(colour_lab[None])[0])
    mask = _joined(_near(lab, colour_lab, candidates), ring)

    def framed_with(rows: np.ndarray) -> list[float]:
        """The silhouette's radii with the person matte's hair-like pixels in `rows` joined in."""
        hanging = person & rows & hair_like
        return _radii(_joined(_near(lab, colour_lab, candidates | hanging), ring), centre, rx, ry)

    fringe, part = _hairline(mask | (ring & ~skinlike), c, brow_y)
    if (mask & ring).sum() < 0.3 * ring.sum():  # the matte lost the hair (dark on dark): a template
        crown = ring & ~skinlike
        named = named_hair_colour(balanced[colour_sample(c, crown, lab, skin_lab, person)], skin_lab)
        # the person matte's hair then stands for the crown's too, from the top down to the neck's end
        framed = framed_with(_beside_the_head(c) | (yy <= brow_y))
        if frames_the_face(framed):
            return HairFit("long_straight", named[1] if named else colour, framed, fringe, part, crown, 0.4, "short",
                           named[2] if named else 0.0)
        return HairFit("short", named[1] if named else colour, [], fringe, part, crown, 0.4, "medium",
                       named[2] if named else 0.0)
    radii = _radii(mask, centre, rx, ry)
    # the whole silhouette's colour, not just the crown's
    named = named_hair_colour(balanced[colour_sample(c, mask, lab, skin_lab, person)], skin_lab)
    if named is not None and covered(c, lab, mask):  # a hat, a hood: the hair itself is not shown
        return HairFit("short", None, [], 0.4, 0.0, np.zeros_like(matte), 0.3, _style(radii)[0])
    style, score, alternative = receding_if_high(*curly_if_resolved(*_style(radii), c.face_px), hairline)
    if length_class(style) != "long":  # the head matte stops at the jaw: is there hair below it?
        framed = framed_with(_beside_the_head(c))  # the person matte keeps what GrabCut cut
        if frames_the_face(framed):
            style, score, alternative, radii = "long_straight", 0.5, style, framed
    return HairFit(style, named[1] if named else colour, radii, fringe, part, mask, score, alternative,
                   named[2] if named else 0.0)


def _beside_the_head(c: Canonical) -> np.ndarray:
    """`(H, W) bool`: the rows from the brows down to `NECK_END` face lengths under the chin, the
    path loose long hair takes from the crown: past the temples and the ears, then beside the jaw
    and the neck before it falls on the shoulders. From the brows, not from below the ears: where
    the head matte loses the hair at the temples (dark hair on a dark background, hair in shadow),
    the hair below the ears is not joined to the crown's any other way."""
    lm = c.landmarks
    yy = np.arange(c.image.shape[0])[:, None]
    rows = (yy > lm[17:27, 1].min()) & (yy < lm[8, 1] + NECK_END * (lm[8, 1] - lm[27, 1]))
    return np.broadcast_to(rows, c.image.shape[:2])


def frames_the_face(radii: list[float]) -> bool:
    """Whether a silhouette reaches `LONG_REACH` head radii below the ears on *both* sides: loose
    long hair frames the face. The person matte beside the jaw also holds a dark background, a
    neighbour or a jacket of the hair's colour, and those join the hair on one side; hair brought
    over one shoulder is the tail's case (`tied_over_shoulder`)."""
    r = np.asarray(radii)
    return bool(min(r[8:11].max(), r[14:17].max()) >= LONG_REACH)


def curly_if_resolved(style: str, score: float, alternative: str, face_px: float) -> tuple[str, float, str]:
    """Curly only where the photo resolves the hair's strands (a face `face_px` photo pixels wide,
    at least `FACE_PX_FOR_TEXTURE`); below that, volume all round is as often a neighbour or a
    dark background joined to short hair, so it is drawn short (the volume still comes from the
    silhouette) with curly offered as the alternative."""
    if style == "curly" and face_px < FACE_PX_FOR_TEXTURE:
        return "short", 0.45, "curly"
    return style, score, alternative


def bald_if_resolved(style: str, score: float, alternative: str, face_px: float,
                     hairline: float) -> tuple[str, float, str]:
    """Bald only where the photo resolves a thin layer of hair on the scalp (a face `face_px`
    photo pixels wide, at least `FACE_PX_FOR_SCALP`): `HAIR_ON_TOP` is then 5 photo pixels or
    more. On a smaller face thin, grey or slicked-back hair blurs into the scalp and into the
    background, and the person matte cannot show it, so a bare-looking crown is drawn receding
    (some hair, a high hairline) with bald the alternative, unless the bare skin reaches
    `BALD_LINE` (past where any forehead ends: a bald crown whatever the size)."""
    if style == "bald" and face_px < FACE_PX_FOR_SCALP and hairline < BALD_LINE:
        return "receding", 0.4, "bald"
    return style, score, alternative


def buzz_if_stepped(style: str, score: float, alternative: str, step: float) -> tuple[str, float, str]:
    """A bald-looking scalp that steps down in lightness by `BUZZ_STEP` L* or more (`buzz_step`)
    is a buzz cut: hair cut to stubble, the scalp showing through it. Given as a doubtful choice
    (0.4-0.6), bald the alternative; a weaker step stays the plainer bald."""
    if style == "bald" and step >= BUZZ_STEP:
        return "buzz", round(float(np.clip(0.4 + 0.02 * (step - BUZZ_STEP), 0.4, 0.6)), 2), "bald"
    return style, score, alternative


def darker_than_skin(colour: str | None, skin_lab: np.ndarray) -> bool:
    """Whether a hair colour is darker (L*) than the skin: stubble darkens the scalp it grows on,
    so a colour read beside the head that is not darker is the background, not the stubble."""
    return colour is not None and float(lab_of(rgb_of(colour)[None])[0][0]) < float(skin_lab[0])


STUBBLE_SHARE = 10.0  # percent: the darkest pixels of the upper head, where stubble is thickest


def stubble_colour(c: Canonical, lab: np.ndarray, balanced: np.ndarray, skin_lab: np.ndarray,
                   head: np.ndarray) -> str | None:
    """The named colour of a buzz cut's stubble from the darkest `STUBBLE_SHARE` percent of the
    `head` above the brows (up to 0.8 face lengths): the rest is the scalp showing through."""
    lm = c.landmarks
    yy = np.arange(head.shape[0])[:, None]
    brow = lm[17:27, 1].min()
    upper = head & c.valid & (yy < brow) & (yy > brow - 0.8 * (lm[8, 1] - lm[27, 1]))
    if upper.sum() < 300:
        return None
    light = lab[upper][:, 0]
    named = named_hair_colour(balanced[upper][light <= np.percentile(light, STUBBLE_SHARE)], skin_lab)
    return named[1] if named else None


def receding_if_high(style: str, score: float, alternative: str, hairline: float) -> tuple[str, float, str]:
    """Short hair whose hairline (face lengths above the brows) lies above `RECEDING_LINE` is
    receding. A forehead ends about 0.3-0.48 face lengths up (the 47 haired development faces), so
    an ordinary forehead under short hair stays short."""
    if hairline >= RECEDING_LINE and style in ("short", "buzz"):
        return "receding", 0.45, "short"
    return style, score, alternative


COLOUR_REACH = 1.35  # head radii (the crown's ellipse) within which hair colour is read


def colour_sample(c: Canonical, mask: np.ndarray, lab: np.ndarray, skin_lab: np.ndarray,
                  person: np.ndarray) -> np.ndarray:
    """The part of the hair `mask` its colour is read from: on the person (selfie segmentation
    drops a dark background the head matte joined to dark hair), not of the skin's colour (a
    scalp or forehead at the hairline, a neighbour's face) and within `COLOUR_REACH` head radii of
    the face (beyond, a neighbour's hair or clothes join by colour in a group photo). The whole
    mask where that leaves under 30 pixels."""
    lm = c.landmarks
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    eye_y = lm[36:48, 1].mean()
    ell = ((xx - lm[27, 0]) / 66.0) ** 2 + ((yy - eye_y) / (0.95 * (lm[8, 1] - eye_y))) ** 2
    sample = mask & person & ~scalp_skin(lab, skin_lab) & (ell < COLOUR_REACH**2)
    return sample if sample.sum() >= 30 else mask


def covered(c: Canonical, lab: np.ndarray, mask: np.ndarray) -> bool:
    """Whether what sits on the head is smooth and not dark: fabric (a hat), not hair. Hair has
    strands, so its lightness varies from pixel to pixel; black hair is too dark to show it, so a
    dark crown is always taken for hair. Only decided where the photo resolves strands."""
    if FACE_PX_FOR_TEXTURE > c.face_px or mask.sum() < 200:
        return False
    light = lab[..., 0].astype(np.float32)
    sigma = 1.5 * max(1.0, c.scale)
    residual = np.abs(light - cv2.GaussianBlur(light, (0, 0), sigma))
    return bool(np.median(light[mask]) > 25.0 and np.median(residual[mask]) < 0.3)


def head_visible(c: Canonical) -> bool:
    """Whether the photo shows the head above the brows (not cut off by the frame's top edge)."""
    lm = c.landmarks
    brow_y = lm[17:27, 1].min()
    top = max(0, int(brow_y - 0.6 * (lm[8, 1] - lm[27, 1])))
    x0, x1 = int(lm[0, 0]), int(lm[16, 0])
    return bool(c.valid[top : int(brow_y), x0:x1].mean() >= 0.6)


def crown_cut_off(c: Canonical, person: np.ndarray) -> bool:
    """Whether the photo's top edge cuts the head off within `CROWN` face lengths above the brows
    (the strip above the nose bridge runs out of photo before it runs out of person): a bare
    forehead there may be a bald head or a high forehead under hair out of frame."""
    lm = c.landmarks
    x0, x1 = int(lm[27, 0] - 22), int(lm[27, 0] + 23)
    brow = int(lm[17:27, 1].min())
    y = brow - 6
    while y > 0 and (person[y, x0:x1] & c.valid[y, x0:x1]).mean() >= 0.5:
        y -= 1
    return bool(c.valid[max(y, 0), x0:x1].mean() < 0.5 and brow - y < CROWN * (lm[8, 1] - lm[27, 1]))


def scalp_skin(lab: np.ndarray, skin_lab: np.ndarray) -> np.ndarray:
    """`(H, W) bool`: pixels a bare scalp could be. The skin's hue with enough of its chroma
    (shading changes lightness, not hue; a bald scalp's highlight is lighter but keeps some colour;
    grey or white hair has none)."""
    light, chroma = lab[..., 0], np.hypot(lab[..., 1], lab[..., 2])
    skin_chroma = float(np.hypot(skin_lab[1], skin_lab[2]))
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))
    hue_gap = np.abs((hue - np.degrees(np.arctan2(skin_lab[2], skin_lab[1])) + 180.0) % 360.0 - 180.0)
    return ((hue_gap < 18) & (chroma > 0.5 * skin_chroma) & (light > skin_lab[0] - SCALP_SHADE)) | (
        (light > skin_lab[0] + 8) & (hue_gap < 40) & (chroma > 0.35 * skin_chroma))


def _strip_rows(c: Canonical, skin: np.ndarray, head: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
    """Share of skin per row of a strip above the nose bridge, from the brows up, while the strip
    is still `head`; smoothed over 5 rows. With `lab`, rows the skin reaches by a gradual drift are
    skin too (`_sheen_continued`)."""
    return _strip(c, skin, head, lab)[0]


def _strip(c: Canonical, skin: np.ndarray, head: np.ndarray,
           lab: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`_strip_rows`' run, and each of its rows' median CIELAB colour (empty without `lab`)."""
    lm = c.landmarks
    x0, x1 = int(lm[27, 0] - 22), int(lm[27, 0] + 23)
    rows, colours = [], []
    for y in range(int(lm[17:27, 1].min()) - 6, 0, -1):
        inside = head[y, x0:x1] & c.valid[y, x0:x1]
        if inside.mean() < 0.5:
            break
        rows.append(skin[y, x0:x1][inside].mean())
        if lab is not None:
            colours.append(np.median(lab[y, x0:x1][inside], axis=0))
    if not rows:
        return np.zeros(0), np.zeros((0, 3))
    run = np.convolve(np.asarray(rows), np.ones(5) / 5, mode="same")
    colours = np.asarray(colours).reshape(-1, 3)
    if lab is None or FACE_PX_FOR_TEXTURE > c.face_px:  # a step blurs to a drift
        return run, colours
    return _sheen_continued(run, colours, max(1, round(DRIFT_SPAN * (lm[8, 1] - lm[27, 1])))), colours


def _bare_rows(run: np.ndarray) -> int:
    """How many rows of a strip's run are skin from the brows up without a break."""
    breaks = np.nonzero(run < 0.5)[0]
    return int(breaks[0]) if len(breaks) else len(run)


def _sheen_continued(run: np.ndarray, colours: np.ndarray, span: int) -> np.ndarray:
    """`run` with the rows above the first break that a sheen explains set to skin: a bald crown
    catching the light turns lighter and greyer towards the top (white light added to the skin),
    smoothly over the head's curvature, whereas a hairline is a step, sharp wherever the photo
    resolves it. A row counts when it is no darker and no more colourful than the row `span` rows
    below it (itself skin) and differs from it by less than `DRIFT`."""
    out = run.copy()
    breaks = np.nonzero(out < 0.5)[0]
    if not len(breaks) or breaks[0] < span:
        return out
    chroma = np.hypot(colours[:, 1], colours[:, 2])
    for i in range(breaks[0], len(out)):
        if out[i] >= 0.5:
            continue
        j = i - span
        lit = colours[i, 0] >= colours[j, 0] - 1.0 and chroma[i] <= chroma[j] + 1.0
        if out[j] < 0.5 or not lit or np.linalg.norm(colours[i] - colours[j]) >= DRIFT:
            break
        out[i] = 0.5
    return out


def buzz_step(c: Canonical, lab: np.ndarray, skin_lab: np.ndarray, matte: np.ndarray) -> float:
    """The largest darkening (L*) over `DRIFT_SPAN` face lengths inside the bare scalp run of the
    strip above the nose bridge (from `BUZZ_FROM` face lengths above the brows up to where
    `scalp` stops). Hair cut to stubble lets the scalp show through, so the scalp walk takes it
    for skin (the skin's hue, darker); but where the stubble starts the scalp steps down in
    lightness, as at any hairline, whereas a bald crown only shades or shines gradually over the
    head's curvature. Read on faces that resolve a step
    (`FACE_PX_FOR_TEXTURE`; below, a step blurs into a drift)."""
    lm = c.landmarks
    face_len = max(1.0, lm[8, 1] - lm[27, 1])
    run, colours = _strip(c, scalp_skin(lab, skin_lab), matte, lab)
    end = _bare_rows(run)
    light = colours[:end, 0]
    span, lo = max(1, round(DRIFT_SPAN * face_len)), max(1, round(BUZZ_FROM * face_len))
    steps = [light[i - span] - light[i] for i in range(max(lo, span), end)]
    return float(max(steps)) if steps else 0.0


def scalp(c: Canonical, lab: np.ndarray, skin_lab: np.ndarray, matte: np.ndarray) -> tuple[float, float]:
    """How far up the head bare skin reaches: (share of the head above the brows that is skin
    from the forehead up without a break, hairline height in face lengths).

    Walks up a strip above the nose bridge while the strip is still head (matte); a row counts as
    skin when most of it is `scalp_skin`. A bald head is skin to the top; a receding hairline
    reaches well up first."""
    lm = c.landmarks
    face_len = max(1.0, lm[8, 1] - lm[27, 1])
    run = _strip_rows(c, scalp_skin(lab, skin_lab), matte, lab)
    if not len(run):
        return 0.0, 0.0
    hairline = float(_bare_rows(run))
    top = min(float(len(run)), 0.8 * face_len)  # a matte running on into the background is no taller head
    return min(1.0, hairline / top), hairline / face_len


def hair_on_top(c: Canonical, lab: np.ndarray, skin_lab: np.ndarray, person: np.ndarray) -> float:
    """How thick (in face lengths) the layer of non-skin *person* pixels is right above where the
    bare forehead ends, in the strip above the nose bridge. The person matte (selfie segmentation)
    keeps hair of any colour, also grey hair on a light wall or black hair on a dark background,
    which the head matte can lose; a bald scalp's top is the head's edge, so above it there is
    no person left (only a blurred edge of a few pixels). Counted up to 0.8 face lengths above
    the brows (no head is taller), so a person standing behind does not count. Where the matte
    runs on past that height (a plain backdrop, a crowd or a collage's next photo taken for the
    person) and what lies right above the skin has the colour beside the head on both sides
    (`like_beside`), the scalp ends at the background: no hair. Hair of the background's colour
    (black hair on black) still has a few rows of its own colour or shine first, so it keeps the
    matte's reading; on a small face those rows can't be told from a blurred edge, so there the
    matte's reading stands too."""
    lm = c.landmarks
    face_len = max(1.0, lm[8, 1] - lm[27, 1])
    skin = scalp_skin(lab, skin_lab)
    thick, endless = _layer(_strip_rows(c, skin, person, lab), face_len)
    resolved = c.face_px >= FACE_PX_FOR_TEXTURE  # hair rows beyond a blurred edge
    if endless and resolved:  # the matte runs on past any head's top: is right above the skin background?
        own, _ = _layer(_strip_rows(c, skin, person & (skin | ~like_beside(c, lab)), lab), face_len)
        if own <= 2 + c.scale:  # the run's smoothing and about one photo pixel of blurred edge
            return 0.0
    return thick / face_len


def _layer(run: np.ndarray, face_len: float) -> tuple[int, bool]:
    """Rows of non-skin above the first break of a strip's skin `run`, counted up to 0.8 face
    lengths above the brows, and whether it reaches that height."""
    breaks = np.nonzero(run < 0.5)[0]
    if not len(breaks):
        return 0, False
    top = int(0.8 * face_len)
    above = run[breaks[0] : top] < 0.5
    if (~above).any():
        return int(np.argmin(above)), False
    return len(above), len(run) >= top


def like_beside(c: Canonical, lab: np.ndarray) -> np.ndarray:
    """`(H, W) bool`, in the strip above the nose bridge: pixels of the colour found beside the
    head on both sides at the same height (`BESIDE` head half-widths out, where a skull's top and
    hair lying on it do not reach): background, which surrounds a head. A person matte can run on into a dark or
    plain background, a crowd or the next photo of a collage; hair on top of a head differs from
    what surrounds the head."""
    lm = c.landmarks
    h, w = lab.shape[:2]
    cx, half = float(lm[27, 0]), FACE_WIDTH / 2
    x0, x1 = int(cx - 22), int(cx + 23)
    out = np.zeros((h, w), bool)
    out[:, x0:x1] = True
    for lo, hi in ((cx - BESIDE[1] * half, cx - BESIDE[0] * half), (cx + BESIDE[0] * half, cx + BESIDE[1] * half)):
        a, b = int(max(0, lo)), int(min(w, hi))
        if b - a < 4:
            return np.zeros((h, w), bool)
        side = np.median(lab[:, a:b], axis=1)  # (H, 3)
        ok = c.valid[:, a:b].mean(axis=1) >= 0.5
        out[:, x0:x1] &= (np.linalg.norm(lab[:, x0:x1] - side[:, None, :], axis=2) < BACKGROUND_DE) & ok[:, None]
    return out


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
    out = _lopsided_capped(out)
    padded = np.concatenate([out[-1:], out, out[:1]])
    med = np.array([np.median(padded[i : i + 3]) for i in range(OUTLINE_POINTS)])
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0  # rounds off spikes between rays
    med = np.convolve(np.concatenate([med[-2:], med, med[:2]]), kernel, mode="valid")
    return [round(float(v), 3) for v in np.clip(med, 0.5, 1.75)]


def _lopsided_capped(out: np.ndarray) -> np.ndarray:
    """Rays reaching `FAR` head radii out while their mirror ray (across the face's vertical
    axis) finds no hair beyond `BARE_SIDE`, capped to `CLOSE`: hair that stands that far from the
    head (an afro, long hair) does so on both sides, so a one-sided reach is a dark background or a
    neighbour joined to the hair by its colour."""
    mirror = out[(-np.arange(OUTLINE_POINTS)) % OUTLINE_POINTS]
    lopsided = (out >= FAR) & (mirror <= BARE_SIDE)
    return np.where(lopsided, np.minimum(out, CLOSE), out)


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


def tied_over_shoulder(low: tuple[float, float], top: float, upper_sides: float) -> bool:
    """Hair pulled back into a tail brought forward over one shoulder: flat on the crown (no
    volume above the skull, `top` under 1 head radius) and tight along the sides of the head
    (`upper_sides` under `TIGHT_SIDES`), with hair below the ear on one side only (`low`: the
    reach at 120..150 and 210..240 degrees). Loose long hair falls over the ears and widens the
    sides; short hair reaches below the ears on neither side. A tail hanging behind the head does
    not show from the front and is not detected."""
    return top < 1.0 and upper_sides < TIGHT_SIDES and max(low) >= 1.1 and min(low) < 0.95


def _style(radii: list[float]) -> tuple[str, float, str]:
    """(style, score, alternative) from the silhouette: long (reaches well outside the head below
    the ears: to the shoulders), medium (beside the jaw: to the chin), curly (volume all round), a
    bun (volume on top only), short. Length is decided first (the reach below the ears): curly is
    a head of curls that stops above the collar, and its volume must stand out on both sides (a
    bulge on one side is a neighbour or a dark background joined to the hair by its colour)."""
    r = np.asarray(radii)
    low = (r[8:11].max(), r[14:17].max())  # 120..150 and 210..240 degrees
    sides_low = max(low)
    top = r[[0, 1, 23]].mean()
    upper_sides = np.r_[r[2:6], r[19:23]].mean()
    both_sides = min(r[2:6].mean(), r[19:23].mean())
    if tied_over_shoulder(low, top, upper_sides):
        return "ponytail", 0.35, "long_straight"
    if sides_low >= LONG_REACH:
        return "long_straight", float(np.clip(0.5 + 2.0 * (sides_low - LONG_REACH), 0.5, 0.9)), "medium"
    if top >= 1.32 and both_sides >= 1.25:
        return "curly", 0.5, "short"
    if top >= 1.3 and upper_sides < TIGHT_SIDES:
        return "bun", 0.4, "short"
    if sides_low >= 1.0:  # hair beside the jaw, short of the shoulders: to the chin
        return "medium", 0.45, "long_straight" if sides_low >= 1.05 else "short"
    margin = 1.0 - sides_low
    return "short", float(np.clip(0.55 + 2.0 * margin, 0.55, 0.85)), "medium" if margin < 0.05 else "buzz"
