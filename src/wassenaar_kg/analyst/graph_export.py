"""`wakg export`: asserted and inferred triples in separate named graphs, deterministic and atomic.

Same input, same bytes: blank nodes are named by their content, triples and graphs are sorted, and the
run's timestamp comes from SOURCE_DATE_EPOCH or the newest input file (see api.run_timestamp).
N-Triples and N-Quads are written graph by graph as they are produced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from rdflib import Dataset, Graph, URIRef

from ..atomic import atomic_writer
from ..errors import InputError
from ..kg.namespaces import PREFIXES
from ..kg.rdf_text import trig, turtle
from .reasoned import Reasoned
from ..report import CSV_FIELDS, csv_row

FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "csv")


def _sorted_lines(graph: Graph, fmt: str, name: URIRef | None) -> list[str]:
    if fmt == "nq":
        ds = Dataset()
        target = ds.graph(name)
        for triple in graph:
            target.add(triple)
        text = ds.serialize(format="nquads", encoding="utf-8").decode()
    else:
        text = graph.serialize(format="nt", encoding="utf-8").decode()
    return sorted({line for line in text.splitlines() if line.strip()})


def _normalised(value, key: str | None = None):
    """JSON-LD with every unordered array sorted (RDF sets have no order; @list keeps its own)."""
    if isinstance(value, dict):
        return {k: _normalised(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normalised(v) for v in value]
        return items if key == "@list" else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _jsonld(graphs: dict[URIRef, Graph]) -> str:
    ds = Dataset()
    for name, graph in graphs.items():
        target = ds.graph(name)
        for triple in graph:
            target.add(triple)
    context = {p: str(ns) for p, ns in sorted(PREFIXES.items())}
    doc = json.loads(ds.serialize(format="json-ld", context=context, auto_compact=True))
    items = doc.get("@graph", [doc]) if isinstance(doc, dict) else doc
    items = [item for item in items if not (isinstance(item, dict) and set(item) == {"@context"})]
    return json.dumps({"@context": context, "@graph": _normalised(items)}, indent=1, sort_keys=True,
                      ensure_ascii=False) + "\n"


def write_export(reasoned: Reasoned, selection: str, fmt: str, handle: IO[str]) -> None:
    graphs = dict(sorted(reasoned.graphs(selection).items()))
    if fmt == "csv":
        if reasoned.check_result is None:
            raise InputError("--format csv", "the determinations CSV needs exports: give --data FILE")
        import csv

        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for d in sorted(reasoned.determinations, key=lambda d: d.id):
            writer.writerow(csv_row(d))
    elif fmt in ("nt", "nq"):
        for name, graph in graphs.items():
            for line in _sorted_lines(graph, fmt, name):
                handle.write(line + "\n")
    elif fmt == "ttl":
        union = Graph()
        for graph in graphs.values():
            for triple in graph:
                union.add(triple)
        handle.write(turtle(union))
    elif fmt == "trig":
        handle.write(trig(graphs))
    elif fmt == "jsonld":
        handle.write(_jsonld(graphs))
    else:
        raise InputError("--format", f"unknown format {fmt}")


def export(reasoned: Reasoned, selection: str, fmt: str, output: Path | None, stdout: IO[str]) -> None:
    if output is None:
        write_export(reasoned, selection, fmt, stdout)
        return
    with atomic_writer(output) as handle:
        write_export(reasoned, selection, fmt, handle)
