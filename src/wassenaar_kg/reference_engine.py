"""The reference engine: OWL 2 RL classification, SHACL-AF rules (pySHACL), SHACL validation.

Stages: asserted exports -> an OWL 2 RL reasoner classifies items and end users -> the rules of
shapes/license-rules.ttl infer findings and verdicts per export -> shapes/exports.ttl reports every export
that needs a license it lacks. Inferred triples are returned apart from the asserted ones.

The knowledge graph enters as cached N-Triples bulk-loaded into Oxigraph (no Turtle parse on a warm
start), and explanations are read from that store through oxrdflib rather than from a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from pyshacl import shacl_rules, validate
from rdflib import Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from . import owl_rl, oxi
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


def classify(data: Graph, reasoner: str | None = None) -> Graph:
    """OWL 2 RL closure of TBox + CCL entries + exports: the new named-class types of the export data."""
    return owl_rl.new_types(_classification_tbox(), data, reasoner)


@dataclass
class ReferenceRun:
    determinations: list[Determination]
    asserted: Graph  # the exports as given
    inferred: Graph  # OWL classification + rule findings and verdicts
    report_conforms: bool
    report_text: str


SLICE = 40


def run(records: list[ExportRecord], kg: Graph | None = None) -> ReferenceRun:
    """Decide in slices: pySHACL binds the focus node by substitution on Oxigraph, so one rule
    evaluation costs in proportion to the transactions in the store; slices keep the total linear.

    `kg` defaults to the project's knowledge graph (api.reference_ntriples, cached)."""
    if kg is None:
        from .api import reference_ntriples

        reference = reference_ntriples()
    else:
        reference = kg.serialize(format="nt", encoding="utf-8")
    runs = [_run_slice(records[i:i + SLICE], reference) for i in range(0, len(records), SLICE)] \
        or [_run_slice([], reference)]
    if len(runs) == 1:
        return runs[0]
    asserted, inferred = bind_prefixes(Graph()), bind_prefixes(Graph())
    for part in runs:
        asserted += part.asserted
        inferred += part.inferred
    return ReferenceRun([d for part in runs for d in part.determinations], asserted, inferred,
                        all(part.report_conforms for part in runs),
                        "\n".join(part.report_text for part in runs))


def _run_slice(records: list[ExportRecord], reference: bytes) -> ReferenceRun:
    asserted = records_to_graph(records)
    types = classify(asserted)
    store = ox.Store()
    store.bulk_load(reference, format=ox.RdfFormat.N_TRIPLES)
    if len(asserted):
        store.bulk_load(asserted.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    given = set(store)
    if len(types):
        store.bulk_load(types.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    shacl_rules(store, shacl_graph=_shapes(RULES), advanced=True, inplace=True, iterate_rules=False)
    conforms, _, text = validate(store, shacl_graph=_shapes(EXPORT_SHAPES), inference="none", advanced=True)
    work = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    inferred = bind_prefixes(Graph())
    for quad in store:
        if quad not in given:
            inferred.add(oxi.to_rdflib_triple(quad))
    determinations = [extract(work, r.iri) for r in records]
    return ReferenceRun(determinations, bind_prefixes(asserted), inferred, bool(conforms), text)
