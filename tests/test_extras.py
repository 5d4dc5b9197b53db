"""The light core without its extras: core commands work, the others name the extra to install.

The heavy modules are made unimportable in a subprocess (None in sys.modules, as Python does for a
module it must not import), which is what a `pip install toonmoji` without extras looks like.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from toonmoji.errors import MissingExtraError
from toonmoji.extras import OPTIONAL_MODULES, missing_extra, require

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "dlib", "face_recognition_models", "h5py", "onnx")

# Runs each argv list through the CLI with HEAVY blocked; prints one JSON result per command.
DRIVER = """
import contextlib, io, json, sys
for name in {heavy!r}:
    sys.modules[name] = None
from toonmoji.cli import run
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    results.append({{"code": code, "out": out.getvalue(), "err": err.getvalue()}})
print(json.dumps(results))
"""


def run_without_heavy(*commands: list[str]) -> list[dict]:
    driver = DRIVER.format(heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", driver, json.dumps(commands)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def core_results(tmp_path_factory, portrait) -> list[dict]:
    from toonmoji.imageio import write_image

    tmp = tmp_path_factory.mktemp("core")
    photo = tmp / "portrait.png"
    write_image(photo, portrait)
    csv = tmp / "fer.csv"
    csv.write_text("emotion,pixels,Usage\n3," + " ".join(["128"] * 48 * 48) + ",Training\n")
    return run_without_heavy(
        ["--help"],
        ["emotion", str(photo), "--json", "--out", str(tmp / "labelled.png")],
        ["gan", "info"],
        ["emotion", "train", str(csv), "--out", str(tmp / "run")],
        ["faces", str(photo), "--detector", "dlib", "--out", str(tmp / "faces")],
        ["emotion", "info"],
    )


def test_core_commands_run_without_torch_dlib_h5py(core_results, tmp_path):
    help_, emotion = core_results[0], core_results[1]
    assert help_["code"] == 0 and "emotion" in help_["out"]
    assert emotion["code"] == 0, emotion["err"]
    faces = json.loads(emotion["out"])["faces"]
    assert len(faces) == 1 and len(faces[0]["probabilities"]) == 7
    info = core_results[5]  # without torch: the packaged ONNX export, credited
    assert info["code"] == 0 and "mini-xception" in info["out"] and "Justin Shenk" in info["out"]
    assert "parameters" not in info["out"]  # counted only from the PyTorch checkpoint


@pytest.mark.parametrize(("index", "extra"), [(2, "gan"), (3, "gan"), (4, "dlib")])
def test_command_needing_an_extra_names_it_in_one_line(core_results, index, extra):
    result = core_results[index]
    assert result["code"] == 2
    lines = result["err"].strip().splitlines()
    assert len(lines) == 1, result["err"]
    assert f"pip install 'toonmoji[{extra}]'" in lines[0]
    assert "Traceback" not in result["err"]


def test_require_names_the_extra_for_a_missing_module():
    with pytest.raises(MissingExtraError) as info:
        require("toonmoji_no_such_module", extra="gan", feature="fine-tuning")
    assert info.value.exit_code == 2 and info.value.extra == "gan"
    assert str(info.value) == ("fine-tuning needs toonmoji_no_such_module, which is not installed: "
                               "pip install 'toonmoji[gan]'")


def test_require_does_not_hide_a_broken_installed_module(tmp_path, monkeypatch):
    (tmp_path / "toonmoji_broken_pkg.py").write_text("import toonmoji_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="toonmoji_missing_dependency"):
        require("toonmoji_broken_pkg", extra="gan")


def test_safety_net_names_extras_only_for_absent_optional_modules(monkeypatch):
    assert missing_extra(ModuleNotFoundError("x", name="toonmoji_unknown")) is None
    assert missing_extra(ModuleNotFoundError("x", name="torch.nn")) is None  # installed: broken, not missing
    monkeypatch.setitem(sys.modules, "h5py", None)
    error = missing_extra(ModuleNotFoundError("x", name="h5py"))
    assert error is not None and error.extra == "convert" and "toonmoji[convert]" in str(error)


def test_every_extra_named_in_a_message_exists_and_is_in_all():
    """A message must never send users to an extra that pip does not know."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    in_all = extras["all"][0].removeprefix("toonmoji[").removesuffix("]").split(",")
    named = {extra for extra, _ in OPTIONAL_MODULES.values()}
    assert named <= set(extras) and named <= set(in_all)

