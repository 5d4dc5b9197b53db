"""The demo runner: every step in DEMO_STEPS into one folder, and the HTML page that shows them.

A step writes its files into the demo folder and returns what to show.
"""

from __future__ import annotations

import html
from pathlib import Path

from rich.console import Console

from toonmoji.demo.avatar_step import avatar_step
from toonmoji.demo.context import DemoContext, DemoItem, DemoStep
from toonmoji.demo.emoji_step import emoji_step
from toonmoji.demo.emotion_step import emotion_step
from toonmoji.demo.faces_step import faces_step
from toonmoji.imageio import write_bytes

DEMO_STEPS: list[tuple[str, DemoStep]] = [("Faces", faces_step)]
DEMO_STEPS.append(("Emotion", emotion_step))
DEMO_STEPS.append(("Emoji", emoji_step))
DEMO_STEPS.append(("Avatar", avatar_step))

# Capabilities the demo cannot run on built-in data, with what a user needs for them.
DEMO_NOTES: list[tuple[str, str]] = [
    (
        "Toonify",
        ("No StyleGAN2 weights ship with toonmoji and none are downloaded, so the demo cannot toonify. "
        "Bring an FFHQ base checkpoint (NVlabs .pkl or rosinality .pt), then: "
        "toonmoji gan finetune characters/ --base ffhq.pkl --out run/ ; "
        "toonmoji gan blend ffhq.pkl run/snapshot-0004.000.pt --out blended.pt --preview blends.png ; "
        "toonmoji gan train-encoder --base ffhq.pkl --out enc.pt (GPU recommended; toonify in seconds) ; "
        "toonmoji toonify photo.jpg --base ffhq.pkl --toon blended.pt --encoder enc.pt ; "
        "toonmoji emoji photo.jpg --base ffhq.pkl --toon blended.pt (see README.md, Toonify)."),
    ),
]


def render_index(sections: list[tuple[str, list[DemoItem]]], notes: list[tuple[str, str]] | None = None) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>toonmoji demo</title>",
        ("<style>body{font-family:sans-serif;margin:2em;background:#fafafa}"
        "figure{display:inline-block;margin:0.5em;vertical-align:top;max-width:280px}"
        "img{max-width:256px;max-height:256px;border:1px solid #ccc;background:"
        "repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px}"
        "figcaption{font-size:0.85em}</style></head><body><h1>toonmoji demo</h1>"),
    ]
    for name, items in sections:
        parts.append(f"<h2>{html.escape(name)}</h2>")
        for item in items:
            parts.append(
                f"<figure><img src='{html.escape(item.file)}' alt='{html.escape(item.title)}'>"
                f"<figcaption><b>{html.escape(item.title)}</b><br>{html.escape(item.caption)}"
                "</figcaption></figure>"
            )
    for name, text in notes or []:
        parts.append(f"<h2>{html.escape(name)}</h2><p style='max-width:60em'>{html.escape(text)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def run_demo(out: Path, force: bool = False, console: Console | None = None) -> Path:
    """Run every demo step into `out`; returns the path of index.html."""
    from toonmoji.samples import sample_portrait

    console = console or Console()
    ctx = DemoContext(Path(out), sample_portrait(), force)
    sections = []
    for name, step in DEMO_STEPS:
        with console.status(f"demo: {name}"):
            sections.append((name, step(ctx)))
        console.print(f"  {name}: {len(sections[-1][1])} result(s)")
    return write_bytes(ctx.out / "index.html", render_index(sections, DEMO_NOTES).encode(), force=force)
