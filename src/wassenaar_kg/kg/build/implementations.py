"""Generate ontology/implementations.ttl: jurisdictions, instruments, implementation records, features.

Dates that no source gives stay absent (never guessed); a month- or year-only date is recorded with its
precision. Every record and instrument cites its sources and carries a confidence. EU member states'
records are derived from the EU's where the tables have none of their own (union_law).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ..namespaces import COUNTRY, FACT, JUR, LAW, WA, WAKG, bind_prefixes
from ..csv_tables import Row, read_table
from .facts import SourceRegistry, check_unique
from .impl_record import Record, cited, dated, from_row
from .union_law import current_members, with_union_law

STATUSES = {"implemented": WAKG.Implemented, "not-implemented": WAKG.NotImplemented, "unknown": WAKG.StatusUnknown}
CARVE_OUTS = {"yes": WAKG.CarveOutsAdopted, "no": WAKG.CarveOutsNotAdopted, "unknown": WAKG.CarveOutsUnknown}
PRECISIONS = {"exact": WAKG.ExactDate, "month": WAKG.MonthPrecision, "year": WAKG.YearPrecision,
              "not-later-than": WAKG.NotLaterThan}
FEATURE_KINDS = {
    "license-exception": WAKG.LicenseExceptionFeature,
    "general-authorisation": WAKG.GeneralAuthorisationFeature,
    "catch-all": WAKG.CatchAllFeature,
    "national-control": WAKG.NationalControlFeature,
    "licensing-policy": WAKG.LicensingPolicyFeature,
    "exclusion": WAKG.ExclusionFeature,
}
BEYOND_WASSENAAR = {"catch-all", "national-control"}
UNIONS = {"EU": "European Union"}


def jurisdiction_iri(code: str) -> URIRef:
    return JUR[code]


def _cite(graph: Graph, node: URIRef, sources: tuple[URIRef, ...], confidence: Decimal, note: str) -> None:
    for source in sources:
        graph.add((node, DCTERMS.source, source))
    graph.add((node, WAKG.confidence, Literal(confidence, datatype=XSD.decimal)))
    if note:
        graph.add((node, SKOS.editorialNote, Literal(note, lang="en")))


def _cite_row(graph: Graph, node: URIRef, row: Row, sources: SourceRegistry) -> None:
    _cite(graph, node, cited(row, sources), Decimal(str(row.confidence())), row.values.get("note", ""))


def _dated(graph: Graph, node: URIRef, day, precision: str | None) -> None:
    if day is not None:
        graph.add((node, WAKG.validFrom, Literal(day, datatype=XSD.date)))
        graph.add((node, WAKG.startPrecision, PRECISIONS[precision]))


def _jurisdiction(graph: Graph, code: str, row: Row, field: str) -> URIRef:
    node = jurisdiction_iri(code)
    if code in UNIONS:
        graph.add((node, RDF.type, WAKG.SupranationalUnion))
        graph.add((node, RDFS.label, Literal(UNIONS[code], lang="en")))
        return node
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise row.error(field, f"unknown jurisdiction '{code}' (an ISO 3166-1 code or EU)")
    graph.add((node, RDF.type, WAKG.Jurisdiction))
    graph.add((node, RDFS.label, Literal(getattr(country, "common_name", country.name), lang="en")))
    graph.add((node, WAKG.jurisdictionOf, COUNTRY[code]))
    return node


def _instruments(graph: Graph, tables: Path, sources: SourceRegistry) -> set[str]:
    """Add the instruments; return their ids."""
    rows = read_table(tables / "impl-instruments.csv", (
        "id", "jurisdiction", "title", "number", "url", "adopted", "in_force", "in_force_precision",
        "sources", "confidence", "note"))
    check_unique(rows, ("id",))
    for row in rows:
        node = LAW[row["id"]]
        graph.add((node, RDF.type, WAKG.LegalInstrument))
        graph.add((node, RDFS.label, Literal(row["title"], lang="en")))
        graph.add((node, WAKG.instrumentOf, _jurisdiction(graph, row["jurisdiction"], row, "jurisdiction")))
        if row["number"]:
            graph.add((node, WAKG.instrumentNumber, Literal(row["number"])))
            graph.add((node, WAKG.citation, Literal(row["number"])))
        if row["url"]:
            graph.add((node, WAKG.url, URIRef(row["url"])))
        adopted = row.date("adopted", required=False)
        if adopted:
            graph.add((node, WAKG.adoptedOn, Literal(adopted, datatype=XSD.date)))
        _dated(graph, node, *dated(row, "in_force", "in_force_precision"))
        _cite_row(graph, node, row, sources)
    return {row["id"] for row in rows}


def _record(graph: Graph, record: Record) -> None:
    node = FACT[f"impl-{record.code}-{record.entry}"]
    label = f"{record.code} implementation of {record.entry}" + (" (derived from EU law)" if record.derived else "")
    graph.add((node, RDF.type, WAKG.Implementation))
    graph.add((node, RDFS.label, Literal(label, lang="en")))
    graph.add((node, WAKG.implementingJurisdiction, _jurisdiction(graph, record.code, record.row, "jurisdiction")))
    graph.add((node, WAKG.implementedEntry, WA[record.entry]))
    graph.add((node, WAKG.implementationStatus, STATUSES[record.status]))
    if record.national_number:
        graph.add((node, WAKG.nationalNumber, Literal(record.national_number)))
    if record.instrument:
        graph.add((node, WAKG.implementingInstrument, LAW[record.instrument]))
    if record.applies_via:
        graph.add((node, WAKG.appliesVia, jurisdiction_iri(record.applies_via)))
    if record.derived:
        graph.add((node, WAKG.derivedFrom, FACT[f"impl-{record.applies_via}-{record.entry}"]))
    _dated(graph, node, record.in_force, record.precision)
    graph.add((node, WAKG.carveOuts2017, CARVE_OUTS[record.carve_outs]))
    _cite(graph, node, record.sources, record.confidence, record.note)


def _features(graph: Graph, tables: Path, sources: SourceRegistry) -> None:
    rows = read_table(tables / "impl-features.csv", (
        "jurisdiction", "feature", "kind", "description", "valid_from", "valid_from_precision", "sources",
        "confidence", "note"))
    check_unique(rows, ("jurisdiction", "feature"))
    for row in rows:
        code = row["jurisdiction"]
        slug = "".join(c if c.isalnum() else "-" for c in row["feature"].lower()).strip("-")
        node = FACT[f"feature-{code}-{slug}"]
        kind = row.choice("kind", tuple(FEATURE_KINDS))
        graph.add((node, RDF.type, WAKG.ControlBeyondWassenaar if kind in BEYOND_WASSENAAR else WAKG.NationalFeature))
        graph.add((node, RDFS.label, Literal(row["feature"], lang="en")))
        graph.add((node, SKOS.definition, Literal(row["description"], lang="en")))
        graph.add((node, WAKG.featureOf, _jurisdiction(graph, code, row, "jurisdiction")))
        graph.add((node, WAKG.featureKind, FEATURE_KINDS[kind]))
        _dated(graph, node, *dated(row, "valid_from", "valid_from_precision"))
        _cite_row(graph, node, row, sources)


def build_implementations(tables: Path, sources: SourceRegistry) -> Graph:
    graph = bind_prefixes(Graph())
    instruments = _instruments(graph, tables, sources)
    rows = read_table(tables / "impl-entries.csv", (
        "jurisdiction", "entry", "status", "national_number", "instrument", "in_force", "in_force_precision",
        "carve_outs_2017", "sources", "confidence", "note"))
    check_unique(rows, ("jurisdiction", "entry"))
    records = [from_row(row, sources, instruments) for row in rows]
    for record in with_union_law(records, current_members(tables, sources)):
        _record(graph, record)
    _features(graph, tables, sources)
    return graph
