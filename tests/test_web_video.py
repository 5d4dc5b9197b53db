"""The web API's video report: an uploaded video becomes the same report as `emotion report`, as a
job with progress; bad uploads are refused at once, one line each."""

from __future__ import annotations

import csv
import io
import time

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from toonmoji.web.app import create_app
from toonmoji.web.settings import WebSettings
from video_scenes import heads, write_scene
from web_images import decode_data_url

FINISHED = ("done", "failed", "cancelled")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(WebSettings(max_upload_bytes=3 * 2**20)), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    a, b = heads()
    two = write_scene(folder / "two.avi", 30, lambda i: [(a, 20 + 3 * i, 130), (b, 430 - 3 * i, 160)])
    long = write_scene(folder / "long.avi", 150, lambda i: [(a, 100 + i, 100)])
    return {"two": two.read_bytes(), "long": long.read_bytes()}


def start(client, data: bytes, name: str = "clip.avi"):
    return client.post("/api/video-report", files={"video": (name, data, "video/x-msvideo")})


def wait(client, job_id: str, until=lambda s: s["status"] in FINISHED, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job_id}").json()
        if until(state):
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is still {state['status']} after {timeout} s")


def test_an_uploaded_video_returns_the_report(client, clips):
    r = start(client, clips["two"], "party.avi")
    assert r.status_code == 202, r.text
    state = wait(client, r.json()["id"])
    assert state["status"] == "done", state["error"]
    assert state["progress"]["fraction"] == 1.0
    result = state["result"]
    summary = result["summary"]
    assert summary["source"] == "party.avi" and summary["frames"] == 30 and len(summary["tracks"]) == 2
    for track in summary["tracks"]:
        assert sum(track["shares"].values()) == pytest.approx(1.0, abs=1e-3)
        assert track["thumbnail"] in result["thumbs"]
    rows = list(csv.DictReader(io.StringIO(result["csv"])))
    assert len(rows) == sum(t["frames_seen"] for t in summary["tracks"])
    assert decode_data_url(result["timeline"], "image/png").shape[1] >= 800
    assert "Emotions in party.avi" in result["html"] and "data:image/png;base64," in result["html"]


def test_a_report_job_shows_progress_and_can_be_cancelled(client, clips):
    job = start(client, clips["long"]).json()["id"]
    running = wait(client, job, lambda s: s["progress"].get("frame", 0) >= 10 or s["status"] in FINISHED)
    assert running["status"] == "running" and running["progress"]["frames"] == 150
    client.post(f"/api/jobs/{job}/cancel")
    final = wait(client, job)
    assert final["status"] == "cancelled" and final["progress"]["frame"] < 150


@pytest.mark.parametrize(("data", "status", "words"), [
    (b"", 400, "empty"),
    (b"this is not a video at all" * 100, 415, "not a video"),
    (b"\0" * (3 * 2**20 + 10), 413, "limit"),
])
def test_bad_uploads_are_refused_at_once(client, data, status, words):
    r = start(client, data)
    assert r.status_code == status and words in r.json()["detail"]
