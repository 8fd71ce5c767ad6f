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
from .decide import engines
from .decide.engines import AUTO_FAST_ABOVE, ENGINES, FastEngine, ReferenceEngine, choose  # noqa: F401  (part of the API)
from .decide.summary import Summary
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

    @cached_property
    def summary(self) -> Summary:
        return Summary.of(self.determinations, self.engine)

    @property
    def exit_code(self) -> int:
        """0 when no export needs a license it lacks, 1 otherwise (the CLI's exit code)."""
        return self.summary.exit_code


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


def _prepare(screening_list) -> None:
    if (str(screening_list) if screening_list else None) != screening_list_path():
        use_screening_list(screening_list)
    screening_entries()  # read the list now: a bad file fails before any work


def is_csv(source) -> bool:
    """A path to a CSV file (the fast engine's stream reads those)."""
    return isinstance(source, (str, Path)) and Path(source).suffix.lower() == ".csv"


def engine_for(source, engine: str = "auto", fmt: str | None = None, kg: Graph | None = None) -> str:
    """The engine a check of `source` uses: `engine` unless "auto", which counts the rows of a CSV file (up
    to AUTO_FAST_ABOVE + 1) and looks at the output format (engines.choose)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}'; choose from {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if isinstance(source, (str, Path)):
        if not is_csv(source) or not Path(source).exists():
            return "reference"
        return choose(engines.count_rows(Path(source), AUTO_FAST_ABOVE), fmt, kg is not None)
    return choose(len(source) if hasattr(source, "__len__") else AUTO_FAST_ABOVE + 1, fmt, kg is not None)


def check(source: str | Path | Iterable[Mapping | ExportRecord], *, as_of: dt.date | None = None,
          engine: str = "auto", kg: Graph | None = None, screening_list: str | Path | None = None,
          counterfactuals: bool = False) -> CheckResult:
    """Decide every export in `source` (a CSV/Turtle/JSON-LD path, dicts, or ExportRecords).

    Each export is decided under the law of its own date; `as_of` (default today) is the date of exports
    that give none. Both engines give the same verdicts, exceptions, deciding provisions and explanations;
    `"reference"` also gives the RDF of the findings (CheckResult.inferred) and the SHACL report; `"fast"`
    decides each distinct situation once (see decide/fast.py); `"auto"` takes the reference engine up to
    AUTO_FAST_ABOVE exports and the fast one above (always the reference engine for a `kg` of your own:
    the fast engine's tables are compiled from the project's knowledge graph). A CSV file checked by the
    fast engine is read batch by batch, as `check_stream` does.
    `screening_list` is an official Consolidated Screening List file (CSV or JSON) whose Entity List rows
    are screened against besides the bundled entries (None: the bundled entries only).
    `counterfactuals`: give every export that needs a license the changes of one input that would authorize
    it (Determination.counterfactuals; decide/counterfactuals.py), decided by the same rules.
    """
    _prepare(screening_list)
    as_of = as_of or dt.date.today()
    chosen = engine_for(source, engine, None, kg)
    finder = None
    if counterfactuals:
        from .decide.counterfactuals import Finder

        finder = Finder(kg)
    try:
        if chosen == "fast" and is_csv(source):
            found: list[Determination] = []
            summary = check_stream(source, lambda batch: found.extend(
                batch.with_counterfactuals(finder) if finder else batch.determinations()),
                as_of=as_of, engine="fast", quiet=True)[0]
            return CheckResult(found, "fast", _report_text(summary), not summary.lacking)
        records = _records(source, as_of)
        if chosen == "fast":
            decided = engines.engine("fast", kg=kg).decide(records)
            decided = finder.attach(decided, records) if finder else decided
            summary = Summary.of(decided, "fast")
            return CheckResult(decided, "fast", _report_text(summary), not summary.lacking)
        started = run_timestamp(source)
        run = ReferenceEngine(kg).run(records)
        decided = finder.attach(run.determinations, records) if finder else run.determinations
        result = CheckResult(decided, chosen, run.report_text, run.report_conforms, run.asserted, run.inferred)
        add_provenance(result.provenance, chosen, started, kg)
        return result
    finally:
        if finder is not None:
            finder.close()


def _report_text(summary: Summary) -> str:
    return "".join(f"Export {i}: verdict license_required and no license is recorded.\n" for i in summary.needing_license)


def check_stream(path: str | Path, sink, *, as_of: dt.date | None = None, engine: str = "fast",
                 screening_list: str | Path | None = None, quiet: bool = True, explain: set[str] | None = None,
                 processes: int = 1) -> tuple[Summary, list[ExportRecord]]:
    """Decide a CSV order book of any size with the fast engine, handing each decided batch (stream.Batch:
    `.csv()`, `.jsonl()`, `.determinations()`) to `sink` as it comes; memory stays flat in the rows.
    Returns the summary and the checked records of the ids in `explain`. `processes` > 1 shares new
    situations among spawned worker processes (decide.fast.workers() gives the CLI's choice); a spawned
    worker re-imports your __main__, so use it only from a script with a main guard."""
    if engine != "fast":
        raise ValueError("check_stream streams with the fast engine; use check() for the reference engine")
    _prepare(screening_list)
    path = Path(path)
    if not is_csv(path):
        from .errors import InputError

        raise InputError(str(path), "the fast engine reads CSV; use the reference engine for Turtle or JSON-LD")
    fast = FastEngine(processes)
    return fast.stream(path, vocabulary(), as_of or dt.date.today(), sink, quiet, explain)


def prebuilt_entries() -> dict[str, tuple]:
    """The derived data `wakg build` ships in the package (kg/cache.py): name -> (builder, kind), kind being
    "nt" (N-Triples, compared as a set of lines), "bytes" or "pickle" (an object, compared by equality
    where it defines it)."""
    from .decide import fast
    from .decide.vocabulary import VOCABULARY, build_vocabulary
    from .kg.reference import REFERENCE_NT, VERSION_IRI, build_reference_ntriples, build_version_iri

    return {REFERENCE_NT: (build_reference_ntriples, "nt"), VERSION_IRI: (build_version_iri, "bytes"),
            VOCABULARY: (build_vocabulary, "pickle"), fast.tables_name(): (fast.build_tables, "pickle")}


def build_prebuilt() -> list[Path]:
    """Build the derived data ahead, into ontology/prebuilt/ (shipped in the package)."""
    import pickle

    from .kg.cache import read_prebuilt, write_prebuilt

    entries = {}
    for name, (build, kind) in prebuilt_entries().items():
        value = build()
        entries[name] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) if kind == "pickle" else value
        shipped = read_prebuilt(name)
        if kind == "nt" and shipped is not None and _same_ntriples(shipped, value):
            entries[name] = shipped  # the same graph: keep the file (blank-node labels differ from run to run)
    return write_prebuilt(entries)


def stale_prebuilt() -> list[str]:
    """Entries built ahead that are missing or differ from what the current ontology, rules and code build."""
    import pickle

    from .kg.cache import read_prebuilt

    stale = []
    for name, (build, kind) in prebuilt_entries().items():
        shipped = read_prebuilt(name)
        if shipped is None:
            stale.append(name)
            continue
        fresh = build()
        if kind == "nt":
            same = _same_ntriples(shipped, fresh)
        elif kind == "bytes":
            same = shipped == fresh
        else:
            try:
                old = pickle.loads(shipped)
            except Exception:
                old = None
            same = old is not None and type(old) is type(fresh) and (
                type(fresh).__eq__ is object.__eq__ or old == fresh)
        if not same:
            stale.append(name)
    return stale


def _same_ntriples(a: bytes, b: bytes) -> bool:
    """Equal graphs: the same ground triples, and isomorphic triples with blank nodes (whose labels differ
    from one serialization to the next)."""
    from rdflib.compare import isomorphic

    def split(data: bytes):
        lines = set(data.splitlines())
        blank = {line for line in lines if b"_:" in line}
        return lines - blank, blank

    (ground_a, blank_a), (ground_b, blank_b) = split(a), split(b)
    if ground_a != ground_b:
        return False
    graphs = [Graph().parse(data=b"\n".join(sorted(x)).decode(), format="nt") for x in (blank_a, blank_b)]
    return isomorphic(*graphs)
