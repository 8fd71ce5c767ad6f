"""/api/openapi.json: an OpenAPI 3.1 description of every route, with one path per library query.

Written from the query library at start-up, so a query added to queries/ appears in the description (with
its typed parameters) without touching this file; a client generator or Swagger UI then knows the API.
"""

from __future__ import annotations

from .. import __version__
from ..analyst import queries

#: how a parameter type of the library reads in JSON Schema
SCHEMAS = {
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "iri": {"type": "string", "format": "iri"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "country": {"type": "string", "description": "ISO 3166-1 code or English name (CY, Cyprus)"},
    "country_group": {"type": "string", "description": "EAR Country Group (E:1, e1, D:5)"},
    "eccn": {"type": "string", "description": "ECCN (4D004, 5A002.a)"},
    "end_user_class": {"type": "string", "description": "end-user class of the ontology"},
    "wassenaar_entry": {"type": "string", "description": "Wassenaar List entry (4.A.5)"},
}
ERROR = {"$ref": "#/components/schemas/Error"}
SPARQL_RESULTS = {"application/sparql-results+json": {}, "application/sparql-results+xml": {}, "text/csv": {},
                  "text/tab-separated-values": {}}
RDF = {"text/turtle": {}, "application/n-triples": {}, "application/ld+json": {}}


def _errors(*codes: int) -> dict:
    text = {400: "bad query or parameter", 403: "SPARQL Update refused (read-only)", 404: "not found",
            405: "method not allowed (read-only)", 406: "no acceptable results format", 413: "too large",
            415: "unsupported body type", 503: "time limit reached; the query was stopped"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": ERROR}}} for c in codes}


def _library_path(query: queries.Query) -> dict:
    parameters = []
    for p in query.params:
        schema = dict(SCHEMAS[p.type])
        if p.default is not None:
            schema["default"] = p.default
        parameters.append({"name": p.name, "in": "query", "required": p.default is None and p.type != "date",
                           "description": p.description or schema.get("description", ""), "schema": schema,
                           "x-wakg-type": p.type})
    parameters.append({"name": "format", "in": "query", "required": False,
                       "schema": {"type": "string", "enum": ["json", "csv", "tsv", "xml"], "default": "json"}})
    return {"get": {
        "operationId": "query_" + query.name.replace("/", "_").replace("-", "_"),
        "summary": query.summary or query.name,
        "description": query.description,
        "tags": ["quality checks" if query.is_qc else "query library"],
        "parameters": parameters,
        "responses": {"200": {"description": "SPARQL results", "content": SPARQL_RESULTS},
                      **_errors(400, 404, 413, 503)},
    }}


def document(library: dict[str, queries.Query]) -> dict:
    sparql_params = [{"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                      "description": "SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE)"}]
    sparql_results = {"description": "SELECT / ASK results, or the RDF of CONSTRUCT / DESCRIBE, by Accept",
                      "content": {**SPARQL_RESULTS, **RDF}}
    paths = {
        "/sparql": {
            "get": {"operationId": "sparql_get", "summary": "SPARQL 1.1 Protocol query (GET)",
                    "parameters": sparql_params, "tags": ["sparql"],
                    "responses": {"200": sparql_results, **_errors(400, 403, 406, 413, 503)}},
            "post": {"operationId": "sparql_post", "summary": "SPARQL 1.1 Protocol query (POST, form or body)",
                     "tags": ["sparql"],
                     "requestBody": {"content": {
                         "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                             "query": {"type": "string"}}}},
                         "application/sparql-query": {"schema": {"type": "string"}}}},
                     "responses": {"200": sparql_results, **_errors(400, 403, 406, 413, 415, 503)}},
        },
        "/graph-store": {"get": {
            "operationId": "graph_store_get", "summary": "a named graph (?graph=IRI) or their union (?default)",
            "tags": ["sparql"],
            "parameters": [{"name": "graph", "in": "query", "required": False, "schema": {"type": "string"}},
                           {"name": "default", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the graph", "content": RDF}, **_errors(400, 404, 405, 406)}}},
        "/api/info": {"get": {"operationId": "info", "summary": "what the server serves: date, triples, limits",
                              "tags": ["service"],
                              "responses": {"200": {"description": "server information",
                                                    "content": {"application/json": {}}}}}},
        "/api/queries": {"get": {"operationId": "list_queries", "summary": "the query library", "tags": ["query library"],
                                 "responses": {"200": {"description": "{queries: [{name, summary, description, params}]}",
                                                       "content": {"application/json": {}}}}}},
        "/api/openapi.json": {"get": {"operationId": "openapi", "summary": "this document", "tags": ["service"],
                                      "responses": {"200": {"description": "OpenAPI 3.1",
                                                            "content": {"application/json": {}}}}}},
        "/api/check": {"post": {
            "operationId": "check", "summary": "decide an order book (wakg check --format json)", "tags": ["check"],
            "parameters": [{"name": "as_of", "in": "query", "required": False,
                            "schema": {"type": "string", "format": "date"},
                            "description": "date for exports that give none (default: the server's date)"}],
            "requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}},
            "responses": {"200": {"description": "{engine, determinations, summary}", "content": {"application/json": {}}},
                          **_errors(400, 413, 415)}}},
        "/api/compare": {"get": {
            "operationId": "compare", "summary": "compare national implementations (wakg compare --format json)",
            "tags": ["compare"], "parameters": _compare_params(),
            "responses": {"200": {"description": "the comparison", "content": {"application/json": {}}},
                          **_errors(400)}}},
        "/compare": {"get": {
            "operationId": "compare_html", "summary": "the comparison as an HTML page", "tags": ["compare"],
            "parameters": _compare_params(),
            "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}, **_errors(400)}}},
    }
    for query in library.values():
        paths[f"/api/queries/{query.name}"] = _library_path(query)
    return {
        "openapi": "3.1.0",
        "info": {"title": "wassenaar-kg", "version": __version__,
                 "description": "Read-only SPARQL endpoint and query API over the reasoned export-control graph."},
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "parameter": {"type": "string"}}}}},
    }


def _compare_params() -> list[dict]:
    return [
        {"name": "jurisdictions", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "comma-separated jurisdiction codes (US,EU,GB); default all"},
        {"name": "entries", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "comma-separated Wassenaar entries (4.A.5,5.A.1.j)"},
        {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
    ]
