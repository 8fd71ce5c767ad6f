"""Render a comparison as text (grouped matrix, coverage, lags, clusters), CSV (one row per cell) and JSON.

The HTML page is compare_html; the pictures are charts. Every format lists every jurisdiction compared,
the unknown cells included, and says how much is known.
"""

from __future__ import annotations

import csv
import io
import json

from . import charts, compare_html
from .compare import GROUPS, UNION, Comparison, date_text, first_lag, in_groups, same_as_union
from .coverage import unknown_aspects

CELL_FIELDS = ("jurisdiction", "group", "entry", "status", "since", "precision", "lag_days", "national_number", "instrument",
               "carve_outs_2017", "via", "derived", "recorded", "unknown", "confidence", "sources", "note")
SYMBOL = {"implemented": "Y", "not yet in force": "L", "not implemented": "N", "unknown": "?"}
COVERAGE_COLUMNS = (("known", "known"), ("dated", "in_force_known"), ("number", "national_number_known"),
                    ("notes", "notes_2017_known"))


def _cell_row(c: Comparison, cell) -> dict:
    return {
        "jurisdiction": cell.jurisdiction, "group": c.groups[cell.jurisdiction], "entry": cell.entry, "status": cell.status,
        "since": cell.since.isoformat() if cell.since else "", "precision": cell.precision or "",
        "lag_days": "" if cell.lag_days is None else cell.lag_days, "national_number": cell.national_number or "",
        "instrument": cell.instrument or "", "carve_outs_2017": cell.carve_outs_2017 or "",
        "via": cell.via or "", "derived": cell.derived, "recorded": cell.recorded,
        "unknown": " ".join(unknown_aspects(cell)),
        "confidence": "" if cell.confidence is None else cell.confidence,
        "sources": " ".join(cell.sources) or "unknown", "note": cell.note or "",
    }


def _dates(c: Comparison, code: str) -> str:
    cells = sorted({(c.cells[(code, e)].since, date_text(c.cells[(code, e)])) for e in c.entries
                    if c.cells[(code, e)].since})
    if not cells:
        return "unknown"
    return cells[0][1] if len(cells) == 1 else f"{cells[0][1]}..{cells[-1][1]}"


def _matrix(c: Comparison) -> list[str]:
    name_width = max(len(c.labels[j]) for j in c.jurisdictions) + 8
    widths = [max(len(e), 2) + 1 for e in c.entries]
    lines = ["jurisdiction".ljust(name_width) + "".join(e.ljust(w) for e, w in zip(c.entries, widths))
             + "".join(h.ljust(7) for h, _ in COVERAGE_COLUMNS) + "in force"]
    for key, codes in in_groups(c):
        lines.append(GROUPS[key])
        for code in codes:
            cov = c.coverage["by_jurisdiction"][code]
            symbols = [SYMBOL[c.cells[(code, e)].status] + ("*" if c.cells[(code, e)].derived else "") for e in c.entries]
            lines.append(f"  {code:3} {c.labels[code]}".ljust(name_width) + "".join(s.ljust(w) for s, w in zip(symbols, widths))
                         + "".join(str(cov[k]).ljust(7) for _, k in COVERAGE_COLUMNS) + _dates(c, code))
    known = [str(c.coverage["by_entry"][e]["known"]) for e in c.entries]
    lines.append(f"known (of {len(c.jurisdictions)})".ljust(name_width) + "".join(k.ljust(w) for k, w in zip(known, widths)))
    return lines


def _coverage_lines(c: Comparison) -> list[str]:
    t = c.coverage["total"]
    lines = [f"Coverage: {t['known']} of {t['cells']} cells known ({100 * t['known'] // max(t['cells'], 1)}%), "
             f"{t['cells'] - t['recorded']} without any record.",
             f"  Where they apply (all but not-implemented cells): date known {t['in_force_known']}, unknown {t['in_force_unknown']}; "
             f"national number known {t['national_number_known']}, unknown {t['national_number_unknown']}; "
             f"2017 notes known {t['notes_2017_known']}, unknown {t['notes_2017_unknown']}."]
    unknown = [f"{j} {v['unknown']}" for j, v in c.coverage["by_jurisdiction"].items() if v["unknown"]]
    lines.append("  Cells of unknown status by jurisdiction: " + (", ".join(unknown) or "none"))
    return lines


def _lag_lines(c: Comparison) -> list[str]:
    """One line per jurisdiction; member states on the EU's lag by EU law share the EU's line."""
    lines = ["Lag from the Wassenaar decision (2013-12-04) to entry into force, days (first entry):"]
    same = [j for j in c.jurisdictions if first_lag(c, j) is not None and same_as_union(c, j)]
    unknown = []
    for code in c.jurisdictions:
        lag = first_lag(c, code)
        if lag is None:
            unknown.append(code)
        elif code not in same:
            cell = c.cells[(code, lag[1])]
            rough = "" if cell.precision in (None, "exact date") else f", {date_text(cell)}: {cell.precision}"
            lines.append(f"  {code:3} {c.labels[code]:28} {lag[0]:>5}  ({lag[1]}{rough})")
        if code == UNION and same:
            lines.append(f"      and by EU law {len(same)} member states: {', '.join(same)}")
    lines.append("  unknown: " + (", ".join(unknown) or "none"))
    return lines


def _feature_lines(c: Comparison) -> list[str]:
    """The licensing features side by side: per kind, the jurisdictions that have one (the EU's apply to its
    member states by EU law) and how many are recorded."""
    by_kind: dict[str, dict[str, int]] = {}
    for code, features in c.features.items():
        for f in features:
            by_kind.setdefault(f.kind, {}).setdefault(code, 0)
            by_kind[f.kind][code] += 1
    lines = ["Licensing features by kind (jurisdiction: features recorded; the EU's apply in its member states):"]
    for kind in sorted(by_kind):
        lines.append(f"  {kind}: " + ", ".join(f"{j} {n}" for j, n in sorted(by_kind[kind].items())))
    return lines


def render_table(c: Comparison) -> str:
    lines = [f"Wassenaar cyber entries by jurisdiction, as of {c.as_of}",
             "  Y in force, L adopted but not yet in force, N not implemented, ? unknown, * derived from EU law;",
             f"  known/dated/number/notes: of {len(c.entries)} cells, how many have a known status, "
             "entry-into-force date, national number, 2017-notes answer", ""]
    lines += _matrix(c) + [""] + _coverage_lines(c) + [""] + _lag_lines(c) + [""]
    lines.append("Clusters of similar implementations: " + "; ".join(", ".join(g) for g in c.clusters))
    lines.append("Not comparable (nothing known): " + (", ".join(c.incomparable) or "none"))
    lines += [""] + _feature_lines(c) + [""]
    beyond = {j: [f.name for f in fs if f.beyond_wassenaar] for j, fs in c.features.items()}
    lines.append("Controls beyond Wassenaar: " + ("; ".join(f"{j}: {', '.join(n)}" for j, n in beyond.items() if n) or "none recorded"))
    return "\n".join(lines) + "\n"


def render_csv(c: Comparison) -> str:
    """One row per cell; the `unknown` column lists what is unknown of it (coverage per cell)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CELL_FIELDS, lineterminator="\n")
    writer.writeheader()
    for code in c.jurisdictions:
        for entry in c.entries:
            writer.writerow(_cell_row(c, c.cells[(code, entry)]))
    return buffer.getvalue()


def _jurisdiction(c: Comparison, code: str) -> dict:
    return {"code": code, "name": c.labels[code], "group": c.groups[code], "wassenaar_participant": c.participants[code],
            "eu_member": c.eu_members[code], "applies_via": sorted({c.cells[(code, e)].via for e in c.entries} - {None}),
            "has_records": any(c.cells[(code, e)].recorded for e in c.entries)}


def to_dict(c: Comparison) -> dict:
    return {
        "as_of": c.as_of.isoformat(),
        "groups": GROUPS,
        "jurisdictions": [_jurisdiction(c, j) for j in c.jurisdictions],
        "entries": [{"entry": e, "wassenaar_decision": c.plenary[e].isoformat() if c.plenary[e] else None} for e in c.entries],
        "coverage": c.coverage,
        "cells": [_cell_row(c, c.cells[(j, e)]) for j in c.jurisdictions for e in c.entries],
        "features": [
            {"jurisdiction": f.jurisdiction, "feature": f.name, "kind": f.kind, "beyond_wassenaar": f.beyond_wassenaar,
             "description": f.description, "since": f.since.isoformat() if f.since else None,
             "sources": list(f.sources), "confidence": f.confidence}
            for fs in c.features.values() for f in fs
        ],
        "similarity": [{"a": a, "b": b, "jaccard": s} for (a, b), s in sorted(c.similarity.items())],
        "clusters": c.clusters,
        "not_comparable": c.incomparable,
        "graph": {"nodes": c.graph.number_of_nodes(), "edges": c.graph.number_of_edges()},
    }


def render_json(c: Comparison) -> str:
    return json.dumps(to_dict(c), indent=2, ensure_ascii=False) + "\n"


def render(c: Comparison, fmt: str) -> str | bytes:
    if fmt == "table":
        return render_table(c)
    if fmt == "csv":
        return render_csv(c)
    if fmt == "json":
        return render_json(c)
    if fmt == "html":
        return compare_html.render_html(c)
    if fmt in ("png", "svg"):
        return charts.timeline(c, fmt)
    raise ValueError(fmt)
