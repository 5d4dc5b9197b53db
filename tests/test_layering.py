"""The package's layers: no module imports from a layer above its own, and no import circles.

Layers, bottom up: shared helpers (errors, imageio, samples) -> faces -> emotion and gan (the
StyleGAN2 library) -> toonify (the workflow on top of gan) -> emoji -> the apps (cli, web, demo).
Imports are read from the source with `ast`, including those inside functions and under
TYPE_CHECKING, so a lazy import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import toonmoji

ROOT = Path(toonmoji.__file__).parent
LAYERS = {
    "errors": 0, "imageio": 0, "videofile": 0, "samples": 0, "cli_default": 0, "cli_help": 0,
    "extras": 0, "lazy": 0, "frameloop": 0,
    "faces": 1,
    "emotion": 2, "gan": 2,
    "toonify": 3,
    "emoji": 4, "avatar": 4,
    "web": 5, "demo": 5, "batch": 5, "cli": 6, "__main__": 6,
    "__init__": 0,  # `import toonmoji` imports nothing: its names load lazily

}


# Known exceptions, each a debt to pay (none now: the live avatar panel is built by the top-level
# CLI and handed to the emotion session).
KNOWN_UPWARD: dict[str, set[str]] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    return imported_in(path.read_text(), str(path))


def imported_in(text: str, where: str = "<text>") -> set[str]:
    """Every `toonmoji...` module a source imports (absolute imports; the package uses no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(text, where)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{where}: relative import"
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}  # `from pkg import submodule`
    return {m for m in found if m.split(".")[0] == "toonmoji"}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def source_files() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def existing(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def test_every_top_level_part_has_a_layer():
    names = {top(module_name(p)) for p in source_files()}
    assert names <= LAYERS.keys(), f"give these a layer: {sorted(names - LAYERS.keys())}"


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_from_a_layer_above(path):
    me = top(module_name(path))
    allowed = KNOWN_UPWARD.get(str(path.relative_to(ROOT)), set())
    upward = sorted(m for m in imported_modules(path)
                    if existing(m) and LAYERS[top(m)] > LAYERS[me] and m not in allowed)
    assert not upward, f"{path.relative_to(ROOT)} (layer {me}) imports from above: {upward}"


def test_gan_is_a_library_that_knows_nothing_of_toonify_or_emoji():
    """The checker itself is checked: it finds a wrong-way import when one is written."""
    bad = "from toonmoji.toonify.project import project\n"
    assert imported_in(bad) == {"toonmoji.toonify.project", "toonmoji.toonify.project.project"}
    assert imported_in("def f():\n    import toonmoji.emoji.make\n") == {"toonmoji.emoji.make"}
    for path in (ROOT / "gan").rglob("*.py"):
        wrong = {m for m in imported_modules(path) if top(m) in ("toonify", "emoji", "web", "demo", "cli")}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_no_import_circles_between_modules():
    """Module-level and lazy imports together form no cycle (a package's __init__ aside)."""
    files = {module_name(p): p for p in source_files() if p.name != "__init__.py"}
    graph = {m: {i for i in imported_modules(p) if i in files and i != m} for m, p in files.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append([*stack[stack.index(n):], n])
            elif n not in state:
                visit(n, [*stack, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c) for c in cycles)
