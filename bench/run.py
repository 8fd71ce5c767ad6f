"""Benchmark `wakg check` end to end (CSV in -> determinations CSV out), as a table and as JSON.

    python bench/run.py                      # 1k, 10k, 100k, 1M rows; reference engine at 1k only
    python bench/run.py --sizes 1000,10000 --reference-max 1000 --json bench/results.json
    python bench/run.py --reference-max 10000 --agree 100000 --json bench/results.json   # what `make bench` runs

--agree ROWS decides ROWS generated exports with the fast engine and a seeded sample of them (--agree-sample,
default 2,000) with the reference engine, and fails if any verdict, exception, deciding provision or law
date differs.

Each run is a fresh process (`python -m wassenaar_kg check ... -o out.csv --quiet`), so wall time includes
start-up; peak memory is that of the whole process tree (the fast engine's rule workers included). The
fast engine runs twice per size: "cold" with an empty decision cache (every distinct situation decided by
the SHACL rules) and "warm" with the decisions kept from the cold run. "Cold" is the first run after
install: an empty user cache directory, with only the derived data the package ships (ontology/prebuilt/,
built by `wakg build`). Also measured: a one-row check
(default engine choice, which is the reference engine) from a cold process with the derived-data cache in
place, and the very first run on an empty cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants (the worker processes included)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_check(path: Path, engine: str, cache: Path, extra: tuple[str, ...] = ()) -> dict:
    """One `wakg check` in a fresh process; peak memory is the largest sum over the process tree (sampled
    every 10 ms), or the main process's max RSS if that is larger."""
    out = path.with_suffix(f".{engine}.out.csv")
    env = {**os.environ, "WAKG_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "wassenaar_kg", "check", str(path), "--engine", engine,
                              "--format", "csv", "-o", str(out), "--quiet", *extra], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss(child.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"wakg check failed ({code}): {child.stderr.read().decode()[-2000:]}")
    rows = sum(1 for _ in out.open()) - 1
    peak = max(peak, usage.ru_maxrss * 1024)
    return {"wall_s": round(wall, 3), "rows_per_s": round(rows / wall), "peak_mib": round(peak / 2**20, 1),
            "rows": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--reference-max", type=int, default=1000, help="largest size for the reference engine")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--agree", type=int, default=0, metavar="ROWS",
                        help="also decide ROWS generated exports with the fast engine and compare a random sample "
                             "of them with the reference engine (e.g. --agree 100000)")
    parser.add_argument("--agree-sample", type=int, default=2000, metavar="N", help="rows of the sample (default 2000)")
    parser.add_argument("--names", type=int, default=0, metavar="ROWS",
                        help="also time ROWS rows with an end_user_name column (bench/names.py) against the csv-module "
                             "floor: Python's csv reader reading every cell of the same file")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="wakg-bench-"))
    results = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "runs": []}
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            path = generate(work / f"orders-{size}.csv", size, args.seed)
            cold = work / f"cold-{size}"  # as after install: an empty user cache (the package's prebuilt data only)
            cold.mkdir()
            entry = {"rows": size, "fast_cold": run_check(path, "fast", cold), "fast_warm": run_check(path, "fast", cold)}
            if size <= args.reference_max:
                entry["reference"] = run_check(path, "reference", cold)
                entry["speedup_warm"] = round(entry["reference"]["wall_s"] / entry["fast_warm"]["wall_s"], 1)
            results["runs"].append(entry)
            print(_row(entry), flush=True)
        if args.agree:
            results["agreement"] = agreement(work, args.agree, args.agree_sample, args.seed)
            print(f"engines agree on {results['agreement']['agreeing']} of {results['agreement']['sample']} sampled "
                  f"rows of {args.agree:,}", flush=True)
        if args.names:
            results["names"] = screening(work, args.names, args.seed)
            named = results["names"]
            print(f"{args.names:,} rows with end_user_name: csv floor {named['csv_floor_s']} s; fast cold "
                  f"{named['fast_cold']['wall_s']} s ({named['cold_over_floor']}x), warm {named['fast_warm']['wall_s']} s "
                  f"({named['warm_over_floor']}x)", flush=True)
        one = generate(work / "one.csv", 1, args.seed)
        first = work / "first-run"
        first.mkdir()
        results["single_export_first_run"] = run_check(one, "auto", first)
        results["single_export"] = run_check(one, "auto", first)
        print(f"single export (auto -> reference engine), cold process: {results['single_export']['wall_s']} s; "
              f"very first run, building the caches: {results['single_export_first_run']['wall_s']} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def screening(work: Path, rows: int, seed: int) -> dict:
    """The fast engine on an order book with party names, cold and warm, against the csv-module floor (the
    best of three reads of every cell with Python's csv reader, in a fresh process like the checks)."""
    from names import write

    path = write(rows, work / f"names-{rows}.csv", seed)
    cache = work / f"names-cache-{rows}"  # as after install: an empty user cache
    cache.mkdir()
    floors = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, str(Path(__file__).parent / "names.py"), "--floor", str(path)], check=True,
                       stdout=subprocess.DEVNULL)
        floors.append(time.perf_counter() - start)
    floor = min(floors)
    cold, warm = run_check(path, "fast", cache), run_check(path, "fast", cache)
    return {"rows": rows, "csv_floor_s": round(floor, 3), "fast_cold": cold, "fast_warm": warm,
            "cold_over_floor": round(cold["wall_s"] / floor, 2), "warm_over_floor": round(warm["wall_s"] / floor, 2)}


def agreement(work: Path, rows: int, sample: int, seed: int) -> dict:
    """The fast engine on `rows` generated exports; the reference engine on a seeded sample of them."""
    import csv
    import random

    book = generate(work / f"agree-{rows}.csv", rows, seed + 1)
    cache = work / "agree-cache"
    fast = run_check(book, "fast", cache)
    with book.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        picked = sorted(random.Random(seed).sample(range(rows), min(sample, rows)))
        wanted, chosen = set(picked), []
        for n, row in enumerate(reader):
            if n in wanted:
                chosen.append(row)
    subset = work / f"agree-sample-{len(chosen)}.csv"
    with subset.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(chosen)
    reference = run_check(subset, "reference", cache)
    fields = ("verdict", "license_exception", "deciding_provisions", "law_as_of")

    def decided(path: Path) -> dict:
        with path.open(newline="") as handle:
            return {r["id"]: tuple(r[f] for f in fields) for r in csv.DictReader(handle)}

    by_fast, by_reference = decided(book.with_suffix(".fast.out.csv")), decided(subset.with_suffix(".reference.out.csv"))
    differing = sorted(i for i in by_reference if by_fast.get(i) != by_reference[i])
    if differing:
        raise SystemExit(f"engines disagree on {len(differing)} rows, e.g. {differing[:5]}")
    return {"rows": rows, "sample": len(by_reference), "agreeing": len(by_reference) - len(differing),
            "fast": fast, "reference_on_sample": reference}


def _row(entry: dict) -> str:
    def fmt(run):
        return f"{run['wall_s']:>8.2f} s {run['rows_per_s']:>9,} rows/s {run['peak_mib']:>7.0f} MiB"

    line = f"{entry['rows']:>9,} rows | fast cold {fmt(entry['fast_cold'])} | fast warm {fmt(entry['fast_warm'])}"
    if "reference" in entry:
        line += f" | reference {fmt(entry['reference'])} | speed-up {entry['speedup_warm']}x"
    return line


if __name__ == "__main__":
    raise SystemExit(main())
