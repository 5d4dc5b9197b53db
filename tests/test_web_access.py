"""Who may use `toonmoji serve`, over real sockets on loopback: other sites' pages are refused,
the token is required when set, HTTPS works with the certificate made on first use, and one client
can neither queue unlimited toonify jobs nor fill the disk with kept uploads."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import ssl
import time

import httpx2 as httpx
import pytest

pytest.importorskip("fastapi")
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from toonmoji.samples import video_frame_640x480
from web_images import encode
from web_server import Server, running_server, tiny_model_files

TOKEN = "a-test-token-0123456789"
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def photo(portrait) -> bytes:
    return encode(portrait, "JPEG")


@pytest.fixture(scope="module")
def frame() -> bytes:
    return encode(video_frame_640x480(), "JPEG")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Loopback, no token: the default."""
    with running_server(tmp_path_factory.mktemp("serve")) as s:
        yield s


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """Loopback with --https and --token."""
    with running_server(tmp_path_factory.mktemp("secured"), "--https", "--token", TOKEN) as s:
        yield s


def analyze(client: httpx.Client, photo: bytes, name: str = "me.jpg", **headers: str) -> httpx.Response:
    return client.post("/api/analyze", files={"photo": (name, photo, "image/jpeg")}, headers=headers)


def one_line(r: httpx.Response) -> str:
    detail = r.json()["detail"]
    assert "\n" not in detail and len(detail) < 300
    return detail


def live(server: Server, frame: bytes, origin: str | None = None, **headers: str) -> dict:
    """One camera frame over the live WebSocket; its answer."""
    url = server.url.replace("http", "ws", 1) + "api/live"
    ctx = server.ssl_context() if url.startswith("wss") else None
    with connect(url, origin=origin, additional_headers=headers, ssl=ctx, proxy=None, open_timeout=20) as ws:
        ws.send(frame)
        return json.loads(ws.recv(timeout=30))


def refused_handshake(server: Server, frame: bytes, origin: str | None = None, **headers: str) -> tuple[int, str]:
    with pytest.raises(InvalidStatus) as refused:
        live(server, frame, origin, **headers)
    response = refused.value.response
    return response.status_code, json.loads(response.body)["detail"]


def test_other_sites_pages_are_refused_the_own_page_and_scripts_are_not(server, photo, frame):
    own = server.url.rstrip("/")
    with server.client(timeout=60) as c:
        refused = {
            "another site": analyze(c, photo, Origin=EVIL),
            "another port": analyze(c, photo, Origin=f"http://127.0.0.1:{server.port + 1}"),
            "another scheme": analyze(c, photo, Origin=f"https://127.0.0.1:{server.port}"),
            "opaque origin": analyze(c, photo, Origin="null"),
            "fetch metadata": analyze(c, photo, **{"Sec-Fetch-Site": "cross-site"}),
            "cancel": c.post("/api/jobs/0123456789ab/cancel", headers={"Origin": EVIL}),
            "delete": c.delete("/api/jobs/0123456789ab", headers={"Origin": EVIL}),
        }
        assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 403)
        assert all("refused" in one_line(r) for r in refused.values())

        own_page = analyze(c, photo, Origin=own, **{"Sec-Fetch-Site": "same-origin"})
        script = analyze(c, photo)  # curl: no Origin, no Sec-Fetch-Site
        for r in (own_page, script):
            assert r.status_code == 200 and r.json()["faces"][0]["label"] == "happy"
        # reading is harmless: without CORS headers the browser keeps the answer from the other page
        read = c.get("/api/config", headers={"Origin": EVIL})
        assert read.status_code == 200 and "access-control-allow-origin" not in read.headers

    assert refused_handshake(server, frame, EVIL)[0] == 403
    assert refused_handshake(server, frame, f"http://localhost:{server.port}")[0] == 403  # Host is 127.0.0.1
    assert live(server, frame, own)["faces"][0]["label"] == "happy"
    assert live(server, frame)["faces"][0]["label"] == "happy"  # a script's socket
    assert "Traceback" not in server.log.read_text()


def test_a_token_given_with_token_is_required_even_on_loopback(secured, photo, frame):
    assert secured.token == TOKEN  # printed once, as the address to open
    own = secured.url.rstrip("/")
    with httpx.Client(base_url=secured.url, verify=secured.ssl_context(), timeout=60) as stranger:
        answers = [stranger.get("/"), stranger.get("/static/app.js"), stranger.get("/api/config"),
                   analyze(stranger, photo), stranger.get("/api/config", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"}),
                   stranger.get("/api/config", params={"token": TOKEN.upper()})]
    assert [r.status_code for r in answers] == [401] * 6
    assert all(r.headers["www-authenticate"] == "Bearer" for r in answers)
    assert "needs its token" in one_line(answers[0]) and one_line(answers[4]).startswith("wrong token")

    with secured.client(timeout=60) as script:  # Authorization: Bearer TOKEN
        assert analyze(script, photo).json()["faces"][0]["label"] == "happy"

    # the page opened as the printed address: the token goes into a cookie only this port's own
    # pages send (HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it)
    with httpx.Client(base_url=secured.url, verify=secured.ssl_context(), timeout=60) as browser:
        page = browser.get("/", params={"token": TOKEN})
        assert page.status_code == 200 and "<title>toonmoji</title>" in page.text
        cookie = page.headers["set-cookie"]
        name = f"toonmoji-token-{secured.port}"
        assert cookie.startswith(f"{name}={TOKEN};")
        assert {"HttpOnly", "SameSite=Strict", "Secure", "Path=/"} <= {p.strip() for p in cookie.split(";")}
        assert analyze(browser, photo, Origin=own).json()["faces"][0]["label"] == "happy"
    with httpx.Client(base_url=secured.url, verify=secured.ssl_context(), timeout=30,
                      cookies={f"toonmoji-token-{secured.port + 1}": TOKEN}) as other_port:
        assert other_port.get("/api/config").status_code == 401  # another server's cookie

    assert refused_handshake(secured, frame, own)[0] == 401
    assert live(secured, frame, own, Cookie=f"{name}={TOKEN}")["faces"][0]["label"] == "happy"
    assert live(secured, frame, Authorization=f"Bearer {TOKEN}")["faces"][0]["label"] == "happy"


def test_https_handshake_with_the_certificate_made_on_first_use(secured, tmp_path):
    cert = secured.cafile
    assert cert is not None and cert.parent.name == "tls"
    assert (cert.parent / "key.pem").stat().st_mode & 0o077 == 0  # the key is the user's alone
    printed = re.search(r"SHA-256 fingerprint ([0-9A-F:]{95})", secured.log.with_name("server.out").read_text())
    assert printed, "the fingerprint is printed at start"

    trusting = ssl.create_default_context(cafile=str(cert))  # verifies the chain and the name 127.0.0.1
    with socket.create_connection(("127.0.0.1", secured.port), timeout=10) as raw, \
            trusting.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        der = tls.getpeercert(binary_form=True)
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    assert ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()) == printed.group(1)

    with pytest.raises(ssl.SSLCertVerificationError), \
            socket.create_connection(("127.0.0.1", secured.port), timeout=10) as raw:
        ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")  # the system's CAs

    from toonmoji.web.tls import self_signed

    again = self_signed(cert.parent)  # the next start keeps it: the phone trusts the same one
    assert not again.generated and again.fingerprint == printed.group(1)
    import datetime as dt
    import shutil

    copy = shutil.copytree(cert.parent, tmp_path / "tls")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=729)  # within a week of expiring: a new one
    renewed = self_signed(copy, now=soon)
    assert renewed.generated and renewed.fingerprint != again.fingerprint


def test_beyond_loopback_a_token_is_made_and_printed_as_the_address(cli, monkeypatch):
    started = {}

    def serve_here(settings, host, port, on_ready, tls=None):  # nothing is bound beyond loopback
        started.update(settings=settings, host=host, tls=tls)
        on_ready(f"http://127.0.0.1:{port}/")

    monkeypatch.setattr("toonmoji.web.server.serve", serve_here)
    code, out, _ = cli("serve", "--host", "0.0.0.0", "--port", "8123")
    token = started["settings"].token
    assert code == 0 and token and started["tls"] is None
    assert f"toonmoji is at http://127.0.0.1:8123/?token={token}" in out
    assert re.search(rf"from other devices: http://.+:8123/\?token={re.escape(token)}", out)
    assert "without --https" in " ".join(out.split())
    code, out, _ = cli("serve", "--host", "0.0.0.0", "--port", "8123")
    assert started["settings"].token != token  # a new one at every start


def test_serve_options_that_would_expose_the_server_are_refused(cli, tmp_path):
    cases = {
        ("--host", "0.0.0.0", "--no-token"): "only allowed on loopback",
        ("--token", "short"): "16 to 128 characters",
        ("--token", TOKEN, "--no-token"): "exclude each other",
        ("--cert", str(tmp_path / "cert.pem")): "go together",
    }
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    cases[("--cert", str(tmp_path / "junk.pem"), "--key", str(tmp_path / "junk.pem"))] = "cannot use"
    for args, message in cases.items():
        code, _, err = cli("serve", "--port", "0", *args)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (args, err)

    from toonmoji.web.cli import access

    tokens = {access("0.0.0.0", None, False, False, None, None)[0] for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 32 for t in tokens)  # random, beyond loopback
    assert access("192.168.1.20", None, False, False, None, None)[0] is not None
    assert access("127.0.0.1", None, False, False, None, None) == (None, None)
    assert access("::1", None, True, False, None, None) == (None, None)


def test_one_client_may_have_max_jobs_toonify_jobs(tmp_path, photo):
    base, toon = tiny_model_files(tmp_path)
    with running_server(tmp_path / "serve", "--base", str(base), "--toon", str(toon), "--steps", "5000",
                        "--max-jobs", "2") as server, server.client(timeout=60) as c:
        def start() -> httpx.Response:
            return c.post("/api/toonify", files={"photo": ("me.jpg", photo, "image/jpeg")})

        first, second, third = start(), start(), start()
        assert (first.status_code, second.status_code, third.status_code) == (202, 202, 429)
        assert "the limit is 2" in one_line(third)
        c.post(f"/api/jobs/{first.json()['id']}/cancel")
        deadline = time.monotonic() + 30
        while c.get(f"/api/jobs/{first.json()['id']}").json()["status"] != "cancelled":
            assert time.monotonic() < deadline, "the cancelled job did not stop"
            time.sleep(0.05)
        fourth = start()
        assert fourth.status_code == 202  # a finished job frees its place
        for job in (second, fourth):
            assert c.delete(f"/api/jobs/{job.json()['id']}").status_code == 204


def test_kept_uploads_stop_at_the_quota_and_never_use_the_clients_name(tmp_path, portrait):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "already-here.bin").write_bytes(bytes(400_000))  # the folder's own files count
    png = encode(portrait, "PNG")
    fits = (2**20 - 400_000) // len(png)
    assert fits >= 1
    with running_server(tmp_path / "serve", "--keep-uploads", str(kept), "--keep-max-mb", "1") as server, \
            server.client(timeout=60) as c:
        answers = [analyze(c, png, "../../escape.png") for _ in range(fits + 2)]
        assert [r.status_code for r in answers] == [200] * fits + [507, 507]
        assert "--keep-max-mb" in one_line(answers[-1])
        names = sorted(p.name for p in kept.iterdir())
        made = [n for n in names if n != "already-here.bin"]
        assert len(made) == fits and all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}\.png", n) for n in made)
        assert sorted(r.json()["kept_as"] for r in answers[:fits]) == made
        assert not list(tmp_path.rglob("escape*"))
        assert sum(p.stat().st_size for p in kept.iterdir()) <= 2**20

        (kept / made[0]).unlink()  # the user makes room: uploads are kept again
        assert analyze(c, png).status_code == 200


@pytest.mark.parametrize(("origin", "scheme", "host", "same"), [
    ("http://127.0.0.1:8000", "http", "127.0.0.1:8000", True),
    ("http://[::1]:8000", "ws", "[::1]:8000", True),
    ("https://phone.local", "wss", "phone.local:443", True),  # default ports filled in
    ("HTTP://LocalHost:8000", "http", "localhost:8000", True),
    ("http://127.0.0.1:8000", "https", "127.0.0.1:8000", False),  # the page is served over HTTPS
    ("http://127.0.0.1:8001", "http", "127.0.0.1:8000", False),
    ("http://127.0.0.1:8000.evil.example", "http", "127.0.0.1:8000", False),
    ("http://127.0.0.1:8000/path", "http", "127.0.0.1:8000", False),
    ("null", "http", "127.0.0.1:8000", False),
    ("http://127.0.0.1:8000", "http", "", False),  # no Host header to compare with
])
def test_same_origin_compares_scheme_host_and_port(origin, scheme, host, same):
    from toonmoji.web.access import same_origin

    assert same_origin(origin, {"scheme": scheme}, host) is same


def test_fingerprints_and_paths_are_printed_as_they_are():
    """A SHA-256 fingerprint holds runs like ":AB:", which Rich would turn into an emoji: every
    command's console prints text as it is."""
    from toonmoji import cli
    from toonmoji.web import cli as web_cli

    text = "SHA-256 fingerprint FA:01:B0:C7:19:0A:12:AB:5D /home/me/:smile:/photo.jpg"
    for console in (web_cli.console, cli.console, cli.err_console):
        with console.capture() as captured:
            console.print(text, highlight=False, soft_wrap=True)
        assert captured.get().strip() == text
