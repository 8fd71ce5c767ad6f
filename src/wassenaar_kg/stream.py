"""Streaming batch checks with the fast engine: CSV in, determinations out (CSV or JSON lines), chunk by chunk.

Memory stays flat in the number of rows: a chunk of records is decided and written before the next is
read. A progress bar goes to a terminal's stderr (never when it is not a TTY, or with --quiet). The output
file is written atomically, so a bad row anywhere leaves no partial file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Iterable

from . import fast_engine
from .determination import Determination
from .exports_input import ExportRecord, Vocabulary, iter_csv
from .report import CSV_FIELDS, csv_row

CHUNK = 20_000


@dataclass
class StreamSummary:
    engine: str = "fast"
    rows: int = 0
    verdicts: Counter = field(default_factory=Counter)
    needing_license: list[str] = field(default_factory=list)
    distinct_situations: int = 0
    explained: list[ExportRecord] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.needing_license else 0

    def line(self) -> str:
        parts = ", ".join(f"{n} {v}" for v, n in sorted(self.verdicts.items()))
        shown = ", ".join(self.needing_license[:10]) + (" ..." if len(self.needing_license) > 10 else "")
        tail = f"; {len(self.needing_license)} need a license they lack: {shown}" if self.needing_license else \
            "; none needs a license it lacks"
        return (f"{self.rows} exports ({self.engine} engine, {self.distinct_situations} distinct situations "
                f"decided by the rules): {parts}{tail}")


def count_rows(path: Path, limit: int) -> int:
    """Data rows in a CSV, counting no further than `limit` (cheap choice of engine)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in islice(handle, limit + 2)) - 1, 0)


def _chunks(records: Iterable[ExportRecord], size: int):
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _progress(total_bytes: int, enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("checking"), BarColumn(), TextColumn("{task.fields[rows]} rows"),
                    TimeRemainingColumn(), transient=True)


class _Writer:
    def __init__(self, handle: IO[str], fmt: str):
        self.handle, self.fmt = handle, fmt
        if fmt == "csv":
            self.csv = csv.DictWriter(handle, fieldnames=CSV_FIELDS, lineterminator="\n")
            self.csv.writeheader()

    def write(self, determinations: list[Determination]) -> None:
        if self.fmt == "csv":
            self.csv.writerows(csv_row(d) for d in determinations)
        else:
            self.handle.writelines(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in determinations)


def check_csv_stream(path: Path, vocab: Vocabulary, default_date: dt.date, handle: IO[str], fmt: str,
                     quiet: bool = False, explain: set[str] | None = None, chunk: int = CHUNK) -> StreamSummary:
    """Decide every row of `path` with the fast engine, writing determinations to `handle` as they come."""
    summary = StreamSummary()
    table = fast_engine.new_table()
    writer = _Writer(handle, fmt)
    show = not quiet and sys.stderr.isatty()
    with _progress(path.stat().st_size, show) as progress:
        task = progress.add_task("check", total=None, rows=0) if progress else None
        for records in _chunks(iter_csv(path, vocab, default_date), chunk):
            decided = fast_engine.determinations(records, table)
            writer.write(decided)
            summary.rows += len(decided)
            for d in decided:
                summary.verdicts[d.verdict] += 1
                if d.needs_license:
                    summary.needing_license.append(d.id)
            if explain:
                summary.explained.extend(r for r in records if r.id in explain)
            if progress:
                progress.update(task, rows=summary.rows)
    summary.distinct_situations = len(table.decisions)
    return summary
