"""Check a built wheel: every file of the package source (models, page, data) is inside it.

Usage: python .ci/check_wheel.py dist/toonmoji-*.whl   (run from the checkout; prints the size)
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

SOURCE = Path("src")
SKIP_DIRS = {"__pycache__"}


def source_files() -> dict[str, int]:
    """Every file under src/toonmoji as wheel paths -> size (caches and bytecode left out)."""
    files = {}
    for path in sorted((SOURCE / "toonmoji").rglob("*")):
        if path.is_file() and not SKIP_DIRS & set(path.parts) and path.suffix != ".pyc":
            files[path.relative_to(SOURCE).as_posix()] = path.stat().st_size
    return files


WHEEL_LIMIT = 40_000_000  # bytes


def main(wheel: str) -> int:
    with zipfile.ZipFile(wheel) as zf:
        bad = zf.testzip()
        if bad:
            print(f"corrupt member in {wheel}: {bad}")
            return 1
        inside = {info.filename: info.file_size for info in zf.infolist()}
    expected = source_files()
    missing = sorted(set(expected) - set(inside))
    differ = sorted(n for n in expected if n in inside and inside[n] != expected[n])
    for name in missing:
        print(f"missing from the wheel: {name}")
    for name in differ:
        print(f"differs from the source: {name} ({inside[name]} != {expected[name]} bytes)")
    data = [n for n in expected if not n.endswith(".py")]
    size = Path(wheel).stat().st_size
    print(f"{Path(wheel).name}: {size / 1e6:.2f} MB, {len(inside)} files, "
          f"{len(data)} data files ({sum(expected[n] for n in data) / 1e6:.2f} MB unpacked)")
    too_big = size > WHEEL_LIMIT
    if too_big:
        print(f"the wheel is over its {WHEEL_LIMIT / 1e6:.0f} MB limit (issue 27)")
    return 1 if missing or differ or too_big else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
