"""Benchmark `wakg check --counterfactuals` on the fast path: generated order books, JSON lines out.

    python bench/counterfactuals.py [--sizes 10000,100000] [--json bench/counterfactuals.json]

For each size, three fresh processes (`python -m wassenaar_kg check BOOK --format jsonl -o OUT --quiet`):
1. "plain": no counterfactuals, empty decision cache (the fast engine's own cold run, for scale);
2. "cold": --counterfactuals with an empty decision cache: every distinct situation of the book and every
   neighbour of the situations that need a license decided by the SHACL rules;
3. "warm": --counterfactuals again, the decisions kept from the cold run.
Counterfactuals are computed once per distinct situation that needs a license (decide/counterfactuals.py),
so their cost follows the number of such situations, not of rows: the table reports both. Wall time
includes start-up; peak memory is the largest resident set of one process of the run (os.wait4).
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


def _run(book: Path, out: Path, cache: Path, counterfactuals: bool) -> dict:
    command = [sys.executable, "-m", "wassenaar_kg", "check", str(book), "--format", "jsonl", "-o", str(out), "--quiet"]
    if counterfactuals:
        command.append("--counterfactuals")
    env = {**os.environ, "WAKG_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)  # this run's own resource use (its waited-for workers included)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({code}): {process.stderr.read().decode()[-2000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def _situations(out: Path) -> tuple[int, int, int]:
    """(rows, rows needing a license, distinct counterfactual lists of those rows)."""
    rows = needing = 0
    distinct = set()
    with out.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            rows += 1
            if item["verdict"] == "license_required":
                needing += 1
                distinct.add(json.dumps(item.get("counterfactuals", []), sort_keys=True))
    return rows, needing, len(distinct)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="wakg-bench-cf-") as folder:
        work = Path(folder)
        for size in (int(s) for s in args.sizes.split(",")):
            book, out = generate(work / f"book-{size}.csv", size), work / f"out-{size}.jsonl"
            cache = work / f"cache-{size}"
            plain = _run(book, out, cache, False)
            shutil.rmtree(cache)
            cold = _run(book, out, cache, True)
            warm = _run(book, out, cache, True)
            rows, needing, distinct = _situations(out)
            row = {"rows": rows, "needing_license": needing, "distinct_counterfactual_lists": distinct,
                   "plain_cold_cache": plain, "cold": cold, "warm": warm}
            results.append(row)
            print(f"{rows:>9,} rows  {needing:>7,} need a license  {distinct:>5,} distinct lists  "
                  f"plain {plain['wall_s']:6.1f} s  cold {cold['wall_s']:6.1f} s  warm {warm['wall_s']:6.1f} s  "
                  f"peak MiB plain/cold/warm {plain['peak_rss_mib']:.0f}/{cold['peak_rss_mib']:.0f}/{warm['peak_rss_mib']:.0f}",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": {"cpus": os.cpu_count()}, "runs": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
