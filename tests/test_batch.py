"""`toonmoji batch`: outputs for good inputs, a manifest line for bad ones, nothing done twice.

Worker processes (spawned) make these tests take a few seconds each; the inputs are the packaged
portrait at a few sizes plus a truncated PNG, a text file named .jpg and a photo with no face.
"""

from __future__ import annotations

import csv
import json
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
from toonmoji.batch.inputs import assign_keys, expand
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.errors import MissingExtraError, OutputExistsError, ToonmojiError

REAL_FACES = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"


@pytest.fixture
def mixed(tmp_path) -> Path:
    """photos/: two good portraits (a/me.png, b/me.jpg) and the three bad inputs."""
    folder = tmp_path / "photos"
    good_photos(folder, 2)
    bad_photos(folder)
    return folder


def by_name(lines: list[dict]) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in lines}


def test_good_photos_get_outputs_and_bad_ones_a_manifest_line_each(mixed, tmp_path, cli):
    out = tmp_path / "out"
    code, _, err = cli("batch", "emotion", mixed, "--out", out, "--workers", "2")
    assert code == 7, err  # "some failed"
    assert "3 of 5 input(s) failed" in err and "Traceback" not in err
    lines = by_name(manifest_lines(out))
    assert {lines[n]["status"] for n in BAD} == {"error"}
    assert "no face" in lines["noface.png"]["error"] and "not an image" in lines["notes.jpg"]["error"]
    assert all("\n" not in lines[n]["error"] and lines[n]["sha256"] for n in BAD)
    good = [lines["me.png"], lines["me.jpg"]]
    assert [g["status"] for g in good] == ["ok", "ok"]
    outputs = [o for g in good for o in g["outputs"]]
    assert len(set(outputs)) == len(outputs) == 4  # the two me's do not overwrite each other
    for o in outputs:
        assert (out / o).stat().st_size > 0
    faces = json.loads((out / good[0]["outputs"][0]).read_text())["faces"]
    assert faces and faces[0]["label"] in EMOTIONS
    with open(out / "all_faces.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["input"] for r in rows} == {g["path"] for g in good}
    for r in rows:
        assert abs(sum(float(r[c]) for c in EMOTIONS) - 1) < 0.01 and r["dominant"] in EMOTIONS
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"] == {"inputs": 5, "ok": 2, "failed": 3, "skipped": 0, "not_done": 0}
    assert {f["path"] for f in summary["failures"]} == {str(mixed / n) for n in BAD}
    assert summary["throughput_per_second"] > 0


def test_a_second_run_retries_only_failures_and_a_finished_batch_does_nothing(mixed, tmp_path):
    out = tmp_path / "out"
    first = run("emoji", [mixed], out, workers=2)
    assert first["totals"]["ok"] == 2 and first["totals"]["failed"] == 3
    ok_files = {o: (out / o).stat().st_mtime_ns for r in manifest_lines(out) if r["status"] == "ok" for o in r["outputs"]}
    second = run("emoji", [mixed], out, workers=2)
    assert second["this_run"]["processed"] == 3 and second["this_run"]["done_before"] == 2
    assert {o: (out / o).stat().st_mtime_ns for o in ok_files} == ok_files  # not redone
    for name in BAD:
        (mixed / name).unlink()
    before = (out / "manifest.jsonl").read_bytes()
    third = run("emoji", [mixed], out, workers=2)
    assert third["this_run"]["processed"] == 0 and third["this_run"]["done_before"] == 2
    assert third["workers"] == 0  # no worker was even started
    assert (out / "manifest.jsonl").read_bytes() == before


def test_a_changed_photo_is_done_again(tmp_path):
    photos = good_photos(tmp_path / "in", 2)
    out = tmp_path / "out"
    run("emoji", [tmp_path / "in"], out, workers=1)
    photos[0].write_bytes(photos[1].read_bytes())  # new content, same name
    again = run("emoji", [tmp_path / "in"], out, workers=1)
    assert again["this_run"]["processed"] == 1
    done = [r for r in manifest_lines(out) if r["path"] == str(photos[0])]
    assert [r["status"] for r in done] == ["ok", "ok"] and done[0]["sha256"] != done[1]["sha256"]


def test_a_list_file_names_inputs_and_each_problem_is_one_line(tmp_path):
    photo = good_photos(tmp_path / "in", 1)[0]
    listing = tmp_path / "list.txt"
    listing.write_text(f"# people\n{photo.relative_to(tmp_path)}\nmissing.png\nclip.mp4\n\n")
    summary = run("avatar", [listing], tmp_path / "out", workers=1, options={"png": True})
    lines = by_name(manifest_lines(tmp_path / "out"))
    assert lines["me.png"]["status"] == "ok" and sorted(lines["me.png"]["outputs"]) == ["me.png", "me.svg"]
    assert lines["missing.png"]["status"] == "error" and "no such file" in lines["missing.png"]["error"]
    assert lines["clip.mp4"]["status"] == "skipped" and "reads photos" in lines["clip.mp4"]["error"]
    assert summary["totals"] == {"inputs": 3, "ok": 1, "failed": 1, "skipped": 1, "not_done": 0}
    svg = (tmp_path / "out" / "me.svg").read_text()
    assert svg.startswith("<svg") or "<svg" in svg[:200]


def test_same_names_in_different_folders_get_distinct_stable_keys(tmp_path):
    a, b = tmp_path / "x" / "me.png", tmp_path / "y" / "me.png"
    for p in (a, b):
        p.parent.mkdir(parents=True)
        p.write_bytes(b"x")
    keys = [i.key for i in assign_keys(expand([a, b], "image"), {})]
    assert len(set(keys)) == 2 and all(k.startswith("me-") for k in keys)
    assert [i.key for i in assign_keys(expand([a, b], "image"), {})] == keys  # the same next time
    assert [i.key for i in assign_keys(expand([tmp_path], "image"), {})] == [f"{tmp_path.name}/x/me",
                                                                               f"{tmp_path.name}/y/me"]


def test_the_batch_folder_is_its_own(tmp_path, mixed):
    other = tmp_path / "somebodys"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="holds other files"):
        run("emotion", [mixed], other)
    out = tmp_path / "out"
    good = mixed / "a" / "me.png"
    run("emotion", [good], out, workers=1)
    with pytest.raises(OutputExistsError, match="other options"):
        run("emotion", [good], out, workers=1, options={"annotate": False})
    with pytest.raises(OutputExistsError, match="other command"):
        run("emoji", [good], out, workers=1)
    for name in ("x.pt", "y.pt"):
        (tmp_path / name).write_text("not a checkpoint")
    models = {"base": str(tmp_path / "x.pt"), "toon": str(tmp_path / "y.pt")}
    with pytest.raises(ToonmojiError, match="x.pt"):  # the workers cannot load it: one error, nothing recorded
        run("toonify", [good], tmp_path / "toons", workers=1, options=models)
    fresh = run("emotion", [good], tmp_path / "toons", workers=1)  # ... so the folder takes another job
    assert fresh["totals"]["ok"] == 1


def test_a_dying_worker_is_replaced_and_its_input_retried_once(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("flaky.png", "poison.png", "plain1.png", "plain2.png"):
        (folder / name).write_bytes(name.encode())
    summary = run(DyingJob, [folder], tmp_path / "out", workers=2)
    lines = by_name(manifest_lines(tmp_path / "out"))
    assert lines["flaky.png"]["status"] == "ok" and lines["flaky.png"]["attempts"] == 2
    assert lines["poison.png"]["status"] == "error" and "died on this input twice" in lines["poison.png"]["error"]
    assert lines["plain1.png"]["status"] == lines["plain2.png"]["status"] == "ok"
    assert summary["this_run"]["retried_after_worker_death"] == 2


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_batch_stopped_half_way_is_finished_by_a_rerun_without_duplicates(tmp_path, sig):
    photos = good_photos(tmp_path / "in", 10)
    out = tmp_path / "out"
    process = batch_process("emotion", str(tmp_path / "in"), "--out", str(out), "--workers", "1")
    wait_for_lines(out, 2, process)
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), err
    if sig == signal.SIGINT:
        assert "run the same command again" in err and "Traceback" not in err
        assert json.loads((out / "summary.json").read_text())["this_run"]["interrupted"]
    first = manifest_lines(out)  # whole lines only, even after SIGKILL
    assert 2 <= len(first) < len(photos)
    rerun = batch_process("emotion", str(tmp_path / "in"), "--out", str(out), "--workers", "2")
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    ok = [r["path"] for r in manifest_lines(out) if r["status"] == "ok"]
    assert sorted(ok) == sorted(map(str, photos))  # each exactly once
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    expected = sorted(o for r in manifest_lines(out) for o in r["outputs"])
    extra = {"manifest.jsonl", "job.json", "summary.json", "all_faces.csv", "all_faces.parquet"}
    assert [f for f in files if f not in extra] == expected  # no leftovers, no temporary files
    with open(out / "all_faces.csv") as f:
        assert sorted(r["input"] for r in csv.DictReader(f)) == sorted(map(str, photos))


def test_report_batch_writes_a_report_per_video_and_one_table(tmp_path):
    from video_scenes import heads, write_scene

    head, _ = heads()
    folder = tmp_path / "videos"
    folder.mkdir()
    write_scene(folder / "one.mp4", 12, lambda i: [(head, 200 + 2 * i, 120)])
    write_scene(folder / "empty.mp4", 6, lambda i: [])
    (folder / "broken.mp4").write_bytes(b"\x00" * 1000)
    summary = run("report", [folder], tmp_path / "out", workers=2)
    lines = by_name(manifest_lines(tmp_path / "out"))
    assert lines["one.mp4"]["status"] == "ok" and "videos/one.report/index.html" in lines["one.mp4"]["outputs"]
    assert lines["broken.mp4"]["status"] == "error"
    assert summary["totals"]["ok"] == 2 and summary["totals"]["failed"] == 1
    with open(tmp_path / "out" / "all_tracks.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["input"] for r in rows] == [str(folder / "one.mp4")]
    assert float(rows[0]["seconds_on_screen"]) > 0.2 and rows[0]["dominant"] in EMOTIONS


def test_toonify_batch_loads_the_models_once_per_worker(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from web_server import tiny_model_files

    monkeypatch.setenv("TOONMOJI_CACHE", str(tmp_path / "cache"))
    base, toon = tiny_model_files(tmp_path)
    photos = good_photos(tmp_path / "in", 2)
    options = {"base": str(base), "toon": str(toon), "steps": 2}
    summary = run("toonify", [tmp_path / "in"], tmp_path / "out", workers=1, options=options)
    assert summary["totals"]["ok"] == len(photos)
    from toonmoji.imageio import read_image

    for r in manifest_lines(tmp_path / "out"):
        assert read_image(tmp_path / "out" / r["outputs"][0]).shape == (32, 32, 3)


def test_ray_without_the_extra_is_one_line(tmp_path, monkeypatch, mixed):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'toonmoji\[cluster\]'"):
        run("emotion", [mixed / "a"], tmp_path / "out", ray="local")


@pytest.mark.skipif(not REAL_FACES.is_dir(), reason=f"real photos not here ({REAL_FACES})")
def test_real_photos(tmp_path):
    summary = run("emotion", [REAL_FACES], tmp_path / "out", workers=2)
    photos = len([p for p in REAL_FACES.iterdir() if p.suffix == ".jpg"])
    assert summary["totals"]["inputs"] == photos and summary["totals"]["ok"] >= photos - 1
    with open(tmp_path / "out" / "all_faces.csv") as f:
        assert len(list(csv.DictReader(f))) > photos  # mostly group photos
