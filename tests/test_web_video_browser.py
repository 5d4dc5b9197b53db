"""The Video tab end to end in headless Chromium (as test_web_browser.py: Debian's chromium driven
by Playwright; skipped without them here, failing under CI): a video uploaded, the report shown,
the report page downloaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_web_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, require_browser
from video_scenes import heads, write_scene
from web_server import running_server


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    a, b = heads()
    return write_scene(tmp_path_factory.mktemp("clip") / "two_people.avi", 30,
                       lambda i: [(a, 20 + 3 * i, 130), (b, 430 - 3 * i, 160)])


def test_video_tab_shows_the_report_and_offers_its_files(tmp_path, clip):
    require_browser()
    from playwright.sync_api import sync_playwright

    with running_server(tmp_path / "serve") as server, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        errors, fetched = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: fetched.append(r.url))
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", state="attached")
        page.click("#tab-video")
        assert page.is_visible("#video-view") and not page.is_visible("#photo-view")
        page.set_input_files("#video-file", str(clip))
        page.wait_for_selector("#video-result:not([hidden])")
        assert "2 faces in two_people.avi" in page.text_content("#video-status")
        assert page.locator("#video-tracks .face").count() == 2
        assert page.evaluate("document.getElementById('video-timeline').naturalWidth") >= 800
        assert "mostly" in page.text_content("#video-tracks .emotion-label")
        shot = tmp_path / "video_report.png"
        page.screenshot(path=str(shot), full_page=True)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS / shot.name)
        with page.expect_download() as info:
            page.click("#video-html")
        html = Path(info.value.path()).read_text()
        assert "Emotions in two_people.avi" in html and "data:image/png;base64," in html
        context.close()
        chromium.close()
    assert errors == []
    assert [u for u in fetched if not u.startswith((server.url, "data:", "blob:"))] == []
