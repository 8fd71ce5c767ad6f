"""The analysts' order book (CSV), read strictly, the same way for both engines.

One reader decides what a well-formed book is: UTF-8 (a byte-order mark is allowed), a header of distinct,
unpadded, known column names, then records of RFC 4180 CSV with exactly one cell per column, no blank line,
no lone carriage return, no NUL byte and no cell longer than CELL_MAX characters. The reference engine reads
every record through it; the fast engine parses blocks with Polars and, when anything in a block looks
wrong, re-reads that block through it (`first_problem`), so both stop on the same first problem of the file,
with the same file, line, field and message, before any output is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import InputError
from .records import (CSV_COLUMNS, REQUIRED_COLUMNS, ExportRecord, Vocabulary, check_values)

CELL_MAX = 4096  # characters in one cell (an end-user name may have 1,000)
LINE_MAX = 2**20  # bytes in one line of the file
csv.field_size_limit(max(csv.field_size_limit(), 64 * 2**20))  # our own CELL_MAX check names the cell

_CELL = re.compile(r'"(?:[^"]|"")*"|[^",\r\n]*')  # one RFC 4180 field: quoted, or without quote, comma or line end
_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Header:
    """The checked header, with where the data records start (byte offset and line number)."""

    columns: list[str]
    data_offset: int
    first_line: int


class _Lines:
    """The text lines csv.reader consumes, decoded one at a time (so the first bad line is the one reported)
    and kept, so that a record's raw text can be checked and located."""

    def __init__(self, path: Path, handle, first_line: int):
        self.path, self.handle, self.line, self.taken = path, handle, first_line - 1, []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        raw = self.handle.readline(LINE_MAX + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        if len(raw) > LINE_MAX:
            raise InputError(str(self.path), f"a line of more than {LINE_MAX:,} bytes", self.line)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(str(self.path), f"not UTF-8 text (byte 0x{raw[exc.start]:02X}); save the file as UTF-8",
                             self.line) from None
        if "\ufeff" in text:
            raise InputError(str(self.path), "a byte-order mark (U+FEFF) inside the file: invisible, it would "
                             "become part of a value; remove it", self.line)
        if "\x00" in text:
            raise InputError(str(self.path), "contains a NUL byte: not a UTF-8 text file (UTF-16?)", self.line)
        body = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
        if "\r" in body:
            raise InputError(str(self.path), "a lone carriage return (CR) in the line; save the file with LF or "
                             "CRLF line ends", self.line)
        self.taken.append(text)
        return text


def _bad_cell(text: str) -> int:
    """The index of the first cell of a raw record that is not an RFC 4180 field (-1: the record is well formed)."""
    text = text.removesuffix("\n").removesuffix("\r")
    position, index = 0, 0
    while True:
        match = _CELL.match(text, position)
        position = match.end()
        if position == len(text):
            return -1
        if text[position] != ",":
            return index
        position, index = position + 1, index + 1


def _open(path: Path, offset: int):
    try:
        raw = Path(path).open("rb")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    raw.seek(offset)
    return raw


def _records(path: Path, offset: int, first_line: int, columns: list[str] | None
             ) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of each record from byte `offset` on, checked for structure."""
    name = str(path)
    with _open(path, offset) as handle:
        lines = _Lines(path, handle, first_line)
        reader = csv.reader(lines, strict=True)
        while True:
            start = lines.line + 1
            lines.taken = []
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raw = "".join(lines.taken)
                cell = _bad_cell(raw) if raw else 0
                field = columns[cell] if columns and 0 <= cell < len(columns) else None
                if "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    raise InputError(name, "unclosed quote: the quoted cell is never closed (it runs to the end "
                                     "of the file)", start, field) from None
                raise InputError(name, f"malformed CSV quoting ({exc}): a quote must open and close a whole "
                                 "cell, and a quote inside it is doubled (\"\")", start, field) from None
            raw = "".join(lines.taken)
            bad = _bad_cell(raw)
            if bad >= 0:
                field = columns[bad] if columns and bad < len(columns) else None
                raise InputError(name, "malformed CSV quoting: a quote must open and close a whole cell, and a "
                                 "quote inside it is doubled (\"\")", start, field)
            if not row:
                raise InputError(name, "blank line (every line after the header is one export)", start)
            for index, cell in enumerate(row):
                if len(cell) > CELL_MAX:
                    field = columns[index] if columns and index < len(columns) else None
                    raise InputError(name, f"a cell of {len(cell):,} characters; at most {CELL_MAX:,}", start, field)
            if columns is not None and len(row) != len(columns):
                if len(row) > len(columns):
                    raise InputError(name, f"more cells than columns ({len(row)} cells, the header has "
                                     f"{len(columns)})", lines.line)
                raise InputError(name, f"fewer cells than columns ({len(row)} cells, the header has {len(columns)})",
                                 lines.line, columns[len(row)])
            yield start, lines.line, row


def read_header(path: Path) -> Header:
    """The header of an order book, checked: a known encoding, distinct unpadded known column names."""
    name = str(path)
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(4)
    except FileNotFoundError:
        raise InputError(name, "file not found") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror}") from None
    for bom, encoding in _BOMS.items():
        if head.startswith(bom):
            raise InputError(name, f"{encoding} text; save the file as UTF-8", 1)
    skip = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
    first = next(_records(path, skip, 1, None), None)
    if first is None:
        raise InputError(name, "empty file: no header line", 1)
    _, last, cells = first
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        if not cell.strip():
            raise InputError(name, f"column {number} of the header has no name", last)
        if cell != cell.strip():
            raise InputError(name, f"column name '{cell}' has spaces around it", last, cell.strip())
        if cell in seen:
            raise InputError(name, f"column '{cell}' appears twice (columns {seen[cell]} and {number})", last, cell)
        seen[cell] = number
    unknown = [c for c in cells if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in cells]
    if unknown:
        raise InputError(name, f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(CSV_COLUMNS)}", last)
    if missing:
        raise InputError(name, f"missing required column(s): {', '.join(missing)}", last)
    with Path(path).open("rb") as handle:
        offset = _offset_after_lines(handle, last)
    return Header(cells, offset, last + 1)


def _offset_after_lines(handle, lines: int) -> int:
    """The byte offset just after the first `lines` lines (LF or CRLF ends; a lone CR was refused)."""
    for _ in range(lines):
        handle.readline()
    return handle.tell()


def structure(path: Path, header: Header, last_line: int) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of the data records that start on or before `last_line`."""
    for found in _records(path, header.data_offset, header.first_line, header.columns):
        if found[0] > last_line:
            return
        yield found


def records(path: Path, header: Header, vocab: Vocabulary, default_date: dt.date, *,
            offset: int | None = None, first_line: int | None = None, last_line: int | None = None,
            seen_before: Callable[[str], int | None] | None = None) -> Iterator[ExportRecord]:
    """The checked exports of the book in file order (from `offset`/`first_line` to `last_line` when given);
    the first problem of structure, value or a repeated id raises an InputError naming file, line and field.
    `seen_before(id)` tells the line of an id met before `offset` (None: not met)."""
    name = str(path)
    first: dict[str, int] = {}
    start = header.data_offset if offset is None else offset
    line0 = header.first_line if first_line is None else first_line
    count = 0
    for begin, end, cells in _records(path, start, line0, header.columns):
        if last_line is not None and begin > last_line:
            return
        record = check_values(dict(zip(header.columns, cells)), vocab, name, end, default_date)
        earlier = first.get(record.id) or (seen_before(record.id) if seen_before else None)
        if earlier is not None:
            raise InputError(name, f"duplicate id '{record.id}' (first on line {earlier})", end, "id")
        first[record.id] = end
        count += 1
        yield record
    if offset is None and not count:
        raise InputError(name, "no exports in the file (only a header)")


def first_problem(path: Path, header: Header, vocab: Vocabulary, default_date: dt.date, offset: int,
                  first_line: int, last_line: int, seen_before: Callable[[str], int | None] | None = None
                  ) -> InputError | None:
    """The first problem of the records between two points of the book, as the reference engine reports it
    (None: there is none)."""
    try:
        for _ in records(path, header, vocab, default_date, offset=offset, first_line=first_line,
                         last_line=last_line, seen_before=seen_before):
            pass
    except InputError as error:
        return error
    return None
