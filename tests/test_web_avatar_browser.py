"""In headless Chromium: a doubtful avatar choice is shown with its alternative, and one click
redraws the avatar with it (the page's avatar card, /api/avatar/edit). Skips like
test_web_browser.py without Chromium or Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_web_browser import TIMEOUT_MS, browser, page_on, screenshot, server  # noqa: F401 (fixtures)
from toonmoji.faces import detect_faces
from web_images import encode


@pytest.fixture(scope="module")
def hat_photo(tmp_path_factory, portrait) -> Path:
    """The sample with a smooth red hat on: the hair cannot be seen, so its style is doubtful."""
    lm = detect_faces(portrait)[0].landmarks
    hat = portrait.copy()
    brow = int(lm[17:27, 1].min())
    hat[max(0, brow - 200) : brow - 25, max(0, int(lm[0, 0]) - 30) : int(lm[16, 0]) + 30] = (180, 30, 40)
    path = tmp_path_factory.mktemp("photos") / "hat.png"
    path.write_bytes(encode(hat, "PNG"))
    return path


def test_a_doubtful_choice_is_one_click_away(browser, server, hat_photo, tmp_path):  # noqa: F811
    with page_on(browser, server) as page:
        page.set_input_files("#file", str(hat_photo))
        page.wait_for_selector("#avatar-doubts:not([hidden])", timeout=4 * TIMEOUT_MS)
        row = page.locator("#avatar-doubts .doubt").filter(has_text="hair?")
        buttons = row.locator("button.choice")
        assert buttons.count() == 2
        assert buttons.nth(0).get_attribute("aria-pressed") == "true"  # the fitted value
        before = page.get_attribute("#avatar-img", "src")
        buttons.nth(1).click()
        page.wait_for_function("src => document.getElementById('avatar-img').src !== src", arg=before)
        assert buttons.nth(1).get_attribute("aria-pressed") == "true"
        assert buttons.nth(0).get_attribute("aria-pressed") == "false"
        screenshot(page, tmp_path, "web_avatar_doubt.png")
