"""`toonmoji batch --ray local`: the same batch on Ray actors (a small local Ray instance).

Skipped where Ray is not installed; CI installs it (the `test` extra includes `[cluster]`).
Each run starts a Ray instance (num_cpus = --workers, no dashboard): several seconds each.
"""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import pytest

from batch_helpers import (
    BAD,
    DyingJob,
    bad_photos,
    batch_process,
    good_photos,
    manifest_lines,
    wait_for_lines,
)
from toonmoji.batch import run

pytestmark = pytest.mark.skipif(not __import__("importlib").util.find_spec("ray"), reason="ray is not installed")
TESTS = Path(__file__).resolve().parent


def test_ray_batch_gives_the_same_outputs_and_manifest_as_processes(tmp_path):
    folder = tmp_path / "photos"
    good_photos(folder, 2)
    bad_photos(folder)
    summary = run("emotion", [folder], tmp_path / "ray", workers=2, ray="local")
    assert summary["backend"] == "ray local" and summary["workers"] == 2
    assert summary["totals"] == {"inputs": 5, "ok": 2, "failed": 3, "skipped": 0, "not_done": 0}
    ray_lines = {r["path"]: r for r in manifest_lines(tmp_path / "ray")}
    assert {Path(p).name for p, r in ray_lines.items() if r["status"] == "error"} == set(BAD)
    run("emotion", [folder], tmp_path / "local", workers=2)
    local_lines = {r["path"]: r for r in manifest_lines(tmp_path / "local")}
    for path, r in ray_lines.items():
        assert (r["status"], r["outputs"], r["error"]) == (local_lines[path]["status"], local_lines[path]["outputs"],
                                                            local_lines[path]["error"])
        for o in r["outputs"]:
            assert (tmp_path / "ray" / o).read_bytes() == (tmp_path / "local" / o).read_bytes()
    assert (tmp_path / "ray" / "all_faces.csv").read_text() == (tmp_path / "local" / "all_faces.csv").read_text()
    again = run("emotion", [folder], tmp_path / "ray", workers=2, ray="local")
    assert again["this_run"]["processed"] == 3 and again["this_run"]["done_before"] == 2


def test_a_dead_actor_is_replaced_and_its_input_retried_once(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("flaky.png", "poison.png", "plain.png"):
        (folder / name).write_bytes(name.encode())
    run(DyingJob, [folder], tmp_path / "out", workers=2, ray="local")
    lines = {Path(r["path"]).name: r for r in manifest_lines(tmp_path / "out")}
    assert lines["flaky.png"]["status"] == "ok" and lines["flaky.png"]["attempts"] == 2
    assert lines["poison.png"]["status"] == "error" and "died on this input twice" in lines["poison.png"]["error"]
    assert lines["plain.png"]["status"] == "ok"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_ray_batch_stopped_half_way_is_finished_by_a_rerun(tmp_path, sig):
    photos = good_photos(tmp_path / "in", 10)
    out = tmp_path / "out"
    args = ("emotion", str(tmp_path / "in"), "--out", str(out), "--ray", "local")
    process = batch_process(*args, "--workers", "1")
    wait_for_lines(out, 2, process)
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), err
    assert 2 <= len(manifest_lines(out)) < len(photos)
    rerun = batch_process(*args, "--workers", "2")
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    ok = [r["path"] for r in manifest_lines(out) if r["status"] == "ok"]
    assert sorted(ok) == sorted(map(str, photos))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    expected = sorted(o for r in manifest_lines(out) for o in r["outputs"])
    extra = {"manifest.jsonl", "job.json", "summary.json", "all_faces.csv", "all_faces.parquet"}
    assert [f for f in files if f not in extra] == expected
    with open(out / "all_faces.csv") as f:
        assert sorted(r["input"] for r in csv.DictReader(f)) == sorted(map(str, photos))
    assert json.loads((out / "summary.json").read_text())["backend"] == "ray local"


def test_an_unreachable_cluster_is_one_line_in_seconds(tmp_path):
    from toonmoji.errors import InputError

    photo = good_photos(tmp_path / "in", 1)[0]
    with pytest.raises(InputError, match="cannot reach the Ray cluster at 127.0.0.1:1"):
        run("emotion", [photo], tmp_path / "out", ray="127.0.0.1:1")
