"""A command group that is also a command: `toonmoji emotion PHOTO` beside `toonmoji emotion train`.

Click parses a group's own arguments before the sub-command's name, so a positional argument on
the group itself would swallow the name. Instead, arguments that do not start with a known
sub-command name are handed to a default sub-command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.core import TyperGroup

if TYPE_CHECKING:
    import click


def default_command_group(command: str) -> type[TyperGroup]:
    """A TyperGroup class (for `typer.Typer(cls=...)`) that runs `command` unless the first
    argument names another sub-command or asks for the group's --help."""

    class DefaultCommandGroup(TyperGroup):
        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
                args = [command, *args]
            return super().parse_args(ctx, args)

    return DefaultCommandGroup
