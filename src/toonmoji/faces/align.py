"""FFHQ face alignment and paste-back.

The alignment follows the definition NVlabs used to build FFHQ (`recreate_aligned_images` in the
ffhq-dataset repository): an oriented square ("quad") is built from the eye-to-eye and
eye-to-mouth vectors of the 68 iBUG landmarks, the photo is shrunk if the quad is much larger
than the output, cropped with a border, reflect-padded with a blur and median fade where the
quad leaves the photo, and resampled to the output size.

Unlike the original (which resamples to 4096 px and then downsizes), we keep the whole mapping as
one affine matrix: resampling is done once, at about the quad's own size, and the same matrix
inverts exactly for paste-back.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from toonmoji.faces.detect import Face


@dataclass(frozen=True)
class AlignedFace:
    """An aligned crop and the geometry to put it back.

    `image`: `(S, S, 3) uint8` RGB. `to_aligned`: 2x3 affine from original pixel coordinates to
    aligned pixel coordinates (pixel centres at integers). `quad`: (4, 2) corners in the original
    (top-left, bottom-left, bottom-right, top-right). `landmarks`: (68, 2) in aligned coordinates.
    """

    image: np.ndarray
    to_aligned: np.ndarray
    quad: np.ndarray
    landmarks: np.ndarray
    face: Face

    @property
    def size(self) -> int:
        return int(self.image.shape[0])


def ffhq_quad(landmarks: np.ndarray) -> np.ndarray:
    """The FFHQ quad (4, 2) for 68 landmarks: top-left, bottom-left, bottom-right, top-right."""
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.shape != (68, 2):
        raise ValueError(f"FFHQ alignment needs 68 landmarks, got shape {lm.shape}")
    eye_left = lm[36:42].mean(axis=0)
    eye_right = lm[42:48].mean(axis=0)
    eye_avg = (eye_left + eye_right) * 0.5
    eye_to_eye = eye_right - eye_left
    mouth_avg = (lm[48] + lm[54]) * 0.5
    eye_to_mouth = mouth_avg - eye_avg

    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    c = eye_avg + eye_to_mouth * 0.1
    return np.stack([c - x - y, c - x + y, c + x + y, c + x - y])


def _h(m: np.ndarray) -> np.ndarray:
    """2x3 affine -> 3x3 homogeneous."""
    return np.vstack([m, [0.0, 0.0, 1.0]])


def quad_to_aligned_matrix(quad: np.ndarray, size: int) -> np.ndarray:
    """2x3 affine taking original pixel coordinates to aligned pixel coordinates (size x size).

    Pixel centres sit at integer coordinates; the quad's edges map to the output's outer edges
    (-0.5 and size - 0.5), as Pillow's QUAD transform does in the FFHQ script.
    """
    q0, q1, _, q3 = np.asarray(quad, dtype=np.float64)
    ex = (q3 - q0) / size  # source step per output pixel along x
    ey = (q1 - q0) / size
    origin = q0 + 0.5 * ex + 0.5 * ey  # source position of output pixel (0, 0)
    out_to_src = np.array([[ex[0], ey[0], origin[0]], [ex[1], ey[1], origin[1]]])
    return cv2.invertAffineTransform(out_to_src)


def _ffhq_pad(img: np.ndarray, quad: np.ndarray, qsize: float) -> tuple[np.ndarray, np.ndarray]:
    """Crop around the quad and reflect-pad with FFHQ's blur and median fade where it leaves
    the image. Returns the working image and the 3x3 map from input to working coordinates."""
    h, w = img.shape[:2]
    border = max(int(np.rint(qsize * 0.1)), 3)
    x0 = max(int(np.floor(quad[:, 0].min())) - border, 0)
    y0 = max(int(np.floor(quad[:, 1].min())) - border, 0)
    x1 = min(int(np.ceil(quad[:, 0].max())) + border, w)
    y1 = min(int(np.ceil(quad[:, 1].max())) + border, h)
    if x1 <= x0 or y1 <= y0:  # quad entirely outside: keep the whole image
        x0, y0, x1, y1 = 0, 0, w, h
    img = img[y0:y1, x0:x1]
    q = quad - [x0, y0]
    ch, cw = img.shape[:2]
    pad = [
        max(-int(np.floor(q[:, 0].min())) + border, 0),
        max(-int(np.floor(q[:, 1].min())) + border, 0),
        max(int(np.ceil(q[:, 0].max())) - cw + border, 0),
        max(int(np.ceil(q[:, 1].max())) - ch + border, 0),
    ]
    shift = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
    if max(pad) <= border - 4:
        return img, shift
    pl, pt, pr, pb = np.maximum(pad, int(np.rint(qsize * 0.3)))
    # OpenCV's REFLECT_101 repeats no edge pixel, as NumPy's 'reflect' in the original.
    padded = cv2.copyMakeBorder(img, pt, pb, pl, pr, cv2.BORDER_REFLECT_101).astype(np.float32)
    ph, pw = padded.shape[:2]
    yy = np.arange(ph, dtype=np.float32)[:, None, None]
    xx = np.arange(pw, dtype=np.float32)[None, :, None]
    mask = np.maximum(
        1.0 - np.minimum(xx / max(pl, 1), (pw - 1 - xx) / max(pr, 1)),
        1.0 - np.minimum(yy / max(pt, 1), (ph - 1 - yy) / max(pb, 1)),
    )
    blur = qsize * 0.02
    blurred = cv2.GaussianBlur(padded, (0, 0), sigmaX=max(blur, 0.1))
    padded += (blurred - padded) * np.clip(mask * 3.0 + 1.0, 0.0, 1.0)
    padded += (np.median(padded, axis=(0, 1)) - padded) * np.clip(mask, 0.0, 1.0)
    out = np.clip(np.rint(padded), 0, 255).astype(np.uint8)
    shift[:2, 2] += [pl, pt]
    return out, shift


def align_face(image: np.ndarray, face: Face, size: int = 1024, pad: bool = True) -> AlignedFace:
    """Align one face the FFHQ way into a `size` x `size` RGB crop."""
    if size < 8:
        raise ValueError("aligned size must be at least 8 pixels")
    quad = ffhq_quad(face.landmarks)
    qsize = float(np.hypot(*(quad[3] - quad[0])))
    to_aligned = quad_to_aligned_matrix(quad, size)

    work = image
    to_work = np.eye(3)
    shrink = int(np.floor(qsize / size * 0.5))
    if shrink > 1:  # FFHQ's pre-shrink: area-average first so the final resample is near 1:1
        h, w = image.shape[:2]
        nw, nh = int(np.rint(w / shrink)), int(np.rint(h / shrink))
        work = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
        sx, sy = nw / w, nh / h
        to_work = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
    if pad:
        q_work = (to_work @ np.c_[quad, np.ones(4)].T).T[:, :2]
        work, shift = _ffhq_pad(work, q_work, qsize / max(shrink, 1))
        to_work = shift @ to_work

    aligned_to_work = _h(to_work[:2] @ np.linalg.inv(_h(to_aligned)))
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    if qsize / max(shrink, 1) > 1.5 * size:  # still a large reduction: supersample then area-average
        factor = int(np.ceil(qsize / max(shrink, 1) / size))
        big = size * factor
        big_to_aligned = np.array([[1 / factor, 0, 0.5 / factor - 0.5], [0, 1 / factor, 0.5 / factor - 0.5], [0, 0, 1]])
        m = (aligned_to_work @ big_to_aligned)[:2]
        out = cv2.warpAffine(work, m, (big, big), flags=flags, borderMode=cv2.BORDER_REFLECT_101)
        out = cv2.resize(out, (size, size), interpolation=cv2.INTER_AREA)
    else:
        out = cv2.warpAffine(work, aligned_to_work[:2], (size, size), flags=flags, borderMode=cv2.BORDER_REFLECT_101)
    lms = transform_points(face.landmarks, to_aligned)
    return AlignedFace(out, to_aligned, quad, lms, face)


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine to (N, 2) points."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def feather_mask(size: int, feather: float = 0.08) -> np.ndarray:
    """`(size, size) float32` in [0, 1]: 1 inside, easing to exactly 0 at the square's edge.

    Exactly zero at the border so paste-back changes nothing outside the aligned square.
    """
    margin = max(1.0, size * feather)
    idx = np.arange(size, dtype=np.float32)
    edge = np.minimum(idx, size - 1 - idx)
    ramp = np.clip((edge - 1.0) / margin, 0.0, 1.0)
    ramp = ramp * ramp * (3 - 2 * ramp)  # smoothstep: no visible seam where the ramp ends
    return np.minimum.outer(ramp, ramp)


def face_region_mask(aligned: AlignedFace, feather: float = 0.05) -> np.ndarray:
    """`(S, S) float32` mask of the face itself (landmark hull grown upward to the forehead)."""
    size = aligned.size
    lm = aligned.landmarks
    brow_lift = (lm[8] - lm[27]) * 0.45  # from the nose bridge, forehead is about half a face up
    pts = np.vstack([lm[:27], lm[17:27] - brow_lift]).astype(np.float32)
    hull = cv2.convexHull(pts).astype(np.int32)
    mask = np.zeros((size, size), np.float32)
    cv2.fillConvexPoly(mask, hull, 1.0)
    sigma = max(1.0, size * feather)
    return cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma)


def paste_back(
    original: np.ndarray,
    aligned: AlignedFace,
    new_face: np.ndarray,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Put a processed aligned face back into the original photo with a feathered mask.

    `new_face` is `(s, s, 3) uint8` (any s; resized to the aligned size); `mask` `(S, S)` float in
    [0, 1] defaults to a feathered square. Returns a new `(H, W, 3) uint8` image.
    """
    size = aligned.size
    if new_face.shape[:2] != (size, size):
        new_face = cv2.resize(new_face, (size, size), interpolation=cv2.INTER_AREA)
    if mask is None:
        mask = feather_mask(size)
    h, w = original.shape[:2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    # WARP_INVERSE_MAP takes the destination->source map: original -> aligned.
    warped = cv2.warpAffine(new_face, aligned.to_aligned, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(mask.astype(np.float32), aligned.to_aligned, (w, h), flags=flags, borderValue=0.0)
    alpha = alpha[..., None]
    out = original.astype(np.float32) * (1 - alpha) + warped.astype(np.float32) * alpha
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def aligned_region(aligned: AlignedFace, shape: tuple[int, int]) -> np.ndarray:
    """Boolean `(H, W)` mask of where the aligned square lies in the original image."""
    h, w = shape
    ones = np.ones((aligned.size, aligned.size), np.uint8)
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(ones, aligned.to_aligned, (w, h), flags=flags, borderValue=0).astype(bool)
