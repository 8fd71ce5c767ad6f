"""The reference engine: OWL 2 RL classification (owlrl), SHACL-AF rules (pySHACL), SHACL validation.

Stages: asserted exports -> owlrl classifies items and end users -> the rules of shapes/license-rules.ttl
infer findings and verdicts per export -> shapes/exports.ttl reports every export that needs a license it
lacks. Inferred triples are returned apart from the asserted ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import owlrl
from pyshacl import shacl_rules, validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from . import oxi
from .determination import Determination, extract
from .exports_input import ExportRecord, records_to_graph
from .graph import ontology_dir, shapes_dir
from .namespaces import bind_prefixes

RULES = "license-rules.ttl"
EXPORT_SHAPES = "exports.ttl"
CLASSIFICATION_MODULES = ("wakg.ttl", "ear-ccl.ttl")


@lru_cache(maxsize=None)
def _shapes(name: str) -> Graph:
    return Graph().parse(shapes_dir() / name, format="turtle")


@lru_cache(maxsize=1)
def _classification_tbox() -> Graph:
    graph = Graph()
    for name in CLASSIFICATION_MODULES:
        graph.parse(ontology_dir() / name, format="turtle")
    return graph


def classify(data: Graph) -> Graph:
    """OWL 2 RL closure of TBox + CCL entries + exports: the new named-class types of the export data."""
    work = Graph()
    for triple in _classification_tbox():
        work.add(triple)
    for triple in data:
        work.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    subjects = set(data.subjects())
    inferred = Graph()
    for s, p, o in work.triples((None, RDF.type, None)):
        if s in subjects and isinstance(o, URIRef) and (s, p, o) not in data:
            inferred.add((s, p, o))
    return inferred


@dataclass
class ReferenceRun:
    determinations: list[Determination]
    asserted: Graph  # the exports as given
    inferred: Graph  # OWL classification + rule findings and verdicts
    report_conforms: bool
    report_text: str


SLICE = 40


def run(records: list[ExportRecord], kg: Graph) -> ReferenceRun:
    """Decide in slices: pySHACL binds the focus node by substitution on Oxigraph, so one rule
    evaluation costs in proportion to the transactions in the store; slices keep the total linear."""
    runs = [_run_slice(records[i:i + SLICE], kg) for i in range(0, len(records), SLICE)] or [_run_slice([], kg)]
    if len(runs) == 1:
        return runs[0]
    asserted, inferred = bind_prefixes(Graph()), bind_prefixes(Graph())
    for part in runs:
        asserted += part.asserted
        inferred += part.inferred
    return ReferenceRun([d for part in runs for d in part.determinations], asserted, inferred,
                        all(part.report_conforms for part in runs),
                        "\n".join(part.report_text for part in runs))


def _run_slice(records: list[ExportRecord], kg: Graph) -> ReferenceRun:
    asserted = records_to_graph(records)
    types = classify(asserted)
    store = oxi.store_from(kg, asserted, types)
    shacl_rules(store, shacl_graph=_shapes(RULES), advanced=True, inplace=True, iterate_rules=False)
    conforms, _, text = validate(store, shacl_graph=_shapes(EXPORT_SHAPES), inference="none", advanced=True)
    inferred = bind_prefixes(Graph())
    work = Graph()
    for triple in oxi.triples(store):
        work.add(triple)
        if triple not in kg and triple not in asserted:
            inferred.add(triple)
    determinations = [extract(work, r.iri) for r in records]
    return ReferenceRun(determinations, bind_prefixes(asserted), inferred, bool(conforms), text)
