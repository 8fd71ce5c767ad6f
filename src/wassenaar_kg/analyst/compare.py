"""Compare national implementations of the Wassenaar cyber entries: matrix, coverage, lags, similarity, clusters.

Every cell is read from an implementation record of the knowledge graph and keeps that record's sources
and confidence. Every participating state is compared, with or without records: a jurisdiction or entry
without a record is an unknown cell (no sources of its own), never a guessed one. Jurisdictions are
grouped: the EU, its member states (EU law applies), the other participating states, and non-participants
that adopt the lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..errors import InputError
from ..kg import temporal
from ..kg.namespaces import COUNTRY, JUR, WA, WAKG
from . import coverage, similarity as sim

DEFAULT_ENTRIES = ("4.A.5", "4.D.1.a", "4.D.4", "4.E.1.a", "4.E.1.c", "5.A.1.j", "5.B.1.a", "5.D.1.a", "5.D.1.c", "5.E.1.a")
JURISDICTION_ALIASES = {"UK": "GB"}
UNION = "EU"
GROUPS = {
    "union": "European Union",
    "eu-member": "EU member states (EU law applies)",
    "participant": "Other Wassenaar participating states",
    "adopter": "Non-participants with implementation records",
}
NO_RECORD = "no implementation record in the knowledge graph"


@dataclass(frozen=True)
class Cell:
    jurisdiction: str
    entry: str
    status: str  # implemented | not yet in force | not implemented | unknown
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
    recorded: bool = True  # False: no record at all
    via: str | None = None  # the union whose law applies (EU)
    derived: bool = False  # derived from the union's record, not researched separately


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
    groups: dict[str, str] = field(default_factory=dict)  # code -> key of GROUPS
    eu_members: dict[str, bool] = field(default_factory=dict)
    graph: nx.Graph = field(repr=False, default_factory=nx.Graph)
    similarity: dict[tuple[str, str], float] = field(default_factory=dict)
    clusters: list[list[str]] = field(default_factory=list)
    incomparable: list[str] = field(default_factory=list)  # no known cell, no feature: left out of clusters
    coverage: dict = field(default_factory=dict)
    union_features: dict[str, list[Feature]] = field(default_factory=dict)  # the EU's, which apply in its members


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
    """Jurisdictions with at least one implementation record."""
    return sorted({_code(j) for j in graph.objects(None, WAKG.implementingJurisdiction)})


def participants_ever(graph: Graph) -> set[str]:
    return {temporal.code(s) for s in graph.objects(None, WAKG.participant)}


def group_of(code: str, participants: set[str], members: set[str]) -> str:
    if code == UNION:
        return "union"
    if code in members:
        return "eu-member"
    return "participant" if code in participants else "adopter"


def _label(graph: Graph, code: str) -> str:
    return str(graph.value(JUR[code], RDFS.label) or graph.value(COUNTRY[code], RDFS.label) or code)


def default_jurisdictions(graph: Graph, as_of: dt.date) -> list[str]:
    """All of them: the participating states on the date, the EU, and everyone else with records, grouped."""
    participants, members = temporal.participating_states(graph, as_of), temporal.eu_member_states(graph, as_of)
    codes = set(available_jurisdictions(graph)) | participants
    order = list(GROUPS)
    return sorted(codes, key=lambda c: (order.index(group_of(c, participants, members)), _label(graph, c)))


def _resolve(graph: Graph, requested: list[str] | None, entries: list[str] | None,
             as_of: dt.date) -> tuple[list[str], list[str]]:
    if not requested:
        chosen = default_jurisdictions(graph, as_of)
    else:
        known = set(available_jurisdictions(graph)) | participants_ever(graph)
        chosen = []
        for raw in requested:
            code = JURISDICTION_ALIASES.get(raw.upper(), raw.upper())
            if code not in known:
                raise InputError("jurisdiction", f"no implementation data for '{raw}' and not a participating state; "
                                                 f"known: {', '.join(sorted(known))}")
            chosen.append(code)
    wanted = list(entries or DEFAULT_ENTRIES)
    for entry in wanted:
        if (WA[entry], RDF.type, WAKG.WassenaarControlEntry) not in graph:
            raise InputError("--entries", f"'{entry}' is not a Wassenaar entry of the knowledge graph")
    return list(dict.fromkeys(chosen)), wanted


def _records(graph: Graph) -> dict[tuple[str, str], URIRef]:
    records = {}
    for record in graph.subjects(RDF.type, WAKG.Implementation):
        code = _code(graph.value(record, WAKG.implementingJurisdiction))
        entry = str(graph.value(graph.value(record, WAKG.implementedEntry), SKOS.notation))
        records[(code, entry)] = record
    return records


def _instrument(graph: Graph, instrument) -> tuple[str | None, str | None]:
    if instrument is None:
        return None, None
    url = graph.value(instrument, WAKG.url)
    return str(graph.value(instrument, WAKG.instrumentNumber) or graph.value(instrument, RDFS.label)), (str(url) if url else None)


def _cell(graph: Graph, record, code: str, entry: str, plenary: dt.date | None, as_of: dt.date) -> Cell:
    status = str(graph.value(graph.value(record, WAKG.implementationStatus), RDFS.label))
    since = _date(graph, record, WAKG.validFrom)
    if status == "implemented" and since and since > as_of:
        status = "not yet in force"
    precision = graph.value(record, WAKG.startPrecision)
    via = graph.value(record, WAKG.appliesVia)
    instrument, url = _instrument(graph, graph.value(record, WAKG.implementingInstrument))
    return Cell(
        code, entry, status, since,
        str(graph.value(precision, RDFS.label)) if precision is not None else None,
        str(graph.value(record, WAKG.nationalNumber) or "") or None, instrument, url,
        str(graph.value(graph.value(record, WAKG.carveOuts2017), RDFS.label) or "unknown"),
        (since - plenary).days if since and plenary else None,
        _sources(graph, record), _num(graph, record, WAKG.confidence),
        str(graph.value(record, SKOS.editorialNote) or "") or None,
        via=_code(via) if via is not None else None,
        derived=graph.value(record, WAKG.derivedFrom) is not None,
    )


def _features(graph: Graph, codes: list[str]) -> dict[str, list[Feature]]:
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
    return features


def compare(graph: Graph, jurisdictions: list[str] | None = None, entries: list[str] | None = None,
            as_of: dt.date | None = None) -> Comparison:
    as_of = as_of or dt.date.today()
    codes, wanted = _resolve(graph, jurisdictions, entries, as_of)
    participants_now = temporal.participating_states(graph, as_of)
    members_now = temporal.eu_member_states(graph, as_of)
    plenary = {e: _date(graph, WA[e], WAKG.validFrom) for e in wanted}
    records = _records(graph)
    cells = {}
    for code in codes:
        for entry in wanted:
            record = records.get((code, entry))
            cells[(code, entry)] = (_cell(graph, record, code, entry, plenary[entry], as_of) if record is not None
                                    else Cell(code, entry, "unknown", note=NO_RECORD, recorded=False))
    comparison = Comparison(
        as_of, codes, {c: _label(graph, c) for c in codes},
        {c: (None if c == UNION else c in participants_now) for c in codes}, wanted, plenary, cells,
        _features(graph, codes), {c: group_of(c, participants_now, members_now) for c in codes},
        {c: c in members_now for c in codes}, union_features={UNION: _features(graph, [UNION])[UNION]})
    comparison.graph = sim.implementation_graph(comparison)
    comparison.similarity = sim.similarity(comparison)
    comparison.clusters = sim.clusters(comparison)
    comparison.incomparable = [c for c in codes if c not in set(sim.comparable(comparison))]
    comparison.coverage = coverage.summarize(codes, wanted, cells)
    return comparison


def date_text(cell) -> str:
    """An entry-into-force date as precisely as it is known: 2015-04 for a month, 2015 for a year."""
    if cell.since is None:
        return "unknown"
    if cell.precision == "month precision":
        return cell.since.isoformat()[:7]
    if cell.precision == "year precision":
        return cell.since.isoformat()[:4]
    return cell.since.isoformat()


def first_lag(comparison: Comparison, code: str) -> tuple[int, str] | None:
    """The shortest lag of a jurisdiction and its entry, or None when no date is known."""
    lags = [(comparison.cells[(code, e)].lag_days, e) for e in comparison.entries
            if comparison.cells[(code, e)].lag_days is not None]
    return min(lags) if lags else None


def same_as_union(comparison: Comparison, code: str) -> bool:
    """A member state whose every cell is derived from the union's, on the union's dates: its row would
    repeat the union's, so pictures and pages may show it in the union's place."""
    if code == UNION or UNION not in comparison.jurisdictions:
        return False
    pairs = [(comparison.cells[(code, e)], comparison.cells[(UNION, e)]) for e in comparison.entries]
    return all(mine.derived and (mine.status, mine.since) == (union.status, union.since) for mine, union in pairs)


def in_groups(comparison: Comparison) -> list[tuple[str, list[str]]]:
    """The jurisdictions by group, in the order of GROUPS, each group in the comparison's order."""
    return [(key, [c for c in comparison.jurisdictions if comparison.groups[c] == key])
            for key in GROUPS if any(comparison.groups[c] == key for c in comparison.jurisdictions)]
