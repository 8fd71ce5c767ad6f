"""The graph a server answers from: built once at start-up, never changed after (the server is read-only).

Building the reasoned graph (reference data, its OWL 2 RL closure, the Country Group memberships of the
date, and the checked exports of each --data file) takes seconds; doing it once and sharing the Oxigraph
store lets each query cost milliseconds. Every query runs in a forked child of the server process, which
shares this store without copying it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..analyst.reasoned import Reasoned, build, stable_bnodes
from ..api import check


@dataclass
class Served:
    reasoned: Reasoned
    store: ox.Store
    data: tuple[Path, ...]

    @property
    def as_of(self) -> dt.date:
        return self.reasoned.as_of

    def __len__(self) -> int:
        return len(self.store)


def served_graph(as_of: dt.date, data: list[Path] | tuple[Path, ...] = ()) -> Served:
    """The reasoned graph as of `as_of` with the exports of every file in `data`, checked (a bad row is an
    InputError, raised before the server listens) and loaded into one store."""
    files = tuple(Path(p) for p in data)
    reasoned = build(as_of, files[0] if files else None)
    for path in files[1:]:  # `build` takes one file: the others are checked the same way and merged
        result = check(path, as_of=as_of, engine="reference")
        for triple in stable_bnodes(result.asserted):
            reasoned.asserted.add(triple)
        for triple in stable_bnodes(result.inferred):
            reasoned.inferred.add(triple)
        reasoned.determinations.extend(result.determinations)
    return Served(reasoned, reasoned.store(), files)
