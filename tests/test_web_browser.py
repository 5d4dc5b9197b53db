"""End to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright): the page on
a real `toonmoji serve`, a photo uploaded, the camera live, a toonify job cancelled and finished.

Screenshots go to the test's tmp folder and to test-artifacts/ (gitignored). Without Chromium or
Playwright the tests skip here, but fail when CI=true: CI must really run them.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import importlib.util
import io
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from toonmoji.samples import video_frame_640x480
from web_images import encode
from web_server import RES, Server, running_server, tiny_model_files

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000


def require_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (Debian's chromium package; .ci/run installs it)"
    elif importlib.util.find_spec("playwright") is None:
        missing = 'playwright is not installed (pip install -e ".[test]")'
    elif importlib.util.find_spec("fastapi") is None:
        missing = 'the [web] extra is not installed (pip install -e ".[test]")'
    if missing:
        if IN_CI:
            pytest.fail(f"the browser test must run in CI: {missing}")
        pytest.skip(missing)


def write_y4m(path: Path, rgb: np.ndarray, frames: int = 10) -> Path:
    """A raw YUV 4:2:0 video Chromium's fake camera plays in a loop."""
    h, w = rgb.shape[:2]
    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n".encode())
        f.writelines(b"FRAME\n" + yuv for _ in range(frames))
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_browser()
    from playwright.sync_api import sync_playwright

    camera = write_y4m(tmp_path_factory.mktemp("camera") / "camera.y4m", video_frame_640x480())
    fake_camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                   f"--use-file-for-fake-video-capture={camera}"]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + fake_camera)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("serve")) as s:
        yield s


@pytest.fixture(scope="module")
def photo(tmp_path_factory, portrait) -> Path:
    path = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    path.write_bytes(encode(portrait, "JPEG"))
    return path


@contextlib.contextmanager
def page_on(browser, server: Server, address: str | None = None, **context_options) -> Iterator:
    """A fresh page on the server (at `address`, default its URL); afterwards, asserts it fetched
    nothing from anywhere else and logged no error."""
    options = {"viewport": {"width": 1200, "height": 900}, "accept_downloads": True, **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    fetched, errors = [], []
    page.on("request", lambda r: fetched.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(address or server.url)
    page.wait_for_selector("body[data-ready=true]", state="attached")
    try:
        yield page
    finally:
        context.close()
    elsewhere = [u for u in fetched if not u.startswith((server.url, "data:", "blob:"))]
    assert elsewhere == [], f"the page fetched from elsewhere: {elsewhere}"
    # a 4xx answer shown on purpose is logged by Chromium as a failed resource; nothing else may be
    assert [e for e in errors if "status of 4" not in e] == [], errors


def screenshot(page, tmp_path: Path, name: str, width: int = 1200) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    assert Image.open(shot).size[0] == width
    return shot


def happy_pixels(page, canvas_id: str) -> int:
    """How many pixels of the canvas have the colour the page draws 'happy' in (#ffc800)."""
    return page.evaluate("""id => {
        const c = document.getElementById(id);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) n += d[i] > 245 && Math.abs(d[i + 1] - 200) < 8 && d[i + 2] < 10;
        return n; }""", canvas_id)


def downloaded(page, selector: str) -> Image.Image:
    with page.expect_download() as info:
        page.click(selector)
    return Image.open(io.BytesIO(Path(info.value.path()).read_bytes()))


def test_photo_upload_shows_faces_emotion_and_emoji(browser, server, photo, tmp_path):
    with page_on(browser, server) as page:
        page.set_input_files("#file", str(photo))
        label = page.locator("#faces .emotion-label").first
        label.wait_for()
        assert "happy" in label.inner_text().lower()
        assert page.locator("#faces .bars li").count() == 7
        assert page.inner_text("#status") == "1 face found in astronaut.jpg."
        emoji = page.locator("#emoji-img")
        assert emoji.is_visible()
        assert page.eval_on_selector("#emoji-img", "img => img.complete && img.naturalWidth") > 100
        assert page.eval_on_selector("#faces img.aligned", "img => img.naturalWidth") == 256
        assert happy_pixels(page, "photo-canvas") > 500  # the box and its label are drawn on the photo
        png = downloaded(page, "#download-png")
        assert png.format == "PNG" and png.mode == "RGBA" and png.size[0] == png.size[1]
        webp = downloaded(page, "#download-webp")
        assert (webp.format, webp.size, webp.mode) == ("WEBP", (512, 512), "RGBA")
        assert "toonmoji gan blend" in page.inner_text("#toonify-message")
        screenshot(page, tmp_path, "web_page.png")


def test_photo_upload_shows_the_avatar_with_downloads_and_live_it_follows_the_emotion(browser, server, photo, tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    with page_on(browser, server) as page:
        page.set_input_files("#file", str(photo))
        page.wait_for_selector("#avatar-img:not([hidden])", timeout=4 * TIMEOUT_MS)  # fit + 7 expressions + zip
        assert page.eval_on_selector("#avatar-img", "img => img.complete && img.naturalWidth") == 512
        with page.expect_download() as info:
            page.click("#avatar-svg")
        svg = ET.fromstring(Path(info.value.path()).read_text())
        assert svg.get("viewBox") == "0 0 100 100"
        drawn = page.evaluate("""() => new Promise(done => {  // Chromium renders the SVG itself
            const img = new Image();
            img.onload = () => { const c = document.createElement('canvas'); c.width = c.height = 64;
                const x = c.getContext('2d'); x.drawImage(img, 0, 0, 64, 64);
                const d = x.getImageData(0, 0, 64, 64).data; let n = 0;
                for (let i = 3; i < d.length; i += 4) n += d[i] > 200;
                done([img.naturalWidth, n]); };
            img.onerror = () => done([0, 0]);
            img.src = document.getElementById('avatar-svg').href; })""")
        assert drawn[0] == 512 and 800 < drawn[1] < 4000  # the head drawn opaque, the corners not
        png = downloaded(page, "#avatar-png")
        assert (png.format, png.mode, png.size) == ("PNG", "RGBA", (512, 512))
        webp = downloaded(page, "#avatar-webp")
        assert (webp.format, webp.size) == ("WEBP", (512, 512))
        with page.expect_download() as info:
            page.click("#avatar-zip")
        names = zipfile.ZipFile(info.value.path()).namelist()
        assert {f"emoji-set/{e}.png" for e in ("happy", "sad", "neutral")} <= set(names)
        screenshot(page, tmp_path, "web_avatar.png")
        page.click("#tab-live")
        page.click("#live-start")
        page.wait_for_function("() => live.last && live.last.frame >= 5")
        page.wait_for_selector("#live-avatar:not([hidden])")
        assert page.get_attribute("#live-avatar", "data-label") == "happy"
        # the avatar moves with the face: each answer's puppet, drawn by the browser from SVG
        assert page.evaluate("() => live.last.puppet.face") is True
        assert page.get_attribute("#live-avatar", "src").startswith("data:image/svg+xml")
        page.wait_for_function("() => { const i = document.getElementById('live-avatar'); return i.complete && i.naturalWidth > 0; }")
        screenshot(page, tmp_path, "web_live_avatar.png")
        page.click("#live-stop")


def test_dropping_a_bad_file_shows_the_servers_one_line(browser, server):
    with page_on(browser, server) as page:
        data = base64.b64encode(b"this is not a photo\n" * 5).decode()
        page.evaluate("""data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'holiday.jpg', {type: 'image/jpeg'}));
            document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""", data)
        page.wait_for_selector("#status.error")
        assert page.inner_text("#status") == "holiday.jpg is not a JPEG, PNG, WebP, BMP or TIFF image"
        assert page.locator("#results").is_hidden()
    assert server.alive()


def test_live_camera_shows_labels_boxes_and_frame_rate(browser, server, tmp_path):
    with page_on(browser, server) as page:
        page.click("#tab-live")
        page.click("#live-start")
        page.wait_for_function("() => live.last && live.last.frame >= 20")  # answers keep coming
        assert page.get_attribute("#live-label", "data-label") == "happy"
        assert page.locator("#live-bars li").count() == 7
        assert happy_pixels(page, "live-canvas") > 500  # box, label and bars drawn on the frame
        frames = page.evaluate("() => live.last.frame")
        fps = float(page.inner_text("#live-fps"))
        assert fps > 2
        screenshot(page, tmp_path, "web_live.png")
        page.click("#live-stop")
        assert page.inner_text("#live-fps") == "–"
    print(f"\nlive mode in headless Chromium: {fps} fps after {frames + 1} frames")


def test_toonify_shows_progress_can_be_cancelled_and_finishes(browser, photo, tmp_path):
    base, toon = tiny_model_files(tmp_path)
    with running_server(tmp_path / "serve", "--base", str(base), "--toon", str(toon)) as server, \
            page_on(browser, server) as page:
        page.set_input_files("#file", str(photo))
        page.locator("#faces .emotion-label").first.wait_for()
        assert page.locator("#toonify-on").is_visible()
        page.fill("#toonify-steps", "5000")
        page.click("#toonify-start")
        page.wait_for_function("""() => {
            const m = /step (\\d+) of 5000/.exec(document.getElementById('toonify-text').textContent);
            return m && +m[1] >= 3; }""")
        assert 0 < page.eval_on_selector("#toonify-bar", "b => b.value") < 1
        page.click("#toonify-cancel")
        page.wait_for_function("() => document.getElementById('toonify-text').textContent.startsWith('cancelled')")
        step = int(re.search(r"cancelled at step (\d+) of 5000", page.inner_text("#toonify-text")).group(1))
        assert 3 <= step < 5000
        page.fill("#toonify-steps", "10")
        page.click("#toonify-start")
        page.wait_for_selector("#toonify-result", state="visible")
        assert page.inner_text("#toonify-text") == "done: 1 face"
        assert page.eval_on_selector("#toon-faces img", "img => img.naturalWidth") == RES
        assert page.eval_on_selector("#toon-pasted", "img => img.naturalWidth") == 512
        screenshot(page, tmp_path, "web_toonify.png")


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1, "ignore_https_errors": True}  # the self-signed certificate


def test_a_phone_opens_the_token_address_over_https_and_goes_live(browser, photo, tmp_path):
    with running_server(tmp_path / "serve", "--https", "--token", "phone-token-0123456789") as server:
        assert server.url.startswith("https://")
        with page_on(browser, server, f"{server.url}?token={server.token}", **PHONE) as page:
            assert page.evaluate("location.search") == ""  # the token left the address bar
            assert page.evaluate("document.cookie") == ""  # and no script can read it
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
            page.set_input_files("#file", str(photo))
            page.locator("#faces .emotion-label").first.wait_for()
            assert "happy" in page.locator("#faces .emotion-label").first.inner_text().lower()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            screenshot(page, tmp_path, "web_phone_photo.png", width=390)
            page.click("#tab-live")
            page.click("#live-start")
            page.wait_for_function("() => live.last && live.last.frame >= 10")  # wss with the cookie
            assert page.get_attribute("#live-label", "data-label") == "happy"
            box = page.locator("#live-canvas").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] > 150
            fps = float(page.inner_text("#live-fps"))
            screenshot(page, tmp_path, "web_phone_live.png", width=390)
            page.click("#live-stop")
        context = browser.new_context(**PHONE)  # the address without the token
        answer = context.new_page().goto(server.url)
        assert answer.status == 401 and "needs its token" in answer.json()["detail"]
        context.close()
    print(f"\nlive mode at 390x844 over HTTPS: {fps} fps")


@contextlib.contextmanager
def page_elsewhere(html: str) -> Iterator[str]:
    """`html` served at another origin on this machine (http://localhost:PORT/, a site apart from
    127.0.0.1): what a page from another site, or another local program, looks like to the server."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as other:
        thread = threading.Thread(target=other.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://localhost:{other.server_address[1]}/"
        finally:
            other.shutdown()


def test_a_page_on_another_origin_cannot_make_the_server_work(browser, server, photo):
    """A page elsewhere posts the photo as any site could (a multipart POST needs no preflight);
    the server refuses it without doing the work."""
    evil = f"""<!doctype html><script>
        const bytes = Uint8Array.from(atob("{base64.b64encode(photo.read_bytes()).decode()}"), c => c.charCodeAt(0));
        const form = new FormData();
        form.append("photo", new Blob([bytes], {{type: "image/jpeg"}}), "me.jpg");
        window.done = fetch("{server.url}api/analyze", {{method: "POST", body: form, mode: "no-cors"}})
            .then(() => "sent", (e) => String(e));
    </script>"""
    context = browser.new_context()
    page = context.new_page()
    answers = []
    page.on("response", lambda r: answers.append(r) if r.url.startswith(server.url) else None)
    with page_elsewhere(evil) as address:
        page.goto(address)
        assert page.evaluate("window.done") == "sent"
        [answer] = answers
        assert answer.status == 403  # only the server's check of Origin answers 403
    context.close()
