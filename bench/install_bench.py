"""Install size and cold-start time of the light core against the full install (`[all]`).

Two environments, measured in the same run:
- core: a fresh virtual environment holding only the wheel (`pip install toonmoji-*.whl`), built
  here unless `--core-venv` names one (e.g. the one `.ci/core_wheel WORK_DIR` leaves);
- baseline `[all]`: this interpreter's environment, which must hold every extra (the README's
  first command installs it); this checkout's `src/` is the code that runs in it.

Install size: the files each environment's pip RECORDs for toonmoji's dependency closure (the
core's requirements, or `toonmoji[all]`'s), pip and setuptools not counted. Cold start: wall time
of a new process for `toonmoji --help` and `toonmoji emotion PHOTO --json` (the sample portrait),
median of `--runs` after one untimed run (the OS file cache is warm; no caches are dropped),
core and `[all]` runs interleaved so a busy machine slows both alike.

    python bench/install_bench.py [--core-venv /tmp/core/venv] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Run inside an environment: the installed size of a requirement's dependency closure, per
# distribution, from pip's RECORD files (pip's vendored `packaging` parses the requirements).
CLOSURE = r"""
import json, sys
from importlib import metadata
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name

todo, seen, sizes, missing = [Requirement(r) for r in json.loads(sys.argv[1])], set(), {}, []
while todo:
    req = todo.pop()
    name = canonicalize_name(req.name)
    extras = frozenset(req.extras)
    if (name, extras) in seen:
        continue
    seen.add((name, extras))
    try:
        dist = metadata.distribution(req.name)
    except metadata.PackageNotFoundError:
        missing.append(str(req))
        continue
    sizes[name] = sum(f.size or 0 for f in dist.files or [])
    for text in dist.requires or []:
        sub = Requirement(text)
        if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras | {""}):
            todo.append(sub)
print(json.dumps({"sizes": sizes, "missing": missing}))
"""


def closure_sizes(python: str, requirements: list[str]) -> dict[str, int]:
    done = subprocess.run([python, "-c", CLOSURE, json.dumps(requirements)], capture_output=True, text=True,
                          check=True)
    result = json.loads(done.stdout)
    if result["missing"]:
        sys.exit(f"{python}: not everything is installed (missing {', '.join(result['missing'])})")
    return result["sizes"]


def all_requirements() -> list[str]:
    """toonmoji[all]'s requirements read from this checkout's pyproject.toml (the environment's
    own toonmoji metadata may be an older editable install), self-references expanded."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras, found, todo = project["optional-dependencies"], list(project["dependencies"]), ["all"]
    while todo:
        for req in extras[todo.pop()]:
            if req.startswith("toonmoji["):
                todo += req[len("toonmoji["):-1].split(",")
            elif req not in found:
                found.append(req)
    return found


def build_core_venv(work: Path) -> Path:
    """A fresh venv with only the wheel built from this checkout installed."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(work)],
                   check=True, env=env)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(work.glob("toonmoji-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, env=env)
    return venv


def start_time(python: str, args: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([python, "-m", "toonmoji", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{python} -m toonmoji {' '.join(args)} failed:\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--core-venv", type=Path, help="a venv with only the toonmoji wheel installed")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        core_python = str((args.core_venv or build_core_venv(work)) / "bin" / "python")
        all_python = sys.executable
        base_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        envs = {"core": (core_python, base_env),
                "[all]": (all_python, {**base_env, "PYTHONPATH": str(REPO / "src")})}

        sizes = {"core": closure_sizes(core_python, ["toonmoji"]), "[all]": closure_sizes(all_python, all_requirements())}
        sizes["[all]"]["toonmoji"] = sizes["core"]["toonmoji"]  # the same wheel
        total = {k: sum(v.values()) / 1e6 for k, v in sizes.items()}

        from toonmoji.imageio import write_image
        from toonmoji.samples import sample_portrait

        photo = work / "portrait.png"
        write_image(photo, sample_portrait())
        commands = {"toonmoji --help": ["--help"], "toonmoji emotion PHOTO": ["emotion", str(photo), "--json"]}
        times: dict[str, dict[str, list[float]]] = {c: {"core": [], "[all]": []} for c in commands}
        for label, argv in commands.items():
            for name, (python, env) in envs.items():
                start_time(python, argv, env, work)  # untimed: loads the files into the OS cache
            for _ in range(args.runs):
                for name, (python, env) in envs.items():
                    times[label][name].append(start_time(python, argv, env, work))

    print(f"install size of the dependency closure (pip RECORD), {len(sizes['core'])} vs "
          f"{len(sizes['[all]'])} distributions")
    print(f"  core   {total['core']:8.1f} MB")
    print(f"  [all]  {total['[all]']:8.1f} MB   (baseline)")
    print(f"  ratio core / [all] = {total['core'] / total['[all]']:.3f}")
    extra_only = sorted(set(sizes["[all]"]) - set(sizes["core"]), key=lambda n: -sizes["[all]"][n])
    print("  largest in [all] only: " + ", ".join(f"{n} {sizes['[all]'][n] / 1e6:.0f} MB" for n in extra_only[:5]))
    print(f"cold start, median of {args.runs} new processes (seconds)")
    for label, by_env in times.items():
        core, full = statistics.median(by_env["core"]), statistics.median(by_env["[all]"])
        print(f"  {label:24s} core {core:6.2f}   [all] {full:6.2f} (baseline)   ratio {core / full:.2f}")


if __name__ == "__main__":
    main()
