"""Bridge between rdflib graphs and pyoxigraph stores.

pySHACL evaluates SPARQL rules and constraints focus node by focus node; on an rdflib graph every
evaluation re-parses the query (about 50 ms each). Given a pyoxigraph Store, pySHACL runs the same rules
with Oxigraph's SPARQL engine instead, which is what the reference engine and the quality checks do.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def store_from(*graphs: Graph) -> ox.Store:
    store = ox.Store()
    for graph in graphs:
        if len(graph):
            store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def to_ox(term: Node):
    """The Oxigraph term for an rdflib term (named nodes, blank nodes, literals)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(term)
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype))
    return ox.Literal(str(term))


def to_ox_quad(triple: tuple[Node, Node, Node]) -> ox.Quad:
    s, p, o = triple
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o))


def to_rdflib(term) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        return Literal(term.value)  # RDF 1.1: a simple literal is an xsd:string; rdflib keeps them apart
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_rdflib_triple(quad: ox.Quad) -> tuple[Node, Node, Node]:
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)


def graph_from(store: ox.Store) -> Graph:
    """The store's triples as an rdflib graph (the way back from store_from), with the project's prefixes."""
    from .namespaces import bind_prefixes

    graph = bind_prefixes(Graph())
    for quad in store:
        graph.add(to_rdflib_triple(quad))
    return graph
