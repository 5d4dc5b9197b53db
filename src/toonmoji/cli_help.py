"""Help that reads as written: usage lines and value names in Click's plain style.

Typer's own help shows a required argument as `{photo}` in the usage line and a repeatable option
as `<list[str]>`. This walks the finished command tree once and gives each such parameter the
plain form (`PHOTO`, `[SOURCE]`, `PHOTOS...`; `<str>`), so no sub-app has to know about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click


def _usage_name(param: Any) -> str:
    """`PHOTO`, `[SOURCE]` or `PHOTOS...`: what Click's own usage line would show."""
    name = (param.metavar or param.name or "").upper()
    if param.nargs != 1:
        name += "..."
    return name if param.required else f"[{name}]"


def _element_type(param: Any, ctx: click.Context) -> str:
    """`<str>` for a repeatable `list[str]` option (one value per use), `<path>...` for an
    argument that takes several."""
    shown = param.display_type(ctx).replace("list[", "").replace("]", "").lower()
    return shown + "..." if param.nargs != 1 else shown


def tidy_help(command: click.Command) -> click.Command:
    """Fix the usage names and value names of every parameter in COMMAND and its sub-commands."""
    for param in command.params:
        if param.param_type_name == "argument":
            param.get_usage_pieces = lambda ctx, p=param: [_usage_name(p)]
            param._rich_display_name = lambda p=param: (p.metavar or p.name or "").upper()
        if (getattr(param, "multiple", False) or param.nargs != 1) and param.metavar is None:
            param.display_type_rich = lambda ctx, p=param: _element_type(p, ctx)
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command
