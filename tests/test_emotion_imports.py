"""The emotion package imports in one direction: no module imports one that imports it back, not
even inside a function (such a circle breaks as soon as someone moves an import to the top)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "toonmoji" / "emotion"


def imports_of(path: Path) -> set[str]:
    """Every toonmoji.emotion module `path` imports, at the top or anywhere inside it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n.startswith("toonmoji.emotion.") and (PACKAGE / f"{n.split('.')[2]}.py").exists()}
    return {".".join(n.split(".")[:3]) for n in found}


def test_no_import_circles_in_the_emotion_package():
    graph = {f"toonmoji.emotion.{p.stem}": imports_of(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    state: dict[str, int] = {}
    circles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                circles.append(" -> ".join([*path[path.index(dep):], dep]) if dep in path else f"{module} -> {dep}")
            elif dep not in state:
                visit(dep, [*path, dep])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []
    assert "toonmoji.emotion.recognize" not in graph["toonmoji.emotion.tracking"]
