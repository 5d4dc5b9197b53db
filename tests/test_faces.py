"""Faces: detection, FFHQ alignment geometry, robustness to rotation/scale, paste-back."""

from __future__ import annotations

import numpy as np
import pytest

from toonmoji.faces import align_face, align_faces, detect_faces, paste_back
from toonmoji.faces.align import aligned_region, face_region_mask, ffhq_quad
from toonmoji.samples import darker, group_photo, no_face_image, rotated, scaled

SIZE = 256


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return landmarks[36:42].mean(axis=0), landmarks[42:48].mean(axis=0)


@pytest.fixture(scope="module")
def aligned(portrait):
    return align_faces(portrait, size=SIZE)[0]


def test_detector_finds_the_one_face_in_the_sample(portrait):
    faces = detect_faces(portrait)
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    # the astronaut's face is in the upper middle of the photo
    assert 150 < (x0 + x1) / 2 < 300 and 60 < (y0 + y1) / 2 < 200
    assert faces[0].landmarks.shape == (68, 2)


def test_haar_detector_finds_the_face_with_landmarks(portrait):
    faces = detect_faces(portrait, "haar")
    assert len(faces) == 1
    dlib_face = detect_faces(portrait)[0]
    # both detectors' landmarks agree to within a few pixels on the same face
    assert np.abs(faces[0].landmarks - dlib_face.landmarks).mean() < 4


def test_aligned_eyes_sit_level_at_ffhq_positions(aligned):
    """Landmarks detected afresh in the aligned crop lie where FFHQ's definition puts them."""
    redetected = detect_faces(aligned.image)
    assert len(redetected) == 1
    left, right = eye_centres(redetected[0].landmarks)
    assert abs(left[1] - right[1]) <= 3, "eyes should be on a horizontal line"
    assert abs((left[0] + right[0]) / 2 - SIZE / 2) <= 3, "eyes centred horizontally"
    # FFHQ: eye-to-eye spans a quarter of the crop (x = 2 * eye_to_eye dominates for frontal faces)
    assert abs((right[0] - left[0]) - SIZE / 4) <= 4
    assert 0.44 * SIZE < left[1] < 0.50 * SIZE
    mouth = (redetected[0].landmarks[48] + redetected[0].landmarks[54]) / 2
    assert abs(mouth[0] - SIZE / 2) <= 4 and 0.62 * SIZE < mouth[1] < 0.74 * SIZE


def test_transform_maps_original_landmarks_onto_the_aligned_face(aligned):
    redetected = detect_faces(aligned.image)[0].landmarks
    assert np.abs(redetected - aligned.landmarks).mean() < 2.5


def test_quad_is_a_square(portrait):
    quad = ffhq_quad(detect_faces(portrait)[0].landmarks)
    sides = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    assert np.allclose(sides, sides[0])
    assert abs(np.dot(quad[1] - quad[0], quad[3] - quad[0])) < 1e-6


@pytest.mark.parametrize(
    "transform",
    [lambda im: rotated(im, 20), lambda im: rotated(im, -20), lambda im: scaled(im, 0.6), lambda im: scaled(im, 1.7), darker],
    ids=["rot+20", "rot-20", "scale0.6", "scale1.7", "darker"],
)
def test_transformed_copies_align_to_nearly_the_same_crop(aligned, portrait, transform):
    image = transform(portrait)
    other = align_faces(image, size=SIZE)[0]
    # the same landmarks land on the same aligned positions
    assert np.abs(other.landmarks - aligned.landmarks).mean() < 3.0
    if transform is not darker:
        centre = slice(SIZE // 4, 3 * SIZE // 4)
        diff = np.abs(other.image[centre, centre].astype(float) - aligned.image[centre, centre])
        assert diff.mean() < 12, f"aligned crops differ by {diff.mean():.1f} grey levels"


def test_every_face_in_a_group_photo_is_found_and_aligned():
    group = group_photo(3)
    faces = align_faces(group, size=64)
    assert len(faces) == 3
    centres = sorted((f.face.box[0] + f.face.box[2]) / 2 for f in faces)
    tile = group.shape[1] / 3
    assert [int(c // tile) for c in centres] == [0, 1, 2]


def test_no_face_image_finds_nothing():
    assert detect_faces(no_face_image()) == []


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.mark.parametrize("size", [256, 1024])
def test_paste_back_of_unchanged_face_reproduces_the_photo(portrait, size):
    face = detect_faces(portrait)[0]
    al = align_face(portrait, face, size)
    restored = paste_back(portrait, al, al.image)
    region = aligned_region(al, portrait.shape[:2])
    x0, y0, x1, y1 = (int(v) for v in face.box)
    face_box = np.zeros_like(region)
    face_box[y0:y1, x0:x1] = True
    assert psnr(restored[face_box], portrait[face_box]) > 30
    assert psnr(restored[region], portrait[region]) > 30
    assert np.array_equal(restored[~region], portrait[~region]), "outside the crop nothing changes"


def test_paste_back_puts_an_edit_where_the_face_is(portrait, aligned):
    edited = np.zeros_like(aligned.image)  # black face
    out = paste_back(portrait, aligned, edited, mask=face_region_mask(aligned))
    x0, y0, x1, y1 = (int(v) for v in aligned.face.box)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    assert out[cy - 5 : cy + 5, cx - 5 : cx + 5].max() < 30, "face centre replaced"
    assert np.array_equal(out[:20, :20], portrait[:20, :20]), "far corner untouched"
