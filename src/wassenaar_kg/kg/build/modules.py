"""Generate the reference-data modules of ontology/ from the tables in ontology/tables/.

Each function returns one rdflib Graph; `build_all` returns them by file name. The generated Turtle is
committed (so the ontology loads without Python) and a test checks it is up to date with the tables.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..namespaces import COL, COUNTRY, DS, FACT, GROUP, WA, WAKG, bind_prefixes
from ..csv_tables import PRECISIONS, read_table
from .implementations import build_implementations
from .facts import FACT_COLUMNS, SourceRegistry, add_dated_fact, check_unique, require_known

# Coverage of the EAR tables: from the interim final rule's publication (86 FR 58205, 21 Oct 2021)
# to the eCFR snapshot the tables were checked against.
EAR_COVERAGE = (dt.date(2021, 10, 21), dt.date(2026, 7, 23))
GROUPS = ("A:1", "A:2", "A:3", "A:4", "A:5", "A:6", "B", "D:1", "D:2", "D:3", "D:4", "D:5", "E:1", "E:2")
COLUMNS = (
    "CB1", "CB2", "CB3", "NP1", "NP2", "NS1", "NS2", "MT1",
    "RS1", "RS2", "FC1", "CC1", "CC2", "CC3", "AT1", "AT2",
)  # fmt: skip
XK_NAME = "Kosovo"


def group_iri(label: str) -> URIRef:
    """'D:5' -> group:D5."""
    return GROUP[label.replace(":", "")]


def iso_codes() -> dict[str, object]:
    """Every ISO 3166-1 alpha-2 code known to pycountry."""
    return {c.alpha_2: c for c in pycountry.countries}


def known_destinations() -> set[str]:
    return set(iso_codes()) | {"XK"}


def _dataset(graph: Graph, name: str, label: str, coverage: tuple[dt.date, dt.date] | None) -> URIRef:
    node = DS[name]
    graph.add((node, RDF.type, WAKG.DataSet))
    graph.add((node, RDFS.label, Literal(label, lang="en")))
    if coverage:
        graph.add((node, WAKG.coverageFrom, Literal(coverage[0], datatype=XSD.date)))
        graph.add((node, WAKG.coverageThrough, Literal(coverage[1], datatype=XSD.date)))
    return node


def source_tables(tables: Path) -> tuple[Path, ...]:
    """The general source register and the implementation research's register."""
    return (tables / "sources.csv", tables / "impl-sources.csv")


def build_sources(tables: Path) -> Graph:
    graph = bind_prefixes(Graph())
    SourceRegistry(*source_tables(tables)).describe(graph)
    return graph


def build_destinations(tables: Path, sources: SourceRegistry) -> Graph:
    """Every ISO 3166-1 entry (from pycountry) plus Kosovo (XK), with EAR spellings and treatments."""
    graph = bind_prefixes(Graph())
    pycountry_source = URIRef(sources.by_id["pycountry"]["url"])
    for code, country in sorted(iso_codes().items()):
        node = COUNTRY[code]
        graph.add((node, RDF.type, WAKG.Destination))
        graph.add((node, RDFS.label, Literal(getattr(country, "common_name", country.name), lang="en")))
        graph.add((node, WAKG.isoAlpha2, Literal(code)))
        graph.add((node, WAKG.isoAlpha3, Literal(country.alpha_3)))
        graph.add((node, WAKG.isoNumeric, Literal(country.numeric)))
        graph.add((node, DCTERMS.source, pycountry_source))
    kosovo = COUNTRY["XK"]
    graph.add((kosovo, RDF.type, WAKG.Destination))
    graph.add((kosovo, RDFS.label, Literal(XK_NAME, lang="en")))
    graph.add((kosovo, WAKG.isoAlpha2, Literal("XK")))
    graph.add((kosovo, RDFS.comment, Literal("XK is a user-assigned code, not an ISO 3166-1 assignment.", lang="en")))

    known = known_destinations()
    names = read_table(tables / "ear-destinations.csv", ("ear_name", "iso_alpha2", "note"))
    check_unique(names, ("ear_name",))
    ear_source = URIRef(sources.by_id["ecfr-2026-07-23-part740"]["url"])
    for row in names:
        code = require_known(row, "iso_alpha2", row["iso_alpha2"], known, "destination code")
        graph.add((COUNTRY[code], WAKG.earName, Literal(row["ear_name"])))
    graph.add((kosovo, DCTERMS.source, ear_source))

    dataset = _dataset(graph, "ear-destination-treatments", "EAR destination treatments", None)
    rows = read_table(tables / "ear-destination-treatments.csv", ("destination", "treated_as") + FACT_COLUMNS)
    for row in rows:
        src = require_known(row, "destination", row["destination"], known, "destination code")
        dst = require_known(row, "treated_as", row["treated_as"], known, "destination code")
        node = FACT[f"treatment-{src}-as-{dst}-{row['valid_from']}"]
        add_dated_fact(graph, node, WAKG.DestinationTreatment, row, sources, dataset)
        graph.add((node, WAKG.treatedDestination, COUNTRY[src]))
        graph.add((node, WAKG.treatedAs, COUNTRY[dst]))
    return graph


def _dated_table(graph: Graph, sources: SourceRegistry, dataset: URIRef, path: Path, columns: tuple[str, ...],
                 unique: tuple[str, ...], fact_class: URIRef, describe) -> None:
    """Read one dated table; `describe(row)` names the fact node and its own triples (predicate, object)."""
    rows = read_table(path, columns + FACT_COLUMNS)
    check_unique(rows, unique)
    for row in rows:
        node, triples = describe(row)
        add_dated_fact(graph, node, fact_class, row, sources, dataset)
        for predicate, obj in triples:
            graph.add((node, predicate, obj))


def build_wassenaar_participation(tables: Path, sources: SourceRegistry) -> Graph:
    graph = bind_prefixes(Graph())
    dataset = _dataset(graph, "wassenaar-participation", "Wassenaar Arrangement participating states", None)
    known = known_destinations()

    def describe(row):
        code = require_known(row, "country", row["country"], known, "destination code")
        graph.add((COUNTRY[code], RDF.type, WAKG.SovereignState))
        return FACT[f"wa-participation-{code}-{row['valid_from']}"], [
            (WAKG.participant, COUNTRY[code]), (WAKG.regime, WA.WassenaarArrangement)]

    _dated_table(graph, sources, dataset, tables / "wassenaar-participation.csv", ("country",), ("country", "valid_from"),
                 WAKG.ParticipationInRegime, describe)
    return graph


def build_eu_membership(tables: Path, sources: SourceRegistry) -> Graph:
    graph = bind_prefixes(Graph())
    dataset = _dataset(graph, "eu-membership", "Member states of the European Union", None)
    known = known_destinations()
    eu = URIRef("https://w3id.org/wassenaar-kg/id/jurisdiction/EU")

    def describe(row):
        code = require_known(row, "country", row["country"], known, "destination code")
        graph.add((COUNTRY[code], RDF.type, WAKG.SovereignState))
        return FACT[f"eu-membership-{code}-{row['valid_from']}"], [(WAKG.memberState, COUNTRY[code]), (WAKG.union, eu)]

    _dated_table(graph, sources, dataset, tables / "eu-membership.csv", ("country",), ("country", "valid_from"),
                 WAKG.UnionMembership, describe)
    return graph


def build_country_groups(tables: Path, sources: SourceRegistry) -> Graph:
    graph = bind_prefixes(Graph())
    dataset = _dataset(graph, "ear-country-groups", "EAR Country Groups (15 CFR part 740, Supp. No. 1)", EAR_COVERAGE)
    known = known_destinations()

    def describe(row):
        group = row.choice("group", GROUPS)
        code = require_known(row, "country", row["country"], known, "destination code")
        return FACT[f"cg-{group.replace(':', '')}-{code}-{row['valid_from']}"], [
            (WAKG.member, COUNTRY[code]), (WAKG.countryGroup, group_iri(group))]

    _dated_table(graph, sources, dataset, tables / "ear-country-groups.csv", ("group", "country"),
                 ("group", "country", "valid_from"), WAKG.CountryGroupMembership, describe)
    return graph


def build_country_chart(tables: Path, sources: SourceRegistry) -> Graph:
    graph = bind_prefixes(Graph())
    dataset = _dataset(graph, "ear-country-chart", "Commerce Country Chart (15 CFR part 738, Supp. No. 1)", EAR_COVERAGE)
    known = known_destinations()

    def describe(row):
        column = row.choice("column", COLUMNS)
        code = require_known(row, "country", row["country"], known, "destination code")
        return FACT[f"chart-{code}-{column}-{row['valid_from']}"], [
            (WAKG.markedDestination, COUNTRY[code]), (WAKG.chartColumn, COL[column])]

    _dated_table(graph, sources, dataset, tables / "ear-country-chart.csv", ("country", "column"),
                 ("country", "column", "valid_from"), WAKG.CountryChartMark, describe)
    return graph


def build_entity_list(tables: Path, sources: SourceRegistry) -> Graph:
    """Entity List entries of the spyware and intrusion-tool vendors (15 CFR part 744, Supp. No. 4)."""
    from ..entity_list import PARTY, DatedEntry, ENTRY, triples
    from ..screening_list import ListEntry

    graph = bind_prefixes(Graph())
    known = known_destinations()
    rows = read_table(tables / "entity-list.csv", ("name", "alt_names", "country", "license_requirement",
                                                    "license_policy", "federal_register_notice", "party") + FACT_COLUMNS)
    check_unique(rows, ("name",))
    for row in rows:
        code = require_known(row, "country", row["country"], known, "destination code")
        entry = ListEntry(name=row["name"], alt_names=tuple(row.split("alt_names")), countries=(code,),
                          federal_register_notices=tuple(row.split("federal_register_notice")),
                          start_date=row.date("valid_from"), end_date=row.date("valid_through", required=False),
                          license_requirement=row["license_requirement"], license_policy=row["license_policy"],
                          source="Entity List (EL) - Bureau of Industry and Security")
        if not entry.federal_register_notices:
            raise row.error("federal_register_notice", "an entry needs the Federal Register notice that listed it")
        slug = re.sub(r"[^a-z0-9]+", "-", row["name"].lower()).strip("-")
        item = DatedEntry(iri=URIRef(ENTRY + slug), entry=entry, valid_from=entry.start_date,
                          exact_start=row.choice("from_precision", PRECISIONS) == "exact",
                          valid_through=entry.end_date, confidence=row.confidence(),
                          sources=tuple(str(sources.iri(s, row)) for s in row.split("sources")),
                          party=URIRef(PARTY + row["party"]) if row["party"] else None, note=row["note"])
        triples(item, graph)
        graph.add((URIRef(ENTRY + slug), DCTERMS.isPartOf, DS["entity-list"]))
    _dataset(graph, "entity-list", "Entity List entries of spyware and intrusion-tool vendors (15 CFR part 744, Supp. No. 4)", None)
    return graph


GENERATED = {
    "sources.ttl": ("Sources cited by the reference data (tables/sources.csv, tables/impl-sources.csv).", None),
    "destinations.ttl": ("Destinations: ISO 3166-1 (pycountry) plus Kosovo, EAR spellings, treatments.", build_destinations),
    "wassenaar-participation.ttl": ("Participating states of the Wassenaar Arrangement.", build_wassenaar_participation),
    "eu-membership.ttl": ("Member states of the European Union.", build_eu_membership),
    "ear-country-groups.ttl": ("EAR Country Groups, dated.", build_country_groups),
    "ear-country-chart.ttl": ("Commerce Country Chart marks, dated.", build_country_chart),
    "implementations.ttl": ("National and regional implementations of the Wassenaar cyber entries.", build_implementations),
    "entity-list.ttl": ("Entity List entries of spyware and intrusion-tool vendors, dated and cited.", build_entity_list),
}


def build_all(ontology_dir: Path) -> dict[str, Graph]:
    """Build every generated module from ontology_dir/tables."""
    tables = ontology_dir / "tables"
    sources = SourceRegistry(*source_tables(tables))
    graphs = {"sources.ttl": build_sources(tables)}
    for name, (_, builder) in GENERATED.items():
        if builder is not None:
            graphs[name] = builder(tables, sources)
    return graphs


def render(name: str, graph: Graph) -> str:
    """Deterministic Turtle with a header naming the module's origin."""
    header = (
        f"# GENERATED by `wakg build` from ontology/tables/ -- edit the tables, not this file.\n"
        f"# {GENERATED[name][0]}\n"
    )
    return header + graph.serialize(format="longturtle")
