"""Content negotiation for /sparql: the Accept header picks the results format, as SPARQL clients expect.

SELECT and ASK answer in the SPARQL 1.1 results formats (JSON by default, XML, CSV, TSV); CONSTRUCT and
DESCRIBE in RDF (Turtle by default, N-Triples, JSON-LD). The media types are the registered ones that
SPARQLWrapper and YASGUI send and check. Media ranges are ranked by their q value, then by how specific
they are (RFC 9110, section 12.5.1); a wildcard takes the default; nothing acceptable is 406.
"""

from __future__ import annotations

#: media type -> (format name for queries.evaluate or the XML conversion, Content-Type of the answer)
RESULTS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",  # plain JSON clients get the SPARQL JSON results
    "application/xml": "xml",
    "text/xml": "xml",
}
RESULTS_TYPE = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv; charset=utf-8", "tsv": "text/tab-separated-values; charset=utf-8"}
GRAPHS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
}
GRAPHS_TYPE = {"turtle": "text/turtle; charset=utf-8", "ntriples": "application/n-triples",
               "jsonld": "application/ld+json"}
#: the ?format= shortcuts some clients (YASGUI's "format" option, curl users) give instead of Accept
SHORT = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
         "ntriples": "ntriples", "nt": "ntriples", "jsonld": "jsonld", "json-ld": "jsonld"}


def _ranges(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) of an Accept header, lower-cased, without the ranges of q=0."""
    found = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if q > 0:
            found.append((media, q, position))
    return found


def choose(accept: str | None, offered: dict[str, str], default: str) -> str | None:
    """The format of `offered` (media type -> format) the Accept header prefers; `default` for no header
    or a wildcard; None when the header accepts none of them."""
    if not accept or not accept.strip():
        return default
    best: tuple[float, int, int] | None = None
    chosen = None
    for media, q, position in _ranges(accept):
        if media in offered:
            fmt, specificity = offered[media], 2
        elif media == "*/*":
            fmt, specificity = default, 0
        elif media.endswith("/*"):
            kind = media[:-1]
            matches = [f for m, f in offered.items() if m.startswith(kind)]
            if not matches:
                continue
            fmt = default if default in matches else matches[0]
            specificity = 1
        else:
            continue
        rank = (q, specificity, -position)
        if best is None or rank > best:
            best, chosen = rank, fmt
    return chosen


def results_format(accept: str | None) -> str | None:
    return choose(accept, RESULTS, "json")


def graph_format(accept: str | None) -> str | None:
    return choose(accept, GRAPHS, "turtle")
