"""The web room: `wakg serve`, a read-only SPARQL endpoint and query API over the reasoned graph.

It sits between `analyst` (which builds the reasoned graph and runs the query library) and `cli` (which
starts it): the web layer only translates HTTP to the calls `wakg query`, `wakg check` and `wakg compare`
already make, so the answers over HTTP are the answers of the command line.
"""

from __future__ import annotations

from .app import create_app  # noqa: F401  (the room's entry point)
