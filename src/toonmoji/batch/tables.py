"""The batch's combined table (all_faces / all_tracks, CSV and Parquet) and summary.json.

One row per face of a photo (`emotion`) or per face track of a video (`report`):

    input, face|track, seconds_on_screen, dominant, angry, disgust, fear, happy, sad, surprise, neutral

For a photo the seven numbers are the face's probabilities and seconds_on_screen is empty; for a
video they are the track's shares of frames with each label. The rows come from the manifest, so
the table covers every input the folder holds results for, from this run and earlier ones.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from toonmoji.batch.manifest import Manifest
from toonmoji.emotion.labels import EMOTIONS
from toonmoji.extras import is_installed
from toonmoji.imageio import atomic_path, write_bytes

ID_COLUMN = {"all_faces": "face", "all_tracks": "track"}


def table_rows(manifest: Manifest, table: str) -> tuple[list[str], list[list[object]]]:
    """(columns, rows) of the combined table, inputs in path order."""
    ident = ID_COLUMN[table]
    columns = ["input", ident, "seconds_on_screen", "dominant", *EMOTIONS]
    rows = []
    for path in sorted(manifest.latest):
        for row in manifest.latest[path].rows:
            rows.append([path, row.get(ident), row.get("seconds_on_screen"), row.get("dominant"),
                         *(row.get(c) for c in EMOTIONS)])
    return columns, rows


def write_tables(folder: Path, manifest: Manifest, table: str | None) -> list[Path]:
    """`<table>.csv`, and `<table>.parquet` where pyarrow is installed; the paths written."""
    if table is None:
        return []
    columns, rows = table_rows(manifest, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    written = [write_bytes(folder / f"{table}.csv", buffer.getvalue().encode(), force=True)]
    if is_installed("pyarrow"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = [pa.string(), pa.int64(), pa.float64(), pa.string()] + [pa.float64()] * len(EMOTIONS)
        data = {name: pa.array([r[i] for r in rows], type=kind) for i, (name, kind) in enumerate(zip(columns, types))}
        with atomic_path(folder / f"{table}.parquet", force=True) as tmp:
            pq.write_table(pa.table(data), str(tmp))
        written.append(folder / f"{table}.parquet")
    return written


def write_summary(folder: Path, summary: dict[str, object]) -> Path:
    return write_bytes(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode(), force=True)
