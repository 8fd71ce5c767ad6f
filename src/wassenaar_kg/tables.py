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

from .errors import InputError

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


def read_table(path: Path, columns: tuple[str, ...]) -> list[Row]:
    """Read a CSV whose header is exactly `columns` (order free); reject unknown and missing columns."""
    name = str(path)
    with open_csv(path) as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns]
        if missing:
            raise InputError(name, f"missing column(s): {', '.join(missing)}", 1)
        if unknown:
            raise InputError(name, f"unknown column(s): {', '.join(unknown)}", 1)
        rows = []
        for record in reader:
            if None in record:
                raise InputError(name, "more cells than columns", reader.line_num)
            rows.append(Row(name, reader.line_num, {k: (v or "").strip() for k, v in record.items()}))
        return rows
