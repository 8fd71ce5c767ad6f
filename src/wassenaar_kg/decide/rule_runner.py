"""Evaluate the SHACL-AF rules of shapes/license-rules.ttl set-at-a-time on an Oxigraph store.

pySHACL runs each SPARQLRule once per focus node with `$this` pre-bound. The same CONSTRUCT query with
`$this` read as an ordinary variable computes the rule for every transaction in one evaluation: the
rules are monotone and each one is applied, in `sh:order`, to the graph as the previous rules left it —
exactly pySHACL's non-iterating semantics. The fast engine uses this; the rule text is the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF

from ..kg.files import shapes_dir

SH = "http://www.w3.org/ns/shacl#"
RULES_FILE = "license-rules.ttl"
THIS = re.compile(r"\$this\b")
CONSTRUCT = re.compile(r"\bCONSTRUCT\b")


@dataclass(frozen=True)
class SetRule:
    iri: str
    order: float
    query: str

    @property
    def update(self) -> str:
        return CONSTRUCT.sub("INSERT", self.query, count=1)


def _prefixes(shapes: Graph, rule) -> str:
    lines = []
    for prefixes in shapes.objects(rule, shapes.namespace_manager.expand_curie("sh:prefixes")):
        for declaration in shapes.objects(prefixes, shapes.namespace_manager.expand_curie("sh:declare")):
            prefix = shapes.value(declaration, shapes.namespace_manager.expand_curie("sh:prefix"))
            namespace = shapes.value(declaration, shapes.namespace_manager.expand_curie("sh:namespace"))
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


@lru_cache(maxsize=1)
def rules() -> tuple[SetRule, ...]:
    """The rules of the reference engine, in application order, with `$this` as a free variable."""
    shapes = Graph().parse(shapes_dir() / RULES_FILE, format="turtle")
    shapes.bind("sh", SH)
    sparql_rule = shapes.namespace_manager.expand_curie("sh:SPARQLRule")
    found = []
    for rule in shapes.subjects(RDF.type, sparql_rule):
        order = shapes.value(rule, shapes.namespace_manager.expand_curie("sh:order"))
        construct = shapes.value(rule, shapes.namespace_manager.expand_curie("sh:construct"))
        found.append(SetRule(str(rule), float(order or 0), _prefixes(shapes, rule) + THIS.sub("?this", str(construct))))
    return tuple(sorted(found, key=lambda r: (r.order, r.iri)))


def apply(store: ox.Store) -> None:
    """Apply every rule to all transactions in the store's default graph.

    Each CONSTRUCT runs as the equivalent INSERT ... WHERE inside Oxigraph, so no triple crosses into
    Python: the template, the solutions and the skipping of unbound template variables are the same."""
    for rule in rules():
        store.update(rule.update)
