"""The page's avatar API: the fitted choices come with confidences, the doubtful ones with an
alternative, and /api/avatar/edit redraws an edited avatar file; bad edits fail in one line."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from toonmoji.web.app import create_app
from toonmoji.web.settings import WebSettings
from web_images import decode_data_url, encode


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(WebSettings()), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def fitted(client, portrait):
    r = client.post("/api/avatar", files={"photo": ("me.jpg", encode(portrait, "JPEG"), "image/jpeg")})
    assert r.status_code == 200, r.text
    return r.json()


def test_avatar_answers_confidences_and_doubts(fitted):
    confidence = fitted["avatar"]["confidence"]
    assert {"hair.style", "beard.style", "glasses.style"} <= set(confidence)
    for c in confidence.values():
        assert 0.0 <= c["score"] <= 1.0 and c["alternative"] is not None
    for d in fitted["doubts"]:
        assert d["score"] < 0.6 and d["alternative"] != d["value"]
        section, name = d["key"].split(".")
        assert fitted["avatar"][section][name] == d["value"]


def test_edit_applies_the_alternative_and_redraws(client, fitted):
    r = client.post("/api/avatar/edit", json={"avatar": fitted["avatar"], "set": ["beard.style=full"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["avatar"]["beard"]["style"] == "full"
    assert "beard.style" not in body["avatar"]["confidence"]  # the person chose it: no doubt left
    before = decode_data_url(fitted["png"], "image/png", "RGBA")
    after = decode_data_url(body["png"], "image/png", "RGBA")
    assert before.shape == after.shape and (before != after).any()  # the drawing changed


@pytest.mark.parametrize("payload", [
    {"avatar": {"format": "nope"}, "set": []},
    {"avatar": None, "set": ["beard.style=full"]},
    {"set": ["beard.style=full"]},
    "not json",
])
def test_bad_edits_fail_in_one_line(client, fitted, payload):
    if isinstance(payload, dict) and payload.get("avatar") is None and "avatar" in payload:
        payload = {"avatar": fitted["avatar"], "set": ["beard.style=purple"]}
    r = client.post("/api/avatar/edit", json=payload)
    assert 400 <= r.status_code < 500
    detail = r.json()["detail"]
    if isinstance(detail, str):
        assert "\n" not in detail
