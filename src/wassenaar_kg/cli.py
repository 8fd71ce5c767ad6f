"""Command line: a thin layer over the Python API. Exit codes: 0 ok, 1 findings, 2 bad input or usage."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from . import __version__
from .decide.engines import AUTO_FAST_ABOVE
from .errors import WakgError

FORMATS = ("text", "json", "jsonl", "csv", "ttl", "trig")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO date (YYYY-MM-DD)") from None


def cmd_info(args: argparse.Namespace) -> int:
    from .kg.files import load_graph
    from .analyst.stats import graph_stats, render_text

    stats = graph_stats(load_graph(), args.as_of)
    print(json.dumps(stats, indent=2) if args.format == "json" else render_text(stats))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .kg.build import stale_modules, write_modules
    from .kg.files import ontology_dir

    from .api import build_prebuilt, stale_prebuilt

    if args.check:
        stale = stale_modules(ontology_dir())
        for name in stale:
            print(f"ontology/{name} is out of date with ontology/tables/ (run `wakg build`)", file=sys.stderr)
        if stale:
            return 1
        built = stale_prebuilt()
        for name in built:
            print(f"ontology/prebuilt/: {name} is missing or out of date (run `wakg build`)", file=sys.stderr)
        return 1 if built else 0
    for path in write_modules(ontology_dir()):
        print(f"wrote {path}")
    for path in build_prebuilt():
        print(f"wrote {path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .kg.files import load_graph
    from .analyst.quality import validate_reference_data

    from .analyst.quality import qc_violations

    report = validate_reference_data(load_graph())
    print(report.text.strip())
    violations = qc_violations(dt.date.today())
    for name, message in violations:
        print(f"{name}: {message}")
    print(f"QC queries: {len(violations)} violation(s)")
    return 0 if report.conforms and not violations else 1


def cmd_check(args: argparse.Namespace) -> int:
    from .decide.fast import workers
    from .report import render_text
    from .inputs import stdin_copy

    explain = {i.strip() for i in args.explain.split(",") if i.strip()} if args.explain else set()
    if args.screening_list:
        from .api import screening_entries, use_screening_list

        use_screening_list(args.screening_list)
        screening_entries()  # a malformed list is reported (exit 2) before any export is read
    with stdin_copy(args.file, args.input_format) as source:
        summary, explained = _write_check(args, source, explain, workers())
    if args.output and not args.quiet:
        print(summary.line(), file=sys.stderr)
    elif summary.distinct_situations is not None and not args.quiet and args.format not in ("text", "json"):
        print(summary.line(), file=sys.stderr)
    for warning in summary.warnings():
        print(f"wakg: warning: {warning}", file=sys.stderr)
    if explained:
        from .api import check

        sys.stderr.write(render_text(check(explained, as_of=args.as_of, engine="reference",
                                           screening_list=args.screening_list)))
    missing = explain - {r.id for r in explained}
    if explain and summary.distinct_situations is None:
        missing = set()  # the reference engine already printed every chain
    if missing:
        print(f"--explain: no export with id {', '.join(sorted(missing))}", file=sys.stderr)
    return summary.exit_code


def _write_check(args: argparse.Namespace, source: Path, explain: set[str], processes: int):
    """Write the determinations to -o (atomically) or to standard output, which gets nothing until every
    export is decided (they are spooled first), so that a bad row anywhere leaves no partial output."""
    import shutil
    import tempfile

    from .atomic import atomic_writer
    from .report import write_check

    options = dict(as_of=args.as_of, engine=args.engine, screening_list=args.screening_list, quiet=args.quiet,
                   explain=explain, processes=processes, counterfactuals=args.counterfactuals)
    if args.output:
        with atomic_writer(args.output) as handle:
            return write_check(source, handle, args.format, **options)
    with tempfile.SpooledTemporaryFile(max_size=64 * 2**20, mode="w+", encoding="utf-8", newline="") as spool:
        found = write_check(source, spool, args.format, **options)
        spool.seek(0)
        sys.stdout.flush()
        shutil.copyfileobj(spool, sys.stdout)
    return found


def _params(pairs: list[str]) -> dict[str, str]:
    from .errors import InputError

    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError("--param", f"'{pair}' is not name=value")
        if key.strip() in params:
            raise InputError("--param", f"'{key.strip()}' is given twice")
        params[key.strip()] = value
    return params


def cmd_query(args: argparse.Namespace) -> int:
    from .analyst import queries

    if args.list:
        for query in queries.library().values():
            params = ", ".join(f"{p.name}:{p.type}" + (f"={p.default}" if p.default is not None else "") for p in query.params)
            print(f"{query.name:28} {query.summary}" + (f"  [{params}]" if params else ""))
        return 0
    if not args.query:
        from .errors import InputError

        raise InputError("wakg query", "name a query (see --list) or give a .rq file")
    from .analyst.reasoned import build

    if not 0 <= args.timeout < float("inf"):
        from .errors import InputError

        raise InputError("--timeout", f"{args.timeout:g} is not a number of seconds (0: no limit)")
    query = queries.resolve(args.query)
    # fail fast on UPDATE, SERVICE and bad parameters, before any reasoning
    prepared = queries.prepare(query, _params(args.param), args.as_of, allow_service=args.allow_service)
    for notice in prepared.notices:
        print(f"wakg: note: {notice}", file=sys.stderr)
    reasoned = build(args.as_of, args.data)
    data = queries.evaluate(prepared, reasoned.store(), args.format, args.rdf_format, args.timeout)
    if args.output:
        from .atomic import atomic_writer

        with atomic_writer(args.output, "wb") as handle:
            handle.write(data)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .analyst.graph_export import export
    from .analyst.reasoned import build

    reasoned = build(args.as_of, args.data)
    export(reasoned, args.graphs, args.format, args.output, sys.stdout)
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from .analyst.push import preflight, push
    from .analyst.reasoned import build

    where = preflight(args.endpoint, args.graph_prefix)  # reported before the graphs are built
    reasoned = build(args.as_of, args.data)
    pushed = push(reasoned.graphs("all"), args.endpoint, args.graph_prefix, timeout=args.timeout or None)
    print(pushed.line(where), file=sys.stderr)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .api import reference_graph
    from .atomic import atomic_writer
    from .analyst.compare import compare
    from .analyst.compare_report import render

    entries = [e.strip() for e in args.entries.split(",") if e.strip()] if args.entries else None
    comparison = compare(reference_graph(), args.jurisdictions or None, entries, args.as_of)
    output = render(comparison, args.format)
    if args.output:
        with atomic_writer(args.output, "wb" if isinstance(output, bytes) else "w") as handle:
            handle.write(output)
        print(f"wrote {args.output}", file=sys.stderr)
    elif isinstance(output, bytes):
        from .errors import InputError

        raise InputError("--format", f"{args.format} output is binary: give -o FILE")
    else:
        sys.stdout.write(output)
    return 0


def _write_text(text: str, output: Path | None) -> None:
    """Text to -o (atomically, then 'wrote FILE' on stderr) or to standard output."""
    if output:
        from .atomic import atomic_writer

        with atomic_writer(output) as handle:
            handle.write(text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_diff(args: argparse.Namespace) -> int:
    from .analyst.diff_report import render
    from .analyst.law_diff import diff
    from .decide.vocabulary import coverage_through

    through = coverage_through()
    if through is not None and args.to_date > through:
        print(f"wakg: warning: --to {args.to_date} is after {through}, the last day the bundled law was verified: "
              "changes after it are not known", file=sys.stderr)
    _write_text(render(diff(args.from_date, args.to_date, args.data, args.engine), args.format), args.output)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from .analyst.trace import problems, render_json, render_markdown, trace_rows

    rows = trace_rows()
    _write_text(render_json(rows) if args.format == "json" else render_markdown(rows), args.output)
    for problem in problems(rows):
        print(f"trace: {problem}", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from .errors import InputError
    from .web import create_app
    from .web.served import served_graph
    from .web.settings import Settings

    if not 0 <= args.timeout < float("inf"):
        raise InputError("--timeout", f"{args.timeout:g} is not a number of seconds (0: no limit)")
    if args.max_rows < 1:
        raise InputError("--max-rows", f"{args.max_rows} is not a positive number of rows")
    if not 0 <= args.port <= 65535:
        raise InputError("--port", f"{args.port} is not a port number (0-65535; 0: any free port)")
    settings = Settings(as_of=args.as_of, timeout=args.timeout, max_rows=args.max_rows,
                        allow_federation=args.allow_federation)
    # bind before the graph is built: a port in use is reported at once (exit 2), not after seconds of reasoning
    # (proto IPPROTO_TCP, as asyncio's own sockets have: only then does it set TCP_NODELAY on each connection,
    # without which a kept-alive client waits ~40 ms for every answer sent in two writes, headers and body)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    served = served_graph(args.as_of, args.data)
    app = create_app(served, settings)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"wakg: serving {len(served):,} triples (law as of {args.as_of}) on http://{shown}:{port}/ "
          f"(SPARQL: http://{shown}:{port}/sparql); Ctrl-C stops", file=sys.stderr, flush=True)
    if host not in ("127.0.0.1", "::1", "localhost"):
        print(f"wakg: warning: listening on {host}, not only on this machine: the server has no authentication",
              file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wakg", description=__doc__)
    parser.add_argument("--version", action="version", version=f"wakg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    info = sub.add_parser("info", help="statistics of the knowledge graph as of a date")
    info.add_argument("--as-of", type=_date, default=dt.date.today(), help="date (YYYY-MM-DD), default today")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.set_defaults(func=cmd_info)

    build = sub.add_parser("build", help="regenerate ontology modules from ontology/tables/ and the derived data "
                           "shipped in the package (ontology/prebuilt/)")
    build.add_argument("--check", action="store_true", help="only report modules that are out of date (exit 1)")
    build.set_defaults(func=cmd_build)

    check = sub.add_parser(
        "check",
        help="decide license obligations of exports (exit 0: none lacks a license; 1: some do; 2: bad input)",
        description="Decide each export under the law of its date. Input: CSV with header "
        "id,eccn,destination,end_user[,end_use,transaction,digital_artifacts,incident_system_owner,"
        "knows_unauthorized_use,date,license], or Turtle / JSON-LD individuals of the ontology.",
    )
    check.add_argument("file", type=Path, help="exports (.csv, .ttl, .jsonld; '-': standard input, see --input-format)")
    check.add_argument("--input-format", choices=("csv", "ttl", "jsonld"), default="csv",
                       help="format of standard input (with file '-'; default csv)")
    check.add_argument("--as-of", type=_date, default=None, help="date for exports that give none (default today)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--engine", choices=("auto", "reference", "fast"), default="auto",
                       help=f"reference: SHACL rules per export, also the RDF of the findings (ttl, trig); fast: the same "
                            f"rules once per distinct situation, streaming CSV books of any size with the same "
                            f"determinations and explanations; auto (default): fast above {AUTO_FAST_ABOVE} CSV rows "
                            f"unless the format is ttl or trig")
    check.add_argument("--explain", metavar="ID[,ID...]", help="with the fast engine: re-derive the chain of "
                       "these exports with the reference engine as well (printed to stderr)")
    check.add_argument("--counterfactuals", action="store_true",
                       help="for each export that needs a license, the changes of one input that would authorize "
                            "it (text, json, jsonl)")
    check.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary line")
    check.add_argument("--screening-list", type=Path, metavar="FILE",
                       help="also screen end-user names against the Entity List rows of this official Consolidated "
                            "Screening List file (trade.gov consolidated.csv or consolidated.json)")
    check.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout ('-': "
                       "stdout); never an input, a directory or a device")
    check.set_defaults(func=cmd_check)

    query = sub.add_parser("query", help="run a SPARQL query of the library (queries/) or a .rq file")
    query.add_argument("query", nargs="?", help="query name (see --list) or path to a .rq file")
    query.add_argument("--list", action="store_true", help="list the query library")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="query parameter")
    query.add_argument("--data", type=Path, help="exports to check and include (.csv, .ttl, .jsonld)")
    query.add_argument("--as-of", type=_date, default=dt.date.today(), help="date of the law (default today)")
    query.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table",
                       help="for SELECT and ASK results (json, csv, tsv: the SPARQL 1.1 results formats)")
    query.add_argument("--rdf-format", choices=("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"),
                       default="turtle", help="for CONSTRUCT and DESCRIBE results (default turtle)")
    query.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                       help="stop a query that runs longer (default 30; 0: no limit)")
    query.add_argument("--allow-service", action="store_true",
                       help="run SERVICE clauses (federated queries reach the network; refused by default)")
    query.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout ('-': stdout)")
    query.set_defaults(func=cmd_query)

    exp = sub.add_parser("export", help="export asserted and inferred triples (named graphs) or determinations")
    exp.add_argument("--data", type=Path, help="exports to check and include (.csv, .ttl, .jsonld)")
    exp.add_argument("--graphs", choices=("asserted", "inferred", "all"), default="all")
    exp.add_argument("--as-of", type=_date, default=dt.date.today(), help="date of the law (default today)")
    exp.add_argument("--format", choices=("ttl", "nt", "nq", "trig", "jsonld", "csv"), default="trig")
    exp.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    exp.set_defaults(func=cmd_export)

    push = sub.add_parser("push", help="replace the named graphs of `export` in a triple store (SPARQL 1.1 Graph "
                          "Store Protocol, HTTP PUT); the store's other graphs are left alone")
    push.add_argument("--endpoint", required=True, metavar="URL", help="the store's Graph Store endpoint, e.g. "
                      "http://localhost:7878/store (Oxigraph), http://localhost:3030/DATASET/data (Fuseki)")
    push.add_argument("--graph-prefix", metavar="IRI", help="name the graphs IRI + reference|asserted|inferred "
                      "(default https://w3id.org/wassenaar-kg/graph/)")
    push.add_argument("--data", type=Path, help="exports to check and include (.csv, .ttl, .jsonld)")
    push.add_argument("--as-of", type=_date, default=dt.date.today(), help="date of the law (default today)")
    push.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                      help="give up when the store takes longer to take a chunk or to answer (default 600; 0: no limit)")
    push.set_defaults(func=cmd_push)

    cmp = sub.add_parser("compare", help="compare national implementations of the Wassenaar cyber entries")
    cmp.add_argument("jurisdictions", nargs="*", help="jurisdiction codes (EU, US, GB or UK, DE, CH, JP, ...); default all")
    cmp.add_argument("--entries", help="comma-separated Wassenaar entries, e.g. 4.A.5,5.A.1.j")
    cmp.add_argument("--as-of", type=_date, default=dt.date.today(), help="date (default today)")
    cmp.add_argument("--format", choices=("table", "csv", "json", "html", "png", "svg"), default="table")
    cmp.add_argument("-o", "--output", type=Path, help="write to this file (atomically)")
    cmp.set_defaults(func=cmd_compare)

    dif = sub.add_parser("diff", help="what changed in the law between two dates (and, with --data, which exports "
                                      "it decides differently)")
    dif.add_argument("--from", dest="from_date", type=_date, required=True, metavar="DATE",
                     help="the earlier date (changes taking effect after it are listed)")
    dif.add_argument("--to", dest="to_date", type=_date, default=dt.date.today(), metavar="DATE",
                     help="the later date (changes up to and including it; default today)")
    dif.add_argument("--data", type=Path, help="exports (.csv, .ttl, .jsonld) to decide under the law of both dates")
    dif.add_argument("--engine", choices=("auto", "reference", "fast"), default="auto",
                     help="engine deciding the exports (as for check)")
    dif.add_argument("--format", choices=("text", "json", "csv"), default="text",
                     help="csv: one row per change, or with --data one row per export decided differently")
    dif.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    dif.set_defaults(func=cmd_diff)

    trace = sub.add_parser("trace", help="trace table: each paragraph of 740.22 and the overlays, its text, rules and scenarios")
    trace.add_argument("--format", choices=("markdown", "json"), default="markdown")
    trace.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    trace.set_defaults(func=cmd_trace)

    serve = sub.add_parser("serve", help="serve the reasoned graph: a read-only SPARQL endpoint, the query library "
                           "as an HTTP API, check and compare, and the workbench (web browser)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=7878, help="port (default 7878; 0: any free port)")
    serve.add_argument("--data", type=Path, nargs="+", action="extend", default=[], metavar="FILE",
                       help="exports to check and include in the graph (.csv, .ttl, .jsonld; several allowed)")
    serve.add_argument("--as-of", type=_date, default=dt.date.today(), help="date of the law (default today)")
    serve.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                       help="stop a query that runs longer and answer 503 (default 10; 0: no limit)")
    serve.add_argument("--max-rows", type=int, default=100_000, metavar="N",
                       help="refuse a result of more rows (or triples) than this (413; default 100000)")
    serve.add_argument("--allow-federation", action="store_true",
                       help="run SERVICE clauses (the server then reaches other servers; refused by default)")
    serve.set_defaults(func=cmd_serve)

    validate = sub.add_parser("validate", help="check the reference data against the quality shapes")
    validate.set_defaults(func=cmd_validate)
    return parser


def _inputs(args: argparse.Namespace) -> list[Path]:
    """The files a command reads, which `-o` must never replace."""
    found = [getattr(args, name, None) for name in ("file", "data", "screening_list")]
    if isinstance(getattr(args, "query", None), str) and args.query.endswith(".rq"):
        found.append(Path(args.query))
    return [Path(p) for p in found if p is not None]


def _warn_beyond_coverage(args: argparse.Namespace) -> None:
    """A date after the last day the bundled law was verified is answered as if nothing changed since: say so.
    (`check` counts its exports' own dates in its summary instead.)"""
    as_of = getattr(args, "as_of", None)
    if as_of is None or args.command == "check":
        return
    from .decide.vocabulary import coverage_through

    through = coverage_through()
    if through is not None and as_of > through:
        print(f"wakg: warning: --as-of {as_of} is after {through}, the last day the bundled law (Country Chart, "
              "Country Groups) was verified: answered as if nothing changed since", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "output"):
            from .outputs import checked_output

            args.output = checked_output(args.output, _inputs(args))
        _warn_beyond_coverage(args)
        return args.func(args)
    except WakgError as exc:
        print(f"wakg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the machine, not the input: a full disk, a file that vanished
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"wakg: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: atomic outputs leave no partial file; no traceback
        print("wakg: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
