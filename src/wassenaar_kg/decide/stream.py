"""Streaming batch checks with the fast engine: CSV in, decided batches out (report.Writer writes them in
every streamed format), batch by batch.

The CSV is read in blocks of 16 MiB of whole records, each parsed by Polars; every step after that is a column operation:

1. each column's distinct raw values are checked once (memoised across batches). A value not seen before
   is checked by records.check_values on the first row that has it, so the errors (file, line,
   field) and the normalisation are exactly those of the reference path, and the first bad row of the
   file is the one reported;
2. the checked values are mapped to the profile numbers of fast_engine and packed into one integer key
   per row; keys not decided yet are decided by the rules (fast.DecisionStore);
3. the decisions are joined back onto the rows, and the batch goes to the caller's sink (stream.Batch:
   CSV and JSON lines straight from columns, Determination objects for text and JSON documents).

Memory stays flat in the number of rows, apart from an 8-byte hash per id for the duplicate check. A
progress bar goes to a terminal's stderr (never when it is not a TTY, or with --quiet). With -o the output
file is written atomically (cli), so a bad row anywhere leaves no partial file.
"""

from __future__ import annotations

import dataclasses

import datetime as dt
import io
import itertools
import sys
import json
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import polars as pl

from . import fast
from ..errors import InputError
from . import order_book
from .records import (LICENSE_IGNORED, LICENSE_PATTERN, NO_LICENSE, WHITESPACE, ExportRecord, Vocabulary,
                      check_name, check_values)
from . import explanation, situation
from .determination import (CSV_FIELDS, Determination, confidence_of, confidence_text,
                            explanation_cell, match_dict, match_text, needs_license, step_dict)
from .summary import Summary
from .vocabulary import coverage_through

def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("checking"), BarColumn(), TextColumn("{task.fields[rows]} rows"),
                    TimeRemainingColumn(), transient=True)


# ---------------------------------------------------------------------------------------------- reading

BLOCK = 8 * 2**20  # bytes of CSV parsed at a time (about 110,000 rows of a typical order book)
JSONL_ROWS = 10_000  # JSON lines built and written at a time


@dataclass(frozen=True)
class Block:
    """Whole records of the book: their bytes, where they start (byte offset, line) and their last line."""

    data: bytes
    offset: int
    first_line: int

    @property
    def last_line(self) -> int:
        return self.first_line + max(self.data.count(b"\n") - 1, 0) + (0 if self.data.endswith(b"\n") else 1)


def _record_end(data: bytes) -> int | None:
    """Offset just past the last newline in `data` that ends a record: one with an even number of
    quote characters before it (RFC 4180 quoting; a newline inside quotes is part of a cell)."""
    quotes = data.count(b'"')
    end = len(data)
    while True:
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return None
        quotes -= data.count(b'"', newline, end)
        if quotes % 2 == 0:
            return newline + 1
        end = newline


def _blocks(path: Path, header: order_book.Header) -> Iterator[Block]:
    """The data records as blocks of whole records, read with a fixed-size buffer (flat memory). A record
    that never ends within two blocks (an unclosed quote) ends the reading: the strict reader names it."""
    with path.open("rb") as handle:
        handle.seek(header.data_offset)
        carry, offset, line = b"", header.data_offset, header.first_line
        while chunk := handle.read(BLOCK):
            data = carry + chunk
            cut = _record_end(data)
            if cut is None:
                if len(data) > max(2 * BLOCK, 4 * order_book.LINE_MAX):  # no record is that long
                    yield Block(data, offset, line)  # malformed: first_problem reports it
                    return
                carry = data
                continue
            yield Block(data[:cut], offset, line)
            offset, line, carry = offset + cut, line + data.count(b"\n", 0, cut), data[cut:]
        if carry:
            yield Block(carry, offset, line)


def _read(data: bytes, header: order_book.Header) -> pl.DataFrame:
    """Whole records as all-text columns named by the header (an empty cell is '', a missing one null)."""
    return pl.read_csv(io.BytesIO(data), has_header=False, new_columns=header.columns, infer_schema=False,
                       empty_string_is_null=False, encoding="utf8", raise_if_empty=False)


def _frame(block: Block, header: order_book.Header) -> pl.DataFrame | None:
    """The block's records as all-text columns named by the header, or None when the block may break a rule of
    order_book that Polars does not enforce (or Polars cannot parse it): the caller re-reads it strictly."""
    data = block.data
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n") or data.count(b'"') % 2 or \
            order_book.UTF8_BOM in data:
        return None
    try:
        frame = _read(data, header)
    except pl.exceptions.PolarsError:
        return None
    suspect = [pl.any_horizontal(pl.all().is_null()).any(),  # a short row
               pl.any_horizontal(pl.all().str.len_bytes() > order_book.CELL_MAX).any(),
               (pl.col("id").str.strip_chars(WHITESPACE) == "").any()]  # a blank line
    if b'"' in data:  # a quote left inside a cell: Polars takes some quoting RFC 4180 refuses
        suspect.append(pl.any_horizontal(pl.all().str.contains('"', literal=True)).any())
    if frame.height and frame.select(pl.any_horizontal(*suspect)).item():
        return None
    return frame


def _batches(path: Path, header: order_book.Header, problem: Callable[[Block], InputError | None]
             ) -> Iterator[tuple[pl.DataFrame, Block]]:
    """The data records as frames, block by block; a block the strict reader finds wrong raises its first problem."""
    for block in _blocks(path, header):
        frame = _frame(block, header)
        if frame is None:
            error = problem(block)
            if error is not None:
                raise error
            try:
                frame = _read(block.data, header)
            except pl.exceptions.PolarsError as exc:
                raise InputError(str(path), f"not valid CSV: {str(exc).splitlines()[0]}", block.first_line) from None
        yield frame, block


# --------------------------------------------------------------------------------------------- checking

class _Columns:
    """Raw cell text -> checked field values, per column, memoised across batches; and each row's situation key
    packed into one integer, so that distinct situations are found with one `unique` and decisions attach with
    one join. What the key holds is declared in situation.py; nothing here names a part of it."""

    def __init__(self, name: str, header: list[str], vocab: Vocabulary, default_date: dt.date,
                 tables: fast.Compiled):
        self.name, self.header, self.vocab, self.default_date = name, header, vocab, default_date
        self.context = situation.Context(tables, vocab)
        self.memo: dict[str, set[str]] = {column: set() for column in situation.COLUMNS}  # raw texts checked
        self.numbers: dict[str, dict[str, int]] = {f.name: {} for f in situation.FIELDS}  # raw text -> field number
        self.law_as_of: dict[str, str] = {}  # raw date text -> ISO date
        self.fields_of = {column: [f for f in situation.FIELDS if f.column == column] for column in situation.COLUMNS}
        self.field_ids: dict[str, dict] = {f.name: {} for f in situation.FIELDS}  # value -> number
        self.field_values: dict[str, list] = {f.name: [] for f in situation.FIELDS}  # number -> value
        self.part_of: dict[str, dict[tuple, int]] = {p.name: {} for p in situation.PARTS}  # field numbers -> part number
        self.lookups: dict[str, tuple] = {}  # part -> (field counts, flat part numbers, strides)
        self.part_ids: dict[str, dict] = {p.name: {} for p in situation.PARTS}  # profile -> part number
        self.profiles: dict[str, list] = {p.name: [] for p in situation.PARTS}  # part number -> profile
        self.layout = situation.layout(self.context)
        self.names: dict[str, str] = {}  # raw end-user name -> the name as checked

    def _number(self, field: str, value) -> int:
        ids = self.field_ids[field]
        if value not in ids:
            ids[value] = len(ids)
            self.field_values[field].append(value)
        return ids[value]

    def _remember(self, values: dict[str, str], record: ExportRecord) -> None:
        """The field numbers every key column's raw text yields, from the checked record."""
        found = situation.field_values(record, self.context)
        for column, fields in self.fields_of.items():
            raw = values.get(column, "")
            self.memo[column].add(raw)
            for f in fields:
                self.numbers[f.name][raw] = self._number(f.name, found[f.name])
        self.law_as_of[values.get("date", "")] = record.date.isoformat()
        self.names[values.get("end_user_name", "")] = record.end_user_name or ""

    def check_row(self, batch: pl.DataFrame, index: int, offset: int) -> ExportRecord:
        return self._check(dict(zip(self.header, batch.row(index))), index, offset)

    def _check(self, values: dict[str, str], index: int, offset: int) -> ExportRecord:
        """A checked row; its error's line is approximate (multi-line cells): the caller re-reads the block
        with the strict reader for the exact first problem."""
        return check_values(values, self.vocab, self.name, offset + index + 2, self.default_date)

    def learn(self, batch: pl.DataFrame, offset: int) -> None:
        """Check every value not seen before, each on the first row that has it, rows in file order."""
        candidates: set[int] = set()
        names: set[int] = set()  # rows whose only new value is the end-user name: screened without the rest
        indexed = batch.with_row_index("_row")
        for column in situation.COLUMNS:
            if column not in batch.columns:
                if "" not in self.memo[column]:
                    candidates.add(0)
                continue
            firsts = indexed.group_by(column).agg(pl.col("_row").min())
            memo = self.memo[column]
            found = names if column == "end_user_name" else candidates
            found.update(row for value, row in firsts.iter_rows() if value not in memo)
        blank_ids = indexed.filter(pl.col("id").str.strip_chars(WHITESPACE) == "").get_column("_row")
        if len(blank_ids):
            candidates.add(blank_ids.min())
        for index in sorted(candidates | names):
            values = dict(zip(self.header, batch.row(index)))
            raw_name = values.get("end_user_name", "")
            if index in candidates:
                self._remember(values, self._check(values, index, offset))
            elif raw_name not in self.memo["end_user_name"]:
                name, hits, possible = check_name(raw_name, self.vocab, self.name, offset + index + 2)
                self.memo["end_user_name"].add(raw_name)
                self.numbers["listed_as"][raw_name] = self._number("listed_as", hits)
                self.numbers["possible"][raw_name] = self._number("possible", possible)
                self.names[raw_name] = name or ""

    def keys(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Columns `key` (the packed situation key) and `law_as_of` (ISO date) for every row."""
        def source(column: str) -> pl.Expr:
            return pl.col(column) if column in batch.columns else pl.lit("")

        frame = batch.select(
            *(source(f.column).replace_strict(self.numbers[f.name], return_dtype=pl.Int64).alias(f.name)
              for f in situation.FIELDS),
            source("date").replace_strict(self.law_as_of, return_dtype=pl.String).alias("law_as_of"),
        )
        key = np.zeros(frame.height, dtype=np.int64)
        for part, (_, shift, _) in zip(situation.PARTS, self.layout):
            lookup, strides = self._lookup(part)
            index = np.zeros(frame.height, dtype=np.int64)
            for name, stride in zip(part.fields, strides):
                index += frame.get_column(name).to_numpy() * stride
            key += lookup[index] << shift
        return frame.select("law_as_of").with_columns(pl.Series("key", key))

    def _checked(self, attribute: str, raw: str):
        """The checked value of a record attribute the explanation's slots read, from a raw cell text."""
        if attribute == "end_user_name":
            return self.names.get(raw, "")
        field = "day" if attribute == "date" else attribute
        return self.field_values[field][self.numbers[field][raw]]

    def slots(self, batch: pl.DataFrame) -> pl.DataFrame:
        """What each row puts in the explanation's slots (explanation.SLOT_VALUES), as columns `slot_NAME`, and
        JSON-escaped as `slot_NAME_json`: each slot's value is computed once per distinct raw cell text."""
        tables = self.context.tables
        raw = batch.select(*(pl.col(c) if c in batch.columns else pl.lit("").alias(c)
                             for c in ("destination", "date", "end_user_name", "eccn", "end_user")))
        frame = raw.with_row_index("_row")
        for name, (attributes, value) in explanation.SLOT_VALUES.items():
            cells = list(attributes)
            distinct = raw.select(cells).unique()
            values = [value(tables, *(self._checked(a, text) for a, text in zip(attributes, row)))
                      for row in distinct.iter_rows()]
            frame = frame.join(distinct.with_columns(pl.Series(f"slot_{name}", values, dtype=pl.String)),
                               on=cells, how="left", maintain_order="left")
        names = [f"slot_{name}" for name in explanation.SLOTS]
        escaped = [_json_string(pl.col(n)).str.slice(1).str.strip_suffix('"').alias(f"{n}_json") for n in names]
        return frame.sort("_row").select(*names, *escaped)

    def _lookup(self, part: situation.Part) -> tuple[np.ndarray, tuple[int, ...]]:
        """The part's number for every combination of the field numbers known so far, as a flat array
        (row-major over the part's fields), rebuilt when a field has met new values."""
        sizes = tuple(len(self.field_values[f]) for f in part.fields)
        cached = self.lookups.get(part.name)
        if cached is not None and cached[0] == sizes:
            return cached[1], cached[2]
        strides = tuple(int(np.prod(sizes[i + 1:], dtype=np.int64)) for i in range(len(sizes)))
        known = self.part_of[part.name]
        lookup = np.fromiter((known[combo] if combo in known else self._part_number(part, combo, known)
                              for combo in itertools.product(*(range(n) for n in sizes))),
                             dtype=np.int64, count=int(np.prod(sizes, dtype=np.int64)))
        self.lookups[part.name] = (sizes, lookup, strides)
        return lookup, strides

    def _part_number(self, part: situation.Part, combo: tuple[int, ...], known: dict) -> int:
        values = [self.field_values[f][n] for f, n in zip(part.fields, combo)]
        profile = part.profile(self.context, *values)
        ids = self.part_ids[part.name]
        if profile not in ids:
            mask = next(m for name, _, m in self.layout if name == part.name)
            if len(ids) > mask:
                raise InputError(self.name, f"more than {mask + 1:,} distinct values of the situation's "
                                 f"'{part.name}' part in one file; split the file")
            ids[profile] = len(ids)
            self.profiles[part.name].append(profile)
        known[combo] = ids[profile]
        return known[combo]

    def unpack(self, packed: int) -> tuple:
        """The situation key (situation.key_of) of a packed key."""
        return tuple(self.profiles[name][(packed >> shift) & mask] for name, shift, mask in self.layout)


class _Ids:
    """Ids seen so far, as a sorted array of 8-byte hashes (8 bytes per row; the one structure that grows
    with the file). A repeated hash is confirmed by re-reading the file, so a collision is never reported."""

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)

    def add(self, ids: pl.Series) -> None:
        """Remember a batch's ids; an InputError (to be located by the strict reader) if one may repeat."""
        batch = ids.hash(seed=0).to_numpy()
        repeated = ids.is_duplicated().any() or self._met(batch).any()
        if repeated:
            raise InputError("", "duplicate id")
        self.hashes = np.sort(np.concatenate([self.hashes, batch]))

    def _met(self, hashes: np.ndarray) -> np.ndarray:
        if not len(self.hashes):
            return np.zeros(len(hashes), dtype=bool)
        at = np.searchsorted(self.hashes, hashes).clip(max=len(self.hashes) - 1)
        return self.hashes[at] == hashes

    def line_before(self, path: Path, header: order_book.Header, block: Block, export_id: str) -> int | None:
        """The line of `export_id` before `block`, if it is there (order_book.records' `seen_before`)."""
        if not self._met(pl.Series([export_id]).hash(seed=0).to_numpy())[0]:
            return None
        column = header.columns.index("id")
        for _, end, cells in order_book.structure(path, header, block.first_line - 1):
            if cells[column].strip() == export_id:
                return end
        return None


POSSIBLE = [p.name for p in situation.PARTS].index("possible_matches")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_string(text: pl.Expr) -> pl.Expr:
    """A text column as JSON strings, quotes included (Polars' encoder, row by row)."""
    return pl.struct(text.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")


class _Decided:
    """The decisions of every packed key met so far, as a frame to join batches onto (grown, never rebuilt):
    each output's per-situation part, rendered once, with slots (explanation.py) for the row's values. The
    JSON parts are rendered only when JSON lines are written."""

    SCHEMA = {"key": pl.Int64, "verdict": pl.String, "license_exception": pl.String,
              "deciding_provisions": pl.String, "confidence": pl.String, "possible_matches": pl.String,
              "explanation": pl.String, "needs_license_unless_held": pl.Boolean}
    JSON_SCHEMA = {"key": pl.Int64, "json_decision": pl.String, "json_explanation": pl.String,
                   "json_matches": pl.String, "json_confidence": pl.String}

    def __init__(self) -> None:
        self.known: set[int] = set()
        self.frame = pl.DataFrame(schema=self.SCHEMA)
        self.json_frame = pl.DataFrame(schema=self.JSON_SCHEMA)
        self.decisions: dict[int, tuple] = {}  # packed key -> (Decision, possible matches)

    def unknown(self, packed_keys: list[int]) -> list[int]:
        return [k for k in packed_keys if k not in self.known]

    def extend(self, table: fast.DecisionStore, columns: _Columns, packed_keys: list[int]) -> None:
        rows = []
        for packed in packed_keys:
            key = columns.unpack(packed)
            decision, matches = table.decisions[key], key[POSSIBLE]
            self.decisions[packed] = (decision, matches)
            rows.append((packed, decision.verdict, decision.license_exception, decision.provisions_text,
                         confidence_text(confidence_of(decision.explanation)), match_text(matches),
                         explanation_cell(decision.explanation), needs_license(decision.verdict, None)))
        if rows:
            self.frame = pl.concat([self.frame, pl.DataFrame(rows, orient="row", schema=self.SCHEMA)])
            self.known.update(packed_keys)

    def json_parts(self, packed_keys) -> pl.DataFrame:
        """The JSON text of each situation's part of a determination, for these keys (rendered once)."""
        have = set(self.json_frame.get_column("key").to_list())
        rows = []
        for packed in packed_keys:
            if packed in have:
                continue
            decision, matches = self.decisions[packed]
            steps = decision.explanation
            rows.append((packed,
                         f'"verdict": {_json(decision.verdict)}, "license_exception": {_json(decision.license_exception)}, '
                         f'"deciding_provisions": {_json(list(decision.deciding_provisions))}',
                         f'"explanation": {_json([step_dict(s) for s in steps])}',
                         f'"possible_matches": {_json([match_dict(m) for m in matches])}, "beyond_coverage": ',
                         _json(confidence_of(steps))))
        if rows:
            self.json_frame = pl.concat([self.json_frame, pl.DataFrame(rows, orient="row", schema=self.JSON_SCHEMA)])
        return self.json_frame


def _filled(column: str, escaped: bool = False) -> pl.Expr:
    """A template column with the row's values in its slots (JSON-escaped inside JSON text)."""
    expr = pl.col(column)
    for name in explanation.SLOTS:
        expr = expr.str.replace_all(explanation.slot(name), pl.col(f"slot_{name}" + ("_json" if escaped else "")),
                                    literal=True)
    return expr


class Batch:
    """One batch of decided rows: the columns every output is written from, and the decisions behind them.
    The values of the explanation's slots are computed only for the outputs that print sentences."""

    def __init__(self, frame: pl.DataFrame, decided: _Decided, slots: Callable[[], pl.DataFrame],
                 record: Callable[[int], ExportRecord] | None = None) -> None:
        self.frame, self.decided, self._slots, self._record = frame, decided, slots, record
        self._filled: pl.DataFrame | None = None

    @property
    def with_slots(self) -> pl.DataFrame:
        if self._filled is None:
            self._filled = pl.concat([self.frame, self._slots()], how="horizontal")
        return self._filled

    def csv(self) -> str:
        out = self.frame.with_columns(
            *(pl.when(pl.col(c)).then(pl.lit("true")).otherwise(pl.lit("false")).alias(c)
              for c in ("needs_license", "beyond_coverage")),
            pl.lit("fast").alias("engine"))
        return out.select(CSV_FIELDS).with_columns(pl.all().replace("", None)).write_csv(include_header=False)

    def counterfactuals_json(self, finder) -> pl.DataFrame:
        """key -> the JSON list of the situation's counterfactuals ('[]' unless it needs a license), computed
        from one checked row per situation (counterfactuals.Finder keeps them per situation)."""
        needing = (self.frame.with_row_index("_i").filter(pl.col("verdict") == "license_required")
                   .group_by("key").agg(pl.col("_i").min()))
        records = {key: self._record(index) for key, index in needing.iter_rows()}
        finder.prepare(records.values())
        texts = {key: finder.json_of(record) for key, record in records.items()}
        keys = self.frame.get_column("key").unique().to_list()
        return pl.DataFrame({"key": keys, "json_counterfactuals": [texts.get(k, "[]") for k in keys]},
                            schema={"key": pl.Int64, "json_counterfactuals": pl.String})

    def jsonl(self, finder=None) -> str:
        """The lines of json.dumps(Determination.to_dict()), built from the rendered per-situation parts
        (with a counterfactuals.Finder: and the counterfactuals, last)."""
        return "".join(self.jsonl_chunks(finder))

    def jsonl_chunks(self, finder=None, rows: int = JSONL_ROWS):
        """jsonl() in pieces of `rows` lines: a block's JSON text is some 40 times its CSV, so it is built and
        written a slice at a time."""
        license_json = pl.when(pl.col("license") == "").then(pl.lit("null")).otherwise(_json_string(pl.col("license")))
        parts = self.decided.json_parts(self.frame.get_column("key").unique().to_list())
        if finder is not None:
            parts = parts.join(self.counterfactuals_json(finder), on="key", how="inner")
        table = self.with_slots
        for start in range(0, table.height, rows):
            lines = table.slice(start, rows).join(parts, on="key", how="left", maintain_order="left").select(pl.concat_str(
                pl.lit('{"id": '), _json_string(pl.col("id")), pl.lit(", "), "json_decision", pl.lit(', "law_as_of": "'),
                "law_as_of", pl.lit('", '), _filled("json_explanation", escaped=True), pl.lit(', "license": '), license_json,
                pl.lit(', "engine": "fast", '), "json_matches",
                pl.when(pl.col("beyond_coverage")).then(pl.lit("true")).otherwise(pl.lit("false")),
                pl.lit(', "needs_license": '),
                pl.when(pl.col("needs_license")).then(pl.lit("true")).otherwise(pl.lit("false")),
                pl.lit(', "confidence": '), "json_confidence",
                pl.lit(', "counterfactuals": ') + pl.col("json_counterfactuals") if finder is not None else pl.lit(""),
                pl.lit("}"),
            )).to_series()
            if len(lines):
                yield lines.str.join("\n").item() + "\n"

    def with_counterfactuals(self, finder) -> list[Determination]:
        """The rows as Determination objects with their counterfactuals (counterfactuals.Finder), computed
        from one checked row per situation that needs a license."""
        found = self.determinations()
        keys = self.frame.get_column("key").to_list()
        first: dict[int, int] = {}
        for index, (d, key) in enumerate(zip(found, keys)):
            if d.verdict == "license_required":
                first.setdefault(key, index)
        records = {key: self._record(index) for key, index in first.items()}
        finder.prepare(records.values())
        shared = {key: finder.of(record) for key, record in records.items()}
        return [dataclasses.replace(d, counterfactuals=shared[key] if d.verdict == "license_required" else ())
                for d, key in zip(found, keys)]

    def determinations(self) -> list[Determination]:
        """The rows as Determination objects (text and JSON documents, the Python API)."""
        found = []
        slots = [f"slot_{name}" for name in explanation.SLOTS]
        for row in self.with_slots.select("id", "key", "law_as_of", "license", *slots).iter_rows():
            decision, matches = self.decided.decisions[row[1]]
            values = dict(zip(explanation.SLOTS, row[4:]))
            found.append(Determination(row[0], decision.verdict, decision.license_exception,
                                       decision.deciding_provisions, dt.date.fromisoformat(row[2]),
                                       explanation.fill(decision.explanation, values), row[3] or None, "fast", matches))
        return found


def check_csv_stream(path: Path, vocab: Vocabulary, default_date: dt.date, sink: Callable[[Batch], None],
                     quiet: bool = False, explain: set[str] | None = None,
                     processes: int = 1) -> tuple[Summary, list[ExportRecord]]:
    """Decide every row of `path` with the fast engine, handing each decided batch to `sink` as it comes
    (`processes` > 1: new situations are shared among worker processes, see fast.DecisionStore). Returns the
    summary and the checked records of the ids in `explain`. A problem anywhere in the book is reported as
    the reference engine reports it (order_book), the first of the file, whatever the block."""
    summary, explained = Summary("fast", coverage_through=coverage_through()), []
    header = order_book.read_header(path)
    seen, decided = _Ids(), _Decided()

    def problem(block: Block) -> InputError | None:
        return order_book.first_problem(path, header, vocab, default_date, block.offset, block.first_line,
                                        block.last_line, lambda i: seen.line_before(path, header, block, i))

    table = fast.load_decisions(processes)
    if path.stat().st_size > BLOCK:
        table.start_workers()  # a book of several blocks: have the workers ready when new situations come
    columns = _Columns(str(path), header.columns, vocab, default_date, table.tables)
    show = not quiet and sys.stderr.isatty()
    offset = 0
    with _progress(show) as progress:
        task = progress.add_task("check", total=path.stat().st_size, rows=0) if progress else None
        try:
            for batch, block in _batches(path, header, problem):
                if batch.height:
                    try:
                        out = _check_batch(batch, offset, columns, table, seen, decided)
                    except InputError as error:  # the strict reader names the first problem of the block
                        raise problem(block) or InputError(str(path), f"{error.message} (lines {block.first_line}-"
                                                           f"{block.last_line})") from None
                    sink(Batch(out, decided, lambda b=batch: columns.slots(b),
                               lambda i, b=batch, o=offset: columns.check_row(b, i, o)))
                    _tally(summary, out)
                    if explain:
                        found = out.with_row_index("_i").filter(pl.col("id").is_in(list(explain))).get_column("_i")
                        explained.extend(columns.check_row(batch, index, offset) for index in found)
                    offset += batch.height
                    if progress:
                        progress.update(task, advance=len(block.data), rows=summary.rows)
        except KeyboardInterrupt:
            table.close(wait=False)
            raise
        finally:
            table.close()
    if not summary.rows:
        raise InputError(str(path), "no exports in the file (only a header)")
    summary.distinct_situations = len(table.decisions)
    fast.store_decisions(table)
    return summary, explained


def _licenses(batch: pl.DataFrame) -> pl.Series:
    """The license each row holds (records.license_of, as columns): the number, or '' for none; an InputError
    (located by the strict reader) when a cell is neither."""
    if "license" not in batch.columns:
        return pl.Series("license", [""] * batch.height)
    text = batch.get_column("license").str.strip_chars(WHITESPACE).str.replace_all(LICENSE_IGNORED, "")
    text = text.str.to_uppercase()
    held = text.str.contains(f"^(?:{LICENSE_PATTERN.pattern})$")
    if not (held | text.is_in(list(NO_LICENSE))).all():
        raise InputError("", "not a license")
    return pl.select(pl.when(held).then(text).otherwise(pl.lit("")).alias("license")).to_series()


def _check_batch(batch: pl.DataFrame, offset: int, columns: _Columns, table: fast.DecisionStore,
                 seen: _Ids, decided: _Decided) -> pl.DataFrame:
    columns.learn(batch, offset)
    licenses = _licenses(batch)
    ids = batch.get_column("id").str.strip_chars(WHITESPACE)
    seen.add(ids)
    keyed = columns.keys(batch).with_columns(ids.alias("id"), licenses.alias("license"),
                                             pl.Series("_row", range(batch.height)))
    distinct = keyed.group_by("key").agg(pl.col("_row").min())
    new = decided.unknown(distinct.get_column("key").to_list())
    missing = {}
    if new:
        for packed, index in distinct.filter(pl.col("key").is_in(new)).iter_rows():
            key = columns.unpack(packed)
            if key not in table.decisions and key not in missing:
                missing[key] = columns.check_row(batch, index, offset)
        table.add(missing)
        decided.extend(table, columns, new)
    out = keyed.join(decided.frame, on="key", how="left", maintain_order="left")
    through = coverage_through()
    # determination.needs_license, decided per situation for a row without a license (a cell left empty);
    # determination.beyond_coverage, by comparing ISO dates
    return out.with_columns((pl.col("needs_license_unless_held") & (pl.col("license") == "")).alias("needs_license"),
                            (pl.col("law_as_of") > through.isoformat() if through else pl.lit(False))
                            .alias("beyond_coverage"))


def _tally(summary: Summary, out: pl.DataFrame) -> None:
    for verdict, count in out.get_column("verdict").value_counts().iter_rows():
        summary.add(verdict, count)
    summary.to_review.extend(out.filter(pl.col("possible_matches") != "").get_column("id").to_list())
    summary.needing_license.extend(out.filter(pl.col("needs_license")).get_column("id").to_list())
    summary.beyond_coverage += int(out.get_column("beyond_coverage").sum())
