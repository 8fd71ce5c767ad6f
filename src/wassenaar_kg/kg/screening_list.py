"""Read the Consolidated Screening List (CSL, trade.gov) and keep its Entity List entries.

Two published layouts are accepted:

* the bulk CSV (``consolidated.csv``): a header row naming the CSL columns. The current layout begins with
  ``_id``; an older one has no ``_id``. Columns are matched by header name (order free, case and surrounding
  blanks ignored); unknown columns are ignored; only ``source`` and ``name`` are required. Multi-valued cells
  are joined with ``;`` (``alt_names``, ``federal_register_notice``, ``addresses``); each address is a
  comma-separated list of parts whose last part is the ISO 3166-1 alpha-2 country code.
* the bulk JSON (``consolidated.json``): ``{"results": [record, ...], "search_performed_at": ...}`` or a bare
  array of records; ``alt_names`` is a list of strings, ``addresses`` a list of objects with ``country``.

The format is chosen by the file suffix (``.csv`` / ``.json``), otherwise by the first non-blank character
(``{`` or ``[`` means JSON). Only Entity List rows are kept (the ``source`` contains "Entity List", or is
"EL"); rows of the other lists (SDN, DPL, MEU, UVL, ...) are counted per source in ``ScreeningList.skipped``.
Every problem with the file is an :class:`~wassenaar_kg.errors.InputError` naming the file, the line (CSV:
the physical line where the record starts; JSON: the line of a syntax error) and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["CSV_COLUMNS", "ListEntry", "ScreeningList", "is_entity_list_source", "read_screening_list"]

#: The columns of the current CSL CSV, in the published order (the older layout lacks ``_id``).
CSV_COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_flag",
    "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships", "dates_of_birth",
    "nationalities", "places_of_birth", "source_information_url", "ids",
)
REQUIRED_COLUMNS = ("source", "name")

_COUNTRY = re.compile(r"[A-Za-z]{2}")
_DATE_PREFIX = re.compile(r"(\d{4}-\d{2}-\d{2})(?:$|[T ])")
# The Federal Register lists aliases as "a; b; and c", and the CSL keeps the "and".
_LEADING_AND = re.compile(r"^and\s+(?=\S)")


@dataclass(frozen=True)
class ListEntry:
    """One Entity List entry as the CSL gives it (texts verbatim, dates parsed)."""

    name: str
    alt_names: tuple[str, ...]
    countries: tuple[str, ...]
    federal_register_notices: tuple[str, ...]
    start_date: dt.date | None
    end_date: dt.date | None
    license_requirement: str
    license_policy: str
    source: str
    entity_number: str = ""
    source_list_url: str = ""
    source_information_url: str = ""
    origin: str = ""
    line: int | None = None

    @property
    def key(self) -> str:
        """A stable 16-hex-digit content hash, independent of the file, line and alias order."""
        content = [
            self.source,
            self.name,
            sorted(self.alt_names),
            list(self.countries),
            list(self.federal_register_notices),
            self.start_date.isoformat() if self.start_date else "",
            self.end_date.isoformat() if self.end_date else "",
            self.license_requirement,
            self.license_policy,
        ]
        blob = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ScreeningList:
    """The Entity List entries of one CSL file, plus how many rows of other lists were skipped."""

    entries: tuple[ListEntry, ...]
    skipped: dict[str, int]
    path: str
    digest: str

    @property
    def records(self) -> int:
        """Every record in the file, kept or skipped."""
        return len(self.entries) + sum(self.skipped.values())


def is_entity_list_source(source: str) -> bool:
    """True for the CSL source of the BIS Entity List ("Entity List (EL) - Bureau of Industry and Security")."""
    text = source.strip()
    return "entity list" in text.casefold() or text.upper() == "EL"


def read_screening_list(path: Path | str) -> ScreeningList:
    """Read a CSL file (CSV or JSON) and return its Entity List entries; a bad file is an InputError."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(name, "file not found") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(name, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line) from None

    if _is_json(path, text):
        entries, skipped = _read_json(name, text)
    else:
        entries, skipped = _read_csv(name, text)
    return ScreeningList(tuple(entries), dict(sorted(skipped.items())), name, digest)


def _is_json(path: Path, text: str) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return True
    if suffix == ".csv":
        return False
    return text.lstrip()[:1] in ("{", "[")


# --------------------------------------------------------------------------------------------------- cells


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _aliases(parts: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in parts:
        alias = _LEADING_AND.sub("", part.strip())
        if alias:
            seen.setdefault(alias, None)
    return tuple(seen)


def _country(code: str) -> str | None:
    code = code.strip()
    return code.upper() if _COUNTRY.fullmatch(code) else None


def _csv_countries(cell: str) -> tuple[str, ...]:
    """The last comma part of each '; '-separated address, when it is a two-letter code."""
    codes = set()
    for address in _split(cell):
        code = _country(address.rsplit(",", 1)[-1])
        if code:
            codes.add(code)
    return tuple(sorted(codes))


def _date(raw: str, file: str, line: int | None, field_name: str, where: str = "") -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    match = _DATE_PREFIX.match(raw)
    try:
        if not match:
            raise ValueError
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise InputError(file, f"{where}'{raw}' is not an ISO date (YYYY-MM-DD)", line, field_name) from None


# ----------------------------------------------------------------------------------------------------- CSV


def _read_csv(name: str, text: str) -> tuple[list[ListEntry], Counter[str]]:
    # strict=True makes the reader reject a quoted field left open at the end of the file ("unexpected end of
    # data") and stray characters after a closing quote; the non-strict reader accepts both silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = iter(reader)
    previous_line = 0

    def next_row() -> list[str] | None:
        nonlocal previous_line
        start = previous_line + 1
        try:
            row = next(rows)
        except StopIteration:
            return None
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(name, "unclosed quote: a quoted field in the record starting on this line is never closed", start) from None
            raise InputError(name, f"malformed CSV: {exc}", reader.line_num) from None
        previous_line = reader.line_num
        return row

    header: list[str] | None = None
    header_line = 0
    while header is None:
        header_line = previous_line + 1
        row = next_row()
        if row is None:
            raise InputError(name, "no records (the file is empty)")
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]

    columns: dict[str, int] = {}
    for index, column in enumerate(header):
        if column in CSV_COLUMNS and column in columns:
            raise InputError(name, f"column '{column}' appears twice in the header", header_line, column)
        columns.setdefault(column, index)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            name,
            f"the header has no {' or '.join(repr(c) for c in missing)} column; is this a Consolidated Screening List CSV?",
            header_line,
            missing[0],
        )

    entries: list[ListEntry] = []
    skipped: Counter[str] = Counter()
    records = 0
    while True:
        start = previous_line + 1
        row = next_row()
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        records += 1
        if len(row) > len(header):
            raise InputError(name, f"{len(row)} cells but the header has {len(header)} columns", start)

        def cell(column: str, row: list[str] = row) -> str:
            index = columns.get(column)
            return row[index] if index is not None and index < len(row) else ""

        source = cell("source").strip()
        if not is_entity_list_source(source):
            skipped[source] += 1
            continue
        listed = cell("name").strip()
        if not listed:
            raise InputError(name, "an Entity List row has an empty name", start, "name")
        entries.append(
            ListEntry(
                name=listed,
                alt_names=_aliases(_split(cell("alt_names"))),
                countries=_csv_countries(cell("addresses")),
                federal_register_notices=tuple(_split(cell("federal_register_notice"))),
                start_date=_date(cell("start_date"), name, start, "start_date"),
                end_date=_date(cell("end_date"), name, start, "end_date"),
                license_requirement=cell("license_requirement"),
                license_policy=cell("license_policy"),
                source=source,
                entity_number=cell("entity_number").strip(),
                source_list_url=cell("source_list_url").strip(),
                source_information_url=cell("source_information_url").strip(),
                origin=name,
                line=start,
            )
        )
    if records == 0:
        raise InputError(name, "no records (only a header)", header_line)
    return entries, skipped


# ---------------------------------------------------------------------------------------------------- JSON


def _read_json(name: str, text: str) -> tuple[list[ListEntry], Counter[str]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise InputError(name, "invalid JSON: nested too deeply") from None
    if isinstance(document, dict):
        if "results" not in document:
            raise InputError(name, "the JSON object has no 'results' array", None, "results")
        results = document["results"]
        if not isinstance(results, list):
            raise InputError(name, f"'results' must be a list of records, not {_kind(results)}", None, "results")
    elif isinstance(document, list):
        results = document
    else:
        raise InputError(name, f"expected an object with 'results' or a list of records, not {_kind(document)}")
    if not results:
        raise InputError(name, "no records ('results' is empty)", None, "results")

    entries: list[ListEntry] = []
    skipped: Counter[str] = Counter()
    for number, record in enumerate(results, start=1):
        if not isinstance(record, dict):
            raise InputError(name, f"record {number} must be an object, not {_kind(record)}", None, "results")
        fields = _JsonRecord(name, number, record)
        source = fields.text("source").strip()
        if not is_entity_list_source(source):
            skipped[source] += 1
            continue
        listed = fields.text("name").strip()
        if not listed:
            raise InputError(name, f"record {number}: an Entity List record has an empty name", None, "name")
        entries.append(
            ListEntry(
                name=listed,
                alt_names=_aliases(fields.texts("alt_names")),
                countries=fields.countries(),
                federal_register_notices=tuple(_split_all(fields.texts("federal_register_notice"))),
                start_date=_date(fields.text("start_date"), name, None, "start_date", f"record {number}: "),
                end_date=_date(fields.text("end_date"), name, None, "end_date", f"record {number}: "),
                license_requirement=fields.text("license_requirement"),
                license_policy=fields.text("license_policy"),
                source=source,
                entity_number=fields.text("entity_number").strip(),
                source_list_url=fields.text("source_list_url").strip(),
                source_information_url=fields.text("source_information_url").strip(),
                origin=name,
                line=number,
            )
        )
    return entries, skipped


def _split_all(values: list[str]) -> list[str]:
    return [part for value in values for part in _split(value)]


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


@dataclass
class _JsonRecord:
    file: str
    number: int
    record: dict[str, Any]

    def error(self, field_name: str, message: str) -> InputError:
        return InputError(self.file, f"record {self.number}: {message}", None, field_name)

    def text(self, key: str) -> str:
        """A string field; null or absent is empty; a number is accepted (entity numbers)."""
        value = self.record.get(key)
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise self.error(key, f"'{key}' must be a string, not {_kind(value)}")

    def texts(self, key: str) -> list[str]:
        """A list of strings (a single string is accepted as a ';'-joined cell); null or absent is empty."""
        value = self.record.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return _split(value)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return [item.strip() for item in value if item.strip()]
        raise self.error(key, f"'{key}' must be a list of strings")

    def countries(self) -> tuple[str, ...]:
        value = self.record.get("addresses")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error("addresses", f"'addresses' must be a list of objects, not {_kind(value)}")
        codes = set()
        for address in value:
            if not isinstance(address, dict):
                raise self.error("addresses", f"each address must be an object, not {_kind(address)}")
            country = address.get("country")
            if country is None:
                continue
            if not isinstance(country, str):
                raise self.error("addresses", f"an address 'country' must be a string, not {_kind(country)}")
            code = _country(country)
            if code:
                codes.add(code)
        return tuple(sorted(codes))
