"""`toonmoji serve` as users run it: a real server on loopback, abused over real sockets."""

from __future__ import annotations

import signal
import socket
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from toonmoji.samples import no_face_image
from web_images import encode
from web_server import running_server

pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve"), "--max-upload-mb", "2") as s:
        yield s


def raw(url: str, request: bytes, read: bool = True) -> bytes:
    """Send bytes on a fresh connection; return what the server answers until it closes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the whole body is sent
        if not read:
            return b""
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def upload_head(length: int | None, extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{size}{extra}"
            "Content-Type: multipart/form-data; boundary=xyz\r\n\r\n").encode()


def test_bad_uploads_get_4xx_and_the_server_stays_up(server, portrait):
    photo = encode(portrait, "JPEG")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        def send(data: bytes, name: str = "photo.jpg") -> httpx.Response:
            return client.post("/api/analyze", files={"photo": (name, data, "image/jpeg")})

        answers = {
            "empty": send(b""),
            "text as .jpg": send(b"just some text\n" * 20),
            "truncated": send(photo[: len(photo) // 2]),
            "no face": send(encode(no_face_image(), "PNG"), "face.png"),
            "over 2 MB": send(b"\xff\xd8" + bytes(3 * 2**20)),
        }
        expected = {"empty": 400, "text as .jpg": 415, "truncated": 400, "no face": 422, "over 2 MB": 413}
        assert {k: r.status_code for k, r in answers.items()} == expected
        assert all("\n" not in r.json()["detail"] for r in answers.values())

    # 25 MB announced: refused from the header, before the body is read (what curl sees with
    # Expect: 100-continue); a chunked body of unknown size; a client that gives up half-way;
    # and bytes that are not HTTP at all.
    huge = raw(server.url, upload_head(25 * 2**20) + bytes(64 * 1024))
    assert huge.startswith(b"HTTP/1.1 413") and b"the limit is 2 MB" in huge
    expect = raw(server.url, upload_head(25 * 2**20, "Expect: 100-continue\r\n"))
    assert expect.startswith(b"HTTP/1.1 413")
    assert raw(server.url, upload_head(None) + b"10\r\n" + bytes(16) + b"\r\n").startswith(b"HTTP/1.1 411")
    raw(server.url, upload_head(2**20) + bytes(100_000), read=False)
    assert raw(server.url, b"\x16\x03\x01 not http at all\r\n\r\n").startswith(b"HTTP/1.1 400")

    assert server.alive()
    r = httpx.post(server.url + "api/analyze", files={"photo": ("me.jpg", photo, "image/jpeg")}, timeout=30)
    assert r.status_code == 200 and r.json()["faces"][0]["label"] == "happy"
    assert "Traceback" not in server.log.read_text()


def test_serves_on_loopback_only_by_default(server):
    assert server.url.startswith("http://127.0.0.1:")
    port = urlsplit(server.url).port
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), timeout=2):
        pass  # bound to 127.0.0.1 itself, not to every address of the machine


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    with running_server(tmp_path) as s:
        s.process.send_signal(signal.SIGINT)
        assert s.process.wait(15) == 130  # the CLI's code for an interrupted command
        assert "Traceback" not in s.log.read_text()
