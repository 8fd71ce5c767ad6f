"""Build the generated ontology modules from the editable tables."""

from __future__ import annotations

from pathlib import Path

from ...atomic import atomic_write_text
from .modules import build_all, render


def write_modules(ontology_dir: Path) -> list[Path]:
    """Regenerate every module; all tables are checked before any file is written."""
    rendered = {name: render(name, graph) for name, graph in build_all(ontology_dir).items()}
    written = []
    for name, text in rendered.items():
        path = ontology_dir / name
        atomic_write_text(path, text)
        written.append(path)
    return written


def stale_modules(ontology_dir: Path) -> list[str]:
    """Names of generated modules whose committed text differs from what the tables produce."""
    stale = []
    for name, graph in build_all(ontology_dir).items():
        path = ontology_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != render(name, graph):
            stale.append(name)
    return stale
