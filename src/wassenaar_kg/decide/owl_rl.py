"""OWL 2 RL entailment for classifying export individuals.

Two implementations of the same rule set: `reasonable` (Rust; the reasoner Brick uses) is the default
because it takes about 0.1 s where owlrl, the pure-Python reference implementation, takes about 1 s on the
classification TBox. tests/test_owl_rl.py checks that both give every kind of export individual the same
classes. Set WAKG_OWL_RL=owlrl to use the pure-Python path (it is also used when `reasonable` is missing).
"""

from __future__ import annotations

import os
from typing import Iterable

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..errors import InputError

ENV_REASONER = "WAKG_OWL_RL"
REASONERS = ("reasonable", "owlrl")


def default_reasoner() -> str:
    choice = os.environ.get(ENV_REASONER, "").strip()
    if choice:
        if choice not in REASONERS:
            raise InputError(ENV_REASONER, f"unknown OWL 2 RL reasoner '{choice}'; choose from {', '.join(REASONERS)}")
        return choice
    try:
        import reasonable  # noqa: F401
    except ImportError:
        return "owlrl"
    return "reasonable"


def closure(graph: Graph, reasoner: str | None = None) -> Iterable[tuple]:
    """Every triple of the OWL 2 RL closure of `graph` (the graph itself is left unchanged)."""
    reasoner = reasoner or default_reasoner()
    if reasoner == "reasonable":
        import reasonable

        engine = reasonable.PyReasoner()
        engine.from_graph(graph)
        return engine.reason()
    import owlrl

    work = Graph()
    for triple in graph:
        work.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    return work


def new_types(tbox: Graph, data: Graph, reasoner: str | None = None) -> Graph:
    """The named classes OWL 2 RL entails for the subjects of `data`, beyond those `data` asserts."""
    work = Graph()
    for triple in tbox:
        work.add(triple)
    for triple in data:
        work.add(triple)
    subjects = set(data.subjects())
    inferred = Graph()
    for s, p, o in closure(work, reasoner):
        if p == RDF.type and s in subjects and isinstance(o, URIRef) and (s, p, o) not in data:
            inferred.add((s, p, o))
    return inferred
