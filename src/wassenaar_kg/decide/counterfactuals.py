"""Counterfactuals: for an export that needs a license, the changes of one input that would authorize it.

Each neighbour of the export (the export with one input changed: end use, end-user type, incident-system
owner, digital artifacts, transaction, knowledge of unauthorized use, Entity List status of the end user,
destination, or date moved to another interval of the law) is decided by the same rules as any export — the
fast engine's situation table, or the reference engine for a knowledge graph of your own — never by a second
copy of the law. The neighbours that come out authorized (a license exception, or no license required) are
the counterfactuals, one per changed value; for the destination (some 250 places, most sharing an
outcome) one per outcome: the first place is the change, the others with the same verdict, exception and
deciding provisions are listed in `also`.

An export's counterfactuals depend only on its situation (decide/situation.py), so they are computed once
per distinct situation and shared by every row that has it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

from .records import END_USER_CLASSES, END_USES, TRANSACTIONS, ExportRecord

AUTHORIZED = ("license_exception", "no_license_required")


@dataclass(frozen=True)
class Counterfactual:
    """One input changed, and what the rules then decide."""

    field: str
    value: object  # a JSON value: the new input (str, bool, None)
    verdict: str
    license_exception: str | None
    deciding_provisions: tuple[str, ...]
    also: tuple = ()  # other values of the same input with the same outcome

    def to_dict(self) -> dict:
        return {"change": {self.field: self.value}, "verdict": self.verdict,
                "license_exception": self.license_exception, "deciding_provisions": list(self.deciding_provisions),
                "also": list(self.also)}

    def line(self) -> str:
        exception = f" ({self.license_exception})" if self.license_exception else ""
        value = "none" if self.value is None else str(self.value).lower() if isinstance(self.value, bool) else self.value
        also = ""
        if self.also:
            shown = ", ".join(str(v) for v in self.also[:8]) + (", ..." if len(self.also) > 8 else "")
            also = f" (or {len(self.also)} more with the same outcome: {shown})"
        return (f"{self.field}: {value}{also} -> {self.verdict}{exception}; "
                f"deciding: {'; '.join(self.deciding_provisions) or '-'}")


def neighbours(record: ExportRecord, tables, destinations: Iterable[str]) -> list[tuple[str, tuple, ExportRecord]]:
    """(input, new values, the export with that input changed to the first of them), in the order the output
    shows them. Destinations the rules cannot tell apart on the export's date (one destination profile of
    the interval, decide/fast.py) are one neighbour: deciding one decides them all."""
    found: list[tuple[str, tuple, ExportRecord]] = []

    def add(name: str, values: tuple, **changes) -> None:
        found.append((name, values, dataclasses.replace(record, **changes)))

    for use in END_USES:
        if use != record.end_use:
            add("end_use", (use,), end_use=use)
    for user in END_USER_CLASSES:
        if user != record.end_user:
            add("end_user", (user,), end_user=user)
    if record.digital_artifacts:
        for owner in (None, *END_USER_CLASSES):
            if owner != record.incident_system_owner:
                add("incident_system_owner", (owner,), incident_system_owner=owner)
    add("digital_artifacts", (not record.digital_artifacts,), digital_artifacts=not record.digital_artifacts)
    for kind in TRANSACTIONS:
        if kind != record.transaction:
            add("transaction", (kind,), transaction=kind)
    if record.knows_unauthorized_use:
        add("knows_unauthorized_use", (False,), knows_unauthorized_use=False)
    if record.hits:
        add("end_user_name", (None,), end_user_name=None, hits=(), possible_matches=())
    interval = tables.bucket(record.date)
    own = tables.destination_profiles.get((interval, record.destination))
    alike: dict = {}
    for code in sorted(set(destinations)):
        profile = tables.destination_profiles.get((interval, code), ("unprofiled", code))
        if profile != own:
            alike.setdefault(profile, []).append(code)
    for codes in alike.values():
        add("destination", tuple(codes), destination=codes[0])
    days = sorted((d for d in tables.change_points if tables.bucket(d) != interval),
                  key=lambda d: (abs((d - record.date).days), d))
    for day in days:
        add("date", (day.isoformat(),), date=day)
    return found


GROUPED = ("destination",)  # inputs whose values are grouped by outcome
CHUNK = 40  # situations whose neighbours (about 90 each) are decided in one batch


def group(found: list[tuple[str, tuple, object]]) -> tuple[Counterfactual, ...]:
    """The authorized neighbours in the neighbours' order: one Counterfactual per changed value, or per
    outcome for the GROUPED inputs (values sorted)."""
    grouped: dict[tuple, list] = {}
    for name, values, decided in found:
        if decided.verdict not in AUTHORIZED:
            continue
        outcome = (name, decided.verdict, decided.license_exception, tuple(decided.deciding_provisions))
        for value in values:
            grouped.setdefault(outcome if name in GROUPED else (*outcome, value), []).append(value)
    for (name, *_), values in grouped.items():
        if name in GROUPED:
            values.sort()
    return tuple(Counterfactual(name, values[0], verdict, exception, provisions, tuple(values[1:]))
                 for (name, verdict, exception, provisions, *_), values in grouped.items())


class Finder:
    """Counterfactuals of exports, decided through an engine and kept per situation."""

    def __init__(self, kg=None, processes: int = 1) -> None:
        from . import fast
        from .situation import Context
        from .vocabulary import vocabulary

        self.kg = kg
        self.table = fast.load_decisions(processes)
        self.context = Context(self.table.tables, vocabulary())
        self.destinations = sorted(set(vocabulary().destinations.values()))
        self.known: dict = {} if kg is not None else _load()
        self.stored = len(self.known)
        self.texts: dict = {}

    def _decide(self, records: list[ExportRecord]) -> list:
        if self.kg is not None:
            from .engines import ReferenceEngine

            return ReferenceEngine(self.kg).decide(records)
        return self.table.decide(records)

    def prepare(self, records: Iterable[ExportRecord]) -> None:
        """Compute the counterfactuals of these exports' situations not met before, deciding all their
        neighbours in one batch (shared among the worker processes when there are many)."""
        from .situation import key_of

        todo: dict = {}
        for record in records:
            key = key_of(record, self.context)
            if key not in self.known and key not in todo:
                todo[key] = neighbours(record, self.table.tables, self.destinations)
        keys = list(todo)
        for start in range(0, len(keys), CHUNK):  # bounded batches: the rules' store holds a batch's triples
            chunk = keys[start:start + CHUNK]
            decided = iter(self._decide([variant for key in chunk for _, _, variant in todo[key]]))
            for key in chunk:
                self.known[key] = group([(name, values, next(decided)) for name, values, _ in todo[key]])

    def of(self, record: ExportRecord) -> tuple[Counterfactual, ...]:
        from .situation import key_of

        key = key_of(record, self.context)
        if key not in self.known:
            self.prepare([record])
        return self.known[key]

    def json_of(self, record: ExportRecord) -> str:
        """The JSON list of the export's counterfactuals (`counterfactuals` of a JSON line), once per situation."""
        import json

        from .situation import key_of

        key = key_of(record, self.context)
        if key not in self.texts:
            self.texts[key] = json.dumps([c.to_dict() for c in self.of(record)], ensure_ascii=False)
        return self.texts[key]

    def attach(self, determinations, records) -> list:
        """The determinations with their counterfactuals: those of the export for a license_required verdict,
        none (an empty tuple) for the others."""
        determinations, records = list(determinations), list(records)
        self.prepare(r for d, r in zip(determinations, records) if d.verdict == "license_required")
        return [dataclasses.replace(d, counterfactuals=self.of(r) if d.verdict == "license_required" else ())
                for d, r in zip(determinations, records)]

    def close(self) -> None:
        from . import fast

        self.table.close()
        fast.store_decisions(self.table)
        if self.kg is None and len(self.known) > self.stored:
            _store(self.known)


def _cache_name() -> str:
    """Kept beside the decisions, under a name that changes with them (the ontology, the rules, a screening
    list): a situation key means the same situation only for the same tables."""
    from .fast import _decisions_name

    return _decisions_name().replace("fast-decisions-", "fast-counterfactuals-v1-")


def _load() -> dict:
    """Counterfactuals earlier runs computed, by situation (an unreadable cache is ignored and rewritten)."""
    import pickle

    from ..kg.cache import read_cached

    stored = read_cached(_cache_name())
    if stored is None:
        return {}
    try:
        found = pickle.loads(stored)
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
        return {}
    return found if isinstance(found, dict) else {}


def _store(known: dict) -> None:
    """Write the counterfactuals by situation, keeping those a concurrent run stored meanwhile."""
    import pickle

    from ..kg.cache import write_cached

    write_cached(_cache_name(), pickle.dumps({**_load(), **known}, protocol=pickle.HIGHEST_PROTOCOL))
