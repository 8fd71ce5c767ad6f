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
from .errors import InputError
from .exports_input import ExportRecord, Vocabulary, check_header, check_values, same_id_on
from .report import CSV_FIELDS, csv_row
from .tables import open_csv

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


def _progress(enabled: bool):
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


class _RowKeys:
    """Rows to decision keys with memoised field checks: a value seen once is not checked again.

    Any value not seen before goes through exports_input.check_values, so errors (file, line, field) and
    normalisation are exactly those of the reference path."""

    FIELDS = ("eccn", "destination", "end_user", "end_use", "transaction", "digital_artifacts",
              "incident_system_owner", "knows_unauthorized_use", "date")

    def __init__(self, name: str, header: list[str], vocab: Vocabulary, default_date: dt.date,
                 tables: fast_engine.Compiled):
        self.name, self.header, self.vocab, self.default_date, self.tables = name, header, vocab, default_date, tables
        self.index = {column: header.index(column) for column in header}
        # one memo per field: raw cell text -> checked value (profile number, code, or date with bucket and ISO)
        self.memo = {name: {} for name in self.FIELDS}
        self.memo["knows_unauthorized_use"] = self.memo["digital_artifacts"]
        self.at = {column: self.index.get(column) for column in self.FIELDS + ("id", "license")}
        self.width = len(header)

    def _cell(self, row: list[str], column: str) -> str:
        i = self.index.get(column)
        return row[i] if i is not None else ""

    def key(self, row: list[str], line: int) -> tuple[str, tuple, str, str | None, ExportRecord | None]:
        """(id, key, law date, license, record) — the record only when the slow path built one."""
        at, memo = self.at, self.memo
        try:
            if len(row) != self.width:
                raise KeyError
            eccn = memo["eccn"][row[at["eccn"]]]
            destination = memo["destination"][row[at["destination"]]]
            user = memo["end_user"][row[at["end_user"]]]
            use = memo["end_use"][row[at["end_use"]] if at["end_use"] is not None else ""]
            kind = memo["transaction"][row[at["transaction"]] if at["transaction"] is not None else ""]
            flags = memo["digital_artifacts"]
            artifacts = flags[row[at["digital_artifacts"]] if at["digital_artifacts"] is not None else ""]
            knows = flags[row[at["knows_unauthorized_use"]] if at["knows_unauthorized_use"] is not None else ""]
            owner = memo["incident_system_owner"][row[at["incident_system_owner"]]
                                                  if at["incident_system_owner"] is not None else ""] if artifacts else -1
            day, bucket, iso = memo["date"][row[at["date"]] if at["date"] is not None else ""]
            export_id = row[at["id"]].strip()
            if not export_id:
                raise KeyError
        except KeyError:
            return self._slow(row, line)
        t = self.tables
        key = (eccn, t.destination_profiles[(bucket, destination)], t.regimes[bucket], user, use, kind,
               artifacts, owner, knows)
        license_number = (row[at["license"]].strip() or None) if at["license"] is not None else None
        return export_id, key, iso, license_number, None

    def _slow(self, row: list[str], line: int):
        if len(row) > len(self.header):
            raise InputError(self.name, "more cells than columns", line)
        values = dict(zip(self.header, row))
        record = check_values(values, self.vocab, self.name, line, self.default_date)
        t, memo = self.tables, self.memo
        memo["eccn"][values.get("eccn", "")] = t.item_profiles[record.eccn]
        memo["destination"][values.get("destination", "")] = record.destination
        memo["end_user"][values.get("end_user", "")] = t.user_profiles[record.end_user]
        memo["end_use"][values.get("end_use", "")] = t.use_profiles[record.end_use]
        memo["transaction"][values.get("transaction", "")] = t.transaction_profiles[record.transaction]
        memo["digital_artifacts"][values.get("digital_artifacts", "")] = record.digital_artifacts
        memo["digital_artifacts"][values.get("knows_unauthorized_use", "")] = record.knows_unauthorized_use
        if record.digital_artifacts:
            memo["incident_system_owner"][values.get("incident_system_owner", "")] = \
                t.owner_profiles[record.incident_system_owner]
        memo["date"][values.get("date", "")] = (record.date, t.bucket(record.date), record.date.isoformat())
        return record.id, fast_engine.key_of(record, t), record.date.isoformat(), record.license, record


def _rows(path: Path):
    name = str(path)
    with open_csv(path) as handle:
        reader = csv.reader(handle)
        header = check_header(name, next(reader, []))
        yield header
        for line, row in enumerate(reader, start=2):
            yield line, row


def check_csv_stream(path: Path, vocab: Vocabulary, default_date: dt.date, handle: IO[str], fmt: str,
                     quiet: bool = False, explain: set[str] | None = None, chunk: int = CHUNK) -> StreamSummary:
    """Decide every row of `path` with the fast engine, writing determinations to `handle` as they come."""
    summary = StreamSummary()
    table = fast_engine.new_table()
    rows = _rows(path)
    keys = _RowKeys(str(path), next(rows), vocab, default_date, table.tables)
    seen: dict[int, int] = {}
    writer = csv.writer(handle, lineterminator="\n") if fmt == "csv" else None
    if writer:
        writer.writerow(CSV_FIELDS)
    show = not quiet and sys.stderr.isatty()
    with _progress(show) as progress:
        task = progress.add_task("check", total=None, rows=0) if progress else None
        for batch in _chunks(rows, chunk):
            decided = [keys.key(row, line) + (line,) for line, row in batch]
            missing = {}
            for (line, row), (export_id, key, _day, _license, record, _line) in zip(batch, decided):
                digest = hash(export_id)
                if digest in seen and same_id_on(path, seen[digest], export_id):
                    raise InputError(str(path), f"duplicate id '{export_id}' (first on line {seen[digest]})", line, "id")
                seen.setdefault(digest, line)
                if key not in table.decisions and key not in missing:
                    missing[key] = record or check_values(dict(zip(keys.header, row)), vocab, str(path), line, default_date)
            if missing:
                table.add(missing)
            _write(decided, table, writer, handle, summary)
            if explain:
                wanted = [(line, row) for line, row in batch if keys._cell(row, "id").strip() in explain]
                summary.explained.extend(check_values(dict(zip(keys.header, row)), vocab, str(path), line, default_date)
                                         for line, row in wanted)
            if progress:
                progress.update(task, rows=summary.rows)
    summary.distinct_situations = len(table.decisions)
    fast_engine.save_table(table)
    return summary


def _write(decided, table, writer, handle, summary) -> None:
    decisions, verdicts, lacking = table.decisions, summary.verdicts, summary.needing_license
    lines = []
    for export_id, key, iso, license_number, _record, _line in decided:
        decision = decisions[key]
        verdict = decision.verdict
        needs = verdict == "license_required" and not license_number
        verdicts[verdict] += 1
        if needs:
            lacking.append(export_id)
        if writer:
            lines.append((export_id, verdict, decision.license_exception or "", decision.provisions_text, iso,
                          license_number or "", "true" if needs else "false", "", "fast", ""))
        else:
            handle.write(json.dumps({
                "id": export_id, "verdict": verdict, "license_exception": decision.license_exception,
                "deciding_provisions": list(decision.deciding_provisions), "law_as_of": iso,
                "license": license_number, "needs_license": needs, "engine": "fast"}, ensure_ascii=False) + "\n")
    summary.rows += len(decided)
    if writer:
        writer.writerows(lines)
