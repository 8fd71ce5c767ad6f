"""The package's rooms and the direction of their imports: cli -> web -> analyst -> report -> api -> decide -> kg.

A room may import from its own room and from the rooms below it, never from one above; so there is no
import circle between rooms. Imports inside functions count too (they are arrows all the same)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "wassenaar_kg"
ORDER = ["kg", "decide", "api", "report", "analyst", "web", "cli"]  # bottom to top
FREE = {"errors", "atomic", "outputs", "inputs", "__init__", "__main__"}  # shared helpers every room may use, importing no room


def room(module: str) -> str | None:
    head = module.split(".")[0]
    if head in FREE:
        return None
    return head if head in ORDER else None


def imports(path: Path) -> list[tuple[str, int]]:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:
                found.extend((f"{target}.{alias.name}".strip("."), node.lineno) for alias in node.names)
            else:
                found.append((target, node.lineno))
    return found


def test_imports_point_down_only():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        here = room(module)
        for target, line in imports(path):
            there = room(target)
            if here is None:
                if module.split(".")[0] in ("errors", "atomic", "outputs") and there is not None:
                    wrong.append(f"{module}:{line} imports {target} (shared helpers import no room)")
                continue
            if there is not None and ORDER.index(there) > ORDER.index(here):
                wrong.append(f"{module}:{line} ({here}) imports {target} ({there}), a room above it")
    assert not wrong, "\n".join(wrong)


def test_every_module_is_in_a_room():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in FREE and p.stem not in ORDER]
    assert not loose, f"modules outside the rooms: {loose}"
