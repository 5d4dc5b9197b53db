"""Live emotion pipeline speed: toonmoji vs the reference package `fer`, same frames, same run.

Makes a 640x480 video from the sample photos (the portrait and its variants drifting across the
frame), then times the whole pipeline per frame, decode + detect + classify + draw:

- toonmoji: VideoSource -> detection -> ONNX Runtime mini-Xception -> OpenCV drawing, with the
  default `auto` detector (CenterFace on a 320-px copy every 10th frame or whenever no face is
  known, CenterFace re-detection in a small window around known faces in between) and with the
  `haar` detector (the same scheme with OpenCV's Haar cascade); each also with a full scan on
  every frame;
- reference: `fer.FER()` with its defaults (OpenCV Haar cascade on the full frame, its TFLite
  model) -> `fer.utils.draw_annotations`, run in its own venv with TensorFlow (never in the
  product's environment).

Prints frames per second, faces found, per-face classification latency, and the ratios. With
../shared/data/faces present, a second video of those real photos (group photos, turned and
small faces; each photo held for 10 frames) counts the faces each pipeline finds there.

    python bench/emotion_live_bench.py [--venv /tmp/tfenv] [--frames-per-photo 40]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emotion_faces import sample_variants
from emotion_reference_agreement import FER_REQUIREMENT, TF_REQUIREMENT, ensure_venv
from toonmoji.emotion.crop import crop_face
from toonmoji.emotion.live import EmotionSession
from toonmoji.imageio import VideoSink, VideoSource
from toonmoji.samples import video_frame_640x480

REFERENCE_SCRIPT = r"""
import json, sys, time, logging
import cv2, numpy as np
logging.disable(logging.WARNING)
from fer.fer import FER
from fer.utils import draw_annotations

detector = FER()  # defaults: OpenCV Haar cascade, TFLite model
cap = cv2.VideoCapture(sys.argv[1])
frames = faces = 0
labels = []
start = time.perf_counter()
while True:
    ok, frame = cap.read()
    if not ok:
        break
    found = detector.detect_emotions(frame)
    frame = draw_annotations(frame, found)
    frames += 1
    faces += len(found)
    big = max(found, key=lambda f: f["box"][2], default=None)
    labels.append(max(big["emotions"], key=big["emotions"].get) if big else None)
seconds = time.perf_counter() - start
face = np.random.default_rng(0).uniform(-1, 1, (1, 64, 64)).astype(np.float32)
classify = detector._classify_emotions
for _ in range(20):
    classify(face)
t = []
for _ in range(300):
    t0 = time.perf_counter(); classify(face); t.append(time.perf_counter() - t0)
print(json.dumps({"frames": frames, "faces": faces, "seconds": seconds, "labels": labels,
                  "face_ms": 1000 * float(np.median(t))}))
"""


def make_video(path: Path, frames_per_photo: int) -> int:
    """Each sample photo letterboxed into 640x480 and drifting sideways; returns the frame count."""
    n = 0
    with VideoSink(path, 30, (640, 480)) as sink:
        for photo in sample_variants():
            base = video_frame_640x480(photo)
            for i in range(frames_per_photo):
                sink.write(np.roll(base, 2 * i - frames_per_photo, axis=1))
                n += 1
    return n


def make_real_video(path: Path, folder: Path, frames_per_photo: int = 10) -> int:
    """The real photos in `folder`, each letterboxed into 640x480 and held still; the frame count."""
    from toonmoji.imageio import read_image

    n = 0
    with VideoSink(path, 30, (640, 480)) as sink:
        for photo in sorted(folder.glob("*.jpg")):
            frame = video_frame_640x480(read_image(photo))
            for _ in range(frames_per_photo):
                sink.write(frame)
                n += 1
    return n


def run_ours(video: Path, rescan_every: int, detector: str = "auto") -> dict:
    session = EmotionSession.create(detector=detector, rescan_every=rescan_every)
    frames = faces = 0
    labels = []
    start = time.perf_counter()
    for frame in VideoSource(video):
        results = session.classify(frame.image)
        session.annotate(frame.image, results)
        frames += 1
        faces += len(results)
        labels.append(results[0].label if results else None)
    seconds = time.perf_counter() - start
    return {"frames": frames, "faces": faces, "seconds": seconds, "labels": labels}


def our_face_ms() -> float:
    """Median time to classify one face crop (grey conversion, resize, scaling and the model), as
    video reads it: once per frame (photos add the mirror image)."""
    session = EmotionSession.create(video=True)
    frame = video_frame_640x480()
    face = session.detector.detect(frame)[0]
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    crop = crop_face(grey, face.box)
    for _ in range(20):
        session.classifier.predict([crop])
    times = []
    for _ in range(300):
        t0 = time.perf_counter()
        session.classifier.predict([crop])
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=Path("/tmp/tfenv"))
    ap.add_argument("--frames-per-photo", type=int, default=40)
    ap.add_argument("--real", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "faces")
    args = ap.parse_args()
    python = ensure_venv(args.venv, [TF_REQUIREMENT, "opencv-python-headless<5", "pillow", "requests", "setuptools<81"])
    probe = subprocess.run([str(python), "-c", "import fer.fer"], capture_output=True, check=False)
    if probe.returncode != 0:  # fer without its dependencies: it needs only what is installed above
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", FER_REQUIREMENT], check=True)

    pipelines = (("toonmoji auto, tracking (default)", "auto", 10), ("toonmoji auto, full scan every frame", "auto", 1),
                 ("toonmoji haar, tracking", "haar", 10), ("toonmoji haar, full scan every frame", "haar", 1))
    real = {}
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench_640x480.mp4"
        n = make_video(video, args.frames_per_photo)
        ours = {name: run_ours(video, rescan, det) for name, det, rescan in pipelines}
        done = subprocess.run([str(python), "-c", REFERENCE_SCRIPT, str(video)], capture_output=True, text=True, check=True)
        ref = json.loads(done.stdout.strip().splitlines()[-1])
        if args.real.is_dir():
            real_video = Path(tmp) / "real_640x480.mp4"
            n_real = make_real_video(real_video, args.real)
            real = {name: run_ours(real_video, rescan, det)["faces"] for name, det, rescan in pipelines}
            done = subprocess.run([str(python), "-c", REFERENCE_SCRIPT, str(real_video)], capture_output=True, text=True, check=True)
            real["fer 25.10.3 FER() defaults (reference)"] = json.loads(done.stdout.strip().splitlines()[-1])["faces"]
    face_ms = our_face_ms()

    print(f"{n} frames of 640x480 video from the sample photos, {os.cpu_count()} CPU cores")
    print(f"{'pipeline (decode+detect+classify+draw)':44s} {'fps':>7s} {'faces':>6s} {'vs fer':>7s}")
    for name, r in (*ours.items(), ("fer 25.10.3 FER() defaults (reference)", ref)):
        fps = r["frames"] / r["seconds"]
        print(f"{name:44s} {fps:7.1f} {r['faces']:6d} {fps / (ref['frames'] / ref['seconds']):6.2f}x")
    if real:
        print(f"faces found in {n_real} frames of real photos ({args.real}, 10 frames each):")
        for name, faces in real.items():
            print(f"  {name:44s} {faces:6d}")
    ours = ours["toonmoji auto, tracking (default)"]
    agree = [a == b for a, b in zip(ours["labels"], ref["labels"]) if a and b]
    print(f"per-face classification: toonmoji {face_ms:.3f} ms (ONNX Runtime, incl. resize) vs "
          f"fer {ref['face_ms']:.3f} ms (TFLite invoke only) -> {ref['face_ms'] / face_ms:.2f}x")
    print(f"largest-face label agrees with fer on {sum(agree)}/{len(agree)} frames where both found a face")


if __name__ == "__main__":
    main()
