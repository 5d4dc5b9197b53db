"""Person matte: MediaPipe's selfie segmentation (Apache-2.0, converted to ONNX) says, for each
pixel of a 256x256 view, how likely it belongs to a person (hair and clothes included).

It was trained on selfies and video calls: it works best when a head and shoulders fill the
view, so callers pass the region around one head; the probability comes back at that region's
own resolution.
"""

from __future__ import annotations

import cv2
import numpy as np

from toonmoji.faces.onnx_models import run

MODEL = "selfie_segmentation.onnx"
INPUT = 256


def person_probability(image: np.ndarray, region: tuple[int, int, int, int]) -> np.ndarray:
    """`(y1 - y0, x1 - x0) float32` in [0, 1]: person probability over `region` (x0, y0, x1, y1)
    of an `(H, W, 3) uint8` RGB image. The region is letterboxed into the square view (edge
    pixels repeated), so the person keeps their proportions."""
    x0, y0, x1, y1 = region
    w, h = x1 - x0, y1 - y0
    side = max(w, h)
    k = INPUT / side
    ox, oy = (side - w) / 2, (side - h) / 2
    m = np.array([[k, 0, (ox - x0) * k], [0, k, (oy - y0) * k]])  # image -> view
    view = cv2.warpAffine(image, m, (INPUT, INPUT), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    (prob,) = run(MODEL, view.astype(np.float32)[None] / 255.0)
    back = cv2.warpAffine(prob[0, :, :, 0], m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE, dst=None)
    return np.clip(back, 0.0, 1.0).astype(np.float32)
