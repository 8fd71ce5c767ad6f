"""The reference knowledge graph as one process sees it: loaded once, kept as N-Triples in the cache (Oxigraph
bulk-loads them in milliseconds where parsing the Turtle modules takes most of a second), and its version."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, URIRef

from .cache import cached_bytes
from .files import load_graph
from .namespaces import ONTOLOGY_IRI


@lru_cache(maxsize=1)
def reference_graph() -> Graph:
    """The knowledge graph, loaded once per process."""
    return load_graph()


@lru_cache(maxsize=1)
def reference_ntriples() -> bytes:
    """The knowledge graph as N-Triples, cached on disk: Oxigraph bulk-loads it in milliseconds, where
    parsing the Turtle modules takes most of a second."""
    return cached_bytes(REFERENCE_NT, build_reference_ntriples)


REFERENCE_NT, VERSION_IRI = "reference.nt", "version-iri.txt"


def build_reference_ntriples() -> bytes:
    return reference_graph().serialize(format="nt", encoding="utf-8")


def build_version_iri() -> bytes:
    return _version_iri(reference_graph()).encode()


@lru_cache(maxsize=1)
def ontology_version_iri() -> str:
    """owl:versionIRI of the ontology (cached with the other derived data)."""
    return cached_bytes(VERSION_IRI, build_version_iri).decode()


def _version_iri(kg: Graph) -> str:
    found = kg.value(URIRef(ONTOLOGY_IRI), URIRef("http://www.w3.org/2002/07/owl#versionIRI"))
    return str(found or ONTOLOGY_IRI)
