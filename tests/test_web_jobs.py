"""Toonify as a job: progress readable through the API, cancel stopping the projection mid-way.

Tiny generators (32 px, as in test_toonify.py) stand in for real StyleGAN2 weights.
"""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from toonmoji.errors import NoFaceError
from toonmoji.toonify.models import load_toon_models
from toonmoji.web.app import create_app
from toonmoji.web.jobs import JobRunner
from toonmoji.web.settings import WebSettings
from web_images import decode_data_url, encode
from web_server import RES, tiny_model_files


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    base, toon = tiny_model_files(tmp_path_factory.mktemp("models"))
    settings = WebSettings(toon_models=load_toon_models(base, toon), project_steps=20)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def photo(portrait) -> bytes:
    return encode(portrait, "JPEG")


def start(client, photo: bytes, steps: int) -> str:
    r = client.post("/api/toonify", files={"photo": ("me.jpg", photo, "image/jpeg")}, data={"steps": str(steps)})
    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("queued", "running")
    return r.json()["id"]


def wait_for(client, job_id: str, done, timeout: float = 60.0) -> list[dict]:
    """Poll the job until `done(state)`; returns every state seen."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(client.get(f"/api/jobs/{job_id}").json())
        if done(seen[-1]):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {seen[-1]['status']} at {seen[-1]['progress']} after {timeout} s")


def test_toonify_job_reports_progress_and_returns_the_toons(client, photo, portrait):
    job = start(client, photo, steps=25)
    seen = wait_for(client, job, lambda s: s["status"] in ("done", "failed", "cancelled"))
    final = seen[-1]
    assert final["status"] == "done", final["error"]
    steps_seen = [s["progress"]["step"] for s in seen if s["status"] == "running" and "step" in s["progress"]]
    assert len(set(steps_seen)) >= 3 and steps_seen == sorted(steps_seen)  # progress moved while polled
    assert final["progress"]["fraction"] == 1.0 and final["progress"]["steps"] == 25
    result = final["result"]
    [face] = result["faces"]
    assert decode_data_url(face["toon"], "image/png").shape == (RES, RES, 3)
    for name in ("reconstruction", "toon"):  # dlib's identity distance to the photo's face
        assert face["identity"][name]["distance"] > 0
        assert face["identity"][name]["same_person"] == (face["identity"][name]["distance"] < 0.6)
    assert decode_data_url(result["pasted"], "image/jpeg").shape == portrait.shape
    assert (result["emoji"] is None) != (result["emoji_error"] is None)
    assert client.delete(f"/api/jobs/{job}").status_code == 204
    assert client.get(f"/api/jobs/{job}").status_code == 404  # forgotten, result and all


def test_cancel_stops_the_projection_mid_way(client, photo):
    job = start(client, photo, steps=5000)
    wait_for(client, job, lambda s: s["progress"].get("step", 0) >= 3)
    asked = time.monotonic()
    r = client.post(f"/api/jobs/{job}/cancel")
    assert r.status_code == 200
    final = wait_for(client, job, lambda s: s["status"] != "running", timeout=10)[-1]
    stopped_after = time.monotonic() - asked
    assert final["status"] == "cancelled" and final["result"] is None
    step = final["progress"]["step"]
    assert 3 <= step < 5000
    time.sleep(0.3)
    assert client.get(f"/api/jobs/{job}").json()["progress"]["step"] == step  # nothing runs on
    assert stopped_after < 2.0, f"cancel took {stopped_after:.1f} s"
    # the worker is free again: the next job runs to the end
    nxt = start(client, photo, steps=5)
    assert wait_for(client, nxt, lambda s: s["status"] in ("done", "failed"))[-1]["status"] == "done"


def test_a_queued_job_cancelled_never_starts(client, photo):
    first = start(client, photo, steps=5000)
    second = start(client, photo, steps=5000)
    wait_for(client, first, lambda s: s["status"] == "running")
    state = client.post(f"/api/jobs/{second}/cancel").json()
    assert state["status"] == "cancelled" and state["progress"] == {}
    client.post(f"/api/jobs/{first}/cancel")
    wait_for(client, first, lambda s: s["status"] == "cancelled", timeout=10)
    assert client.get(f"/api/jobs/{second}").json()["progress"] == {}


def test_a_bad_photo_fails_before_a_job_is_made(client):
    r = client.post("/api/toonify", files={"photo": ("x.jpg", b"not an image", "image/jpeg")})
    assert r.status_code == 415
    r = client.post("/api/toonify", files={"photo": ("x.png", encode(__import__("numpy").zeros((64, 64, 3), "uint8"), "PNG"), "image/png")})
    job = r.json()["id"]
    final = wait_for(client, job, lambda s: s["status"] in ("done", "failed"))[-1]
    assert final["status"] == "failed" and final["error"] == "no face found in x.png"


def test_toonify_without_models_says_which_commands_set_it_up(photo):
    with TestClient(create_app(WebSettings()), base_url="http://127.0.0.1") as c:
        r = c.post("/api/toonify", files={"photo": ("me.jpg", photo, "image/jpeg")})
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "toonmoji gan finetune" in detail and "toonmoji gan blend" in detail and "--base" in detail


def test_job_runner_failures_are_one_line_and_the_worker_survives():
    runner = JobRunner()
    try:
        def no_face(report):
            raise NoFaceError("no face found in the photo")

        def bug(report):
            raise ZeroDivisionError("oops")

        ok_started = threading.Event()

        def ok(report):
            ok_started.set()
            report(step=1, steps=1, face=0, faces=1)
            return {"answer": 42}

        jobs = [runner.submit("t", work) for work in (no_face, bug, ok)]
        deadline = time.monotonic() + 10
        while any(j.finished is None for j in jobs) and time.monotonic() < deadline:
            time.sleep(0.01)
        states = [j.snapshot() for j in jobs]
        assert [s["status"] for s in states] == ["failed", "failed", "done"]
        assert states[0]["error"] == "no face found in the photo"
        assert states[1]["error"] == "internal error (ZeroDivisionError); see the server log"
        assert states[2]["result"] == {"answer": 42} and states[2]["progress"]["fraction"] == 1.0
    finally:
        runner.shutdown()
