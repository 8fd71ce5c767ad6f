"""Python API: `check()` decides export transactions and returns plain result objects.

    >>> from wassenaar_kg import check
    >>> result = check([{"id": "x1", "eccn": "4D004", "destination": "CN", "end_user": "bank_or_financial"}])
    >>> result.determinations[0].verdict
    'license_exception'
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from . import __version__
from .decide.determination import Determination
from .decide.engines import AUTO_FAST_ABOVE, ENGINES, choose  # noqa: F401  (AUTO_FAST_ABOVE: part of the API)
from .decide.records import ExportRecord, check_values, read_exports
from .decide.vocabulary import (screening_entries, screening_list_path, screening_ntriples,  # noqa: F401
                                use_screening_list, vocabulary)
from .kg.files import ontology_files, shapes_dir
from .kg.namespaces import BASE
from .kg.reference import _version_iri, ontology_version_iri, reference_graph, reference_ntriples  # noqa: F401

ASSERTED_GRAPH = URIRef(BASE + "graph/asserted")
INFERRED_GRAPH = URIRef(BASE + "graph/inferred")


@dataclass
class CheckResult:
    """Determinations, and the asserted and inferred triples as rdflib graphs.

    The triples are held in Oxigraph stores and become rdflib graphs only when first asked for (RDF
    output, `wakg export`): rdflib's own store takes about 2 KB per triple, and the reference engine
    infers some 70 triples per export."""

    determinations: list[Determination]
    engine: str
    shacl_report: str
    conforms: bool
    asserted_triples: ox.Store = field(default_factory=ox.Store, repr=False)
    inferred_triples: ox.Store = field(default_factory=ox.Store, repr=False)
    provenance: Graph = field(default_factory=Graph, repr=False)

    @cached_property
    def asserted(self) -> Graph:
        from .kg.oxigraph import graph_from

        return graph_from(self.asserted_triples)

    @cached_property
    def inferred(self) -> Graph:
        from .kg.oxigraph import graph_from

        graph = graph_from(self.inferred_triples)
        for triple in self.provenance:
            graph.add(triple)
        return graph

    @property
    def needing_license(self) -> list[Determination]:
        return [d for d in self.determinations if d.needs_license]

    @property
    def exit_code(self) -> int:
        """0 when no export needs a license it lacks, 1 otherwise (the CLI's exit code)."""
        return 1 if self.needing_license else 0


def _records(source, as_of: dt.date) -> list[ExportRecord]:
    if isinstance(source, (str, Path)):
        return read_exports(Path(source), vocabulary(), as_of)
    records = []
    for index, item in enumerate(source, start=1):
        if isinstance(item, ExportRecord):
            records.append(item)
        elif isinstance(item, Mapping):
            values = {k: (str(v).lower() if isinstance(v, bool) else "" if v is None else str(v)) for k, v in item.items()}
            records.append(check_values(values, vocabulary(), "<records>", index, as_of))
        else:
            raise TypeError(f"cannot check {type(item).__name__}; give a path, dicts or ExportRecords")
    return records


def run_timestamp(source=None) -> dt.datetime:
    """The time recorded in PROV metadata, chosen so the same input gives the same output.

    SOURCE_DATE_EPOCH (the reproducible-builds convention) when set; otherwise the modification time of
    the newest input: the ontology modules, the shapes, and the exports file when one is given.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    inputs = list(ontology_files()) + sorted(shapes_dir().glob("*.ttl"))
    if isinstance(source, (str, Path)) and Path(source).exists():
        inputs.append(Path(source))
    newest = max(p.stat().st_mtime for p in inputs)
    return dt.datetime.fromtimestamp(int(newest), tz=dt.timezone.utc)


def _package_versions() -> str:
    parts = []
    for name in ("rdflib", "pyshacl", "owlrl", "pyoxigraph"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)


def add_provenance(inferred: Graph, engine: str, started: dt.datetime, kg: Graph | None = None) -> None:
    """Describe the inferred graph with PROV-O: what produced it, from which ontology version, when."""
    activity = URIRef(f"{BASE}activity/check-{started.strftime('%Y%m%dT%H%M%SZ')}")
    agent = URIRef(f"{BASE}agent/wassenaar-kg-{__version__}-{engine}")
    version_iri = ontology_version_iri() if kg is None else _version_iri(kg)
    inferred.add((INFERRED_GRAPH, RDF.type, PROV.Entity))
    inferred.add((INFERRED_GRAPH, PROV.wasGeneratedBy, activity))
    inferred.add((INFERRED_GRAPH, PROV.wasDerivedFrom, ASSERTED_GRAPH))
    inferred.add((activity, RDF.type, PROV.Activity))
    inferred.add((activity, RDFS.label, Literal(f"wakg check ({engine} engine)")))
    inferred.add((activity, PROV.used, ASSERTED_GRAPH))
    inferred.add((activity, PROV.used, URIRef(version_iri)))
    inferred.add((activity, PROV.used, URIRef(BASE + "shapes/license-rules")))
    inferred.add((activity, PROV.wasAssociatedWith, agent))
    inferred.add((activity, PROV.startedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
    inferred.add((agent, RDF.type, PROV.SoftwareAgent))
    inferred.add((agent, RDFS.label, Literal(f"wassenaar-kg {__version__}, {engine} engine ({_package_versions()})")))


def check(source: str | Path | Iterable[Mapping | ExportRecord], *, as_of: dt.date | None = None,
          engine: str = "auto", kg: Graph | None = None, screening_list: str | Path | None = None) -> CheckResult:
    """Decide every export in `source` (a CSV/Turtle/JSON-LD path, dicts, or ExportRecords).

    Each export is decided under the law of its own date; `as_of` (default today) is the date of exports
    that give none. `engine="fast"` gives the same verdicts, exceptions and deciding provisions without
    explanations or RDF output (see decide/fast.py); `"reference"` gives both; `"auto"` takes the reference
    engine up to AUTO_FAST_ABOVE exports and the fast one above (always the reference engine for a `kg`
    of your own: the fast engine's tables are compiled from the project's knowledge graph).
    `screening_list` is an official Consolidated Screening List file (CSV or JSON) whose Entity List rows
    are screened against besides the bundled entries (None: the bundled entries only).
    """
    if (str(screening_list) if screening_list else None) != screening_list_path():
        use_screening_list(screening_list)
    screening_entries()  # read the list now: a bad file fails before any work
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}'; choose from {', '.join(ENGINES)}")
    started = run_timestamp(source)
    records = _records(source, as_of or dt.date.today())
    if engine == "auto":
        engine = choose(len(records)) if kg is None else "reference"
    if engine == "fast":
        from .decide import fast

        table = fast.load_decisions()
        decided = fast.determinations(records, table)
        fast.store_decisions(table)
        lacking = [d.id for d in decided if d.needs_license]
        report = "".join(f"Export {i}: verdict license_required and no license is recorded.\n" for i in lacking)
        return CheckResult(decided, "fast", report, not lacking)
    from .decide import reference

    run = reference.run(records, kg)
    result = CheckResult(run.determinations, engine, run.report_text, run.report_conforms, run.asserted, run.inferred)
    add_provenance(result.provenance, engine, started, kg)
    return result
