"""POST /api/check: `wakg check --format json` over HTTP.

The body is an order book as CSV (exactly what `wakg check` reads from a file) or JSON (a list of export
objects with the CSV's column names). The answer is the JSON document `wakg check --format json` prints:
the same front door (report.write_check), so the same engine choice, determinations, explanation chains and
summary (with `?counterfactuals=true`, each export needing a license also carries the changes of one
input that would authorize it, as `wakg check --counterfactuals`). A bad row is 400 with the message
`wakg check` prints (file, line, field), the file being named
`<request body>`. Checks run one at a time in a worker thread: the engines keep process-wide caches.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import InputError
from ..report import write_check
from .body import TooLarge, read_body
from .responses import error, input_error

BODY_NAME = "<request body>"
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
JSON_TYPES = ("application/json",)
_lock = threading.Lock()


def _check_csv(data: bytes, as_of: dt.date, counterfactuals: bool = False) -> str:
    with tempfile.TemporaryDirectory(prefix="wakg-serve-") as folder:
        path = Path(folder) / "orders.csv"
        path.write_bytes(data)
        try:
            return _check(path, as_of, counterfactuals)
        except InputError as exc:
            exc.file = exc.file.replace(str(path), BODY_NAME)
            raise


def _check_json(data: bytes, as_of: dt.date, counterfactuals: bool = False) -> str:
    try:
        rows = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(BODY_NAME, f"not JSON ({exc})") from None
    if isinstance(rows, dict) and isinstance(rows.get("exports"), list):
        rows = rows["exports"]
    if not isinstance(rows, list):
        raise InputError(BODY_NAME, "give a JSON list of export objects (with the CSV column names as keys)")
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InputError(BODY_NAME, f"item {index} is not an object with the CSV column names as keys")
        bad = [k for k, v in row.items() if isinstance(v, (dict, list))]
        if bad:
            raise InputError(BODY_NAME, "a value must be a string, number, boolean or null", index, bad[0])
    return _check(rows, as_of, counterfactuals)


def _check(source, as_of: dt.date, counterfactuals: bool = False) -> str:
    buffer = io.StringIO()
    with _lock:
        write_check(source, buffer, "json", as_of=as_of, engine="auto", quiet=True, counterfactuals=counterfactuals)
    return buffer.getvalue()


async def check(request: Request) -> Response:
    settings = request.app.state.settings
    raw = request.query_params.get("as_of")
    try:
        as_of = dt.date.fromisoformat(raw) if raw else settings.as_of
    except ValueError:
        return error(400, f"'{raw}' is not an ISO date (YYYY-MM-DD)", "as_of")
    flag = request.query_params.get("counterfactuals", "false").lower()
    if flag not in ("true", "false", "1", "0", "yes", "no"):
        return error(400, f"'{flag}' is not true or false", "counterfactuals")
    counterfactuals = flag in ("true", "1", "yes")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in CSV_TYPES + JSON_TYPES:
        return error(415, "send the order book as text/csv (the columns wakg check reads) or application/json "
                          "(a list of export objects)")
    try:
        data = await read_body(request, settings.max_body)
    except TooLarge as exc:
        return error(413, str(exc))
    work = _check_json if media in JSON_TYPES else _check_csv
    try:
        text = await run_in_threadpool(work, data, as_of, counterfactuals)
    except InputError as exc:
        return input_error(exc)
    return Response(text, media_type="application/json")
