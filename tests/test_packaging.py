"""What the wheel must carry: every non-Python file of the package matches a package-data glob.

(`.ci/core_wheel` builds the real wheel and checks its contents with zipfile; this catches a new
model or page file outside the globs as soon as the tests run.)
"""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "toonmoji"


def package_data_globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]["package-data"]["toonmoji"]


def data_files() -> list[Path]:
    return [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]


def shipped(root: Path, globs: list[str]) -> set[Path]:
    """The files setuptools puts in the wheel for these globs (it expands them like this)."""
    found = set()
    for pattern in globs:
        found |= {Path(p).relative_to(root) for p in glob.glob(str(root / pattern), recursive=True)
                  if Path(p).is_file()}
    return found


def test_every_data_file_of_the_package_is_in_package_data():
    files = data_files()
    assert any(f.suffix == ".onnx" for f in files) and any(f.parts[:2] == ("web", "static") for f in files)
    outside = sorted(str(f) for f in set(files) - shipped(PACKAGE, package_data_globs()))
    assert not outside, f"not shipped in the wheel (add to [tool.setuptools.package-data]): {outside}"


def test_globs_are_recursive_so_sub_folders_ship_too(tmp_path):
    for name in ("data/a.onnx", "data/models/b.onnx", "web/static/img/c.svg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert shipped(tmp_path, package_data_globs()) == {
        Path("data/a.onnx"), Path("data/models/b.onnx"), Path("web/static/img/c.svg")}


def test_packaged_sample_is_scikit_images_astronaut_pixel_for_pixel(portrait):
    from skimage import data

    assert portrait.shape == (512, 512, 3) and portrait.dtype == np.uint8
    assert np.array_equal(portrait, data.astronaut())
