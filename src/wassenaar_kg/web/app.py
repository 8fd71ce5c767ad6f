"""create_app: the Starlette application of `wakg serve`, wired from the room's modules.

API routes come first; the workbench's static files (web/static/, index.html as the default page) are
mounted at / after them, so a file there can never shadow an API route. CORS is open to every origin for
reading, so YASGUI and other browser tools on other origins can query the endpoint unchanged.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..analyst import queries
from . import check, compare, library, openapi, sparql
from .access_log import AccessLog
from .responses import error
from .served import Served
from .settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]


async def info(request: Request) -> Response:
    served, settings = request.app.state.served, request.app.state.settings
    return JSONResponse({
        "name": "wassenaar-kg", "version": __version__, "as_of": served.as_of.isoformat(), "triples": len(served),
        "data": [str(p) for p in served.data], "determinations": len(served.reasoned.determinations),
        "graphs": [g.value for g in served.store.named_graphs()],
        "limits": {"timeout_s": settings.timeout, "max_rows": settings.max_rows,
                   "max_result_bytes": settings.max_result_bytes, "max_body_bytes": settings.max_body},
        "federation": settings.allow_federation,
    })


async def openapi_json(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug is a 500 with a short message, not a traceback sent to the client (it goes to the log)."""
    import traceback

    traceback.print_exception(exc)
    return error(500, f"internal error ({type(exc).__name__}); see the server's log")


def create_app(served: Served, settings: Settings | None = None, log_stream=None) -> Starlette:
    """The application over an already built graph (`served.served_graph`), with the server's limits."""
    settings = settings or Settings(as_of=served.as_of)
    routes = [
        Route("/sparql", sparql.sparql, methods=ALL_METHODS),
        Route("/graph-store", sparql.graph_store, methods=ALL_METHODS),
        Route("/api/info", info),
        Route("/api/openapi.json", openapi_json),
        Route("/api/queries", library.list_queries),
        Route("/api/queries/{name:path}", library.run_query),
        Route("/api/check", check.check, methods=["POST"]),
        Route("/api/compare", compare.compare_json),
        Route("/compare", compare.compare_html),
        Mount("/", StaticFiles(directory=STATIC, html=True, check_dir=False), name="static"),
    ]
    middleware = [
        Middleware(AccessLog, stream=log_stream),
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                   allow_headers=["*"], expose_headers=["X-Wakg-Notice"], max_age=3600),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={Exception: _unexpected})
    app.state.served = served
    app.state.settings = settings
    app.state.library = queries.library()
    app.state.openapi = openapi.document(app.state.library)
    return app
