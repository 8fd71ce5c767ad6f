"""What a running server was started with: one frozen object, so every route reads the same limits."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_RESULT_BYTES = 256 * 2**20  # a result larger than this is refused, however few its rows
DEFAULT_MAX_BODY = 20 * 2**20  # an order book or query text larger than this is refused (413)


@dataclass(frozen=True)
class Settings:
    as_of: dt.date
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    max_body: int = DEFAULT_MAX_BODY
    allow_federation: bool = False
    #: queries evaluated at once (one forked child each); more wait their turn, so that a burst of requests
    #: does not split the CPUs so thin that every query runs into the time limit, which counts from the start
    #: of a query's own evaluation, not from its arrival
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 2)
