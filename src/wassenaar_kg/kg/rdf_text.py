"""Deterministic Turtle and TriG text: fixed prefix block, graphs in IRI order, rdflib's sorted longturtle.

rdflib's own TriG writer emits named graphs in hash order, which changes from run to run.
"""

from __future__ import annotations

from rdflib import Graph, URIRef

from .namespaces import PREFIXES, bind_prefixes


def prefix_block() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items())) + "\n"


def turtle_body(graph: Graph) -> str:
    text = bind_prefixes(graph).serialize(format="longturtle")
    return "\n".join(line for line in text.splitlines() if not line.startswith("PREFIX ")).strip()


def turtle(graph: Graph) -> str:
    return prefix_block() + turtle_body(graph) + "\n"


def trig(graphs: dict[URIRef, Graph]) -> str:
    parts = [prefix_block()]
    for name, graph in sorted(graphs.items()):
        parts.append(f"<{name}> {{\n{turtle_body(graph)}\n}}\n\n")
    return "".join(parts)
