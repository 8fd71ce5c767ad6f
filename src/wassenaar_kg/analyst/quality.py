"""Validate the reference data against shapes/reference-data.ttl (pySHACL, closed world)."""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate
from rdflib import Graph

from ..kg import oxigraph
from ..kg.files import shapes_dir

REFERENCE_SHAPES = "reference-data.ttl"


@dataclass
class QualityReport:
    conforms: bool
    text: str
    graph: Graph


def validate_reference_data(graph: Graph) -> QualityReport:
    """SHACL validation of the reference data; pySHACL runs on an Oxigraph store for speed."""
    shapes = Graph().parse(shapes_dir() / REFERENCE_SHAPES, format="turtle")
    conforms, report_graph, report_text = validate(
        oxigraph.store_from(graph), shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False
    )
    return QualityReport(bool(conforms), report_text, report_graph)


def qc_violations(as_of) -> list[tuple[str, str]]:
    """Rows returned by queries/qc/*-violation.rq (ODK convention: each must return none)."""
    from . import queries
    from .reasoned import build

    store = build(as_of).store()
    found = []
    for query in queries.library().values():
        if not query.is_qc:
            continue
        header, body = queries.rows(queries.execute(query, store, {}, as_of))
        for row in body:
            message = row[header.index("message")] if "message" in header else " ".join(row)
            found.append((query.name, message))
    return found
