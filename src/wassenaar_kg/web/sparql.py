"""/sparql: the SPARQL 1.1 Protocol (query operation only) over the served graph, and a refusing graph store.

Three ways to send a query, as the protocol defines them: GET ?query=, POST of an HTML form (query=), and
POST of the query text as application/sparql-query. The endpoint is read-only: an update (update=, or
application/sparql-update) is 403 whatever it says, and PUT / POST / DELETE to /graph-store are 405. SERVICE
reaches other servers from this one, so it is 400 unless the server was started with --allow-federation.
A query that runs past the time limit is stopped and answered 503; the server keeps serving.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..analyst import queries
from ..errors import InputError
from ..kg.namespaces import PREFIXES
from .body import TooLarge, read_body
from .negotiate import GRAPHS_TYPE, SHORT, graph_format, results_format
from .responses import error, input_error
from .runner import GRAPH_FORMS, QueryTimeout, ResultTooLarge, run

READ_ONLY = "this SPARQL endpoint is read-only: SPARQL Update is not accepted (use wakg export for the data)"
FEDERATION = ("SERVICE (federated query) makes this server reach other servers; it is refused unless the "
              "server is started with --allow-federation")
UNSUPPORTED_DATASET = ("default-graph-uri and named-graph-uri are not supported: the default graph is the union "
                       "of the named graphs (reference, asserted, inferred); use GRAPH <...> in the query")
SERVICE_DESCRIPTION = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix fmt: <http://www.w3.org/ns/formats/> .

[] a sd:Service ;
   sd:endpoint <{endpoint}> ;
   sd:supportedLanguage sd:SPARQL11Query ;
   sd:feature sd:UnionDefaultGraph ;
   sd:resultFormat fmt:SPARQL_Results_JSON, fmt:SPARQL_Results_XML, fmt:SPARQL_Results_CSV,
                   fmt:SPARQL_Results_TSV, fmt:Turtle, fmt:N-Triples, fmt:JSON-LD .
"""


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _operation(request: Request) -> tuple[dict[str, list[str]], bool]:
    """The protocol parameters of a request, and whether the query text came as the body."""
    params = {k: request.query_params.getlist(k) for k in request.query_params.keys()}
    if request.method != "POST":
        return params, False
    settings = request.app.state.settings
    media = _media(request)
    if media == "application/sparql-update":
        return {**params, "update": ["(body)"]}, False
    body = await read_body(request, settings.max_body)
    if media == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise InputError("query", "the form is not UTF-8 text") from None
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        return params, False
    if media == "application/sparql-query":
        try:
            return {**params, "query": [body.decode("utf-8")]}, True
        except UnicodeDecodeError:
            raise InputError("query", "the query is not UTF-8 text") from None
    raise _Unsupported(media)


class _Unsupported(Exception):
    pass


async def sparql(request: Request) -> Response:
    settings, served = request.app.state.settings, request.app.state.served
    if request.method not in ("GET", "HEAD", "POST"):
        return error(405, f"{request.method} is not allowed on /sparql (read-only: GET or POST a query)",
                     headers={"Allow": "GET, HEAD, POST, OPTIONS"})
    try:
        params, _ = await _operation(request)
    except TooLarge as exc:
        return error(413, str(exc))
    except InputError as exc:
        return input_error(exc)
    except _Unsupported as exc:
        return error(415, f"POST a query as application/sparql-query or as a form (application/x-www-form-"
                          f"urlencoded, query=...), not {exc.args[0] or 'without a Content-Type'}")
    if "update" in params:
        return error(403, READ_ONLY)
    if params.get("default-graph-uri") or params.get("named-graph-uri"):
        return error(400, UNSUPPORTED_DATASET, "default-graph-uri" if params.get("default-graph-uri")
                     else "named-graph-uri")
    texts = params.get("query", [])
    if not texts:
        if request.method == "POST":
            return error(400, "no query: give query=... (form) or a body of type application/sparql-query",
                         "query")
        endpoint = str(request.url.replace(query=""))
        return Response(SERVICE_DESCRIPTION.format(endpoint=endpoint), media_type=GRAPHS_TYPE["turtle"])
    if len(texts) > 1:
        return error(400, "give one query, not several", "query")
    text = texts[0]
    form = queries.query_form(text)
    if form in queries.UPDATE_KEYWORDS:
        return error(403, f"{READ_ONLY} ({form} ...)")
    if not settings.allow_federation and queries.uses_service(text):
        return error(400, FEDERATION, "query")
    fmt = _format(request, params, form)
    if fmt is None:
        offered = "Turtle, N-Triples, JSON-LD" if form in GRAPH_FORMS else "SPARQL results JSON, XML, CSV, TSV"
        return error(406, f"none of the types in Accept ({request.headers.get('accept')}) can be given; "
                          f"this query's results come as {offered}")
    query = queries.Query("sparql", Path("query"), text)
    try:
        prepared = queries.prepare(query, {}, served.as_of, allow_service=True)
        body, media_type = await run_in_threadpool(run, prepared, served.store, fmt, settings)
    except QueryTimeout as exc:
        return error(503, str(exc))
    except ResultTooLarge as exc:
        return error(413, str(exc))
    except InputError as exc:
        return input_error(exc)
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        return Response(b"", media_type=media_type, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, media_type=media_type, headers=headers)


def _format(request: Request, params: dict[str, list[str]], form: str | None) -> str | None:
    """The results format: ?format= if given and fitting the query form, else by the Accept header."""
    graph = form in GRAPH_FORMS
    for raw in params.get("format", []):
        fmt = SHORT.get(raw.strip().lower())
        if fmt in (("turtle", "ntriples", "jsonld") if graph else ("json", "xml", "csv", "tsv")):
            return fmt
    accept = request.headers.get("accept")
    return graph_format(accept) if graph else results_format(accept)


async def graph_store(request: Request) -> Response:
    """SPARQL 1.1 Graph Store Protocol, reading only: GET ?graph=IRI (or ?default, the union) as Turtle or
    N-Triples; every method that would change a graph is 405."""
    if request.method not in ("GET", "HEAD"):
        return error(405, f"{request.method} is not allowed: the graph store of this server is read-only",
                     headers={"Allow": "GET, HEAD, OPTIONS"})
    served = request.app.state.served
    fmt = graph_format(request.headers.get("accept"))
    if fmt is None:
        return error(406, "graphs come as Turtle, N-Triples or JSON-LD")
    name = request.query_params.get("graph")
    if name is None and "default" not in request.query_params:
        return error(400, "give ?graph=IRI (one of the named graphs) or ?default (their union)", "graph")
    if name is not None:
        try:
            graph = ox.NamedNode(name)
        except ValueError:
            return error(400, f"'{name}' is not an IRI", "graph")
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in served.store.quads_for_pattern(None, None, None, graph)]
        if not triples:
            return error(404, f"no graph {name} on this server", "graph")
    else:
        triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in served.store))
    fmt_ox = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt == "turtle" else None
    body = await run_in_threadpool(ox.serialize, triples, format=fmt_ox, **({"prefixes": prefixes} if prefixes else {}))
    return Response(b"" if request.method == "HEAD" else body, media_type=GRAPHS_TYPE[fmt])
