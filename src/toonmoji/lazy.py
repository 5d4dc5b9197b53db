"""Package names imported on first use (PEP 562 module `__getattr__`), so `import toonmoji.x` and
the CLI start without loading what a command does not need (PyTorch, ONNX sessions, dlib)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_getattr(package: str, exports: dict[str, str], before: Callable[[], None] | None = None) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports `exports[name]` (a module path, absolute
    or relative to `package`) when `name` is first asked for; `before` runs first (e.g. a check
    that an optional dependency is installed)."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if before is not None:
            before()
        module = exports[name]
        return getattr(importlib.import_module(module if module.startswith("toonmoji") else f"{package}.{module}"), name)

    return __getattr__
