"""Where the project's data files are: ontology/, shapes/ and queries/ as package resources.

A wheel carries them inside the package (`wassenaar_kg/data/`, copied from the top-level folders at build
time, which stay the source of truth); they are found with importlib.resources. An editable install or a
source tree has no copy and reads the top-level folders of its checkout. $WAKG_ONTOLOGY_DIR points the
ontology elsewhere (tests, `wakg build` on a copy).
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib import Graph

from ..errors import InputError
from .namespaces import bind_prefixes

ENV_ONTOLOGY_DIR = "WAKG_ONTOLOGY_DIR"
DATA = ("ontology", "shapes", "queries")


def checkout_root() -> Path | None:
    """The source tree this package runs from (an editable install), or None for an installed wheel."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").is_file() and (root / "ontology").is_dir() else None


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The packaged copy of a data folder, else the checkout's folder."""
    packaged = resources.files("wassenaar_kg").joinpath("data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    root = checkout_root()
    if root is not None:
        return root / name
    raise InputError(f"wassenaar_kg/data/{name}", "the package's data files are missing: reinstall the package")


def ontology_dir() -> Path:
    """The ontology modules: $WAKG_ONTOLOGY_DIR, else the packaged (or checkout) ontology/."""
    override = os.environ.get(ENV_ONTOLOGY_DIR)
    return Path(override) if override else data_dir("ontology")


def shapes_dir() -> Path:
    return data_dir("shapes")


def queries_dir() -> Path:
    return data_dir("queries")


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
