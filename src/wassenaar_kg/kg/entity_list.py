"""Entity List entries as dated, cited facts of the knowledge graph, and the screening candidates they give.

Two sources feed the same triples: the spyware vendors bundled as reference data (ontology/tables/
entity-list.csv -> ontology/entity-list.ttl, built by `wakg build`), and the Entity List rows of an official
Consolidated Screening List file given with `--screening-list` (screening_list.py). Either way an entry
carries its listed name and aliases, the destination it is listed under, its license requirement and review
policy verbatim, the Federal Register notices that added it, its start (and end) date, sources and a
confidence; the rules of shapes/license-rules.ttl decide with it (wkr:EntityListParty).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from .namespaces import BASE, COUNTRY, LAW, WAKG
from .screening_list import ListEntry, ScreeningList

ENTRY = BASE + "id/entity-list/"
PARTY = BASE + "id/party/"
CSL_PAGE = "https://www.trade.gov/consolidated-screening-list"
CSL_CONFIDENCE = 0.9  # the row as the official list publishes it
UNDATED_CONFIDENCE = 0.5  # a row without a start date: treated as listed on every date


def notice_iri(citation: str) -> URIRef:
    """'86 FR 60760' -> law:86-FR-60760 (one node per cited Federal Register page)."""
    return LAW[re.sub(r"[^0-9A-Za-z]+", "-", citation).strip("-")]


@dataclass(frozen=True)
class DatedEntry:
    """An entry with the provenance the graph records for it."""

    iri: URIRef
    entry: ListEntry
    valid_from: dt.date
    exact_start: bool
    valid_through: dt.date | None
    confidence: float
    sources: tuple[str, ...]
    party: URIRef | None = None
    note: str = ""
    from_list: str = "bundled reference data"

    def in_force(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_through is None or day <= self.valid_through)

    def candidate(self) -> tuple[str, str, tuple[str, ...]]:
        return str(self.iri), self.entry.name, self.entry.alt_names


def from_screening_list(found: ScreeningList) -> list[DatedEntry]:
    """The Entity List rows of a CSL file as dated entries (IRIs from their content, so equal rows merge)."""
    dated = []
    for entry in found.entries:
        sources = tuple(sorted({CSL_PAGE} | {u for u in (entry.source_list_url, entry.source_information_url)
                                              if u.startswith(("http://", "https://"))}))
        undated = entry.start_date is None
        dated.append(DatedEntry(
            iri=URIRef(ENTRY + "csl-" + entry.key), entry=entry,
            valid_from=entry.start_date or dt.date.min, exact_start=not undated, valid_through=entry.end_date,
            confidence=UNDATED_CONFIDENCE if undated else CSL_CONFIDENCE, sources=sources,
            note="The list gives no start date: treated as listed on every date." if undated else "",
            from_list=f"{found.path} (sha256 {found.digest})"))
    return dated


def triples(item: DatedEntry, graph: Graph) -> None:
    """Add one entry, its Federal Register notices and its party to `graph`."""
    node, entry = item.iri, item.entry
    graph.add((node, RDF.type, WAKG.EntityListEntry))
    graph.add((node, RDFS.label, Literal(f"Entity List: {entry.name}", lang="en")))
    graph.add((node, WAKG.listedName, Literal(entry.name)))
    for alias in entry.alt_names:
        graph.add((node, WAKG.alias, Literal(alias)))
    for code in entry.countries:
        graph.add((node, WAKG.listedUnder, COUNTRY[code]))
    graph.add((node, WAKG.licenseRequirement, Literal(entry.license_requirement)))
    graph.add((node, WAKG.licensePolicy, Literal(entry.license_policy)))
    graph.add((node, WAKG.underProvision, LAW["15-CFR-744.11"]))
    graph.add((node, WAKG.exceptionsProvision, LAW["15-CFR-744.16-b"]))
    for citation in entry.federal_register_notices:
        notice = notice_iri(citation)
        graph.add((node, WAKG.imposedBy, notice))
        graph.add((notice, RDF.type, WAKG.RuleDocument))
        graph.add((notice, RDFS.label, Literal(f"Federal Register notice {citation} (Entity List)", lang="en")))
        graph.add((notice, WAKG.citation, Literal(citation)))
        graph.add((notice, DCTERMS.source, URIRef(item.sources[0])))
    if item.valid_from != dt.date.min:
        graph.add((node, WAKG.validFrom, Literal(item.valid_from, datatype=XSD.date)))
    else:
        graph.add((node, WAKG.validFrom, Literal("0001-01-01", datatype=XSD.date)))
    graph.add((node, WAKG.startPrecision, WAKG.ExactDate if item.exact_start else WAKG.NotLaterThan))
    if item.valid_through is not None:
        graph.add((node, WAKG.validThrough, Literal(item.valid_through, datatype=XSD.date)))
    graph.add((node, WAKG.confidence, Literal(Decimal(str(item.confidence)), datatype=XSD.decimal)))
    for source in item.sources:
        graph.add((node, DCTERMS.source, URIRef(source)))
    graph.add((node, WAKG.fromList, Literal(item.from_list)))
    if item.party is not None:
        graph.add((node, WAKG.listedParty, item.party))
    if item.note:
        graph.add((node, SKOS.editorialNote, Literal(item.note, lang="en")))


def graph_of(entries: list[DatedEntry]) -> Graph:
    graph = Graph()
    for item in entries:
        triples(item, graph)
    return graph


def bundled_entries(kg: Graph) -> list[DatedEntry]:
    """The entries of the knowledge graph (bundled reference data), read back for screening."""
    from . import temporal

    found = []
    for node in sorted(kg.subjects(RDF.type, WAKG.EntityListEntry)):
        fact = temporal.dated_fact(kg, node)
        entry = ListEntry(
            name=str(kg.value(node, WAKG.listedName)),
            alt_names=tuple(sorted(str(a) for a in kg.objects(node, WAKG.alias))),
            countries=tuple(sorted(temporal.code(c) for c in kg.objects(node, WAKG.listedUnder))),
            federal_register_notices=tuple(sorted(str(kg.value(n, WAKG.citation)) for n in kg.objects(node, WAKG.imposedBy))),
            start_date=None if fact.valid_from == dt.date.min else fact.valid_from, end_date=fact.valid_through,
            license_requirement=str(kg.value(node, WAKG.licenseRequirement)),
            license_policy=str(kg.value(node, WAKG.licensePolicy)), source="Entity List (EL) - Bureau of Industry and Security")
        found.append(DatedEntry(node, entry, fact.valid_from, fact.exact_start, fact.valid_through,
                                fact.confidence or 0.0, fact.sources))
    return found
