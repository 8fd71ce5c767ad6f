"""Answer "as of date D" questions over dated facts (closed world over what the graph asserts).

A fact holds on D when validFrom <= D and (no validThrough or D <= validThrough). Facts whose start is
only known as "not later than" assert nothing before validFrom; data sets state the dates they cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from .namespaces import COUNTRY, DS, WAKG


@dataclass(frozen=True)
class DatedFact:
    """One dated fact with its provenance."""

    node: URIRef
    valid_from: dt.date
    valid_through: dt.date | None
    exact_start: bool
    confidence: float | None
    sources: tuple[str, ...]

    def holds_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_through is None or day <= self.valid_through)


def _date(graph: Graph, node: URIRef, prop: URIRef) -> dt.date | None:
    value = graph.value(node, prop)
    if value is None:
        return None
    python = value.toPython()
    return python if isinstance(python, dt.date) else dt.date.fromisoformat(str(value))


def dated_fact(graph: Graph, node: URIRef) -> DatedFact:
    confidence = graph.value(node, WAKG.confidence)
    return DatedFact(
        node=node,
        valid_from=_date(graph, node, WAKG.validFrom) or dt.date.min,
        valid_through=_date(graph, node, WAKG.validThrough),
        exact_start=graph.value(node, WAKG.startPrecision) == WAKG.ExactDate,
        confidence=float(Decimal(str(confidence))) if confidence is not None else None,
        sources=tuple(sorted(str(s) for s in graph.objects(node, DCTERMS.source))),
    )


def facts_on(graph: Graph, fact_class: URIRef, day: dt.date) -> Iterator[DatedFact]:
    for node in graph.subjects(RDF.type, fact_class):
        fact = dated_fact(graph, node)
        if fact.holds_on(day):
            yield fact


def code(node: URIRef) -> str:
    """country:CN -> 'CN'."""
    return str(node)[len(str(COUNTRY)) :]


def group_label(graph: Graph, group: URIRef) -> str:
    return str(graph.value(group, URIRef("http://www.w3.org/2004/02/skos/core#notation")))


def group_members(graph: Graph, day: dt.date) -> dict[str, set[str]]:
    """Country group label ('D:5') -> ISO codes of its members on `day`."""
    members: dict[str, set[str]] = {}
    for fact in facts_on(graph, WAKG.CountryGroupMembership, day):
        group = group_label(graph, graph.value(fact.node, WAKG.countryGroup))
        members.setdefault(group, set()).add(code(graph.value(fact.node, WAKG.member)))
    return members


def participating_states(graph: Graph, day: dt.date) -> set[str]:
    return {code(graph.value(f.node, WAKG.participant)) for f in facts_on(graph, WAKG.ParticipationInRegime, day)}


def eu_member_states(graph: Graph, day: dt.date) -> set[str]:
    return {code(graph.value(f.node, WAKG.memberState)) for f in facts_on(graph, WAKG.UnionMembership, day)}


def chart_marks(graph: Graph, day: dt.date) -> dict[str, set[str]]:
    """ISO code -> chart columns ('NS1') with an X on `day`."""
    marks: dict[str, set[str]] = {}
    for fact in facts_on(graph, WAKG.CountryChartMark, day):
        column = graph.value(graph.value(fact.node, WAKG.chartColumn), URIRef("http://www.w3.org/2004/02/skos/core#notation"))
        marks.setdefault(code(graph.value(fact.node, WAKG.markedDestination)), set()).add(str(column).replace(" ", ""))
    return marks


def treated_as(graph: Graph, alpha2: str, day: dt.date) -> str:
    """The destination whose rules apply on `day` (Hong Kong -> China from 2020-12-23)."""
    for fact in facts_on(graph, WAKG.DestinationTreatment, day):
        if code(graph.value(fact.node, WAKG.treatedDestination)) == alpha2:
            return code(graph.value(fact.node, WAKG.treatedAs))
    return alpha2


def effective_destination(graph: Graph, code_: str, day: dt.date) -> str:
    """The destination whose Country Groups and Chart row apply: the treatment in force, else a region's
    country (UA-43 -> UA), else the destination itself."""
    treated = treated_as(graph, code_, day)
    if treated != code_:
        return treated
    country = graph.value(COUNTRY[code_], WAKG.regionOf)
    return code(country) if country is not None else code_


def sanctions_in_force(graph: Graph, day: dt.date) -> dict[str, set[str]]:
    """Destination code (a country or a region) -> IRIs of the part 746 measures in force for it on `day`."""
    found: dict[str, set[str]] = {}
    for fact in facts_on(graph, WAKG.SanctionsMeasure, day):
        for destination in graph.objects(fact.node, WAKG.sanctionedDestination):
            found.setdefault(code(destination), set()).add(str(fact.node))
    return found


def coverage(graph: Graph, dataset: str) -> tuple[dt.date | None, dt.date | None]:
    node = DS[dataset]
    return _date(graph, node, WAKG.coverageFrom), _date(graph, node, WAKG.coverageThrough)
