"""Make the pictures of the README and the documentation from the shipped sample portrait, with
toonmoji itself, and screenshot the demo page in headless Chromium.

    python scripts/docs_pictures.py [--out docs/images] [--real ../shared/data/faces]

Writes emoji_steps.png, emotion_group.png, report_timeline.png and demo_page.png into --out.
With --real (a folder of real group photos, never copied into the repository), it also renders
two of them annotated, opens them in Chromium and screenshots them into test-artifacts/ to look
at. Chromium is Debian's /usr/bin/chromium, driven by Playwright (the [test] extra).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from toonmoji.imageio import VideoSink, read_image, write_image
from toonmoji.samples import darker, no_face_image, sample_portrait, scaled

CHROMIUM = Path("/usr/bin/chromium")


def on_checks(rgba: np.ndarray, cell: int = 12) -> np.ndarray:
    """An RGBA image over a light checkerboard, so transparency shows."""
    h, w = rgba.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    board = np.where(((yy // cell + xx // cell) % 2)[..., None] == 0, 255, 225).astype(np.float32)
    alpha = rgba[..., 3:4].astype(np.float32) / 255
    return (rgba[..., :3] * alpha + board * (1 - alpha)).astype(np.uint8)


def strip(images: list[np.ndarray], height: int = 240, gap: int = 12) -> np.ndarray:
    """Images side by side at one height on white."""
    tiles = [cv2.resize(im, (round(im.shape[1] * height / im.shape[0]), height), interpolation=cv2.INTER_AREA)
             for im in images]
    width = sum(t.shape[1] for t in tiles) + gap * (len(tiles) + 1)
    out = np.full((height + 2 * gap, width, 3), 255, np.uint8)
    x = gap
    for t in tiles:
        out[gap : gap + height, x : x + t.shape[1]] = t
        x += t.shape[1] + gap
    return out


def emoji_steps(out: Path) -> None:
    from toonmoji.emoji import make_emoji

    emoji = make_emoji(sample_portrait())
    steps = [emoji.steps["original"], emoji.steps["masked"], on_checks(emoji.steps["background_removed"]),
             on_checks(emoji.rgba)]
    write_image(out / "emoji_steps.png", strip(steps), force=True)


def crowd() -> np.ndarray:
    """A crowded picture made from the sample portrait: nine heads of different sizes, mirrored
    and darker, packed close (the shipped sample is the only face we may publish)."""
    portrait = sample_portrait()
    canvas = cv2.resize(no_face_image(64, seed=5), (800, 450), interpolation=cv2.INTER_CUBIC)
    head = portrait[25:215, 150:300]
    variants = [head, head[:, ::-1], darker(head, 0.6), head, head[:, ::-1], darker(head[:, ::-1], 0.7), head,
                head[:, ::-1], head]
    sizes = [0.9, 0.7, 0.8, 0.6, 0.75, 0.65, 0.85, 0.7, 0.6]
    spots = [(10, 10), (150, 40), (290, 5), (420, 60), (530, 15), (660, 50), (60, 240), (330, 250), (590, 270)]
    for tile, s, (x, y) in zip(variants, sizes, spots):
        t = scaled(np.ascontiguousarray(tile), s)
        h, w = t.shape[:2]
        canvas[y : y + h, x : x + w] = t[: 450 - y, : 800 - x]
    return canvas


def emotion_group(out: Path) -> None:
    from toonmoji.emotion import classify_image, draw_emotions

    image = crowd()
    write_image(out / "emotion_group.png", draw_emotions(image, classify_image(image)), force=True)


def report_timeline(out: Path, work: Path) -> None:
    """Two people (the sample and a mirrored, cooler-lit copy) crossing a 12-second clip."""
    from toonmoji.emotion import analyze_video
    from toonmoji.emotion.report import write_report

    head = scaled(sample_portrait()[30:200, 140:310], 1.0)
    other = np.clip(head[:, ::-1].astype(np.float32) * (0.75, 0.95, 1.15), 0, 255).astype(np.uint8)
    back = cv2.resize(no_face_image(64, seed=3), (640, 480), interpolation=cv2.INTER_CUBIC)
    fps, frames = 10.0, 120
    clip = work / "clip.mp4"
    with VideoSink(clip, fps, (640, 480), True) as sink:
        for i in range(frames):
            frame = back.copy()
            x = 20 + i * 3
            frame[60 : 60 + head.shape[0], x : x + head.shape[1]] = head
            if 25 <= i < 105:  # the second person comes in late and leaves early
                x2 = 450 - (i - 25) * 2
                frame[260 : 260 + other.shape[0], x2 : x2 + other.shape[1]] = other
            if 60 <= i < 75:  # the first turns the light down for a moment
                frame = (frame * 0.5).astype(np.uint8)
            sink.write(frame)
    write_report(analyze_video(clip), work / "report", force=True)
    write_image(out / "report_timeline.png", read_image(work / "report" / "timeline.png"), force=True)


def screenshot(url: str, path: Path, width: int = 1280, height: int = 900, full: bool = True) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(path), full_page=full)
        browser.close()


def demo_page(out: Path, work: Path) -> None:
    from rich.console import Console

    from toonmoji.demo import run_demo

    index = run_demo(work / "demo", force=True, console=Console(quiet=True))
    screenshot(index.resolve().as_uri(), out / "demo_page.png", height=1000, full=False)
    screenshot(index.resolve().as_uri(), Path("test-artifacts") / "demo_page_full.png")


def real_group_photos(folder: Path, names: list[str]) -> None:
    """Annotate real group photos and screenshot them in Chromium into test-artifacts/ (to look
    at; they are not ours to publish)."""
    arts = Path("test-artifacts")
    arts.mkdir(exist_ok=True)
    for name in names:
        photo = folder / name
        labelled = arts / f"emotion_{photo.stem}.png"
        subprocess.run([sys.executable, "-m", "toonmoji", "emotion", str(photo), "--out", str(labelled), "--force"],
                       check=True, stdout=subprocess.DEVNULL)
        h, w = read_image(labelled).shape[:2]
        screenshot(labelled.resolve().as_uri(), arts / f"chromium_{photo.stem}.png", width=w + 16, height=h + 16,
                   full=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--real", type=Path, default=None, help="a folder of real group photos to look at")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    Path("test-artifacts").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        emoji_steps(args.out)
        emotion_group(args.out)
        report_timeline(args.out, work)
        demo_page(args.out, work)
    if args.real is not None:
        real_group_photos(args.real, ["2007_007763.jpg", "bald_guys.jpg"])


if __name__ == "__main__":
    main()
