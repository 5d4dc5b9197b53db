"""Shared fixtures: sample images made from the packaged portrait, and a CLI runner."""

from __future__ import annotations

import numpy as np
import pytest

from toonmoji.samples import sample_portrait


@pytest.fixture(scope="session")
def portrait() -> np.ndarray:
    return sample_portrait()


@pytest.fixture
def cli(capsys):
    """Run the toonmoji CLI in-process; returns (exit_code, stdout, stderr)."""
    from toonmoji.cli import run

    def invoke(*args: str) -> tuple[int, str, str]:
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
