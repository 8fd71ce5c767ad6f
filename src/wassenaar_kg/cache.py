"""On-disk cache of derived graphs, keyed by the content of the ontology modules.

The OWL 2 RL closure of the reference graph takes seconds to compute and changes only when ontology/
changes; it is computed once and stored as canonical N-Triples. A changed module changes the key, so
stale entries are never read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

from . import __version__
from .atomic import atomic_writer
from .graph import ontology_files, project_root

ENV_CACHE_DIR = "WAKG_CACHE_DIR"


def cache_dir() -> Path:
    override = os.environ.get(ENV_CACHE_DIR)
    return Path(override) if override else project_root() / ".cache" / "wakg"


def ontology_key() -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in ontology_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_bytes(name: str, build: Callable[[], bytes]) -> bytes:
    """The cached bytes for `name` under the current ontology key, built and stored on a miss."""
    path = cache_dir() / ontology_key() / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = build()
    try:
        with atomic_writer(path, "wb") as handle:
            handle.write(data)
    except OSError:
        pass  # a read-only checkout still works, only slower
    return data
