"""How much of the comparison is known: per cell, per jurisdiction, per entry and in total.

A cell is known when its status is (implemented, not yet in force or not implemented); a cell with no
record, or whose record says "unknown", is unknown. Of a cell whose entry is implemented, three more
things can be unknown: the entry-into-force date, the national number and the adoption of the 2017
notes. For a cell whose entry is not implemented they do not apply, and for an unknown cell they are
unknown too. queries/implementation-coverage.rq applies the same definitions to the graph.
"""

from __future__ import annotations

ASPECTS = ("status", "in_force", "national_number", "notes_2017")
IN_FORCE_STATUSES = ("implemented", "not yet in force")


def unknown_aspects(cell) -> tuple[str, ...]:
    """What is not known of one cell; empty when everything that applies is known."""
    if cell.status == "unknown":
        return ASPECTS
    if cell.status not in IN_FORCE_STATUSES:
        return ()
    missing = {
        "in_force": cell.since is None,
        "national_number": not cell.national_number,
        "notes_2017": cell.carve_outs_2017 in (None, "unknown"),
    }
    return tuple(aspect for aspect, unknown in missing.items() if unknown)


def applies(cell, aspect: str) -> bool:
    return aspect == "status" or cell.status == "unknown" or cell.status in IN_FORCE_STATUSES


def _counts(cells) -> dict:
    """Known/unknown counts of a set of cells; aspects that do not apply count as neither."""
    cells = list(cells)
    counts = {"cells": len(cells), "recorded": sum(1 for c in cells if c.recorded)}
    for aspect in ASPECTS:
        unknown = sum(1 for c in cells if aspect in unknown_aspects(c))
        applicable = sum(1 for c in cells if applies(c, aspect))
        prefix = "" if aspect == "status" else f"{aspect}_"
        counts[f"{prefix}known"] = applicable - unknown
        counts[f"{prefix}unknown"] = unknown
    return counts


def summarize(jurisdictions: list[str], entries: list[str], cells: dict) -> dict:
    """{"by_jurisdiction": {code: counts}, "by_entry": {entry: counts}, "total": counts}."""
    return {
        "by_jurisdiction": {j: _counts(cells[(j, e)] for e in entries) for j in jurisdictions},
        "by_entry": {e: _counts(cells[(j, e)] for j in jurisdictions) for e in entries},
        "total": _counts(cells[(j, e)] for j in jurisdictions for e in entries),
    }
