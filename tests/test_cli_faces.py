"""`toonmoji faces` as a user runs it: outputs, JSON, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from toonmoji.imageio import read_image, write_image
from toonmoji.samples import no_face_image


def test_faces_writes_one_aligned_png_per_face(tmp_path, portrait, cli):
    photo = write_image(tmp_path / "me.png", portrait)
    code, out, _ = cli("faces", photo, "--out", tmp_path / "faces", "--size", "128", "--json")
    assert code == 0
    report = json.loads(out)
    assert len(report["faces"]) == 1
    assert report["faces"][0]["confidence"] > 0.3
    crop = read_image(report["faces"][0]["aligned"])
    assert crop.shape == (128, 128, 3)


def test_faces_table_output(tmp_path, portrait, cli):
    photo = write_image(tmp_path / "me.png", portrait)
    code, out, _ = cli("faces", photo, "--out", tmp_path / "f")
    assert code == 0 and "1 face(s)" in out


def test_faces_json_without_out_reads_only_and_repeats(tmp_path, portrait, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_image("me.png", portrait)
    runs = [cli("faces", "me.png", "--json") for _ in range(2)]
    assert [code for code, _, _ in runs] == [0, 0]
    assert runs[0][1] == runs[1][1]
    face = json.loads(runs[0][1])["faces"][0]
    assert face["aligned"] is None and len(face["landmarks"]) == 68
    assert sorted(p.name for p in tmp_path.iterdir()) == ["me.png"]  # no crops without --out


def test_no_face_is_one_line_and_writes_nothing(tmp_path, cli):
    photo = write_image(tmp_path / "wall.png", no_face_image())
    code, _out, err = cli("faces", photo, "--out", tmp_path / "faces")
    assert code == 4
    assert err.strip().count("\n") == 0 and "no face found" in err
    assert not (tmp_path / "faces").exists()


def test_bad_inputs_give_one_line_errors(tmp_path, portrait, cli):
    truncated = tmp_path / "cut.jpg"
    write_image(truncated, portrait)
    truncated.write_bytes(truncated.read_bytes()[:3000])
    fake = tmp_path / "fake.png"
    fake.write_text("not an image")
    for bad in (tmp_path / "missing.jpg", truncated, fake):
        code, out, err = cli("faces", bad, "--out", tmp_path / "o")
        assert code != 0
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err + out
    assert not (tmp_path / "o").exists()


def test_existing_output_is_kept_without_force(tmp_path, portrait, cli):
    photo = write_image(tmp_path / "me.png", portrait)
    out_dir = tmp_path / "faces"
    out_dir.mkdir()
    keep = out_dir / "me_face0.png"
    keep.write_bytes(b"mine")
    code, _, err = cli("faces", photo, "--out", out_dir)
    assert code == 3 and "--force" in err
    assert keep.read_bytes() == b"mine"
    code, _, _ = cli("faces", photo, "--out", out_dir, "--force")
    assert code == 0 and read_image(keep).shape == (256, 256, 3)


def test_console_script_reports_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "toonmoji", "faces", str(tmp_path / "missing.jpg")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: no such file: {tmp_path / 'missing.jpg'}"


def test_demo_writes_an_index_with_its_images(tmp_path, cli):
    code, _out, _ = cli("demo", "--out", tmp_path / "demo")
    assert code == 0
    index = (tmp_path / "demo" / "index.html").read_text()
    for name in ("sample.png", "face_aligned.png", "face_pasted.png"):
        assert name in index and (tmp_path / "demo" / name).is_file()
    aligned = read_image(tmp_path / "demo" / "face_aligned.png")
    assert aligned.shape == (256, 256, 3) and np.std(aligned) > 20
    assert "<h2>Toonify</h2>" in index and "toonmoji toonify photo.jpg" in index  # says what it needs


def test_demo_page_links_full_size_images_and_shows_code(tmp_path, cli):
    from toonmoji.samples import sample_portrait

    demo = tmp_path / "demo"
    assert cli("demo", "--out", demo)[0] == 0
    index = (demo / "index.html").read_text()
    assert "<a href='face_pasted.png' target='_blank'><img src='face_pasted.png'" in index  # click: full size
    assert "<code>toonmoji avatar set PHOTO</code>" in index and "`" not in index  # code as code
    pasted, portrait = read_image(demo / "face_pasted.png"), sample_portrait()
    changed = np.any(pasted != portrait, axis=2)
    assert 0.02 < changed.mean() < 0.3  # the face region only, not a square over the photo
    assert pasted[changed].mean() > 60  # a grey face, not a dark square
    group = read_image(demo / "group.png")
    assert (np.all(group == (0, 255, 0), axis=2)).sum() > 300  # the faces are boxed
    code, out, err = cli("demo", "--out", demo)  # run again: the demo's own page is refreshed
    assert code == 0 and "refreshing" in out, err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "sample.png").write_bytes(b"mine")
    assert cli("demo", "--out", tmp_path / "mine")[0] == 3  # a folder of the user's is never overwritten
    assert (tmp_path / "mine" / "sample.png").read_bytes() == b"mine"
