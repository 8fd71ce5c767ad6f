"""Turn table rows into cited, dated RDF facts; shared by every generated module."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ...errors import InputError
from ..namespaces import WAKG
from ..csv_tables import PRECISIONS, Row, read_table

FACT_COLUMNS = ("valid_from", "from_precision", "valid_through", "sources", "confidence", "note")
SOURCE_KINDS = {
    "primary": WAKG.PrimarySource,
    "mirror": WAKG.OfficialDataMirror,
    "secondary": WAKG.SecondarySource,
}
PRECISION_IRIS = dict(zip(PRECISIONS, (WAKG.ExactDate, WAKG.NotLaterThan)))


class SourceRegistry:
    """The sources table: short ids used in the other tables, resolved to their URLs."""

    def __init__(self, *paths: Path):
        self.path = paths[0]
        self.rows = [row for path in paths for row in read_table(path, ("id", "url", "kind", "title"))]
        self.by_id: dict[str, Row] = {}
        kinds: dict[str, str] = {}
        for row in self.rows:
            if not row["id"]:
                raise row.error("id", "empty source id")
            if row["id"] in self.by_id:
                raise row.error("id", f"duplicate source id '{row['id']}'")
            if not row["url"].startswith(("http://", "https://")):
                raise row.error("url", f"'{row['url']}' is not an http(s) URL")
            row.choice("kind", tuple(SOURCE_KINDS))
            if kinds.setdefault(row["url"], row["kind"]) != row["kind"]:
                raise row.error("kind", f"{row['url']} is registered elsewhere as {kinds[row['url']]}")
            self.by_id[row["id"]] = row

    def iri(self, source_id: str, row: Row, field: str = "sources") -> URIRef:
        try:
            return URIRef(self.by_id[source_id]["url"])
        except KeyError:
            raise row.error(field, f"unknown source id '{source_id}' (not in the sources tables)") from None

    def describe(self, graph: Graph) -> None:
        """Add every source with its kind and title (a URL registered twice keeps its first title)."""
        described: set[str] = set()
        for row in self.rows:
            if row["url"] in described:
                graph.add((URIRef(row["url"]), SKOS.notation, Literal(row["id"])))
                continue
            described.add(row["url"])
            node = URIRef(row["url"])
            graph.add((node, RDF.type, SOURCE_KINDS[row["kind"]]))
            graph.add((node, RDFS.label, Literal(row["title"], lang="en")))
            graph.add((node, SKOS.notation, Literal(row["id"])))


def add_dated_fact(
    graph: Graph, node: URIRef, fact_class: URIRef, row: Row, sources: SourceRegistry, dataset: URIRef
) -> None:
    """Add the validity interval, precision, confidence, sources and note of one row to `node`."""
    start = row.date("valid_from")
    end = row.date("valid_through", required=False)
    if end is not None and end < start:
        raise row.error("valid_through", f"{end} is before valid_from {start}")
    cited = row.split("sources")
    if not cited:
        raise row.error("sources", "every fact needs at least one source id")
    graph.add((node, RDF.type, fact_class))
    graph.add((node, WAKG.validFrom, Literal(start, datatype=XSD.date)))
    graph.add((node, WAKG.startPrecision, PRECISION_IRIS[row.choice("from_precision", PRECISIONS)]))
    if end is not None:
        graph.add((node, WAKG.validThrough, Literal(end, datatype=XSD.date)))
    for source_id in cited:
        graph.add((node, DCTERMS.source, sources.iri(source_id, row)))
    graph.add((node, WAKG.confidence, Literal(Decimal(str(row.confidence())), datatype=XSD.decimal)))
    if row.values.get("note"):
        graph.add((node, SKOS.editorialNote, Literal(row["note"], lang="en")))
    graph.add((node, DCTERMS.isPartOf, dataset))


def require_known(row: Row, field: str, value: str, known: set[str] | dict, what: str) -> str:
    if value not in known:
        raise row.error(field, f"unknown {what} '{value}'")
    return value


def check_unique(rows: list[Row], key_fields: tuple[str, ...]) -> None:
    """Reject two rows with the same key (e.g. the same membership starting on the same day)."""
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(row[f] for f in key_fields)
        if key in seen:
            raise InputError(row.file, f"duplicate of line {seen[key]} ({', '.join(key)})", row.line)
        seen[key] = row.line
