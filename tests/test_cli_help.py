"""Every command's --help shows its help as written: no text lost to markup, flags as flags."""

from __future__ import annotations

import re

import pytest

from toonmoji import __version__
from toonmoji.cli import command

BRACKETED = re.compile(r"\[[^\[\]\n]+\]")


def _commands(cmd, path=()):
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


ALL = list(_commands(command()))


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_tree_has_every_command():
    names = {" ".join(path) for path, _ in ALL}
    assert {"faces", "demo", "emotion", "emotion live", "emotion report", "emoji sheet", "avatar render",
            "gan finetune", "toonify", "serve"} <= names
    assert len(ALL) > 20


@pytest.mark.parametrize("path,cmd", ALL, ids=[" ".join(p) or "toonmoji" for p, _ in ALL])
def test_help_shows_every_bracketed_text_and_no_type_noise(cli, path, cmd):
    code, out, err = cli(*path, "--help")
    assert code == 0, err
    shown = _flat(out)
    usage = out.strip().splitlines()[0]
    assert usage.startswith("Usage: toonmoji") and "{" not in usage and "}" not in usage, usage
    assert "<bool>" not in out and "list[" not in out, out
    texts = [cmd.help or ""] + [p.help or "" for p in cmd.params if not getattr(p, "hidden", False)]
    for text in texts:
        for part in BRACKETED.findall(text):
            assert _flat(part) in shown, f"{part!r} lost from `toonmoji {' '.join(path)} --help`"
        first_words = _flat(text.split("\f")[0])[:30]
        assert first_words in shown, f"{first_words!r} missing"
    for p in cmd.params:  # flags take no value: nothing after their name but help
        if getattr(p, "is_flag", False) and not p.hidden:
            line = next(line for line in out.splitlines() if line.strip().startswith(p.opts[-1]))
            assert "<" not in line.split("  ")[0], line


def test_version(cli):
    code, out, _ = cli("--version")
    assert code == 0 and out.strip() == f"toonmoji {__version__}"


def test_usage_names_arguments_plainly(cli):
    assert "Usage: toonmoji avatar make [OPTIONS] PHOTO" in cli("avatar", "make", "--help")[1]
    assert "Usage: toonmoji emotion live [OPTIONS] [SOURCE]" in cli("emotion", "live", "--help")[1]
    out = cli("emoji", "set", "--help")[1]
    assert "PHOTOS..." in out and "PHOTOS <path>..." in out
    assert "--set KEY=VALUE" in cli("avatar", "make", "--help")[1]
    assert "--teacher <str>" in cli("emotion", "train", "--help")[1]  # repeatable: one value per use
