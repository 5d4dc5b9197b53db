"""Real faces for the avatar benchmarks: the sample portrait and the labelled photos in
../shared/data/faces (dlib imglab XML boxes), with 68 landmarks from the packaged predictor."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from toonmoji.faces import detect_faces
from toonmoji.faces.detect import Face, landmarks_68
from toonmoji.imageio import read_image
from toonmoji.samples import sample_portrait

FACES_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces"
for candidate in (FACES_DIR, Path("/work/shared/data/faces")):
    if candidate.is_dir():
        FACES_DIR = candidate
        break


def real_faces(min_width: float = 0.0) -> list[tuple[str, np.ndarray, Face]]:
    """(name, RGB photo, face) for the sample and every labelled face at least `min_width` px wide."""
    portrait = sample_portrait()
    out = [("sample", portrait, detect_faces(portrait)[0])]
    if not FACES_DIR.is_dir():
        return out
    for xml in ("training.xml", "testing.xml"):
        for image in ET.parse(FACES_DIR / xml).getroot().iter("image"):
            photo = read_image(FACES_DIR / image.get("file"))
            for i, b in enumerate(image.iter("box")):
                t, left, w, h = (float(b.get(k)) for k in ("top", "left", "width", "height"))
                if w < min_width:
                    continue
                box = (left, t, left + w, t + h)
                out.append((f"{Path(image.get('file')).stem}#{i}", photo, Face(box, 1.0, landmarks_68(photo, box))))
    return out
