"""MkDocs hook: the CLI reference page, generated from the commands themselves.

`docs/reference/cli.md` holds the marker below; at build time it becomes one section per command
and sub-command with its `--help` exactly as the terminal prints it, so the page never drifts
from the code.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- cli-reference -->"


def _sections(cmd: Any, ctx: Any, path: tuple[str, ...]) -> list[str]:
    depth = min(len(path) + 1, 4)
    title = " ".join(("toonmoji", *path))
    out = [f"{'#' * depth} `{title}`", "", "```text", cmd.get_help(ctx).rstrip(), "```", ""]
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        sub_ctx = sub.context_class(sub, info_name=name, parent=ctx)
        out += _sections(sub, sub_ctx, (*path, name))
    return out


def cli_reference() -> str:
    """Markdown for every command of `toonmoji`, the top-level one first."""
    from toonmoji.cli import command

    root = command()
    settings = {**root.context_settings, "max_content_width": 84}  # fits the page's code column
    ctx = root.context_class(root, info_name="toonmoji", terminal_width=84, **settings)
    return "\n".join(_sections(root, ctx, ()))


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    return markdown
