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
        "`toonmoji gan finetune characters/ --base ffhq.pkl --out run/`, "
        "`toonmoji gan blend ffhq.pkl run/snapshot-0004.000.pt --out blended.pt --preview blends.png`, "
        "`toonmoji gan train-encoder --base ffhq.pkl --out enc.pt` (GPU recommended; toonify in seconds), "
        "`toonmoji toonify photo.jpg --base ffhq.pkl --toon blended.pt --encoder enc.pt`, "
        "`toonmoji emoji photo.jpg --base ffhq.pkl --toon blended.pt` (see the Toonify guide in the docs)."),
    ),
]


PAGE_STYLE = (
    "body{font-family:sans-serif;margin:2em;background:#fafafa;color:#222}"
    "figure{display:inline-flex;flex-direction:column;margin:0.5em;vertical-align:top}"
    "figure a{display:block}"
    "img{max-height:256px;max-width:min(900px,90vw);border:1px solid #ccc;cursor:zoom-in;background:"
    "repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px}"
    "figcaption{font-size:0.85em;contain:inline-size;min-width:200px}"
    "code{background:#eee;padding:0 0.2em;border-radius:3px;font-size:0.95em}"
)


def _inline_code(text: str) -> str:
    """Escaped text with `backticked` runs as <code>."""
    parts = html.escape(text, quote=True).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def render_index(sections: list[tuple[str, list[DemoItem]]], notes: list[tuple[str, str]] | None = None) -> str:
    """The demo page: each image links to itself at full size; captions show `code` as code."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>toonmoji demo</title>",
        f"<style>{PAGE_STYLE}</style></head><body><h1>toonmoji demo</h1>",
        "<p>Click any picture to see it at full size.</p>",
    ]
    for name, items in sections:
        parts.append(f"<h2>{html.escape(name)}</h2>")
        for item in items:
            src = html.escape(item.file, quote=True)
            parts.append(
                f"<figure><a href='{src}' target='_blank'><img src='{src}' alt='{html.escape(item.title, quote=True)}'></a>"
                f"<figcaption><b>{html.escape(item.title)}</b><br>{_inline_code(item.caption)}"
                "</figcaption></figure>"
            )
    for name, text in notes or []:
        parts.append(f"<h2>{html.escape(name)}</h2><p style='max-width:60em'>{_inline_code(text)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _earlier_demo(out: Path) -> bool:
    """Whether `out` holds a page this command wrote before (so re-running may refresh it)."""
    index = out / "index.html"
    try:
        return index.is_file() and "<title>toonmoji demo</title>" in index.read_text(errors="replace")[:300]
    except OSError:
        return False


def run_demo(out: Path, force: bool = False, console: Console | None = None) -> Path:
    """Run every demo step into `out`; returns the path of index.html."""
    from toonmoji.samples import sample_portrait

    console = console or Console()
    if not force and _earlier_demo(Path(out)):  # the demo's own files, named by it: refresh them
        console.print(f"  refreshing the earlier demo in {out}")
        force = True
    ctx = DemoContext(Path(out), sample_portrait(), force)
    sections = []
    for name, step in DEMO_STEPS:
        with console.status(f"demo: {name}"):
            sections.append((name, step(ctx)))
        console.print(f"  {name}: {len(sections[-1][1])} result(s)")
    return write_bytes(ctx.out / "index.html", render_index(sections, DEMO_NOTES).encode(), force=force)
