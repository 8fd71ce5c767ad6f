"""Running one query for the server: `queries.evaluate` (a forked child killed at the deadline) under the
server's limits, called from a worker thread so the event loop keeps serving other requests meanwhile.

SELECT and ASK are evaluated to SPARQL JSON in the child, then counted here against the row limit and
converted to the format asked for (Oxigraph reads and writes all four results formats, so the conversion
is exact); CONSTRUCT and DESCRIBE are rendered by the child in the RDF format asked for and counted in
triples. A result larger than the byte cap is refused without being parsed.
"""

from __future__ import annotations

import threading
from itertools import islice

import pyoxigraph as ox

from ..analyst import queries
from ..errors import InputError
from .negotiate import GRAPHS_TYPE, RESULTS_TYPE
from .settings import Settings

RESULTS_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                   "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


class QueryTimeout(Exception):
    """The query ran past the server's time limit; its child was killed."""


class ResultTooLarge(Exception):
    """The result has more rows (or bytes) than the server's limits allow."""


def is_graph_query(prepared: queries.Prepared) -> bool:
    return prepared.form in GRAPH_FORMS


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _slot(settings: Settings) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(settings.concurrency, threading.BoundedSemaphore(settings.concurrency))


def run(prepared: queries.Prepared, store: ox.Store, fmt: str, settings: Settings) -> tuple[bytes, str]:
    """(body, Content-Type) of a prepared query's results in `fmt`; raises QueryTimeout, ResultTooLarge, or
    InputError (a syntax or evaluation error, with the parser's line and column). At most
    `settings.concurrency` queries are evaluated at once; the others wait in their worker threads."""
    graph = is_graph_query(prepared)
    try:
        with _slot(settings):
            data = queries.evaluate(prepared, store, "json", fmt if graph else "turtle", settings.timeout or None)
    except InputError as exc:
        if exc.file == "--timeout":
            raise QueryTimeout(f"the query ran longer than {settings.timeout:g} s and was stopped (the server's "
                               "time limit, wakg serve --timeout); narrow it or add a LIMIT") from None
        raise
    if len(data) > settings.max_result_bytes:
        raise ResultTooLarge(f"the result is larger than {settings.max_result_bytes:,} bytes; add a LIMIT")
    if graph:
        _check_rows(_count_triples(data, fmt), settings, "triples")
        return data, GRAPHS_TYPE[fmt]
    results = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    if isinstance(results, ox.QuerySolutions):
        _check_rows(sum(1 for _ in islice(results, settings.max_rows + 1)), settings, "rows")
    if fmt != "json":
        again = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        data = again.serialize(format=RESULTS_FORMATS[fmt])
    return data, RESULTS_TYPE[fmt]


def _count_triples(data: bytes, fmt: str) -> int:
    if fmt == "ntriples":
        return data.count(b"\n")
    return sum(1 for _ in ox.parse(data, format=GRAPH_FORMATS[fmt]))


def _check_rows(count: int, settings: Settings, what: str) -> None:
    if count > settings.max_rows:
        raise ResultTooLarge(f"the result has more than {settings.max_rows:,} {what} (the server's limit, "
                             "wakg serve --max-rows); add a LIMIT")
