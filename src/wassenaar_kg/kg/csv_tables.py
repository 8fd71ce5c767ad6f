"""Read the editable CSV tables behind the generated ontology modules, checking every cell.

Tables are the analyst-editable source of truth for dated facts (OpenFisca keeps parameters the same way:
values by effective date, each with its reference). Errors name the file, line and column.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import InputError

PRECISIONS = ("exact", "not-later-than")


@dataclass(frozen=True)
class Row:
    """One data row with the 1-based line number it came from."""

    file: str
    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def error(self, field: str, message: str) -> InputError:
        return InputError(self.file, message, self.line, field)

    def date(self, field: str, required: bool = True) -> dt.date | None:
        raw = self.values.get(field, "").strip()
        if not raw:
            if required:
                raise self.error(field, "a date is required (YYYY-MM-DD)")
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise self.error(field, f"'{raw}' is not an ISO date (YYYY-MM-DD)") from None

    def confidence(self, field: str = "confidence") -> float:
        raw = self.values.get(field, "").strip()
        try:
            value = float(raw)
        except ValueError:
            raise self.error(field, f"'{raw}' is not a number between 0 and 1") from None
        if not 0.0 <= value <= 1.0:
            raise self.error(field, f"{value} is outside 0..1")
        return value

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        raw = self.values.get(field, "").strip()
        if raw not in allowed:
            raise self.error(field, f"'{raw}' is not one of {', '.join(allowed)}")
        return raw

    def split(self, field: str) -> list[str]:
        return [part.strip() for part in self.values.get(field, "").split(";") if part.strip()]


def open_csv(path: Path) -> IO[str]:
    """Open a CSV for reading (a byte-order mark is skipped); a missing or unreadable file is an InputError."""
    try:
        return Path(path).open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None


def check_columns(name: str, fieldnames: list[str], allowed: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    """The header, stripped; an unknown or a missing required column is an error on line 1."""
    header = [h.strip() for h in fieldnames]
    unknown = [h for h in header if h not in allowed]
    missing = [h for h in required if h not in header]
    if unknown:
        raise InputError(name, f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join(allowed)}", 1)
    if missing:
        raise InputError(name, f"missing required column(s): {', '.join(missing)}", 1)
    return header


def read_table(path: Path, columns: tuple[str, ...]) -> list[Row]:
    """Read a CSV whose header is exactly `columns` (order free); reject unknown and missing columns."""
    name = str(path)
    with open_csv(path) as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = check_columns(name, reader.fieldnames or [], columns, columns)
        rows = []
        for record in reader:
            if None in record:
                raise InputError(name, "more cells than columns", reader.line_num)
            rows.append(Row(name, reader.line_num, {k: (v or "").strip() for k, v in record.items()}))
        return rows
