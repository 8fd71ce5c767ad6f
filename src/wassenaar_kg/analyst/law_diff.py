"""`wakg diff`: what changed in the law between two dates, and which exports it decides differently.

The changes are the rows of the library query `law-changes` (one source of truth for the CLI, the query
library, the HTTP API and the workbench's timeline). The exports are decided twice, under the law of each
date, by the same engines as `wakg check`; an export whose verdict, exception or deciding provisions differ
is listed with both determinations and the changes that touch it: its destination (or the destination the
EAR treats it as), its ECCN and the chart columns that ECCN names, the Entity List entries its end user is,
and the provisions either explanation cites.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..decide.determination import Determination
from ..decide.records import ExportRecord
from ..errors import InputError

QUERY = "law-changes"


@dataclass(frozen=True)
class Change:
    """One dated fact of the law starting or ending: effective `date`, with its provision and sources."""

    date: dt.date
    change: str  # "starts" | "ends" (an ending takes effect the day after the fact's last day)
    category: str
    what: str
    provision: str
    destination: str | None = None
    column: str | None = None
    eccn: str | None = None
    enacted_by: str | None = None
    confidence: float | None = None
    sources: tuple[str, ...] = ()
    fact: str = ""

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["date"] = self.date.isoformat()
        data["sources"] = list(self.sources)
        return data

    def line(self) -> str:
        sure = f"  [confidence {self.confidence:g}]" if self.confidence is not None and self.confidence < 0.9 else ""
        by = f"; {self.enacted_by}" if self.enacted_by else ""
        return f"{self.date}  {self.change:6}  {self.what}  -> {self.provision}{by}{sure}"


@dataclass(frozen=True)
class ExportChange:
    """An export decided differently on the two dates, and the changes of the law that touch it."""

    id: str
    before: Determination
    after: Determination
    changes: tuple[Change, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "from": _brief(self.before), "to": _brief(self.after),
                "changes": [c.to_dict() for c in self.changes]}


@dataclass
class LawDiff:
    start: dt.date
    end: dt.date
    changes: list[Change]
    exports: list[ExportChange] | None = None  # None: no exports were given
    checked: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "changes": [c.to_dict() for c in self.changes], "notes": self.notes}
        if self.exports is not None:
            data["exports_checked"] = self.checked
            data["exports_decided_differently"] = [e.to_dict() for e in self.exports]
        return data


def _brief(d: Determination) -> dict:
    return {"verdict": d.verdict, "license_exception": d.license_exception,
            "deciding_provisions": list(d.deciding_provisions), "law_as_of": d.law_as_of.isoformat()}


def _outcome(d) -> tuple:
    return d.verdict, d.license_exception, tuple(d.deciding_provisions)


def _value(solution, name: str):
    term = solution[name]
    return None if term is None else term.value


def law_changes(start: dt.date, end: dt.date, store=None) -> list[Change]:
    """The rows of the library query `law-changes` between `start` (exclusive) and `end` (inclusive)."""
    from . import queries

    if store is None:
        from .reasoned import build

        store = build(end, None).store()
    prepared = queries.prepare(queries.resolve(QUERY), {"from": start.isoformat(), "to": end.isoformat()}, end)
    found = []
    for row in store.query(prepared.text, use_default_graph_as_union=True):
        confidence = _value(row, "confidence")
        found.append(Change(
            date=dt.date.fromisoformat(_value(row, "date")), change=_value(row, "change"),
            category=_value(row, "category"), what=_value(row, "what"), provision=_value(row, "provision"),
            destination=_value(row, "destination"), column=_value(row, "column"), eccn=_value(row, "eccn"),
            enacted_by=_value(row, "enactedBy") or None,
            confidence=float(confidence) if confidence is not None else None,
            sources=tuple((_value(row, "sources") or "").split()), fact=_value(row, "fact")))
    return found


def _cited(d: Determination) -> set[str]:
    return set(d.deciding_provisions) | {step.provision for step in d.explanation}


def _touches(change: Change, record: ExportRecord, places: set[str], columns: set[str], cited: set[str]) -> bool:
    if change.category == "entity list":
        return change.fact in record.hits
    if change.category == "country chart":
        return change.destination in places and change.column in columns
    if change.destination is not None:
        return change.destination in places
    if change.eccn is not None:
        return record.eccn == change.eccn or record.eccn.startswith(change.eccn + ".")
    return any(p == change.provision or p.startswith(change.provision + "(") for p in cited)


def _chart_columns(eccn: str) -> set[str]:
    """The Country Chart columns the ECCN's reasons for control name (its own, or its parent's)."""
    from ..api import reference_graph
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from ..kg.namespaces import ECCN, WAKG

    kg = reference_graph()
    node = URIRef(ECCN + eccn)
    nodes = [node, *kg.objects(node, WAKG.broaderEntry)]
    return {str(kg.value(c, SKOS.notation)) for n in nodes for c in kg.objects(n, WAKG.chartColumn)}


def _places(record: ExportRecord, days: tuple[dt.date, ...]) -> set[str]:
    """The destination as given and as the EAR treats it on each day (Hong Kong as China from 2020-12-23)."""
    from ..decide import fast

    tables = fast.compiled()
    return {record.destination} | {tables.effective.get((tables.bucket(d), record.destination), record.destination)
                                   for d in days}


def _decide(books: list[list[ExportRecord]], engine: str) -> list[list]:
    """Each book's determinations, or with the fast engine its per-situation decisions (verdict, exception,
    deciding provisions, the explanation's provisions), from one decision table: the diff needs no sentence
    filled for every row. (The reference engine takes each book apart: an export's id names its individual.)"""
    from ..api import check, engine_for

    if engine_for(books[0], engine) == "reference":
        return [check(book, engine="reference").determinations for book in books]
    from ..decide import fast

    table = fast.load_decisions()
    try:
        return [table.decide(book) for book in books]
    finally:
        fast.store_decisions(table)


def _determination(record: ExportRecord, decided) -> Determination:
    if isinstance(decided, Determination):
        return decided
    return Determination(record.id, decided.verdict, decided.license_exception, decided.deciding_provisions,
                         record.date, decided.explanation, record.license, "fast", record.possible_matches)


def decided_differently(records: list[ExportRecord], start: dt.date, end: dt.date, changes: list[Change],
                        engine: str = "auto") -> list[ExportChange]:
    """Decide every export under the law of `start` and of `end` (its own date replaced) and keep those
    whose verdict, exception or deciding provisions differ, with the changes that touch them."""
    moved = {day: [dataclasses.replace(r, date=day) for r in records] for day in (start, end)}
    before, after = _decide([moved[start], moved[end]], engine)
    columns: dict[str, set[str]] = {}
    found = []
    for index, (record, old, new) in enumerate(zip(records, before, after)):
        if _outcome(old) == _outcome(new):
            continue
        old, new = _determination(moved[start][index], old), _determination(moved[end][index], new)
        if record.eccn not in columns:
            columns[record.eccn] = _chart_columns(record.eccn)
        places, cited = _places(record, (start, end)), _cited(old) | _cited(new)
        touching = tuple(c for c in changes if _touches(c, record, places, columns[record.eccn], cited))
        found.append(ExportChange(record.id, old, new, touching))
    return found


def diff(start: dt.date, end: dt.date, data: Path | None = None, engine: str = "auto") -> LawDiff:
    """The law's changes between two dates and, with `data`, the exports they decide differently."""
    if start >= end:
        raise InputError("--from", f"{start} is not before --to {end}: give the earlier date as --from")
    result = LawDiff(start, end, law_changes(start, end))
    result.notes.append("Facts known only from a 'not later than' date (the reconstructed 2021 base of the "
                        "Country Groups and the Country Chart) start where the data begins; they are not "
                        "listed as changes.")
    if data is not None:
        from ..api import _records

        records = _records(data, end)
        result.exports = decided_differently(records, start, end, result.changes, engine)
        result.checked = len(records)
        result.unchanged = len(records) - len(result.exports)
    return result
