"""The alpha matte: which pixels are the person's head (face, hair, ears, neck) and which are
background.

Three steps, each a well-known tool:
1. Seeds from the landmarks, a person matte and contours. The inner face is certainly
   foreground; a head ellipse and a neck drawn in face units (`geometry.py`) are probably
   foreground, and so is the region that OpenCV contours on an edge image enclose around the face
   (the seed's method); everything else near the head is probably background, and everything far
   from it certainly is. MediaPipe's selfie segmentation (`faces/segment.py`) then overrules the
   shapes: what it is sure is no person (backdrops, logos, the next person's gap) is certainly
   background, and what it is sure is person near the head (hair, loose, tied back or curly) is
   probably foreground. Clothes are person too, so the neck is cut at a fixed height below the
   chin and the shoulders beside it go (collars, suits).
2. GrabCut (Rother et al. 2004, `cv2.grabCut`) learns colour models of the two from those seeds and
   cuts along the image's edges, so hair and ears that stick out of the ellipse are kept and
   background that falls inside it goes. It runs on a copy shrunk so the face is about 100 pixels
   wide: the cut's quality depends on the face's size in pixels, its cost on the whole area.
3. Clean-up: the piece joined to the face is kept, its outer contour is filled (no holes), thin
   bridges and jagged edges are smoothed away, and the edge is anti-aliased at full resolution and
   feathered by a Gaussian a little over one pixel wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.emoji.geometry import HeadFrame
from toonmoji.faces.segment import person_probability

# Face units (see geometry.py): `across` in face widths, `along` in face lengths, up positive.
HEAD_ELLIPSE = (0.0, 0.15, 0.68, 1.1)  # centre across/along, half-width, half-length
NECK = [(-0.28, -0.75), (0.28, -0.75), (0.32, -1.25), (-0.32, -1.25)]
CONTOUR_REACH = (0.0, 0.3, 1.0, 1.5)  # contour seeds beyond this ellipse are not trusted
BUSY_SEED = 0.4  # a seed filling more of the ring around the head ellipse than this found texture
REGION = [(-1.7, 2.2), (1.7, 2.2), (1.7, -2.0), (-1.7, -2.0)]  # beyond it: certainly background
HAIR_REACH = (0.0, 0.25, 1.05, 1.45)  # person pixels inside this ellipse count as head (hair)
HAIR_CROWN = (0.0, 0.45, 0.85, 0.95)  # person pixels here are hair even where GrabCut doubts it
HAIR_SIDES = (0.0, 0.4, 1.0, 1.3)  # ... and here, down the sides to the chin, where they also have
# the crown's hair colour (curly or long hair on a dark backdrop; not a red cup beside the head)
HAIR_COLOUR_ABOVE = 0.45  # the crown's hair colour is read above this height (the forehead's top)
OTHER_FACE = (0.0, -0.42, 0.55, 0.68)  # another face itself, brows to chin: never this head, however near
OTHER_CHEST = [(-0.5, -1.05), (0.5, -1.05), (0.75, -4.0), (-0.75, -4.0)]  # under another's chin: shirt, tie
CROWN_TOP = [(-0.6, 0.45), (0.6, 0.45), (0.6, 3.0), (-0.6, 3.0)]  # straight over the forehead: this head's own
NECK_CUT = -1.3  # the neck ends 0.3 face lengths below the chin (the chin is at -1)
SHOULDERS = [  # beside the neck, below the chin: collars and shoulders, never head
    [(0.36, -1.0), (2.0, -1.0), (2.0, -2.5), (0.36, -2.5)],
    [(-0.36, -1.0), (-2.0, -1.0), (-2.0, -2.5), (-0.36, -2.5)],
]
SPREAD_SIGMA = 6.0  # decontamination blurs at most this wide (px), on a reduced copy for bigger faces
PERSON_SURE, NO_PERSON = 0.85, 0.12  # selfie segmentation probabilities trusted as seeds
HAIR_SURE = 0.97  # ... and trusted over GrabCut's colour models (HAIR_CROWN, HAIR_SIDES)
PERSON_BUSY = 0.9  # "person" over more of the head's surroundings than this: the matte is lost ...
BACKDROP_SURE = 0.05  # ... unless it is sure this much of them is no person
PLAIN_STD, PLAIN_LIGHT, PLAIN_CHROMA = 2.5, 80.0, 12.0  # a studio backdrop or a wall: flat, light, grey


@dataclass(frozen=True)
class MatteSettings:
    """`work_face_width`: face width in pixels at which GrabCut runs (larger: slower, finer).
    `feather`: Gaussian sigma of the edge, in face widths (at least 0.7 pixel). `use_person`:
    seed GrabCut with the selfie-segmentation person matte (off: contours and shapes only)."""

    work_face_width: float = 100.0
    iterations: int = 5
    feather: float = 0.01
    use_contours: bool = True
    use_person: bool = True


@dataclass(frozen=True)
class Matte:
    """`alpha`: `(H, W) float32` in [0, 1] over the whole image. `cut`: the same before the
    landmarks' hull was made opaque (what the image itself says). `contour`: the head's outline
    `(N, 2) float` x, y in image pixels (what step 2 of the pipeline draws). `region`: the
    (x0, y0, x1, y1) box outside which everything is background. `face_width` in pixels."""

    alpha: np.ndarray
    cut: np.ndarray
    contour: np.ndarray
    region: tuple[int, int, int, int]
    face_width: float


def head_region(frame: HeadFrame, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The box around the head (clipped to the image) outside which nothing is foreground."""
    h, w = shape
    x0, y0, x1, y1 = frame.bounding_box(REGION)
    return max(0, int(np.floor(x0))), max(0, int(np.floor(y0))), min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))


def face_core(frame: HeadFrame, landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """`(H, W) bool`: the inside of the face (jaw line and brows raised to the forehead), shrunk
    a little so that it holds no background even on a loose landmark fit."""
    lm = np.asarray(landmarks, dtype=np.float64)
    forehead = lm[17:27] + frame.up * 0.25 * frame.length
    hull = cv2.convexHull(np.vstack([lm[:27], forehead]).astype(np.float32))
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(hull).astype(np.int32), 1)
    k = _odd(0.08 * frame.width)
    return cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))).astype(bool)


def contour_seed(image: np.ndarray, core: np.ndarray) -> np.ndarray:
    """`(H, W) bool`: the regions enclosed by edge contours that touch the face core.

    Canny edges (thresholds from the median grey, the usual automatic rule) are closed into
    outlines, their outer contours filled, and the filled shapes overlapping the face kept: on a
    plain background this is the whole head, hair included. On a busy background the edges of its
    texture join everything into one shape; `initial_labels` notices (the seed fills most of the
    ring around the head) and does without it.
    """
    grey = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    median = float(np.median(grey))
    edges = cv2.Canny(grey, int(max(0.0, 0.66 * median)), int(min(255.0, 1.33 * median)))
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(grey.shape, np.uint8)
    for c in contours:
        piece = np.zeros(grey.shape, np.uint8)
        cv2.drawContours(piece, [c], -1, 1, -1)
        if (piece.astype(bool) & core).any():
            filled |= piece
    return filled.astype(bool)


def below_neck(frame: HeadFrame, shape: tuple[int, int]) -> np.ndarray:
    """`(H, W) bool`: below the neck cut, and the shoulders beside the neck."""
    mask = frame.polygon_mask(shape, [(-9.0, NECK_CUT), (9.0, NECK_CUT), (9.0, -30.0), (-9.0, -30.0)])
    for corners in SHOULDERS:
        mask |= frame.polygon_mask(shape, corners)
    return mask


def nearer_other_heads(frame: HeadFrame, others: list[HeadFrame], shape: tuple[int, int]) -> np.ndarray:
    """`(H, W) bool`: pixels nearer (in face widths) to another face's head centre than to this
    one's, so a neighbour's head and hair are never cut out with this one."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(np.float32)

    def distance(f: HeadFrame) -> np.ndarray:
        cx, cy = f.point(*HEAD_ELLIPSE[:2])
        return np.hypot(xx - cx, yy - cy) / f.width

    own = distance(frame)
    mask = np.zeros(shape, bool)
    for other in others:
        mask |= distance(other) < own
    return mask


def head_zones(frame: HeadFrame, shape: tuple[int, int], others: list[HeadFrame] | None) -> tuple[np.ndarray, np.ndarray]:
    """`(hair, away)` `(H, W) bool`: where person pixels count as this head's hair, and what is
    never this head (below the neck cut, the shoulders, other faces and the pixels nearer their
    heads)."""
    away = below_neck(frame, shape)
    if others:
        away |= nearer_other_heads(frame, others, shape)
        for other in others:  # a smaller face behind is nearer this head's centre in face widths
            away |= other.ellipse_mask(shape, *OTHER_FACE)
    return frame.ellipse_mask(shape, *HAIR_REACH), away


def person_is_telling(person: np.ndarray, surroundings: np.ndarray) -> bool:
    """Whether the person matte separates this head from its surroundings: it does not when it
    calls most of them person too (a collage, a crowd, a poster of faces) and is sure of no
    backdrop among them. A tight portrait, whose surroundings are mostly the person's own
    shoulders, still shows its backdrop for sure."""
    if not surroundings.any():
        return False
    around = person[surroundings]
    return float((around >= 0.5).mean()) <= PERSON_BUSY or float((around <= NO_PERSON).mean()) >= BACKDROP_SURE


def plain_backdrop(image: np.ndarray) -> np.ndarray:
    """`(H, W) bool`: pixels that look like a plain light backdrop (a studio sweep, a wall, a
    collage tile's white): flat over a few pixels, light and nearly grey. Hair, even white hair,
    has the texture of strands; the person matte can call such a backdrop person (collages)."""
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    light = lab[..., 0] * (100.0 / 255.0)
    chroma = np.hypot(lab[..., 1] - 128.0, lab[..., 2] - 128.0)
    mean = cv2.blur(light, (5, 5))
    std = np.sqrt(np.maximum(cv2.blur(light * light, (5, 5)) - mean * mean, 0.0))
    return (std < PLAIN_STD) & (light > PLAIN_LIGHT) & (chroma < PLAIN_CHROMA)


def initial_labels(
    image: np.ndarray,
    frame: HeadFrame,
    landmarks: np.ndarray,
    known_alpha: np.ndarray | None = None,
    use_contours: bool = True,
    person: np.ndarray | None = None,
    others: list[HeadFrame] | None = None,
) -> np.ndarray:
    """GrabCut's starting labels `(H, W) uint8` (cv2.GC_BGD / GC_FGD / GC_PR_BGD / GC_PR_FGD).

    `person`: `(H, W) float` person probability (selfie segmentation; see `person_is_telling`),
    or None. `others`: the other faces in the photo (their heads are background here)."""
    shape = image.shape[:2]
    labels = np.full(shape, cv2.GC_BGD, np.uint8)
    labels[frame.polygon_mask(shape, REGION)] = cv2.GC_PR_BGD
    likely = frame.ellipse_mask(shape, *HEAD_ELLIPSE) | frame.polygon_mask(shape, NECK)
    core = face_core(frame, landmarks, shape)
    if use_contours:
        reach = frame.ellipse_mask(shape, *CONTOUR_REACH)
        seed = contour_seed(image, core) & reach
        ring = reach & ~likely
        if ring.any() and (seed & ring).sum() <= BUSY_SEED * ring.sum():
            likely |= seed
    plain = plain_backdrop(image)
    labels[likely & ~plain & (labels == cv2.GC_PR_BGD)] = cv2.GC_PR_FGD
    hair, away = head_zones(frame, shape, others)
    if person is not None:
        labels[(person >= PERSON_SURE) & hair & ~plain] = cv2.GC_PR_FGD
        labels[person <= NO_PERSON] = cv2.GC_BGD
    labels[away] = cv2.GC_BGD
    if known_alpha is not None:
        labels[known_alpha < 0.5] = cv2.GC_BGD
    labels[core] = cv2.GC_FGD
    return labels


def sure_hair(image: np.ndarray, frame: HeadFrame, person: np.ndarray, labels: np.ndarray,
              foreground: np.ndarray, others: list[HeadFrame] | None = None) -> np.ndarray:
    """`(H, W) bool`: hair GrabCut's colour models may have missed (dark or curly hair on a dark
    backdrop): where the person matte is sure, over the crown, and down the sides of the face
    where the pixel also has the colour of the hair found over the crown (CIELAB distance, more
    lenient for dark hair, whose colour noise is larger). Except straight over the forehead,
    never down the front of another person (`others`) below their chin: a neighbour's shirt or
    tie is "person" too. (`initial_labels` never marks a plain backdrop probable head, so none
    of it is among these.)"""
    shape = image.shape[:2]
    sure = (person >= HAIR_SURE) & (labels == cv2.GC_PR_FGD)
    crown = sure & frame.ellipse_mask(shape, *HAIR_CROWN)
    top = frame.polygon_mask(shape, [(-3.0, HAIR_COLOUR_ABOVE), (3.0, HAIR_COLOUR_ABOVE), (3.0, 5.0), (-3.0, 5.0)])
    reference = (foreground | crown) & top & frame.ellipse_mask(shape, *HAIR_CROWN)
    if reference.sum() < 20:  # bald, or no hair over the crown: nothing to extend
        return crown
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32) * [100 / 255, 1, 1] - [0, 128, 128]
    hair_lab = np.median(lab[reference], axis=0)
    near = np.linalg.norm(lab - hair_lab, axis=2) < 16.0 + 0.25 * max(0.0, 60.0 - float(hair_lab[0]))
    hair = crown | (sure & near & frame.ellipse_mask(shape, *HAIR_SIDES))
    top = frame.polygon_mask(shape, CROWN_TOP)  # right over the head it is this head's hair, whoever stands behind
    for other in others or []:
        hair &= ~(other.polygon_mask(shape, OTHER_CHEST) & ~top)
    return hair


def grabcut(image: np.ndarray, labels: np.ndarray, iterations: int = 5) -> np.ndarray:
    """`(H, W) bool` foreground after GrabCut from `labels`; the labels themselves if GrabCut has
    nothing to learn one of its colour models from."""
    fg_seed = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD))
    bg_seed = np.isin(labels, (cv2.GC_BGD, cv2.GC_PR_BGD))
    if fg_seed.sum() < 20 or bg_seed.sum() < 20 or iterations < 1:
        return fg_seed
    mask = labels.copy()
    cv2.setRNGSeed(0)  # GrabCut seeds its colour models with k-means: same photo, same emoji
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(image[..., ::-1])
    cv2.grabCut(bgr, mask, None, bgd_model, fgd_model, iterations, cv2.GC_INIT_WITH_MASK)
    return np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD))


def clean_mask(foreground: np.ndarray, core: np.ndarray, smooth: int) -> np.ndarray:
    """`(H, W) bool`: the one solid, smooth-edged piece of `foreground` that holds the face.

    Opening by `smooth` pixels cuts thin bridges to things behind the head; the piece overlapping
    the face core is kept; filling its outer contour removes holes; closing smooths dents.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_odd(smooth), _odd(smooth)))
    fg = cv2.morphologyEx((foreground | core).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    fg |= core.astype(np.uint8)
    _, parts = cv2.connectedComponents(fg, connectivity=8)
    keep = np.unique(parts[core & (parts > 0)])
    fg = np.isin(parts, keep).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    solid = np.zeros_like(fg)
    cv2.drawContours(solid, contours, -1, 1, -1)
    return solid.astype(bool) | core


def soft_alpha(mask: np.ndarray, size: tuple[int, int], sigma: float) -> np.ndarray:
    """`(h, w) float32` alpha at full resolution `size` (w, h) from a working-scale bool mask.

    The mask is smoothed and resized so its edge is a smooth curve (not the working scale's
    staircase), thresholded, pulled in by one sigma (so the feather does not bleed background colour
    outwards) and blurred by `sigma` pixels: anti-aliased and slightly feathered.
    """
    small = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.8)
    full = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR) >= 0.5
    pull = round(sigma)
    if pull >= 1:
        full = cv2.erode(full.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pull + 1,) * 2))
    return cv2.GaussianBlur(full.astype(np.float32), (0, 0), max(sigma, 0.7))


def compute_matte(
    image: np.ndarray,
    landmarks: np.ndarray,
    known_alpha: np.ndarray | None = None,
    settings: MatteSettings | None = None,
    others: list[np.ndarray] | None = None,
) -> Matte:
    """The head's alpha matte in an `(H, W, 3) uint8` RGB image, from the face's `(68, 2)` landmarks.

    `known_alpha` `(H, W) float` in [0, 1], when the input already had transparency: pixels
    transparent there stay background. `others`: `(68, 2)` landmarks of the photo's other faces.
    """
    settings = settings or MatteSettings()
    h, w = image.shape[:2]
    frame = HeadFrame.from_landmarks(landmarks)
    x0, y0, x1, y1 = head_region(frame, (h, w))
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError("the face lies outside the image")
    scale = min(1.0, settings.work_face_width / frame.width)
    work_size = (max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale)))
    crop = image[y0:y1, x0:x1]
    work = cv2.resize(crop, work_size, interpolation=cv2.INTER_AREA) if scale < 1.0 else crop
    sx, sy = work_size[0] / (x1 - x0), work_size[1] / (y1 - y0)
    to_work = np.array([sx, sy])
    work_lm = (np.asarray(landmarks, np.float64) - [x0, y0] + 0.5) * to_work - 0.5
    work_frame = HeadFrame.from_landmarks(work_lm)
    work_alpha = None
    if known_alpha is not None:
        work_alpha = cv2.resize(known_alpha[y0:y1, x0:x1].astype(np.float32), work_size, interpolation=cv2.INTER_AREA)

    other_frames = [HeadFrame.from_landmarks((np.asarray(o, np.float64) - [x0, y0] + 0.5) * to_work - 0.5)
                    for o in others or []]
    person = None
    if settings.use_person:
        person = person_probability(work, (0, 0, work.shape[1], work.shape[0]))
        hair, away = head_zones(work_frame, work.shape[:2], other_frames)
        person = person if person_is_telling(person, ~hair & ~away) else None
    labels = initial_labels(work, work_frame, work_lm, work_alpha, settings.use_contours, person, other_frames)
    core = labels == cv2.GC_FGD
    foreground = grabcut(work, labels, settings.iterations)
    if person is not None:  # hair the colour models missed, where the person matte is sure
        foreground |= sure_hair(work, work_frame, person, labels, foreground, other_frames)
    solid = clean_mask(foreground, core, smooth=0.04 * work_frame.width) & ~(labels == cv2.GC_BGD) | core
    if work_alpha is not None:
        solid &= work_alpha >= 0.5

    sigma = max(0.7, settings.feather * frame.width)
    alpha = np.zeros((h, w), np.float32)
    alpha[y0:y1, x0:x1] = soft_alpha(solid, (x1 - x0, y1 - y0), sigma)
    cut = alpha
    alpha = np.maximum(alpha, landmark_alpha(landmarks, (h, w), sigma))
    if known_alpha is not None:
        alpha = np.minimum(alpha, known_alpha.astype(np.float32))
        cut = np.minimum(cut, alpha)
    return Matte(alpha, cut, outline(alpha), (x0, y0, x1, y1), frame.width)


def landmark_alpha(landmarks: np.ndarray, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """`(H, W) float32`: opaque over the landmarks' convex hull and a margin of three sigmas.

    The 68 landmarks define where the face is; where a loose fit puts a jaw point a pixel or two
    onto the background, the face's outline still runs through it, and the emoji must not cut it.
    """
    hull = np.round(cv2.convexHull(np.asarray(landmarks, np.float32))).astype(np.int32)
    grow = int(np.ceil(3 * sigma)) + 1
    pad = 2 * grow + int(np.ceil(4 * sigma)) + 2  # the dilation and the blur's reach: work in this box only
    h, w = shape
    x0, y0 = max(0, int(hull[..., 0].min()) - pad), max(0, int(hull[..., 1].min()) - pad)
    x1, y1 = min(w, int(hull[..., 0].max()) + pad + 1), min(h, int(hull[..., 1].max()) + pad + 1)
    out = np.zeros(shape, np.float32)
    if x1 <= x0 or y1 <= y0:
        return out
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(mask, hull - [x0, y0], 1)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    out[y0:y1, x0:x1] = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigma)
    return out


def outline(alpha: np.ndarray) -> np.ndarray:
    """The longest outer contour of `alpha >= 0.5`, `(N, 2) float` x, y (empty if none)."""
    contours, _ = cv2.findContours((alpha >= 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.zeros((0, 2))
    return max(contours, key=len)[:, 0, :].astype(np.float64)


def decontaminate(image: np.ndarray, matte: Matte) -> np.ndarray:
    """`(H, W, 3) uint8`: `image` with the colours of the matte's uncertain pixels (its partly
    transparent edge, and landmark-hull pixels the cut called background) replaced by the nearby
    certain foreground's, so a cut-out shows no fringe of the old background."""
    out = image.copy()
    x0, y0, x1, y1 = matte.region
    alpha, cut = matte.alpha[y0:y1, x0:x1], matte.cut[y0:y1, x0:x1]
    inner = (cut >= 0.98).astype(np.float32)
    if not inner.any():
        return out
    reach = max(2.0, 0.03 * matte.face_width)
    rgb = image[y0:y1, x0:x1].astype(np.float32)
    # the spread colours are a wide blur: for a big face, blur a reduced copy (a 2000-px face
    # took 7 s at full size) and scale it back up
    k = min(1.0, SPREAD_SIGMA / reach)
    size = (max(1, round(rgb.shape[1] * k)), max(1, round(rgb.shape[0] * k)))
    small_rgb = cv2.resize(rgb * inner[..., None], size, interpolation=cv2.INTER_AREA) if k < 1 else rgb * inner[..., None]
    small_in = cv2.resize(inner, size, interpolation=cv2.INTER_AREA) if k < 1 else inner
    num = cv2.GaussianBlur(small_rgb, (0, 0), reach * k)
    den = cv2.GaussianBlur(small_in, (0, 0), reach * k)
    if k < 1:
        full = (rgb.shape[1], rgb.shape[0])
        num, den = cv2.resize(num, full, interpolation=cv2.INTER_LINEAR), cv2.resize(den, full, interpolation=cv2.INTER_LINEAR)
    den = den[..., None]
    spread = np.where(den > 1e-3, num / np.maximum(den, 1e-3), rgb)
    edge = ((alpha > 0) & (cut < 0.98))[..., None]
    out[y0:y1, x0:x1] = np.where(edge, np.clip(np.rint(spread), 0, 255), rgb).astype(np.uint8)
    return out


def _odd(pixels: float) -> int:
    """The odd kernel size nearest `pixels`, at least 3."""
    k = max(3, round(pixels))
    return k if k % 2 else k + 1
