"""Live mode: camera frames over the WebSocket, answered with faces, labels and probabilities."""

from __future__ import annotations

import json

import cv2
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from toonmoji.avatar.avatar import Avatar
from toonmoji.avatar.model import Attributes
from toonmoji.emotion import EMOTIONS, EmotionClassifier
from toonmoji.emotion.live import EmotionSession
from toonmoji.emotion.smooth import EmotionSmoother
from toonmoji.faces.track import auto_live_detector
from toonmoji.samples import no_face_image, video_frame_640x480
from toonmoji.web.app import create_app
from toonmoji.web.settings import WebSettings
from toonmoji.web.uploads import decode_upload
from web_images import encode


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(WebSettings()), base_url="http://127.0.0.1") as c:
        yield c


def test_frames_come_back_with_faces_labels_and_probabilities(client):
    frame = encode(video_frame_640x480(), "JPEG")
    image, _ = decode_upload(frame, "frame", 2**30, 10**9)
    reference = EmotionSession(EmotionClassifier.default(), auto_live_detector(320, 10), EmotionSmoother(3))
    expected = [reference.classify(image) for _ in range(12)]
    with client.websocket_connect("ws://127.0.0.1/api/live", headers={"origin": "http://127.0.0.1"}) as ws:
        replies = []
        for _ in range(12):
            ws.send_bytes(frame)
            replies.append(ws.receive_json())
    assert [r["frame"] for r in replies] == list(range(12))
    for reply, want in zip(replies, expected):
        assert (reply["width"], reply["height"]) == (640, 480)
        [face] = reply["faces"]
        assert list(face["probabilities"]) == list(EMOTIONS)
        assert face["label"] == want[0].label == "happy"
        assert face["box"] == pytest.approx([round(v, 1) for v in want[0].face.box], abs=0.11)
        assert reply["ms"] > 0


def test_bad_frames_are_answered_and_the_stream_goes_on(client):
    good = encode(video_frame_640x480(), "JPEG")
    with client.websocket_connect("ws://127.0.0.1/api/live") as ws:
        ws.send_bytes(b"\x00garbage")
        assert "not a JPEG" in ws.receive_json()["error"]
        ws.send_bytes(good[: len(good) // 3])
        assert "truncated" in ws.receive_json()["error"]
        ws.send_text("hello")
        assert "binary message" in ws.receive_json()["error"]
        ws.send_bytes(encode(no_face_image(), "PNG"))
        assert ws.receive_json()["faces"] == []
        ws.send_bytes(good)
        reply = ws.receive_json()
        assert len(reply["faces"]) == 1 and reply["faces"][0]["label"] == "happy"
    assert client.get("/api/health").status_code == 200


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
