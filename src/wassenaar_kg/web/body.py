"""Reading a request body with a size cap, so one large upload cannot exhaust the server's memory: the
body is read chunk by chunk and refused as soon as it passes the cap (a declared Content-Length larger
than the cap is refused before reading anything)."""

from __future__ import annotations

from starlette.requests import Request


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit:,} bytes")
        self.limit = limit


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
