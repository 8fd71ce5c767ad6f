"""Locate and load the knowledge graph: every Turtle module in ontology/."""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import Graph

from .errors import InputError
from .namespaces import bind_prefixes

ENV_ONTOLOGY_DIR = "WAKG_ONTOLOGY_DIR"


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def ontology_dir() -> Path:
    """ontology/ of this checkout, or the directory named by $WAKG_ONTOLOGY_DIR."""
    override = os.environ.get(ENV_ONTOLOGY_DIR)
    return Path(override) if override else project_root() / "ontology"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def queries_dir() -> Path:
    return project_root() / "queries"


def ontology_files(directory: Path | None = None) -> list[Path]:
    directory = directory or ontology_dir()
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise InputError(str(directory), "no ontology modules (*.ttl) found")
    return files


def load_graph(directory: Path | None = None) -> Graph:
    """Parse every module into one graph (the reference knowledge graph, asserted facts only)."""
    graph = bind_prefixes(Graph())
    for path in ontology_files(directory):
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise InputError(str(path), f"not valid Turtle: {exc}") from None
    return graph
