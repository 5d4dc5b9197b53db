"""The web page's live mode with an avatar: each camera frame is answered with the avatar moved by
the face, as SVG."""

from __future__ import annotations

import json

import cv2
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.model import Attributes
from toonmoji.samples import no_face_image, video_frame_640x480
from toonmoji.web.app import create_app
from toonmoji.web.settings import WebSettings
from web_images import encode


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(WebSettings()), base_url="http://127.0.0.1") as c:
        yield c


def test_the_avatar_sent_follows_the_face_in_each_frame(client):
    avatar = json.loads(Avatar(Attributes()).to_json())
    frame = video_frame_640x480()
    tilted = cv2.warpAffine(frame, cv2.getRotationMatrix2D((320, 200), -20, 1.0), (640, 480))
    with client.websocket_connect("ws://127.0.0.1/api/live") as ws:
        ws.send_bytes(encode(frame, "JPEG"))
        assert "puppet" not in ws.receive_json()  # no avatar yet
        ws.send_text(json.dumps({"avatar": avatar}))
        assert ws.receive_json() == {"configured": True}
        rolls = []
        for _ in range(3):
            ws.send_bytes(encode(tilted, "JPEG"))
            reply = ws.receive_json()
            assert reply["puppet"]["svg"].startswith("<svg") and reply["puppet"]["face"]
            rolls.append(reply["puppet"]["signals"]["roll"])
        assert rolls[-1] > 12  # the picture turned 20 degrees clockwise
        ws.send_bytes(encode(no_face_image(), "PNG"))
        assert ws.receive_json()["puppet"]["face"] is False
        ws.send_text(json.dumps({"avatar": {"version": 99}}))
        bad = ws.receive_json()
        assert bad["configured"] is False and bad["error"]
        ws.send_text(json.dumps({"avatar": None}))
        assert ws.receive_json() == {"configured": True}
        ws.send_bytes(encode(frame, "JPEG"))
        assert "puppet" not in ws.receive_json()
