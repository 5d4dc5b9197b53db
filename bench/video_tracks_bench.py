"""One person, one track: the face tracker against the old one (bench/video_tracks_baseline.py,
toonmoji before issue #25) on generated clips, in one run.

Clips (100 frames, 640x480, 25 fps): each person still, drifting, turning and covered by a hand
for a second, with the face at several sizes (its box a share of the frame height); and pairs,
crossing and one drifting beside the other. People: the shipped sample portrait (and a mirrored,
recoloured copy as a second person) plus real faces from ../shared/data/faces when present.
Each frame is detected and classified once and fed to both trackers, so they see the same boxes.

Printed per tracker: the share of clips whose track count (tracks of 3+ frames, as the report
keeps) equals the number of people; id switches per 1000 frames (a person's matched id changing),
for still and drifting faces and for all clips; and frames per second of the whole pipeline
(decode excluded), where the trackers differ only in their own time.

    python bench/video_tracks_bench.py [--scales 0.1 0.2 0.3 0.45 0.6] [--real 3] [--frames 100]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from toonmoji.emotion.identity import FaceTracker
from toonmoji.emotion.live import EmotionSession
from toonmoji.emotion.video import VideoCollector
from toonmoji.imageio import VideoSource
from video_people import (
    astronaut,
    astronaut_twin,
    pair_scenes,
    real_people,
    score,
    solo_scenes,
    video_tracks,
)
from video_tracks_baseline import FaceTracker as OldTracker

MIN_TRACK_FRAMES = 3  # as analyze_video keeps


def run_clip(clip, session: EmotionSession) -> dict[str, tuple[object, float]]:
    """Per tracker: its score on the clip and seconds spent (shared detection + its own)."""
    src = VideoSource(clip.path)
    trackers = {"old (a9f347f)": OldTracker.for_fps(src.fps), "new": FaceTracker.for_fps(src.fps)}
    collectors = {name: VideoCollector(session.classifier.classes) for name in trackers}
    own = dict.fromkeys(trackers, 0.0)
    shared = 0.0
    session.detector.reset()
    for frame in src:
        start = time.perf_counter()
        results = session.classify(frame.image)
        shared += time.perf_counter() - start
        for name, tracker in trackers.items():
            start = time.perf_counter()
            tracked = tracker.update(frame.image, results)
            own[name] += time.perf_counter() - start
            collectors[name](frame, tracked)
    return {name: (score(clip, video_tracks_of(collectors[name], src.fps, getattr(tracker, "final_id", None))),
                   shared + own[name]) for name, tracker in trackers.items()}


def video_tracks_of(collector: VideoCollector, fps: float, final_id):
    class _Video:  # what video_tracks() reads
        tracks = collector.tracks(fps, MIN_TRACK_FRAMES, final_id)

    return video_tracks(_Video)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.45, 0.6])
    ap.add_argument("--pair-scales", type=float, nargs="+", default=[0.15, 0.25, 0.35])
    ap.add_argument("--real", type=int, default=3, help="real people from ../shared/data/faces")
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--verbose", action="store_true", help="a line per clip")
    args = ap.parse_args()
    people = [astronaut(), *real_people(limit=args.real)]
    scenes = [s for p in people for k in args.scales for s in solo_scenes(p, k, args.frames)]
    partners = [astronaut_twin(), *people[1:]]
    for k in args.pair_scales:
        scenes += pair_scenes(people[0], partners[0], k, args.frames)
        scenes += [s for a, b in zip(people[1:], people[2:] + people[:1]) for s in pair_scenes(a, b, k, args.frames)]
    session = EmotionSession.create(None, video=True)
    session.tracker = None  # the bench feeds the trackers itself
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with tempfile.TemporaryDirectory() as tmp:
        for scene in scenes:
            clip = scene.write(Path(tmp), args.frames)
            for name, (s, seconds) in run_clip(clip, session).items():
                t = totals[name]
                t["clips"] += 1
                t["right"] += s.tracks == s.people
                t["frames"] += s.frames
                t["switches"] += s.switches
                t["seconds"] += seconds
                if scene.kind in ("still", "drift"):
                    t["sd_frames"] += s.frames
                    t["sd_switches"] += s.switches
                if args.verbose or s.tracks != s.people or s.switches:
                    print(f"  {name:14s} {scene.name}: {s.tracks} track(s) for {s.people}, "
                          f"{s.switches} switch(es), {s.matched} matched", flush=True)
            clip.path.unlink()
    print(f"{len(scenes)} clips of {args.frames} frames; people: {', '.join(p.name for p in people)}")
    print(f"{'tracker':16s} {'tracks == people':>17s} {'switches/1000 (still+drift)':>28s} "
          f"{'switches/1000 (all)':>20s} {'fps':>6s}")
    for name, t in totals.items():
        sd = 1000 * t["sd_switches"] / max(t["sd_frames"], 1)
        print(f"{name:16s} {t['right'] / t['clips']:>16.0%} {sd:>28.2f} {1000 * t['switches'] / t['frames']:>20.2f} "
              f"{t['frames'] / t['seconds']:>6.1f}")


if __name__ == "__main__":
    main()
