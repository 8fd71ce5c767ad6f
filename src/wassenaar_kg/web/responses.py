"""Error answers: always a small JSON document `{"error": ...}` (with `parameter` when one value is wrong),
so a browser page, curl and a SPARQL client all get a message a person can act on, never a traceback."""

from __future__ import annotations

from starlette.responses import JSONResponse

from ..errors import InputError


def error(status: int, message: str, parameter: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": message}
    if parameter:
        body["parameter"] = parameter
    return JSONResponse(body, status_code=status, headers=headers)


def input_error(exc: InputError, status: int = 400) -> JSONResponse:
    """An InputError as wakg prints it (file, line, field: message), with the field as the parameter."""
    return error(status, str(exc), exc.field)
