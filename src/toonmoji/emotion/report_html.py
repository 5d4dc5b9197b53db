"""index.html of a video report: one self-contained page (styles inline, images as data URIs), so
it opens from disk, mails as one file and needs no server."""

from __future__ import annotations

import base64
import html

from toonmoji.emotion.timeline import colour
from toonmoji.emotion.video import mmss

MOMENT_MIN = 0.2  # an emotion whose peak stays below this shows no "strongest moment" picture
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1150px; padding: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta { color: #555; margin-bottom: 12px; } .note { background: #fff4d6; border-left: 4px solid #e0a800;
  padding: 8px 12px; margin: 8px 0; }
img.timeline { width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 4px 10px; text-align: right; }
th { background: #f2f2f2; } td.name, th.name { text-align: left; } tr + tr td { border-top: 1px solid #eee; }
.chip { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
  vertical-align: -1px; border: 1px solid #0003; }
.track { display: flex; gap: 20px; align-items: flex-start; border-top: 1px solid #ddd; padding-top: 12px; }
.track > img { width: 140px; border-radius: 6px; }
.moments { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 6px; }
figure { margin: 0; text-align: center; font-size: 13px; } figure img { width: 96px; height: 96px;
  object-fit: cover; border-radius: 4px; display: block; border-bottom: 5px solid var(--c); }
.bar { display: inline-block; height: 10px; background: var(--c); vertical-align: 0; }
.zero { color: #bbb; } .moments p { flex-basis: 100%; margin: 0; }
"""


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _shares_table(summary: dict) -> str:
    classes = summary["classes"]
    head = "".join(f'<th><span class="chip" style="background:{colour(c)}"></span>{html.escape(c)}</th>'
                   for c in classes)
    rows = []
    for t in summary["tracks"]:
        cells = "".join(f"<td>{_percent(t['shares'][c])}</td>" for c in classes)
        rows.append(f'<tr><td class="name">face {t["track"]}</td><td>{mmss(t["seconds_on_screen"])}</td>'
                    f'<td class="name">{html.escape(t["dominant"])}</td>{cells}</tr>')
    return (f'<table><tr><th class="name">face</th><th>on screen</th><th class="name">dominant</th>{head}</tr>'
            + "".join(rows) + "</table>")


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.005 else '<span class="zero">&middot;</span>'


def _track_section(t: dict, thumbs: dict[str, bytes]) -> str:
    shares = "".join(
        f'<tr><td class="name"><span class="chip" style="background:{colour(c)}"></span>{html.escape(c)}</td>'
        f'<td>{s:.1%}</td><td class="name"><span class="bar" style="--c:{colour(c)};width:{round(160 * s)}px">'
        "</span></td></tr>"
        for c, s in sorted(t["shares"].items(), key=lambda cs: -cs[1]) if s > 0)
    shown = sorted(((c, m) for c, m in t["strongest"].items() if m["probability"] >= MOMENT_MIN and m["thumbnail"] in thumbs),
                   key=lambda cm: -cm[1]["probability"])
    moments = "".join(
        f'<figure><img style="--c:{colour(c)}" alt="face {t["track"]} at its most {html.escape(c)}" '
        f'src="{data_uri(thumbs[m["thumbnail"]], "image/jpeg")}"><figcaption>{html.escape(c)} '
        f'{m["probability"]:.0%}<br>at {mmss(m["time"])}</figcaption></figure>'
        for c, m in shown)
    never = [c for c in t["strongest"] if c not in dict(shown)]
    if never:
        moments += f'<p class="meta">never above {MOMENT_MIN:.0%}: {html.escape(", ".join(never))}</p>'

    return (f'<section class="track"><img alt="face {t["track"]}" src="{data_uri(thumbs[t["thumbnail"]], "image/jpeg")}">'
            f'<div><h2>Face {t["track"]}</h2><div class="meta">on screen {mmss(t["seconds_on_screen"])} '
            f'({t["frames_seen"]} frames, first at {mmss(t["first_seen"])}, last at {mmss(t["last_seen"])}); '
            f'mostly <b>{html.escape(t["dominant"])}</b></div><table>{shares}</table>'
            f'<div>Strongest moment of each emotion:</div><div class="moments">{moments}</div></div></section>')


def report_html(summary: dict, timeline: bytes, thumbs: dict[str, bytes]) -> str:
    """The page for `summary` (summary.json's content) with the timeline PNG and the thumbnail
    JPEGs (keyed by their paths in the summary) embedded."""
    name = html.escape(summary["source"].replace("\\", "/").rsplit("/", 1)[-1])
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in summary["notes"])
    tracks = summary["tracks"]
    body = [f"<h1>Emotions in {name}</h1>",
            (f'<div class="meta">{mmss(summary["duration"])} ({summary["frames"]} frames at {summary["fps"]:g} fps, '
             f'{summary["width"]}x{summary["height"]}); {len(tracks)} face(s)</div>'), notes,
            f'<img class="timeline" alt="emotions over time" src="{data_uri(timeline, "image/png")}">']
    if tracks:
        body += ["<h2>Share of time per emotion</h2>", _shares_table(summary)]
        body += [_track_section(t, thumbs) for t in tracks]
    body.append('<p class="meta">Made by toonmoji <code>emotion report</code>: per-frame rows in emotions.csv, '
                "these numbers in summary.json.</p>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Emotions in {name}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
