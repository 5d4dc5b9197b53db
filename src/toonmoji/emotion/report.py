"""The files of a video report: `write_report(video, "report/")`.

    report/emotions.csv       one row per frame and face: time, track, box, 7 probabilities, label
    report/emotions.parquet   the same (only where pyarrow is installed)
    report/summary.json       per track: time on screen, shares, dominant, strongest moments
    report/timeline.png       the probabilities over time, one panel per face
    report/thumbs/*.jpg       each face, and its strongest moment of each emotion
    report/index.html         all of it on one page that opens from disk (images embedded)

Every file is written atomically; an existing report is only replaced with `force`.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from toonmoji.emotion.report_html import report_html
from toonmoji.emotion.video import VideoEmotions
from toonmoji.errors import OutputExistsError
from toonmoji.imageio import atomic_path, write_bytes

NAMES = ("emotions.csv", "emotions.parquet", "summary.json", "timeline.png", "index.html", "thumbs")
THUMB_SIDE = 160


@dataclass
class ReportImages:
    """The report's pictures as encoded bytes, keyed by their path inside the report."""

    timeline: bytes
    thumbs: dict[str, bytes]


def prewarm() -> threading.Thread:
    """Import what writing the report needs (matplotlib's Agg canvas, pyarrow and what its first
    Parquet write loads) on a background thread, to call before reading the video: about a second
    that then overlaps the reading, which spends its time in OpenCV and ONNX Runtime with the GIL
    released."""

    def load() -> None:
        for name in ("matplotlib.figure", "matplotlib.backends.backend_agg"):
            importlib.import_module(name)
        with contextlib.suppress(ImportError):
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({"x": [0]}), pa.BufferOutputStream())  # its first write loads more

    thread = threading.Thread(target=load, name="toonmoji-report-imports", daemon=True)
    thread.start()
    return thread


def csv_text(video: VideoEmotions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(video.columns())
    writer.writerows(video.rows())
    return buffer.getvalue()


def jpeg(image: np.ndarray, side: int = THUMB_SIDE) -> bytes:
    """An RGB crop as JPEG bytes, scaled to `side` pixels on its longer side."""
    h, w = image.shape[:2]
    scale = side / max(h, w, 1)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    _, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
    return data.tobytes()


def thumb_name(track: int, emotion: str | None = None) -> str:
    return f"thumbs/face{track}.jpg" if emotion is None else f"thumbs/face{track}_{emotion}.jpg"


def render_images(video: VideoEmotions) -> ReportImages:
    """The timeline and every thumbnail (the face, and its strongest moment per emotion)."""
    from toonmoji.emotion.timeline import timeline_png

    thumbs = {}
    for t in video.tracks:
        thumbs[thumb_name(t.id)] = jpeg(t.thumbnail)
        for emotion, moment in t.strongest.items():
            thumbs[thumb_name(t.id, emotion)] = jpeg(moment.image)
    return ReportImages(timeline_png(video), thumbs)


def summary_json(video: VideoEmotions) -> dict[str, object]:
    """`video.summary()` with the thumbnail paths (relative to the report folder) filled in."""
    summary = video.summary()
    for track in summary["tracks"]:
        track["thumbnail"] = thumb_name(track["track"])
        for emotion, moment in track["strongest"].items():
            moment["thumbnail"] = thumb_name(track["track"], emotion)
    return summary


def check_report_folder(out: str | os.PathLike[str], force: bool = False) -> Path:
    """Fail before any work if `out` is a file, or already holds a report and `force` is off."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(f"{folder} is a file, not a folder for the report")
    taken = [n for n in NAMES if (folder / n).exists()]
    if taken and not force:
        raise OutputExistsError(f"{folder} already holds a report ({taken[0]}); pass --force to overwrite it")
    return folder


def write_parquet(video: VideoEmotions, path: Path, force: bool) -> bool:
    """emotions.parquet with pyarrow (no pandas needed); False where pyarrow is not installed."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    columns = list(zip(*video.rows())) or [()] * len(video.columns())
    types = [pa.int64(), pa.float64(), pa.int64()] + [pa.float32()] * (4 + len(video.classes)) + [pa.string()]
    table = pa.table({name: pa.array(list(col), type=kind) for name, col, kind in zip(video.columns(), columns, types)})
    with atomic_path(path, force) as tmp:
        pq.write_table(table, str(tmp))
    return True


def write_report(video: VideoEmotions, out: str | os.PathLike[str], force: bool = False) -> list[Path]:
    """Write the report's files into folder `out` (made if missing); returns their paths."""
    folder = check_report_folder(out, force)
    images = render_images(video)
    summary = summary_json(video)
    written = [write_bytes(folder / "emotions.csv", csv_text(video).encode(), force)]
    if write_parquet(video, folder / "emotions.parquet", force):
        written.append(folder / "emotions.parquet")
    for name, data in images.thumbs.items():
        written.append(write_bytes(folder / name, data, force))
    written.append(write_bytes(folder / "timeline.png", images.timeline, force))
    written.append(write_bytes(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode(), force))
    written.append(write_bytes(folder / "index.html", report_html(summary, images.timeline, images.thumbs).encode(), force))
    for stale in set((folder / "thumbs").glob("face*.jpg")) - set(written):  # from an older report (--force)
        stale.unlink()
    return written
