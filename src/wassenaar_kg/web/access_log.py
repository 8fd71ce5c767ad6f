"""One line per request on standard error: method, path, status and milliseconds.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware), so streamed and static responses are timed
to their last byte and nothing is buffered. uvicorn's own access log is turned off in favour of this one."""

from __future__ import annotations

import sys
import time


class AccessLog:
    def __init__(self, app, stream=None) -> None:
        self.app = app
        self.stream = stream

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            path = scope.get("path", "")  # not the query string: it may hold a long query text
            out = self.stream or sys.stderr
            print(f"{scope.get('method', '-')} {path} {status[0]} {ms:.1f}ms", file=out, flush=True)
