"""Compare national implementations of the Wassenaar cyber entries: matrix, lags, similarity, clusters.

Every cell is read from an implementation record of the knowledge graph and keeps that record's sources
and confidence; a cell with no record says so. The similarity of two jurisdictions is the Jaccard index
of their traits (entries in force, 2017 notes adopted, kinds of national features); clusters are
modularity communities of the similarity graph (networkx).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

import networkx as nx
from networkx.algorithms.community import greedy_modularity_communities
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..kg import temporal
from ..errors import InputError
from ..kg.namespaces import JUR, WA, WAKG

DEFAULT_ENTRIES = ("4.A.5", "4.D.1.a", "4.D.4", "4.E.1.a", "4.E.1.c", "5.A.1.j", "5.B.1.a", "5.D.1.a", "5.D.1.c", "5.E.1.a")
JURISDICTION_ALIASES = {"UK": "GB"}


@dataclass(frozen=True)
class Cell:
    jurisdiction: str
    entry: str
    status: str  # implemented | not yet in force | not implemented | unknown | no record
    since: dt.date | None = None
    precision: str | None = None
    national_number: str | None = None
    instrument: str | None = None
    instrument_url: str | None = None
    carve_outs_2017: str | None = None
    lag_days: int | None = None
    sources: tuple[str, ...] = ()
    confidence: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Feature:
    jurisdiction: str
    name: str
    kind: str
    description: str
    since: dt.date | None
    beyond_wassenaar: bool
    sources: tuple[str, ...]
    confidence: float | None


@dataclass
class Comparison:
    as_of: dt.date
    jurisdictions: list[str]
    labels: dict[str, str]
    participants: dict[str, bool | None]
    entries: list[str]
    plenary: dict[str, dt.date | None]
    cells: dict[tuple[str, str], Cell]
    features: dict[str, list[Feature]]
    graph: nx.Graph = field(repr=False, default_factory=nx.Graph)
    similarity: dict[tuple[str, str], float] = field(default_factory=dict)
    clusters: list[list[str]] = field(default_factory=list)


def _num(graph: Graph, node, prop) -> float | None:
    value = graph.value(node, prop)
    return float(Decimal(str(value))) if value is not None else None


def _date(graph: Graph, node, prop) -> dt.date | None:
    value = graph.value(node, prop)
    return value.toPython() if value is not None else None


def _code(node: URIRef) -> str:
    return str(node)[len(str(JUR)):]


def _sources(graph: Graph, node) -> tuple[str, ...]:
    return tuple(sorted(str(s) for s in graph.objects(node, DCTERMS.source)))


def available_jurisdictions(graph: Graph) -> list[str]:
    return sorted({_code(j) for j in graph.objects(None, WAKG.implementingJurisdiction)})


def _resolve(graph: Graph, requested: list[str] | None, entries: list[str] | None) -> tuple[list[str], list[str]]:
    known = available_jurisdictions(graph)
    chosen = []
    for raw in requested or known:
        code = JURISDICTION_ALIASES.get(raw.upper(), raw.upper())
        if code not in known:
            raise InputError("jurisdiction", f"no implementation data for '{raw}'; known: {', '.join(known)}")
        chosen.append(code)
    wanted = list(entries or DEFAULT_ENTRIES)
    for entry in wanted:
        if (WA[entry], RDF.type, WAKG.WassenaarControlEntry) not in graph:
            raise InputError("--entries", f"'{entry}' is not a Wassenaar entry of the knowledge graph")
    return list(dict.fromkeys(chosen)), wanted


def compare(graph: Graph, jurisdictions: list[str] | None = None, entries: list[str] | None = None,
            as_of: dt.date | None = None) -> Comparison:
    as_of = as_of or dt.date.today()
    codes, wanted = _resolve(graph, jurisdictions, entries)
    participants_now = temporal.participating_states(graph, as_of)
    labels = {c: str(graph.value(JUR[c], RDFS.label) or c) for c in codes}
    participants = {c: (None if c == "EU" else c in participants_now) for c in codes}
    plenary = {e: _date(graph, WA[e], WAKG.validFrom) for e in wanted}

    records = {}
    for record in graph.subjects(RDF.type, WAKG.Implementation):
        code = _code(graph.value(record, WAKG.implementingJurisdiction))
        entry = str(graph.value(graph.value(record, WAKG.implementedEntry), SKOS.notation))
        records[(code, entry)] = record

    cells = {}
    for code in codes:
        for entry in wanted:
            record = records.get((code, entry))
            if record is None:
                cells[(code, entry)] = Cell(code, entry, "no record", note="no implementation record in the knowledge graph")
                continue
            status = str(graph.value(graph.value(record, WAKG.implementationStatus), RDFS.label))
            since = _date(graph, record, WAKG.validFrom)
            if status == "implemented" and since and since > as_of:
                status = "not yet in force"
            precision = graph.value(record, WAKG.startPrecision)
            instrument = graph.value(record, WAKG.implementingInstrument)
            lag = (since - plenary[entry]).days if since and plenary.get(entry) else None
            cells[(code, entry)] = Cell(
                code, entry, status, since,
                str(graph.value(precision, RDFS.label)) if precision is not None else None,
                str(graph.value(record, WAKG.nationalNumber) or "") or None,
                str(graph.value(instrument, WAKG.instrumentNumber) or graph.value(instrument, RDFS.label)) if instrument else None,
                str(graph.value(instrument, WAKG.url)) if instrument is not None and graph.value(instrument, WAKG.url) else None,
                str(graph.value(graph.value(record, WAKG.carveOuts2017), RDFS.label) or "unknown"),
                lag, _sources(graph, record), _num(graph, record, WAKG.confidence),
                str(graph.value(record, SKOS.editorialNote) or "") or None,
            )

    features: dict[str, list[Feature]] = {c: [] for c in codes}
    for node in set(graph.subjects(WAKG.featureOf, None)):
        code = _code(graph.value(node, WAKG.featureOf))
        if code not in features:
            continue
        kind = graph.value(node, WAKG.featureKind)
        features[code].append(Feature(
            code, str(graph.value(node, RDFS.label)), str(graph.value(kind, RDFS.label)),
            str(graph.value(node, SKOS.definition) or ""), _date(graph, node, WAKG.validFrom),
            (node, RDF.type, WAKG.ControlBeyondWassenaar) in graph, _sources(graph, node), _num(graph, node, WAKG.confidence),
        ))
    for items in features.values():
        items.sort(key=lambda f: (f.since or dt.date.max, f.name))

    comparison = Comparison(as_of, codes, labels, participants, wanted, plenary, cells, features)
    comparison.graph = implementation_graph(comparison)
    comparison.similarity = similarity(comparison)
    comparison.clusters = clusters(comparison)
    return comparison


def traits(comparison: Comparison, code: str) -> set[str]:
    """What a jurisdiction has: entries in force, 2017 notes adopted, kinds of national features."""
    found = set()
    for entry in comparison.entries:
        cell = comparison.cells[(code, entry)]
        if cell.status == "implemented":
            found.add(f"entry:{entry}")
        if cell.carve_outs_2017 == "adopted":
            found.add(f"notes-2017:{entry}")
    found |= {f"feature:{f.kind}" for f in comparison.features[code]}
    return found


def similarity(comparison: Comparison) -> dict[tuple[str, str], float]:
    scores = {}
    for a, b in combinations(comparison.jurisdictions, 2):
        ta, tb = traits(comparison, a), traits(comparison, b)
        union = ta | tb
        scores[(a, b)] = round(len(ta & tb) / len(union), 3) if union else 0.0
    return scores


def clusters(comparison: Comparison) -> list[list[str]]:
    graph = nx.Graph()
    graph.add_nodes_from(comparison.jurisdictions)
    for (a, b), score in comparison.similarity.items():
        if score > 0:
            graph.add_edge(a, b, weight=score)
    if graph.number_of_edges() == 0:
        return [[c] for c in comparison.jurisdictions]
    groups = greedy_modularity_communities(graph, weight="weight")
    return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g))


def implementation_graph(comparison: Comparison) -> nx.Graph:
    """Jurisdictions, entries and instruments: who implements what, through which instrument."""
    graph = nx.Graph()
    for code in comparison.jurisdictions:
        graph.add_node(f"jur:{code}", kind="jurisdiction", label=code)
    for entry in comparison.entries:
        graph.add_node(f"wa:{entry}", kind="entry", label=entry)
    for (code, entry), cell in comparison.cells.items():
        if cell.status == "implemented":
            graph.add_edge(f"jur:{code}", f"wa:{entry}", relation="implements")
            if cell.instrument:
                node = f"instrument:{cell.instrument}"
                graph.add_node(node, kind="instrument", label=cell.instrument)
                graph.add_edge(f"jur:{code}", node, relation="enacts")
                graph.add_edge(node, f"wa:{entry}", relation="lists")
    return graph
