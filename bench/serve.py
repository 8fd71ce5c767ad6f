"""Benchmark of `wakg serve`: warm library queries, then a bounded load test on loopback, and the server's RSS.

    python bench/serve.py [--repeat 50] [--clients 16] [--requests 2000] [--json results.json]

Starts the real server (`wakg serve --port 0 --data examples/exports.csv`) in a subprocess and talks HTTP to it
with httpx, as any client would:

1. warm latency: each library query (with the parameters of its `example`) run `--repeat` times after one
   warm-up call; median and p95 in ms (target: median <= 100 ms);
2. load: `--clients` concurrent httpx clients (threads) send `--requests` requests mixed over the library
   queries and /sparql (GET and POST, JSON and CSV); errors (anything but 200, or a failed connection, must
   be 0), throughput, median and p95 latency, and whether the server still answers afterwards;
3. memory: the server's resident set (VmRSS) and its peak (VmHWM) from /proc.
Client and server share the machine, so throughput is a lower bound of what the server alone would do.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wassenaar_kg.analyst import queries  # noqa: E402

SPARQL = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#> SELECT ?c ?g WHERE { ?c wakg:inCountryGroup ?g } LIMIT 200",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?s ?n WHERE { ?s skos:notation ?n } ORDER BY ?n LIMIT 100",
    "ASK { ?s a <http://www.w3.org/2002/07/owl#Class> }",
]


SLOW_MS = 3000  # a library query slower than this once is timed once only


def example_params(query: queries.Query) -> dict[str, str]:
    """The --param values of the query's example command line (its defaults otherwise)."""
    words = shlex.split(query.example) if query.example else []
    params = {}
    for word, value in zip(words, words[1:]):
        if word == "--param":
            key, _, val = value.partition("=")
            params[key] = val
    return params


def start(data: Path, timeout: float) -> tuple[subprocess.Popen, str, Path]:
    log = Path(tempfile.mkstemp(prefix="wakg-serve-bench-", suffix=".log")[1])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "wassenaar_kg", "serve", "--port", "0", "--timeout",
                                    str(timeout), "--data", str(data)], stdout=subprocess.DEVNULL, stderr=err,
                                   env=env, cwd=ROOT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = re.search(r"on (http://[^/\s]+)/", log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return process, found.group(1), log
        if process.poll() is not None:
            raise SystemExit(f"wakg serve ended:\n{log.read_text()}")
        time.sleep(0.1)
    process.kill()
    raise SystemExit("wakg serve did not start in 180 s")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def rss(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024  # MiB
    return found


def warm(client: httpx.Client, library: dict[str, queries.Query], repeat: int) -> dict[str, dict]:
    results = {}
    for name, query in library.items():
        params = example_params(query)
        started = time.perf_counter()
        first = client.get(f"/api/queries/{name}", params=params)
        once = (time.perf_counter() - started) * 1000
        if first.status_code != 200:
            results[name] = {"error": f"{first.status_code} {first.text[:200]}"}
            continue
        if once > SLOW_MS:  # not repeated, and left out of the load mix: it alone would take minutes
            results[name] = {"slow_ms": round(once, 1)}
            continue
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            r = client.get(f"/api/queries/{name}", params=params)
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
        rows = len(first.json().get("results", {}).get("bindings", []))
        results[name] = {"median_ms": round(statistics.median(times), 1), "p95_ms": round(pct(times, 95), 1),
                         "rows": rows}
    return results


def requests_mix(library: dict[str, queries.Query]):
    """An endless, repeatable mix: each library query, then each /sparql query by GET / POST, JSON / CSV."""
    plan = [("GET", f"/api/queries/{n}", {"params": example_params(q)}) for n, q in library.items()]
    if not plan:
        raise SystemExit("no library query answered: nothing to load the server with")
    for i, text in enumerate(SPARQL):
        accept = "text/csv" if i % 2 else "application/sparql-results+json"
        plan.append(("GET", "/sparql", {"params": {"query": text}, "headers": {"Accept": accept}}))
        plan.append(("POST", "/sparql", {"data": {"query": text}, "headers": {"Accept": accept}}))
    return itertools.cycle(plan)


def load(url: str, library: dict[str, queries.Query], clients: int, total: int) -> dict:
    mix, lock = requests_mix(library), threading.Lock()
    sent = [0]
    latencies: list[float] = []
    errors: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    if sent[0] >= total:
                        return
                    sent[0] += 1
                    method, path, options = next(mix)
                started = time.perf_counter()
                try:
                    r = client.request(method, path, **options)
                    ok = r.status_code == 200
                    detail = f"{r.status_code} {path} {r.text[:120]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{type(exc).__name__} {path}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(detail)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "seconds": round(wall, 2), "throughput_rps": round(len(latencies) / wall, 1),
            "median_ms": round(statistics.median(latencies), 1), "p95_ms": round(pct(latencies, 95), 1),
            "max_ms": round(max(latencies), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=ROOT / "examples" / "exports.csv")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    library = queries.library()
    started = time.perf_counter()
    process, url, log = start(args.data, args.timeout)
    startup = time.perf_counter() - started
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            info = client.get("/api/info").json()
            memory_idle = rss(process.pid)
            latency = warm(client, library, args.repeat)
            answering = {n: q for n, q in library.items() if "median_ms" in latency[n]}  # not failed or slow ones
            loaded = load(url, answering, args.clients, args.requests)
            after = client.get("/sparql", params={"query": SPARQL[0]})
            loaded["answers_after"] = after.status_code == 200
            memory = rss(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.unlink(missing_ok=True)
    medians = [v["median_ms"] for v in latency.values() if "median_ms" in v]
    result = {"cpus": os.cpu_count(), "triples": info["triples"], "startup_s": round(startup, 1),
              "warm": latency, "warm_worst_median_ms": max(medians), "warm_worst_p95_ms":
              max(v["p95_ms"] for v in latency.values() if "p95_ms" in v),
              "warm_failed": [n for n, v in latency.items() if "error" in v],  # left out of the load mix
              "warm_slow": [n for n, v in latency.items() if "slow_ms" in v],  # left out of the load mix too
              "load": loaded, "rss_mib": {"idle": round(memory_idle["VmRSS"], 1), "after": round(memory["VmRSS"], 1),
                                          "peak": round(memory["VmHWM"], 1)}}
    print(f"server: {info['triples']:,} triples, started in {startup:.1f} s ({os.cpu_count()} CPUs, client on the same machine)")
    print(f"{'query':58} {'median ms':>10} {'p95 ms':>8} {'rows':>6}")
    for name, v in latency.items():
        if "error" in v:
            print(f"{name:58} ERROR {v['error']}")
        elif "slow_ms" in v:
            print(f"{name:58} {'once: ' + str(v['slow_ms']):>10}  (slower than {SLOW_MS} ms: not repeated)")
        else:
            print(f"{name:58} {v['median_ms']:>10} {v['p95_ms']:>8} {v['rows']:>6}")
    print(f"warm: worst median {result['warm_worst_median_ms']} ms, worst p95 {result['warm_worst_p95_ms']} ms "
          f"(target median <= 100 ms)")
    print(f"load: {loaded['requests']} requests, {loaded['clients']} clients, {loaded['errors']} errors, "
          f"{loaded['throughput_rps']} req/s, median {loaded['median_ms']} ms, p95 {loaded['p95_ms']} ms, "
          f"max {loaded['max_ms']} ms; answers afterwards: {loaded['answers_after']}")
    print(f"RSS: {result['rss_mib']['idle']} MiB idle, {result['rss_mib']['after']} MiB after, "
          f"peak {result['rss_mib']['peak']} MiB")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    left_out = result["warm_failed"] + result["warm_slow"]
    if left_out:
        print(f"left out of the load mix (failed or slower than {SLOW_MS} ms alone): {', '.join(left_out)}")
    return 0 if loaded["errors"] == 0 and loaded["answers_after"] else 1


if __name__ == "__main__":
    sys.exit(main())
