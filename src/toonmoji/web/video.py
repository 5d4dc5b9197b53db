"""`POST /api/video-report`: an uploaded video's emotion report, as a job.

The upload is held to the same byte limit as photos and checked at once (4xx): it must open as a
video with frames, at most `MAX_SECONDS` long and `max_pixels` per frame. It is then read as a
job with progress (`frame`, `frames`, `fraction`) that can be cancelled like toonify. OpenCV reads
videos from paths, so the bytes go to a private temporary file only while they are checked and
while the job reads them, and are deleted after. The result is what `toonmoji emotion report`
writes: the summary, the page (`html`, self-contained), the CSV, and the timeline and thumbnails
as data URLs.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from toonmoji.emotion.report import csv_text, prewarm, render_images, summary_json
from toonmoji.emotion.report_html import report_html
from toonmoji.errors import InputError, VideoReadError
from toonmoji.imageio import VIDEO_SUFFIXES, VideoSource
from toonmoji.web import schemas
from toonmoji.web.uploads import UnsupportedImage, UploadTooLarge, display_name

MAX_SECONDS = 600.0  # a longer upload is refused: the report of 10 minutes takes minutes already

router = APIRouter()


class NotAVideo(UnsupportedImage):
    """Bytes that OpenCV cannot read as a video (HTTP 415, as for a photo of an unknown type)."""


@contextlib.contextmanager
def video_file(data: bytes, name: str) -> Iterator[Path]:
    """The upload in a new private temporary file, deleted when the block ends."""
    suffix = Path(name).suffix.lower()
    fd, tmp = tempfile.mkstemp(prefix="toonmoji-video-", suffix=suffix if suffix in VIDEO_SUFFIXES else ".video")
    path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        yield path
    finally:
        path.unlink(missing_ok=True)


def check_video(data: bytes, name: str, max_bytes: int, max_pixels: int) -> None:
    """One-line 4xx errors, before any job, for an empty, too large, too long or unreadable upload."""
    if not data:
        raise InputError(f"{name} is empty")
    if len(data) > max_bytes:
        raise UploadTooLarge(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    with video_file(data, name) as path:
        try:
            src = VideoSource(path)
        except VideoReadError:
            raise NotAVideo(f"{name} is not a video this server can read (MP4, WebM, AVI, MOV, MKV)") from None
        with src:
            seconds = (src.frame_count or 0) / src.fps
            if src.width * src.height > max_pixels:
                raise UploadTooLarge(f"{name} is {src.width}x{src.height} pixels; the limit is "
                                     f"{max_pixels / 1e6:.0f} megapixels")
            if seconds > MAX_SECONDS:
                raise UploadTooLarge(f"{name} is {seconds / 60:.1f} minutes long; the limit is "
                                     f"{MAX_SECONDS / 60:.0f} minutes")


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def video_report(data: bytes, name: str, keep_seconds: float, report: Callable[..., None]) -> dict[str, object]:
    """Read the video (reporting progress; a cancel stops it there) and build the report."""
    from toonmoji.emotion.video import analyze_video

    def progress(done: int, total: int | None) -> None:
        if done % 5 == 0 or done == total:
            report(frame=done, **({"frames": total, "fraction": round(done / total, 4)} if total else {}))

    prewarm()
    with video_file(data, name) as path:
        video = analyze_video(path, keep_seconds=keep_seconds, seconds=MAX_SECONDS, on_progress=progress)
    video.source = name
    images = render_images(video)
    summary = summary_json(video)
    return {
        "summary": summary,
        "timeline": data_url(images.timeline, "image/png"),
        "thumbs": {k: data_url(v, "image/jpeg") for k, v in images.thumbs.items()},
        "csv": csv_text(video),
        "html": report_html(summary, images.timeline, images.thumbs),
    }


@router.post("/api/video-report", status_code=202, response_model=schemas.Job, responses={
    code: {"model": schemas.Problem} for code in (400, 413, 503)})
async def start_video_report(
    request: Request,
    video: Annotated[UploadFile, File(description="A video (MP4, WebM, AVI, MOV, MKV) of at most 10 minutes.")],
    keep_seconds: Annotated[float, Form(ge=0, le=10, description="A face unseen this long keeps its track id.")] = 1.0,
) -> dict[str, object]:
    """Start the emotion report of a video: a job (`/api/jobs/{id}`) whose result holds the summary
    (per face: time on screen, share of time per emotion, strongest moments), the self-contained
    report page (`html`), `csv`, and the timeline and thumbnails as data URLs."""
    services = request.app.state.services
    settings = services.settings
    data = await video.read(settings.max_upload_bytes + 1)
    name = display_name(video.filename)
    await services.run(check_video, data, name, settings.max_upload_bytes, settings.max_pixels)
    job = services.jobs.submit("video-report", lambda report: video_report(data, name, keep_seconds, report))
    return job.snapshot()
