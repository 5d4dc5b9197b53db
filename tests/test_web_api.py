"""The HTTP API behind the page, in-process (FastAPI's TestClient): answers, schema, bad uploads."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from toonmoji.emotion import EMOTIONS, EmotionClassifier
from toonmoji.emotion.recognize import classify_faces
from toonmoji.faces import detect_faces
from toonmoji.samples import no_face_image
from toonmoji.web.app import create_app
from toonmoji.web.settings import WebSettings
from toonmoji.web.uploads import decode_upload
from web_images import decode_data_url, encode, png_header

STATIC = Path(__file__).resolve().parents[1] / "src" / "toonmoji" / "web" / "static"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(WebSettings()), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def photo(portrait) -> bytes:
    return encode(portrait, "JPEG")


@pytest.fixture(scope="module")
def expected(photo):
    """What the library itself says of the same decoded photo."""
    image, _ = decode_upload(photo, "sample", 2**30, 10**9)
    return classify_faces(image, detect_faces(image, "auto"), EmotionClassifier.default())


def post(client, path: str, data: bytes, name: str = "photo.jpg", **form: str):
    return client.post(path, files={"photo": (name, data, "image/jpeg")}, data=form)


def test_analyze_finds_the_face_its_emotion_and_makes_the_emoji(client, photo, expected):
    r = post(client, "/api/analyze", photo)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["width"], body["height"], body["scale"]) == (512, 512, 1.0)
    [face] = body["faces"]
    assert face["label"] == expected[0].label == "happy"
    assert list(face["probabilities"]) == list(EMOTIONS)
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["probabilities"]["happy"] == pytest.approx(expected[0].score, abs=1e-3)
    x0, y0, x1, y1 = face["box"]
    assert 150 < (x0 + x1) / 2 < 250 and 60 < (y0 + y1) / 2 < 160  # the astronaut's face
    assert decode_data_url(face["aligned"], "image/png").shape == (256, 256, 3)
    assert decode_data_url(body["preview"], "image/jpeg").shape == (512, 512, 3)
    png = decode_data_url(body["emoji"]["png"], "image/png", mode="RGBA")
    assert png.shape == (body["emoji"]["size"], body["emoji"]["size"], 4)
    assert png[..., 3].min() == 0 and png[..., 3].max() == 255  # transparent background, opaque head
    assert decode_data_url(body["emoji"]["webp"], "image/webp", mode="RGBA").shape == (512, 512, 4)
    assert body["emoji_error"] is None and body["kept_as"] is None


def test_large_photos_are_shrunk_and_boxes_follow(client, portrait):
    big = np.asarray(Image.fromarray(portrait).resize((3000, 3000)))
    r = post(client, "/api/analyze", encode(big, "JPEG"), "big.jpg", detector="haar")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["width"], body["height"]) == (2048, 2048)
    assert body["scale"] == pytest.approx(2048 / 3000)
    assert decode_data_url(body["preview"], "image/jpeg").shape == (1024, 1024, 3)
    x0, _, x1, _ = body["faces"][0]["box"]
    assert 150 * 4 < (x0 + x1) / 2 < 250 * 4  # in the analysed (2048 px) image's pixels


def test_emoji_endpoint_returns_the_files(client, photo):
    r = post(client, "/api/emoji", photo)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert 'filename="emoji.png"' in r.headers["content-disposition"]
    assert Image.open(io.BytesIO(r.content)).mode == "RGBA"
    r = post(client, "/api/emoji", photo, format="webp")
    assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(r.content)) as im:
        assert (im.format, im.size, im.mode) == ("WEBP", (512, 512), "RGBA")


def test_openapi_schema_documents_every_endpoint(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path, method in [("/api/analyze", "post"), ("/api/emoji", "post"), ("/api/toonify", "post"),
                         ("/api/jobs/{job_id}", "get"), ("/api/jobs/{job_id}/cancel", "post"),
                         ("/api/jobs/{job_id}", "delete"), ("/api/config", "get")]:
        assert method in paths[path], (path, method)
    form = paths["/api/analyze"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    assert "photo" in schema["components"]["schemas"][form.rsplit("/", 1)[1]]["properties"]
    assert "curl" in schema["info"]["description"]
    answers = paths["/api/analyze"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422"} <= set(answers)
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load a CDN


def test_page_and_its_assets_come_from_this_server(client):
    r = client.get("/")
    assert r.status_code == 200 and "<title>toonmoji</title>" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert refs and all(ref.startswith("/") for ref in refs), refs
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
    for asset in STATIC.iterdir():  # (an SVG's xmlns is a name, not an address)
        text = asset.read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert not re.search(r"https?://", text), f"{asset.name} names another site"


def test_config_says_how_to_set_up_toonify(client):
    body = client.get("/api/config").json()
    assert body["toonify"]["available"] is False
    assert "toonmoji gan finetune" in body["toonify"]["message"]
    assert "toonmoji gan blend" in body["toonify"]["message"]
    assert "--base" in body["toonify"]["message"]
    assert [e["name"] for e in body["emotions"]] == list(EMOTIONS)
    assert body["keeps_uploads"] is False


def truncated_jpeg(portrait) -> bytes:
    data = encode(portrait, "JPEG")
    return data[: len(data) // 2]


BAD_UPLOADS = {
    "empty": (lambda p: b"", 400, "empty"),
    "text as .jpg": (lambda p: b"hello, I am not a photo\n" * 10, 415, "not a JPEG"),
    "truncated jpeg": (truncated_jpeg, 400, "truncated"),
    "huge": (lambda p: b"\xff\xd8" + bytes(21 * 2**20), 413, "limit is 20 MB"),
    "too many pixels": (lambda p: png_header(8000, 8000), 413, "8000x8000 pixels; the limit is 40 megapixels"),
    "decompression bomb": (lambda p: png_header(20000, 20000), 413, "too many pixels"),
    "pdf": (lambda p: b"%PDF-1.4\n" + bytes(100), 415, "not a JPEG"),
    "postscript": (lambda p: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", 415, "not a JPEG"),
    "no face": (lambda p: encode(no_face_image(), "PNG"), 422, "no face"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
@pytest.mark.parametrize("path", ["/api/analyze", "/api/emoji"])
def test_bad_uploads_get_a_4xx_with_one_line(client, portrait, case, path):
    make, status, words = BAD_UPLOADS[case]
    r = post(client, path, make(portrait), "photo.jpg")
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and words in detail
    assert client.get("/api/health").json()["status"] == "ok"


def test_malformed_requests_get_a_4xx_with_one_line(client, photo):
    cases = [
        client.post("/api/analyze"),  # no photo field
        client.post("/api/analyze", data={"photo": "text"}),  # a field, not a file
        post(client, "/api/analyze", photo, detector="cnn"),
        client.post("/api/analyze", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data; boundary=x"}),
        client.post("/api/analyze", content=b"{}", headers={"content-type": "application/json"}),
        client.get("/api/jobs/nope"),
        client.get("/api/nothing-here"),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.status_code, r.text)
        assert "\n" not in r.json()["detail"], r.text
    assert cases[0].status_code == 422 and "photo" in cases[0].json()["detail"]
    assert cases[2].status_code == 422 and "detector" in cases[2].json()["detail"]
    assert cases[5].status_code == 404


def test_other_hosts_are_refused(client, photo):
    """A page on another site cannot reach the server through a name of its own (DNS rebinding)."""
    r = client.get("/api/config", headers={"host": "evil.example"})
    assert r.status_code == 400
    from starlette.testclient import WebSocketDenialResponse

    for origin in ("http://evil.example", "http://127.0.0.1:8000"):  # another site; another port
        with pytest.raises(WebSocketDenialResponse) as refused, client.websocket_connect(
                "ws://127.0.0.1/api/live", headers={"origin": origin}) as ws:
            ws.receive_json()
        assert refused.value.status_code == 403 and "another page" in refused.value.json()["detail"]
    with client.websocket_connect("ws://127.0.0.1/api/live", headers={"origin": "http://127.0.0.1"}) as ws:
        ws.send_bytes(photo)
        assert ws.receive_json()["faces"]


def test_uploads_are_kept_only_when_asked(tmp_path, photo):
    keep = tmp_path / "kept"
    with TestClient(create_app(WebSettings(keep_uploads=keep)), base_url="http://127.0.0.1") as c:
        assert c.get("/api/config").json()["keeps_uploads"] is True
        r = post(c, "/api/analyze", photo, "../../etc/passwd.jpg")
        assert r.status_code == 200
        assert post(c, "/api/analyze", b"not an image").status_code == 415
    files = list(keep.iterdir())
    assert [f.name for f in files] == [r.json()["kept_as"]]
    assert files[0].suffix == ".jpg" and files[0].read_bytes() == photo  # the bytes as sent, no other name used


def test_serve_without_the_web_extra_says_what_to_install(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi -> ImportError
    code, _, err = cli("serve", "--port", "0")
    assert code == 2 and "pip install 'toonmoji[web]'" in err and len(err.strip().splitlines()) == 1


def test_serve_refuses_half_a_model_pair_and_a_busy_port(cli, tmp_path):
    code, _, err = cli("serve", "--base", tmp_path / "base.pt")
    assert code == 2 and "both --base and --toon" in err
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, _, err = cli("serve", "--port", str(taken.getsockname()[1]))
    assert code == 2 and "cannot listen on 127.0.0.1" in err and len(err.strip().splitlines()) == 1
