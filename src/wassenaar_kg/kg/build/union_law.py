"""EU law applies in every member state: derive member states' implementation records from the EU's.

The EU dual-use regulation is directly applicable, so a member state's implementation of an entry is the
EU's unless the tables record the state's own. Derived from law rather than hand-copied: a member state
(eu-membership.csv, current membership) with no row of its own for an entry gets the EU row's status,
national number, instrument and 2017 notes; it is in force from the later of the EU's entry into force
and the state's accession; it cites both rows' sources and carries the lower of their confidences. Every
record of a current member state, derived or its own, says the law applies via the EU. A former member
(the United Kingdom) keeps only its own rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pycountry
from rdflib import URIRef

from ..csv_tables import Row, read_table
from .facts import FACT_COLUMNS, SourceRegistry
from .impl_record import Record, cited

UNION = "EU"
PRECISION_WORDS = {"exact": "exact date", "month": "month only", "year": "year only", "not-later-than": "not later than"}


@dataclass(frozen=True)
class Membership:
    code: str
    since: dt.date
    precision: str  # exact | not-later-than
    sources: tuple[URIRef, ...]
    confidence: Decimal
    row: Row


def current_members(tables: Path, sources: SourceRegistry) -> dict[str, Membership]:
    """Member states whose membership has not ended (no valid_through), by ISO code."""
    members = {}
    for row in read_table(tables / "eu-membership.csv", ("country",) + FACT_COLUMNS):
        if row.date("valid_through", required=False) is None:
            members[row["country"]] = Membership(
                row["country"], row.date("valid_from"), row["from_precision"], cited(row, sources),
                Decimal(str(row.confidence())), row)
    return members


def period_end(day: dt.date, precision: str) -> dt.date:
    """Last day a month- or year-precision date may stand for (the day itself when exact)."""
    if precision == "year":
        return dt.date(day.year, 12, 31)
    if precision == "month":
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def member_in_force(union_day: dt.date | None, union_precision: str | None,
                    accession: dt.date, accession_precision: str) -> tuple[dt.date | None, str | None]:
    """The later of the union's entry into force and accession, with the precision of the one that wins.

    An accession inside the union date's month or year keeps that month or year: the law was in force in
    the state within it either way. No union date: unknown, never the accession alone.
    """
    if union_day is None:
        return None, None
    if accession > period_end(union_day, union_precision or "exact"):
        return accession, accession_precision
    return union_day, union_precision


def _name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", country.name) if country else code


def _note(union: Record, member: Membership, day: dt.date | None, precision: str | None) -> str:
    union_date = f"{union.in_force} ({PRECISION_WORDS[union.precision]})" if union.in_force else "unknown"
    in_force = f"{day} ({PRECISION_WORDS[precision]})" if day else "unknown"
    return (f"Derived from the EU record, not researched separately: EU law applies in {_name(member.code)} as a member "
            f"state (member since {member.since}, {PRECISION_WORDS[member.precision]}). Status, national number, "
            f"instrument and 2017 notes are the EU's; in force {in_force} = the later of the EU's entry into force "
            f"({union_date}) and accession. National additions, if any, are recorded as national features.")


def derive(union: Record, member: Membership) -> Record:
    day, precision = member_in_force(union.in_force, union.precision, member.since, member.precision)
    sources = tuple(dict.fromkeys(union.sources + member.sources))
    return replace(union, code=member.code, in_force=day, precision=precision, sources=sources,
                   confidence=min(union.confidence, member.confidence), note=_note(union, member, day, precision),
                   row=member.row, applies_via=UNION, derived=True)


def with_union_law(records: list[Record], members: dict[str, Membership]) -> list[Record]:
    """The records as given (members' own marked as applying via the EU) plus the derived ones."""
    own = {(r.code, r.entry) for r in records}
    result = [replace(r, applies_via=UNION) if r.code in members else r for r in records]
    for union in (r for r in records if r.code == UNION):
        for code, member in sorted(members.items()):
            if (code, union.entry) not in own:
                result.append(derive(union, member))
    return result
