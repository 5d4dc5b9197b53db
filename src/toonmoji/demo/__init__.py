"""`toonmoji demo`: every capability run on the built-in sample, shown on one HTML page.

Each capability has one step module here (`faces_step`, `emotion_step`, `emoji_step`); the runner
(`run.py`) lists them. Steps import only `context`, so nothing below the demo imports the demo.
"""

from __future__ import annotations

from toonmoji.lazy import lazy_getattr

_EXPORTS = {
    "DemoItem": "context",
    "DemoContext": "context",
    "DemoStep": "context",
    "DEMO_STEPS": "run",
    "DEMO_NOTES": "run",
    "render_index": "run",
    "run_demo": "run",
}

__all__ = ["DEMO_NOTES", "DEMO_STEPS", "DemoContext", "DemoItem", "DemoStep", "render_index", "run_demo"]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
