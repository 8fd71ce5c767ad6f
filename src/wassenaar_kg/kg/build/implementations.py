"""Generate ontology/implementations.ttl: jurisdictions, instruments, implementation records, features.

Dates that no source gives stay absent (never guessed); a month- or year-only date is recorded with its
precision. Every record and instrument cites its sources and carries a confidence.
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

ENTRIES = ("4.A.5", "4.D.1.a", "4.D.4", "4.E.1.a", "4.E.1.c", "5.A.1.j", "5.B.1.a", "5.D.1.a", "5.D.1.c", "5.E.1.a")
STATUSES = {"implemented": WAKG.Implemented, "not-implemented": WAKG.NotImplemented, "unknown": WAKG.StatusUnknown}
CARVE_OUTS = {"yes": WAKG.CarveOutsAdopted, "no": WAKG.CarveOutsNotAdopted, "unknown": WAKG.CarveOutsUnknown}
PRECISIONS = {"exact": WAKG.ExactDate, "month": WAKG.MonthPrecision, "year": WAKG.YearPrecision, "unknown": None}
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


def _cite(graph: Graph, node: URIRef, row: Row, sources: SourceRegistry) -> None:
    cited = row.split("sources")
    if not cited:
        raise row.error("sources", "every row needs at least one source id")
    for source_id in cited:
        graph.add((node, DCTERMS.source, sources.iri(source_id, row)))
    graph.add((node, WAKG.confidence, Literal(Decimal(str(row.confidence())), datatype=XSD.decimal)))
    if row.values.get("note"):
        graph.add((node, SKOS.editorialNote, Literal(row["note"], lang="en")))


def _dated(graph: Graph, node: URIRef, row: Row, date_field: str, precision_field: str) -> None:
    day = row.date(date_field, required=False)
    precision = row.choice(precision_field, tuple(PRECISIONS))
    if day is None:
        if precision != "unknown":
            raise row.error(precision_field, "a precision other than 'unknown' needs a date")
        return
    if precision == "unknown":
        raise row.error(precision_field, "a date needs its precision (exact, month or year)")
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


def build_implementations(tables: Path, sources: SourceRegistry) -> Graph:
    graph = bind_prefixes(Graph())

    instruments = read_table(tables / "impl-instruments.csv", (
        "id", "jurisdiction", "title", "number", "url", "adopted", "in_force", "in_force_precision",
        "sources", "confidence", "note"))
    check_unique(instruments, ("id",))
    known_instruments = set()
    for row in instruments:
        node = LAW[row["id"]]
        known_instruments.add(row["id"])
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
        _dated(graph, node, row, "in_force", "in_force_precision")
        _cite(graph, node, row, sources)

    entries = read_table(tables / "impl-entries.csv", (
        "jurisdiction", "entry", "status", "national_number", "instrument", "in_force", "in_force_precision",
        "carve_outs_2017", "sources", "confidence", "note"))
    check_unique(entries, ("jurisdiction", "entry"))
    for row in entries:
        entry = row.choice("entry", ENTRIES)
        code = row["jurisdiction"]
        node = FACT[f"impl-{code}-{entry}"]
        graph.add((node, RDF.type, WAKG.Implementation))
        graph.add((node, RDFS.label, Literal(f"{code} implementation of {entry}", lang="en")))
        graph.add((node, WAKG.implementingJurisdiction, _jurisdiction(graph, code, row, "jurisdiction")))
        graph.add((node, WAKG.implementedEntry, WA[entry]))
        status = row.choice("status", tuple(STATUSES))
        graph.add((node, WAKG.implementationStatus, STATUSES[status]))
        if row["national_number"]:
            graph.add((node, WAKG.nationalNumber, Literal(row["national_number"])))
        if row["instrument"]:
            if row["instrument"] not in known_instruments:
                raise row.error("instrument", f"unknown instrument id '{row['instrument']}'")
            graph.add((node, WAKG.implementingInstrument, LAW[row["instrument"]]))
        _dated(graph, node, row, "in_force", "in_force_precision")
        if status != "implemented" and row.date("in_force", required=False):
            raise row.error("in_force", f"an entry with status '{status}' cannot have an entry-into-force date")
        graph.add((node, WAKG.carveOuts2017, CARVE_OUTS[row.choice("carve_outs_2017", tuple(CARVE_OUTS))]))
        _cite(graph, node, row, sources)

    features = read_table(tables / "impl-features.csv", (
        "jurisdiction", "feature", "kind", "description", "valid_from", "valid_from_precision", "sources",
        "confidence", "note"))
    check_unique(features, ("jurisdiction", "feature"))
    for row in features:
        code = row["jurisdiction"]
        slug = "".join(c if c.isalnum() else "-" for c in row["feature"].lower()).strip("-")
        node = FACT[f"feature-{code}-{slug}"]
        kind = row.choice("kind", tuple(FEATURE_KINDS))
        graph.add((node, RDF.type, WAKG.ControlBeyondWassenaar if kind in BEYOND_WASSENAAR else WAKG.NationalFeature))
        graph.add((node, RDFS.label, Literal(row["feature"], lang="en")))
        graph.add((node, SKOS.definition, Literal(row["description"], lang="en")))
        graph.add((node, WAKG.featureOf, _jurisdiction(graph, code, row, "jurisdiction")))
        graph.add((node, WAKG.featureKind, FEATURE_KINDS[kind]))
        _dated(graph, node, row, "valid_from", "valid_from_precision")
        _cite(graph, node, row, sources)
    return graph
