"""`wakg push`: replace the project's named graphs in a triple store, over the SPARQL 1.1 Graph Store Protocol.

Why: analysts keep their data in a shared store (Oxigraph, Fuseki, GraphDB) next to other graphs, and want the
reference, asserted and inferred graphs of `wakg export` there without a file in between. The Graph Store
Protocol is the one write interface those stores share, and its PUT replaces exactly one graph: each of
ours is replaced whole (a second push never doubles it), and no other graph of the store is touched. A
graph `export` leaves out (the asserted graph when no exports are given) is deleted from the store, so the
store holds what `export` would write. Each body is N-Triples streamed in chunks, so the serialisation is
never held whole in memory next to the graph itself.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.plugins.serializers.nt import _nt_row

from ..errors import InputError
from ..kg.namespaces import BASE

GRAPH_PREFIX = BASE + "graph/"  # the project's graph IRIs: GRAPH_PREFIX + reference | asserted | inferred
PROJECT_GRAPHS = ("reference", "asserted", "inferred")
CHUNK = 1 << 20  # bytes of N-Triples per chunk of a request body
CONTENT_TYPE = "application/n-triples"


@dataclass
class Pushed:
    graphs: int
    triples: int
    seconds: float
    deleted: list[str]

    def line(self, endpoint: str) -> str:
        rate = f", {self.triples / self.seconds:,.0f} triples/s" if self.seconds > 0 else ""
        gone = f"; removed {', '.join(self.deleted)} (not in this export)" if self.deleted else ""
        return f"pushed {self.graphs} graphs, {self.triples:,} triples to {endpoint} in {self.seconds:.1f} s{rate}{gone}"


def _checked_iri(text: str, option: str) -> str:
    import httpx

    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InputError(option, f"'{text}' is not a URL: {exc}") from None
    if not url.scheme or any(c in text for c in " <>\"{}|\\^`"):
        raise InputError(option, f"'{text}' is not an absolute IRI")
    return text


def endpoint_url(text: str):
    """The Graph Store endpoint as an httpx.URL: http(s), with a host, else an InputError."""
    import httpx

    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InputError("--endpoint", f"'{text}' is not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InputError("--endpoint", f"'{text}' is not an http(s) URL with a host "
                         "(e.g. http://localhost:7878/store)")
    return url


def preflight(endpoint: str, prefix: str | None = None) -> str:
    """Fail early (before minutes of checking exports) on a bad URL or prefix, or when nothing listens at the
    endpoint; any HTTP answer will do, since stores differ in what they allow on the bare endpoint.
    Returns the endpoint as it may be shown."""
    import httpx

    url = endpoint_url(endpoint)
    if prefix is not None:
        _checked_iri(prefix, "--graph-prefix")
    try:
        httpx.head(url, timeout=httpx.Timeout(30.0, connect=10.0))
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise InputError("--endpoint", f"cannot reach {shown(url)}: {exc or 'connection refused'}") from None
    except httpx.TimeoutException:
        raise InputError("--endpoint", f"{shown(url)} did not answer within 30 s") from None
    except httpx.HTTPError:
        pass  # something answered; push() reports what goes wrong in earnest
    return shown(url)


def shown(url) -> str:
    """The URL without its user and password (they may be given in it; never print them)."""
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


def target_iri(name: URIRef | str, prefix: str | None) -> str:
    """The IRI a project graph gets in the store: `prefix` + its last segment (prefix None: unchanged)."""
    name = str(name)
    if prefix is None or not name.startswith(GRAPH_PREFIX):
        return name
    return prefix + name[len(GRAPH_PREFIX):]


def ntriples_chunks(graph: Graph, done: Callable[[int], None] = lambda n: None,
                    size: int = CHUNK) -> Iterator[bytes]:
    """The graph as N-Triples, about `size` bytes at a time; `done(n)` is told of every n triples sent."""
    parts: list[str] = []
    length = count = 0
    for triple in graph:
        row = _nt_row(triple)
        parts.append(row)
        length += len(row)
        count += 1
        if length >= size:
            yield "".join(parts).encode("utf-8")
            done(count)
            parts, length, count = [], 0, 0
    if parts:
        yield "".join(parts).encode("utf-8")
        done(count)


def _answer_error(response, what: str) -> InputError:
    message = " ".join(response.text.split())[:500] if response.content else ""
    status = f"{response.status_code} {response.reason_phrase}".strip()
    return InputError("--endpoint", f"{what}: the store answered {status}" + (f": {message}" if message else ""))


def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("pushing {task.fields[graph]}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("triples"), TimeRemainingColumn(), transient=True, console=Console(stderr=True))


def push(graphs: dict[URIRef, Graph], endpoint: str, prefix: str | None = None, *,
         progress: bool | None = None, timeout: float | None = 600.0) -> Pushed:
    """Replace each graph of `graphs` (name -> graph) at the Graph Store `endpoint` with HTTP PUT ?graph=IRI,
    and delete the project's graphs that `graphs` lacks. `timeout`: seconds the store may take to take a chunk
    or to answer (None: no limit). Errors of the network or the store are InputErrors."""
    import httpx

    url = endpoint_url(endpoint)
    if prefix is not None:
        prefix = _checked_iri(prefix, "--graph-prefix")
    where = shown(url)
    show = sys.stderr.isatty() if progress is None else progress
    names = [GRAPH_PREFIX + name for name in PROJECT_GRAPHS]
    missing = [name for name in names if URIRef(name) not in graphs]
    limits = httpx.Timeout(timeout, connect=10.0)
    started = time.perf_counter()
    triples, deleted = 0, []
    try:
        with httpx.Client(timeout=limits, follow_redirects=False) as client, _progress(show) as bar:
            for name, graph in sorted(graphs.items()):
                iri = target_iri(name, prefix)
                short = str(name).removeprefix(GRAPH_PREFIX)  # the bar's line is short: reference, asserted, ...
                task = bar.add_task("push", total=len(graph), graph=short) if bar else None
                tick = (lambda n, t=task: bar.update(t, advance=n)) if bar else (lambda n: None)
                response = client.put(url, params={"graph": iri}, content=ntriples_chunks(graph, tick),
                                      headers={"Content-Type": CONTENT_TYPE})
                if not response.is_success:
                    raise _answer_error(response, f"PUT graph <{iri}> to {where}")
                triples += len(graph)
                if bar:
                    bar.remove_task(task)
            for name in missing:
                iri = target_iri(name, prefix)
                response = client.delete(url, params={"graph": iri})
                if response.status_code == 404:
                    continue
                if not response.is_success:
                    raise _answer_error(response, f"DELETE graph <{iri}> at {where}")
                deleted.append(iri)
    except httpx.InvalidURL as exc:
        raise InputError("--endpoint", f"'{where}' is not a usable URL: {exc}") from None
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise InputError("--endpoint", f"cannot reach {where}: {exc or 'connection refused'}") from None
    except httpx.TimeoutException:
        raise InputError("--endpoint", f"{where} did not answer within {timeout:g} s (see --timeout)") from None
    except httpx.HTTPError as exc:  # the connection broke mid-request, a malformed answer, ...
        raise InputError("--endpoint", f"{where}: {type(exc).__name__}: {exc}") from None
    return Pushed(len(graphs), triples, time.perf_counter() - started, deleted)
