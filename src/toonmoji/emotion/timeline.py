"""timeline.png: each face's seven emotion probabilities over the video, one panel per track.

A stacked area per track on the video's whole time axis (mm:ss): the colours are fixed per
emotion (the same as the live overlay), the stack's height is the share of the time the face was
on screen (gaps where it was not), and the face's thumbnail sits at the left of its panel. Long
videos are binned to at most `MAX_POINTS` points, so the plot costs the same for any length.
"""

from __future__ import annotations

import io

import numpy as np

from toonmoji.emotion.draw import COLOURS
from toonmoji.emotion.video import FaceTrack, VideoEmotions, mmss

MAX_POINTS = 1200
MAX_PANELS = 12  # more tracks than this are in summary.json and the CSV, not in the picture


def colour(name: str) -> str:
    """The emotion's colour as `#rrggbb` (the live overlay's)."""
    return "#" + "".join(f"{v:02x}" for v in COLOURS.get(name, (0, 160, 0)))


def binned(track: FaceTrack, frames: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """`(bins + 1,)` bin edges in seconds and `(C, bins + 1)` mean probabilities per bin (0 where
    unseen; the last column repeats for the closing edge, as `stackplot(step="post")` wants)."""
    edges = np.linspace(0, frames, bins + 1)
    which = np.clip(np.searchsorted(edges, track.frames, side="right") - 1, 0, bins - 1)
    sums = np.zeros((bins, track.probabilities.shape[1]))
    np.add.at(sums, which, track.probabilities)
    means = sums / np.diff(edges)[:, None]
    times = edges / track.fps  # each bin's start, then the end: the last bin gets its full width
    return times, np.vstack([means, means[-1:]]).T


def timeline_png(video: VideoEmotions, dpi: int = 100) -> bytes:
    """The picture as PNG bytes (matplotlib's Agg canvas, no display or pyplot needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    tracks = sorted(video.tracks, key=lambda t: -len(t.frames))[:MAX_PANELS]
    tracks.sort(key=lambda t: t.id)
    rows = max(1, len(tracks))
    height = 1.1 + 1.7 * rows  # inches: title and legend, then one panel per face
    fig = Figure(figsize=(11, height), dpi=dpi)
    FigureCanvasAgg(fig)
    title = f"{video.source.rsplit('/', 1)[-1]}: emotions over {mmss(video.duration)}"
    fig.suptitle(title, fontsize=13, fontweight="bold", y=1 - 0.1 / height, va="top")
    if not tracks:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "\n".join(video.notes) or "no face found", ha="center", va="center", fontsize=12, wrap=True)
        return _png(fig)
    grid = fig.add_gridspec(rows, 2, width_ratios=[1, 9], left=0.01, right=0.975, wspace=0.07,
                            top=1 - 0.55 / height, bottom=0.75 / height, hspace=0.55)
    bins = int(min(video.frames, MAX_POINTS))
    end = max(video.duration, 1 / video.fps)
    short = video.duration < 20
    ticks = [t for t in MaxNLocator(nbins=12, steps=[1, 1.5, 2, 3, 5, 6, 10]).tick_values(0, end) if 0 <= t <= end]
    labels = [f"{int(t) // 60}:{t % 60:04.1f}" if short else mmss(t) for t in ticks]
    for row, track in enumerate(tracks):
        thumb = fig.add_subplot(grid[row, 0])
        thumb.imshow(track.thumbnail)
        thumb.set_axis_off()
        thumb.set_title(f"face {track.id}", fontsize=10)
        ax = fig.add_subplot(grid[row, 1])
        times, probs = binned(track, video.frames, bins)
        ax.stackplot(times, probs, colors=[colour(c) for c in track.classes], step="post", linewidth=0)
        ax.set_xlim(0, end)
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.tick_params(labelsize=8)
        ax.set_xticks(ticks, labels)
        ax.grid(axis="x", alpha=0.3)
        share = track.shares[track.dominant]
        ax.set_title(f"on screen {mmss(track.seconds)} ({track.seconds:.1f} s) · mostly {track.dominant} "
                     f"({share:.0%} of its time)", fontsize=10, loc="left")
        if row == len(tracks) - 1:
            ax.set_xlabel("time (mm:ss)", fontsize=9)
    handles = [Patch(color=colour(c), label=c) for c in video.classes]
    fig.legend(handles=handles, loc="lower center", ncols=len(handles), fontsize=9, frameon=False)
    return _png(fig)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
