"""/api/compare and /compare: `wakg compare` over HTTP, as JSON and as its self-contained HTML page.

Parameters are those of the command: jurisdictions and entries as comma-separated lists (default: every
participating state on the date, the EU and every other jurisdiction with data; the cyber entries), as_of an ISO date (default: the server's date). The HTML page
draws charts with matplotlib, which is not thread-safe: pages are rendered one at a time.
"""

from __future__ import annotations

import datetime as dt
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..analyst.compare import compare
from ..analyst.compare_html import render_html
from ..analyst.compare_report import to_dict
from ..api import reference_graph
from ..errors import InputError
from .responses import error

_lock = threading.Lock()


def _split(text: str | None) -> list[str] | None:
    items = [i.strip() for i in (text or "").split(",") if i.strip()]
    return items or None


def _comparison(request: Request):
    params = request.query_params
    raw = params.get("as_of")
    try:
        as_of = dt.date.fromisoformat(raw) if raw else request.app.state.settings.as_of
    except ValueError:
        raise InputError("as_of", f"'{raw}' is not an ISO date (YYYY-MM-DD)", None, "as_of") from None
    return compare(reference_graph(), _split(params.get("jurisdictions")), _split(params.get("entries")), as_of)


def _parameter(exc: InputError) -> str | None:
    return {"jurisdiction": "jurisdictions", "--entries": "entries"}.get(exc.file, exc.field)


async def compare_json(request: Request) -> Response:
    try:
        comparison = await run_in_threadpool(_comparison, request)
    except InputError as exc:
        return error(400, exc.message, _parameter(exc))
    return JSONResponse(to_dict(comparison))


async def compare_html(request: Request) -> Response:
    def page() -> str:
        comparison = _comparison(request)
        with _lock:
            return render_html(comparison)

    try:
        return HTMLResponse(await run_in_threadpool(page))
    except InputError as exc:
        return error(400, exc.message, _parameter(exc))
