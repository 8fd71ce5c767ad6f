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

from . import owl_rl
from .determination import Determination, extract, read_steps
from .records import ExportRecord, records_to_graph
from ..kg.files import ontology_dir, shapes_dir

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


@lru_cache(maxsize=1)
def _tbox_ntriples() -> bytes:
    return _classification_tbox().serialize(format="nt", encoding="utf-8")


def _validation_store(store: ox.Store, records: list[ExportRecord]) -> ox.Store:
    """What shapes/exports.ttl reads, apart from the reference graph: the exports' own triples, the types of
    what they point to, the classes and the citations of their deciding provisions. pySHACL counts the data
    graph for every violation it reports, so validating this small store instead of the whole knowledge graph
    keeps the report cheap."""
    small = ox.Store()
    small.bulk_load(_tbox_ntriples(), format=ox.RdfFormat.N_TRIPLES)
    quads, pointed = [], set()
    for record in records:
        node = str(record.iri)
        for subject in (node, f"{node}/item", f"{node}/end-user", f"{node}/incident-system-owner"):
            for quad in store.quads_for_pattern(ox.NamedNode(subject), None, None):
                quads.append(quad)
                if isinstance(quad.object, ox.NamedNode) and quad.predicate.value != RDF_TYPE.value:
                    pointed.add(quad.object)
    for target in pointed:
        quads.extend(store.quads_for_pattern(target, RDF_TYPE, None))
        quads.extend(store.quads_for_pattern(target, CITATION, None))
    small.extend(quads)
    return small


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CITATION = ox.NamedNode("https://w3id.org/wassenaar-kg/ontology#citation")


@dataclass
class ReferenceRun:
    determinations: list[Determination]
    asserted: ox.Store  # the exports as given
    inferred: ox.Store  # OWL classification + rule findings and verdicts
    report_conforms: bool
    report_text: str


SLICE = 40


def run(records: list[ExportRecord], kg: Graph | None = None) -> ReferenceRun:
    """Decide in slices: pySHACL binds the focus node by substitution on Oxigraph, so one rule
    evaluation costs in proportion to the transactions in the store; slices keep the total linear.

    `kg` defaults to the project's knowledge graph (api.reference_ntriples, cached)."""
    from .vocabulary import screening_ntriples

    if kg is None:
        from ..kg.reference import reference_ntriples

        reference = reference_ntriples()
    else:
        reference = kg.serialize(format="nt", encoding="utf-8")
    reference += screening_ntriples()
    asserted, inferred = ox.Store(), ox.Store()
    determinations, conforms, reports = [], True, []
    for i in range(0, max(len(records), 1), SLICE):
        part = _run_slice(records[i:i + SLICE], reference, asserted, inferred)
        determinations.extend(part[0])
        conforms = conforms and part[1]
        reports.append(part[2])
    return ReferenceRun(determinations, asserted, inferred, conforms, "\n".join(reports))


def _run_slice(records: list[ExportRecord], reference: bytes, asserted_out: ox.Store,
               inferred_out: ox.Store) -> tuple[list[Determination], bool, str]:
    """Decide one slice; its asserted triples go to `asserted_out`, the derived ones to `inferred_out`."""
    asserted = records_to_graph(records)
    types = classify(asserted)
    store = ox.Store()
    store.bulk_load(reference, format=ox.RdfFormat.N_TRIPLES)
    if len(asserted):
        data = asserted.serialize(format="nt", encoding="utf-8")
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        asserted_out.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    given = set(store)
    if len(types):
        store.bulk_load(types.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    shacl_rules(store, shacl_graph=_shapes(RULES), advanced=True, inplace=True, iterate_rules=False)
    conforms, _, text = validate(_validation_store(store, records), shacl_graph=_shapes(EXPORT_SHAPES),
                                 inference="none", advanced=True)
    inferred_out.extend([quad for quad in store if quad not in given])
    work = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    steps = read_steps(store, [r.iri for r in records])
    return [extract(work, r.iri, steps[str(r.iri)], possible_matches=r.possible_matches) for r in records], \
        bool(conforms), text
