"""The reasoned graph analysts query and export: reference data, exports, and inferences, kept apart.

Three named graphs:
- graph/reference: the ontology and reference data as asserted in ontology/;
- graph/asserted: the export transactions given with --data;
- graph/inferred: the OWL 2 RL closure of the reference graph (cached), the Country Group memberships
  holding on the as-of date (wakg:inCountryGroup), and — with --data — the classification, findings and
  determinations of `check`, described with PROV-O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

import owlrl
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from ..kg import temporal
from ..api import ASSERTED_GRAPH, INFERRED_GRAPH, CheckResult, check, reference_graph
from ..kg.cache import cached_bytes
from ..decide.determination import Determination
from ..kg.namespaces import BASE, COUNTRY, GROUP, WAKG, bind_prefixes

REFERENCE_GRAPH = URIRef(BASE + "graph/reference")


def stable_bnodes(graph: Graph) -> Graph:
    """A copy whose blank nodes are named by a hash of their content, so serialisations are repeatable."""
    memo: dict[BNode, str] = {}

    def label(node: BNode, seen: frozenset = frozenset()) -> str:
        if node in memo:
            return memo[node]
        if node in seen:
            return "cycle"
        parts = sorted(
            f"{p} {label(o, seen | {node}) if isinstance(o, BNode) else o.n3()}" for p, o in graph.predicate_objects(node)
        )
        memo[node] = "b" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
        return memo[node]

    out = Graph()
    for s, p, o in graph:
        out.add((BNode(label(s)) if isinstance(s, BNode) else s, p, BNode(label(o)) if isinstance(o, BNode) else o))
    return out


def _closure_ntriples() -> bytes:
    kg = stable_bnodes(reference_graph())
    closed = Graph()
    for triple in kg:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    inferred = Graph()
    for triple in closed:
        if triple not in kg and not isinstance(triple[0], Literal):
            inferred.add(triple)
    lines = sorted(set(stable_bnodes(inferred).serialize(format="nt", encoding="utf-8").decode().splitlines()))
    return ("\n".join(line for line in lines if line) + "\n").encode()


@lru_cache(maxsize=1)
def reference_closure() -> Graph:
    """Triples the OWL 2 RL rules add to the reference graph (computed once per ontology version)."""
    return Graph().parse(data=cached_bytes("reference-closure.nt", _closure_ntriples), format="nt")


@lru_cache(maxsize=1)
def stable_reference() -> Graph:
    return stable_bnodes(reference_graph())


def as_of_facts(kg: Graph, day: dt.date) -> Graph:
    """wakg:inCountryGroup for the memberships holding on `day` (the shortcut the TBox defines)."""
    graph = Graph()
    for group, members in temporal.group_members(kg, day).items():
        for code in members:
            graph.add((COUNTRY[code], WAKG.inCountryGroup, GROUP[group.replace(":", "")]))
    activity = URIRef(f"{BASE}activity/as-of-{day.isoformat()}")
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal(f"Country Group memberships materialised as of {day.isoformat()}")))
    graph.add((activity, PROV.used, REFERENCE_GRAPH))
    graph.add((activity, WAKG.lawAsOf, Literal(day, datatype=XSD.date)))
    graph.add((INFERRED_GRAPH, PROV.wasGeneratedBy, activity))
    return graph


@dataclass
class Reasoned:
    as_of: dt.date
    reference: Graph
    asserted: Graph
    inferred: Graph
    determinations: list[Determination] = field(default_factory=list)
    check_result: CheckResult | None = None

    def graphs(self, selection: str = "all") -> dict[URIRef, Graph]:
        """Named graphs for 'asserted' (reference + exports), 'inferred', or 'all'."""
        chosen = {}
        if selection in ("asserted", "all"):
            chosen[REFERENCE_GRAPH] = self.reference
            if len(self.asserted):
                chosen[ASSERTED_GRAPH] = self.asserted
        if selection in ("inferred", "all"):
            chosen[INFERRED_GRAPH] = self.inferred
        return chosen

    def store(self) -> ox.Store:
        store = ox.Store()
        for name, graph in self.graphs("all").items():
            data = graph.serialize(format="nt", encoding="utf-8")
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
        return store


def build(as_of: dt.date, data=None) -> Reasoned:
    """The reasoned graph as of a date, with the checked exports of `data` (a path) if given."""
    kg = reference_graph()
    inferred = bind_prefixes(Graph())
    for graph in (reference_closure(), as_of_facts(kg, as_of)):
        for triple in graph:
            inferred.add(triple)
    asserted = bind_prefixes(Graph())
    result = None
    if data is not None:
        result = check(data, as_of=as_of, engine="reference")  # its triples are exported
        asserted = result.asserted
        for triple in result.inferred:
            inferred.add(triple)
    return Reasoned(as_of, stable_reference(), stable_bnodes(asserted), stable_bnodes(inferred),
                    result.determinations if result else [], result)
