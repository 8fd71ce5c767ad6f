"""One implementation record (jurisdiction x Wassenaar entry) as read from impl-entries.csv.

Kept apart from the RDF so a record can also be derived from another one (EU law in a member state)
and written by the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from rdflib import URIRef

from ..csv_tables import Row
from .facts import SourceRegistry

ENTRIES = ("4.A.5", "4.D.1.a", "4.D.4", "4.E.1.a", "4.E.1.c", "5.A.1.j", "5.B.1.a", "5.D.1.a", "5.D.1.c", "5.E.1.a")
STATUSES = ("implemented", "not-implemented", "unknown")
CARVE_OUTS = ("yes", "no", "unknown")
TABLE_PRECISIONS = ("exact", "month", "year", "unknown")  # what the table accepts; derived records may be not-later-than


@dataclass(frozen=True)
class Record:
    code: str
    entry: str
    status: str
    national_number: str
    instrument: str
    in_force: dt.date | None
    precision: str | None  # exact | month | year | not-later-than; None without a date
    carve_outs: str
    sources: tuple[URIRef, ...]
    confidence: Decimal
    note: str
    row: Row  # the table row it comes from (for errors and the jurisdiction's check)
    applies_via: str | None = None  # the union whose law applies (EU), for member states
    derived: bool = False


def cited(row: Row, sources: SourceRegistry) -> tuple[URIRef, ...]:
    ids = row.split("sources")
    if not ids:
        raise row.error("sources", "every row needs at least one source id")
    return tuple(sources.iri(source_id, row) for source_id in ids)


def dated(row: Row, date_field: str, precision_field: str) -> tuple[dt.date | None, str | None]:
    """A date and its precision; a date without precision (or the reverse) is an error, never a guess."""
    day = row.date(date_field, required=False)
    precision = row.choice(precision_field, TABLE_PRECISIONS)
    if day is None:
        if precision != "unknown":
            raise row.error(precision_field, "a precision other than 'unknown' needs a date")
        return None, None
    if precision == "unknown":
        raise row.error(precision_field, "a date needs its precision (exact, month or year)")
    return day, precision


def from_row(row: Row, sources: SourceRegistry, instruments: set[str]) -> Record:
    entry = row.choice("entry", ENTRIES)
    status = row.choice("status", STATUSES)
    if row["instrument"] and row["instrument"] not in instruments:
        raise row.error("instrument", f"unknown instrument id '{row['instrument']}'")
    day, precision = dated(row, "in_force", "in_force_precision")
    if status != "implemented" and day:
        raise row.error("in_force", f"an entry with status '{status}' cannot have an entry-into-force date")
    return Record(
        row["jurisdiction"], entry, status, row["national_number"], row["instrument"], day, precision,
        row.choice("carve_outs_2017", CARVE_OUTS), cited(row, sources), Decimal(str(row.confidence())),
        row.values.get("note", ""), row)
