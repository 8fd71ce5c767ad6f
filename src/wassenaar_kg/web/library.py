"""/api/queries: the query library (queries/*.rq) as a typed HTTP API.

Each library query is a GET with its parameters in the query string, checked and normalised exactly as
`wakg query --param` does (queries.prepare: 'Cyprus' is CY, 'e1' is E:1); a bad value is 400 naming the
parameter. Only library names are accepted, never a path: the server reads no file a request names.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..analyst import queries
from ..errors import InputError
from .negotiate import results_format
from .responses import error, input_error
from .runner import QueryTimeout, ResultTooLarge, run

FORMATS = ("json", "csv", "tsv", "xml")
RESERVED = ("format",)


def describe(query: queries.Query) -> dict:
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "params": [{"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                   for p in query.params],
        "example": query.example,
        "quality_check": query.is_qc,
        "path": f"/api/queries/{query.name}",
    }


async def list_queries(request: Request) -> Response:
    return JSONResponse({"queries": [describe(q) for q in request.app.state.library.values()]})


async def run_query(request: Request) -> Response:
    library, settings, served = request.app.state.library, request.app.state.settings, request.app.state.served
    name = request.path_params["name"]
    query = library.get(name)
    if query is None:
        return error(404, f"no query '{name}' in the library (GET /api/queries lists {len(library)})")
    given: dict[str, str] = {}
    for key in request.query_params.keys():
        values = request.query_params.getlist(key)
        if len(values) > 1:
            return error(400, f"'{key}' is given {len(values)} times", key)
        given[key] = values[0]
    raw_format = given.pop("format", None)
    if raw_format is not None:
        fmt = raw_format.strip().lower()
        if fmt not in FORMATS:
            return error(400, f"'{raw_format}' is not one of: {', '.join(FORMATS)}", "format")
    else:
        fmt = results_format(request.headers.get("accept")) or "json"
    unknown = sorted(set(given) - {p.name for p in query.params})
    if unknown:
        takes = ", ".join(f"{p.name} ({p.type})" for p in query.params) or "none"
        return error(400, f"unknown parameter(s) {', '.join(unknown)} for query {name}; it takes: {takes}",
                     unknown[0])
    try:
        prepared = queries.prepare(query, given, served.as_of, allow_service=settings.allow_federation)
        body, media_type = await run_in_threadpool(run, prepared, served.store, fmt, settings)
    except QueryTimeout as exc:
        return error(503, str(exc))
    except ResultTooLarge as exc:
        return error(413, str(exc))
    except InputError as exc:
        if exc.file == "--param" and exc.field:  # the CLI's wording names the option; here, the parameter
            return error(400, f"parameter '{exc.field}': {exc.message}", exc.field)
        return input_error(exc)
    headers = {}
    if prepared.notices:  # e.g. HK is treated as CN: the answer is for CN, and the client is told
        headers["X-Wakg-Notice"] = " | ".join(prepared.notices).encode("ascii", "replace").decode()
    return Response(body, media_type=media_type, headers=headers)
