"""`toonmoji demo`: every capability run on the built-in sample, shown on one HTML page.

Each capability adds one step function to DEMO_STEPS; a step writes its files into the demo folder
and returns what to show.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console

from toonmoji.avatar.demo_step import avatar_step
from toonmoji.emoji.demo_step import emoji_step
from toonmoji.emotion.demo_step import emotion_step
from toonmoji.imageio import write_bytes, write_image


@dataclass(frozen=True)
class DemoItem:
    """One result on the page: an image file (relative to the demo folder) and its caption."""

    title: str
    file: str
    caption: str = ""


@dataclass(frozen=True)
class DemoContext:
    out: Path
    portrait: np.ndarray
    force: bool

    def save(self, name: str, image: np.ndarray) -> str:
        write_image(self.out / name, image, force=self.force)
        return name


DemoStep = Callable[[DemoContext], list[DemoItem]]


def faces_step(ctx: DemoContext) -> list[DemoItem]:
    """Detection, FFHQ alignment and paste-back on the sample and a rotated copy."""
    import cv2

    from toonmoji.faces import align_faces, paste_back
    from toonmoji.samples import group_photo, rotated

    items = [DemoItem("Sample portrait", ctx.save("sample.png", ctx.portrait), "NASA, public domain")]
    aligned = align_faces(ctx.portrait, size=256)
    boxed = ctx.portrait.copy()
    for a in aligned:
        x0, y0, x1, y1 = (int(v) for v in a.face.box)
        cv2.rectangle(boxed, (x0, y0), (x1, y1), (0, 255, 0), 2)
        for x, y in a.face.landmarks.astype(int):
            cv2.circle(boxed, (int(x), int(y)), 1, (255, 0, 0), -1)
    items.append(DemoItem("Detected face + 68 landmarks", ctx.save("faces_detected.png", boxed)))
    items.append(DemoItem("FFHQ-aligned, 256 px", ctx.save("face_aligned.png", aligned[0].image)))
    turned = rotated(ctx.portrait, 20)
    items.append(
        DemoItem(
            "Rotated 20 degrees, aligned",
            ctx.save("face_aligned_rotated.png", align_faces(turned, size=256)[0].image),
            "nearly the same crop as the upright photo",
        )
    )
    inverted = 255 - aligned[0].image  # a visible edit, to show paste-back puts it in place
    items.append(
        DemoItem("Paste-back of an edited face", ctx.save("face_pasted.png", paste_back(ctx.portrait, aligned[0], inverted)))
    )
    group = group_photo(3)
    found = align_faces(group, size=128)
    items.append(DemoItem(f"Group photo: {len(found)} faces", ctx.save("group.png", group)))
    return items


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
        "toonmoji toonify photo.jpg --base ffhq.pkl --toon blended.pt ; "
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
