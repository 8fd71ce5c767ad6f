"""The situation key: what the rules can tell apart of an export, declared once.

Two exports that agree on every part of the key get the same verdict, exception and deciding provisions, so
the fast engine decides one representative per key. The declaration below is the only place that says what
the key holds: `key_of` (one record), the stream's per-column checks, the packing of a row's key into one
integer and its unpacking are all derived from FIELDS and PARTS. Adding an input means one Field (where its
value is read from) and one Part (what the rules can tell apart of it) here, plus the rules.

- A Field is a value of a checked record that some part reads, and the CSV column it comes from (the date
  gives two: its interval between change points of the law, and the day itself).
- A Part is a function of some fields that yields the profile the rules see: the set of ontology terms they
  name that the value belongs to (fast.Compiled holds those profiles), or the value itself for flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Hashable

from .records import ExportRecord


@dataclass(frozen=True)
class Context:
    """What the parts read besides the record: the compiled profiles and the Entity List entries' dates."""

    tables: object  # fast.Compiled
    vocab: object  # records.Vocabulary (in_force of an entry on a day)

    @cached_property
    def quoted_dates(self) -> frozenset[str]:
        """Days an explanation may quote as the law's own: those the knowledge graph and the rules write, and
        the start and end of every Entity List entry screened against (a screening list's too)."""
        days = {d.isoformat() for e in self.vocab.entries.values() for d in (e.valid_from, e.valid_through) if d}
        return frozenset(self.tables.law_dates | days)

    def stand_in_day(self, day, entries: tuple[str, ...]):
        """A day the law does not quote that a representative dated `day` can take instead without changing
        its situation (same interval of the law, same Entity List entries in force), nearest first; None when
        there is none within SEARCH_DAYS (then the day itself is part of the key)."""
        import datetime as dt

        bucket, listed = self.tables.bucket(day), _in_force(self, entries, day)
        for distance in range(1, SEARCH_DAYS + 1):
            for other in (day + dt.timedelta(days=distance), day - dt.timedelta(days=distance)):
                if other.isoformat() not in self.quoted_dates and self.tables.bucket(other) == bucket \
                        and _in_force(self, entries, other) == listed:
                    return other
        return None


SEARCH_DAYS = 60


def _in_force(context: Context, entries: tuple[str, ...], day) -> tuple[str, ...]:
    return tuple(e for e in entries if context.vocab.in_force(e, day))


def _law_day(context: Context, day, entries: tuple[str, ...]):
    """The day itself when an explanation may quote it as the law's own and no unquoted stand-in exists for
    a representative (explanation.py); None otherwise (the day is a slot of the explanation)."""
    if day.isoformat() not in context.quoted_dates or context.stand_in_day(day, entries) is not None:
        return None
    return day


@dataclass(frozen=True)
class Field:
    name: str
    column: str  # the CSV column the value comes from
    value: Callable[[ExportRecord, Context], Hashable]


@dataclass(frozen=True)
class Part:
    name: str
    fields: tuple[str, ...]
    profile: Callable[..., Hashable]  # (context, *field values) -> what the rules can tell apart
    bits: Callable[[Context], int]  # room for this part's profile numbers in the packed key


def _bits(count: int) -> int:
    return max(1, (count - 1).bit_length())


def _table_bits(name: str) -> Callable[[Context], int]:
    return lambda ctx: _bits(len(set(getattr(ctx.tables, name).values())) + 1)


FIELDS = (
    Field("eccn", "eccn", lambda r, c: r.eccn),
    Field("destination", "destination", lambda r, c: r.destination),
    Field("interval", "date", lambda r, c: c.tables.bucket(r.date)),
    Field("day", "date", lambda r, c: r.date),
    Field("end_user", "end_user", lambda r, c: r.end_user),
    Field("end_use", "end_use", lambda r, c: r.end_use),
    Field("transaction", "transaction", lambda r, c: r.transaction),
    Field("digital_artifacts", "digital_artifacts", lambda r, c: r.digital_artifacts),
    Field("incident_system_owner", "incident_system_owner", lambda r, c: r.incident_system_owner),
    Field("knows_unauthorized_use", "knows_unauthorized_use", lambda r, c: r.knows_unauthorized_use),
    Field("listed_as", "end_user_name", lambda r, c: r.hits),
    Field("possible", "end_user_name", lambda r, c: r.possible_matches),
)

PARTS = (
    Part("item", ("eccn",), lambda c, eccn: c.tables.item_profiles[eccn], _table_bits("item_profiles")),
    Part("destination", ("destination", "interval"),
         lambda c, code, interval: c.tables.destination_profiles[(interval, code)], _table_bits("destination_profiles")),
    Part("regime", ("interval",), lambda c, interval: c.tables.regimes[interval],
         lambda c: _bits(max(c.tables.regimes) + 2)),
    Part("end_user", ("end_user",), lambda c, user: c.tables.user_profiles[user], _table_bits("user_profiles")),
    Part("end_use", ("end_use",), lambda c, use: c.tables.use_profiles[use], _table_bits("use_profiles")),
    Part("transaction", ("transaction",), lambda c, kind: c.tables.transaction_profiles[kind],
         _table_bits("transaction_profiles")),
    Part("digital_artifacts", ("digital_artifacts",), lambda c, flag: flag, lambda c: 1),
    # the incident-system owner only matters with digital artifacts
    Part("incident_system_owner", ("incident_system_owner", "digital_artifacts"),
         lambda c, owner, artifacts: c.tables.owner_profiles[owner if artifacts else None], _table_bits("owner_profiles")),
    Part("knows_unauthorized_use", ("knows_unauthorized_use",), lambda c, flag: flag, lambda c: 1),
    # of the end-user name, only the Entity List entries it equals that are in force on the day
    Part("entity_list", ("listed_as", "day"),
         lambda c, entries, day: tuple(e for e in entries if c.vocab.in_force(e, day)), lambda c: 13),
    # the rest changes no decision, only what the explanation says: the possible Entity List matches (each a
    # step of its own), and the day when the law itself names it and no representative can stand in for it
    # on another day (explanation.py: such a day cannot be a slot)
    Part("possible_matches", ("possible",), lambda c, found: found, lambda c: 13),
    Part("law_day", ("day", "listed_as"), _law_day, lambda c: _bits(len(c.quoted_dates) + 1)),
)

FIELD = {field.name: field for field in FIELDS}
COLUMNS = tuple(dict.fromkeys(field.column for field in FIELDS))  # the CSV columns the key reads


def field_values(record: ExportRecord, context: Context) -> dict[str, Hashable]:
    return {field.name: field.value(record, context) for field in FIELDS}


def key_of(record: ExportRecord, context: Context) -> tuple:
    """The situation of one record: every part's profile, in PARTS order."""
    values = field_values(record, context)
    return tuple(part.profile(context, *(values[f] for f in part.fields)) for part in PARTS)


def layout(context: Context) -> tuple[tuple[str, int, int], ...]:
    """(part, shift, mask) of each part in the packed 63-bit key."""
    found, shift = [], 0
    for part in PARTS:
        bits = part.bits(context)
        found.append((part.name, shift, (1 << bits) - 1))
        shift += bits
    if shift > 63:
        raise ValueError(f"the situation key needs {shift} bits; pack it in two integers")
    return tuple(found)
