"""The README's promises hold: it stays a front page, its commands exist and parse, its links and
pictures are there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from toonmoji.cli import command

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def shell_commands(markdown: str, program: str = "toonmoji") -> list[list[str]]:
    """Every `toonmoji ...` command line in the fenced bash blocks of `markdown`, as arguments."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", markdown, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():  # join continued lines
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words[:1] == [program]:
                    found.append(words[1:])
    return found


def parse(args: list[str]):
    """Parse `args` down to the command they name, as the CLI would, without running it; Click
    raises a UsageError for an unknown command or option, a missing argument or a bad value."""
    cmd = command()
    ctx = cmd.make_context("toonmoji", list(args), resilient_parsing=False)
    while hasattr(cmd, "commands") and _rest(ctx):
        name, cmd, rest = ctx.command.resolve_command(ctx, _rest(ctx))
        ctx = cmd.make_context(name, rest, parent=ctx)
    return ctx


def _rest(ctx) -> list[str]:
    """What a group left for its sub-command (Click renamed `protected_args` in 8.2)."""
    protected = getattr(ctx, "_protected_args", None)
    return [*(ctx.protected_args if protected is None else protected), *ctx.args]


def test_readme_is_a_front_page():
    assert len(README.read_text().splitlines()) <= 250


def test_the_two_set_up_commands_are_there_verbatim():
    text = README.read_text()
    assert 'pip install torch==2.13.0 -e ".[all]" && toonmoji demo' in text
    assert 'pip install torch==2.13.0 -e ".[test]" && pytest' in text
    assert "mkdocs serve" in text and "chromium" in text.lower()


COMMANDS = shell_commands(README.read_text())


def test_the_readme_shows_the_commands():
    assert len(COMMANDS) >= 20
    assert {c[0] for c in COMMANDS} >= {"faces", "emotion", "emoji", "avatar", "gan", "toonify", "serve", "demo"}


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_readme_command_parses(args):
    if args == ["--version"]:
        return  # an eager option that exits; test_cli_help runs it
    ctx = parse(args)
    assert not hasattr(ctx.command, "commands") or not _rest(ctx), args


def test_parse_would_catch_a_wrong_command():
    for wrong in (["emotion", "photo.jpg", "--no-such-option"], ["avatar", "render"], ["faces", "x.jpg", "--size", "2"],
                  ["emoji", "sheets", "dir/", "--out", "x.png", "--columns", "0"]):
        with pytest.raises(Exception) as caught:
            parse(wrong)
        assert "UsageError" in [c.__name__ for c in type(caught.value).__mro__], wrong


def test_readme_links_and_pictures_exist():
    text = README.read_text()
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets
    for target in targets:
        if not target.startswith("http"):
            assert (ROOT / target).is_file(), target
    extras = re.search(r'\[project.optional-dependencies\](.*?)\n\[', (ROOT / "pyproject.toml").read_text(), re.DOTALL)
    for extra in re.findall(r"^\| `\[(\w+)\]`", text, flags=re.MULTILINE):
        assert re.search(rf"^{extra} = ", extras.group(1), flags=re.MULTILINE), f"README names a missing extra [{extra}]"


DOC_COMMANDS = [(md.relative_to(ROOT).as_posix(), args) for md in sorted((ROOT / "docs").rglob("*.md"))
                for args in shell_commands(md.read_text()) if args != ["--version"]]


@pytest.mark.parametrize("page,args", DOC_COMMANDS, ids=[f"{p}: {' '.join(a)[:60]}" for p, a in DOC_COMMANDS])
def test_every_documented_command_parses(page, args):
    parse(args)
