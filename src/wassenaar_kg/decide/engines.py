"""The two engines, objects behind one interface (`decide(records) -> determinations`), and the choice
between them, shared by the command line and the Python API.

The reference engine (pySHACL per export) also gives the RDF of the findings and the SHACL report; the fast
engine evaluates the same rules once per distinct situation and also streams whole CSV order books. Both
give the same verdicts, exceptions, deciding provisions, explanations and confidences
(tests/test_engines_agree.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Protocol

from .determination import Determination
from .records import ExportRecord

ENGINES = ("auto", "reference", "fast")
AUTO_FAST_ABOVE = 200  # exports; up to this many `auto` takes the reference engine, which also gives RDF
RDF_FORMATS = ("ttl", "trig")  # the RDF of the findings: only the reference engine infers it


class Engine(Protocol):
    name: str

    def decide(self, records: list[ExportRecord]) -> list[Determination]: ...


class ReferenceEngine:
    """OWL 2 RL classification and the SHACL-AF rules per export (decide/reference.py)."""

    name = "reference"

    def __init__(self, kg=None) -> None:
        self.kg = kg

    def run(self, records: list[ExportRecord]):
        """Determinations with the asserted and inferred triples and the SHACL report (reference.ReferenceRun)."""
        from . import reference

        return reference.run(records, self.kg)

    def decide(self, records: list[ExportRecord]) -> list[Determination]:
        return self.run(records).determinations


class FastEngine:
    """The same rules once per distinct situation, looked up per row (decide/fast.py)."""

    name = "fast"

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes

    def decide(self, records: list[ExportRecord]) -> list[Determination]:
        from . import fast

        table = fast.load_decisions()
        decided = fast.determinations(records, table)
        fast.store_decisions(table)
        return decided

    def stream(self, path: Path, vocab, default_date: dt.date, sink: Callable, quiet: bool = False,
               explain: set[str] | None = None):
        """Decide a CSV order book batch by batch (decide/stream.py); each batch goes to `sink`."""
        from .stream import check_csv_stream

        return check_csv_stream(path, vocab, default_date, sink, quiet, explain, self.processes)


def count_rows(path: Path, limit: int) -> int:
    """Data rows in a CSV, counting no further than `limit` (a cheap choice of engine: no Polars import
    for a small file)."""
    from itertools import islice

    with path.open("rb") as handle:
        return max(sum(1 for _ in islice(handle, limit + 2)) - 1, 0)


def choose(exports: int, fmt: str | None = None, own_kg: bool = False) -> str:
    """The engine `auto` means for this many exports, this output format, and whose knowledge graph."""
    if own_kg or fmt in RDF_FORMATS:
        return "reference"  # the fast engine's tables are compiled from the project's graph; RDF is the reference's
    return "fast" if exports > AUTO_FAST_ABOVE else "reference"


def engine(name: str, *, kg=None, processes: int = 1) -> ReferenceEngine | FastEngine:
    if name == "reference":
        return ReferenceEngine(kg)
    if name == "fast":
        if kg is not None:
            raise ValueError("the fast engine decides with the project's knowledge graph; use engine='reference' "
                             "for a graph of your own")
        return FastEngine(processes)
    raise ValueError(f"unknown engine '{name}'; choose from {', '.join(ENGINES)}")
