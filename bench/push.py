"""Benchmark `wakg push`: the graphs of a 100,000-export book written into a real Oxigraph server.

    python bench/push.py                                   # 100,000 exports, inferred graph of the first 1,000
    python bench/push.py --rows 100000 --inferred-rows 2000 --json bench/push.json

What is pushed, and why not `wakg push --data` on the whole book: `push --data` builds its graphs as
`export --data` does, with the reference engine (it alone gives the RDF of the findings), which decides
about 30 exports a second: 100,000 would take about an hour. The fast engine gives the same determinations
but no RDF. So the benchmark pushes
- graph/reference: the project's reference graph, as `export` has it;
- graph/asserted: the triples of all `--rows` exports (decide.records.records_to_graph, the very triples the
  reference engine puts in the asserted graph);
- graph/inferred: the inferred graph of `export --data` for the first `--inferred-rows` exports (OWL 2 RL
  closure of the reference graph, Country Group memberships, and the findings of those exports).
The push itself (the thing measured) does not care where the triples come from: it is timed apart from
building the graphs, twice (the first write, then a replace), against an Oxigraph server started on a
temporary database. Peak RSS is that of this process while pushing (the graphs already in memory; the
kernel's high-water mark is reset just before), and of the Oxigraph server over the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

from wassenaar_kg.analyst.push import push  # noqa: E402
from wassenaar_kg.analyst.reasoned import REFERENCE_GRAPH, build, stable_bnodes, stable_reference  # noqa: E402
from wassenaar_kg.api import ASSERTED_GRAPH, INFERRED_GRAPH, read_exports, vocabulary  # noqa: E402
from wassenaar_kg.decide.records import records_to_graph  # noqa: E402

AS_OF = dt.date(2026, 7, 1)


def _status(pid: int | str, key: str) -> int:
    """A memory figure of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    """Reset this process's VmHWM (Linux: writing 5 to clear_refs), so the peak is that of what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _server(location: Path) -> tuple[subprocess.Popen, str]:
    binary = Path(sysconfig.get_path("scripts")) / "oxigraph"
    binary = str(binary) if binary.exists() else shutil.which("oxigraph")
    if binary is None:
        sys.exit("the oxigraph server binary is not installed (pip install oxigraph)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2).raise_for_status()
            return server, base
        except httpx.HTTPError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                sys.exit("oxigraph did not start")
            time.sleep(0.1)


def _counts(base: str) -> dict[str, int]:
    response = httpx.post(f"{base}/query", data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                                          "GROUP BY ?g"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=600)
    response.raise_for_status()
    return {row["g"]["value"]: int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="exports in the asserted graph")
    parser.add_argument("--inferred-rows", type=int, default=1_000, help="exports whose findings are in the inferred graph")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    result: dict = {"rows_asserted": args.rows, "rows_inferred": args.inferred_rows, "as_of": AS_OF.isoformat()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = generate(tmp / "book.csv", args.rows)
        with book.open(encoding="utf-8") as handle:
            head = [next(handle) for _ in range(args.inferred_rows + 1)]
        (tmp / "head.csv").write_text("".join(head), encoding="utf-8")

        start = time.perf_counter()
        inferred = build(AS_OF, tmp / "head.csv").inferred  # the reference engine on the first rows
        result["build_inferred_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        asserted = stable_bnodes(records_to_graph(read_exports(book, vocabulary(), AS_OF)))
        result["build_asserted_s"] = round(time.perf_counter() - start, 1)
        graphs = {REFERENCE_GRAPH: stable_reference(), ASSERTED_GRAPH: asserted, INFERRED_GRAPH: inferred}
        result["triples"] = {str(name).rsplit("/", 1)[-1]: len(graph) for name, graph in graphs.items()}
        result["rss_before_push_mb"] = round(_status("self", "VmRSS") / 2**20)

        server, base = _server(tmp / "oxigraph")
        try:
            for run in ("first", "replace"):
                _reset_peak()
                pushed = push(graphs, f"{base}/store", progress=False, timeout=3600)
                result[f"push_{run}"] = {"seconds": round(pushed.seconds, 2), "triples": pushed.triples,
                                         "triples_per_s": round(pushed.triples / pushed.seconds),
                                         "peak_rss_mb": round(_status("self", "VmHWM") / 2**20)}
                found = _counts(base)
                assert all(found[str(name)] == len(graph) for name, graph in graphs.items()), found
            result["oxigraph_peak_rss_mb"] = round(_status(server.pid, "VmHWM") / 2**20)
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
