"""Validate the reference data against shapes/reference-data.ttl (pySHACL, closed world)."""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate
from rdflib import Graph

from .graph import shapes_dir

REFERENCE_SHAPES = "reference-data.ttl"


@dataclass
class QualityReport:
    conforms: bool
    text: str
    graph: Graph


def validate_reference_data(graph: Graph) -> QualityReport:
    shapes = Graph().parse(shapes_dir() / REFERENCE_SHAPES, format="turtle")
    conforms, report_graph, report_text = validate(
        graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False
    )
    return QualityReport(bool(conforms), report_text, report_graph)
