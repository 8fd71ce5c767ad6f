"""`wakg diff` output: the timeline of changes, and the exports decided differently, as text, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

from .law_diff import LawDiff

FORMATS = ("text", "json", "csv")
CHANGE_FIELDS = ("date", "change", "category", "what", "provision", "destination", "column", "eccn", "enacted_by",
                 "confidence", "sources", "fact")
EXPORT_FIELDS = ("id", "verdict_from", "license_exception_from", "deciding_provisions_from", "verdict_to",
                 "license_exception_to", "deciding_provisions_to", "changes")


def _outcome(d) -> str:
    exception = f" ({d.license_exception})" if d.license_exception else ""
    return f"{d.verdict}{exception}; deciding: {'; '.join(d.deciding_provisions) or '-'}"


def text(result: LawDiff) -> str:
    out = [f"Changes of the law after {result.start} up to and including {result.end}: {len(result.changes)}"]
    out += [f"  {c.line()}" for c in result.changes] or ["  (none)"]
    out += [f"  note: {n}" for n in result.notes]
    if result.exports is not None:
        out.append("")
        out.append(f"Exports decided differently on {result.start} and on {result.end}: {len(result.exports)} of "
                   f"{result.checked}")
        for item in result.exports:
            out.append(f"  {item.id}")
            out.append(f"    {result.start}: {_outcome(item.before)}")
            out.append(f"    {result.end}: {_outcome(item.after)}")
            out.append("    because:" if item.changes else "    because: no dated change of the model touches this "
                       "export directly (see the explanations with `wakg check`)")
            out += [f"      {c.line()}" for c in item.changes]
    return "\n".join(out) + "\n"


def _csv(rows, fields) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def csv_text(result: LawDiff) -> str:
    """Without exports: one row per change. With exports: one row per export decided differently, its
    explaining changes in one cell ('date what; ...')."""
    if result.exports is None:
        rows = []
        for c in result.changes:
            row = c.to_dict()
            row["sources"] = " ".join(c.sources)
            rows.append(row)
        return _csv(rows, CHANGE_FIELDS)
    return _csv([{
        "id": e.id, "verdict_from": e.before.verdict, "license_exception_from": e.before.license_exception or "",
        "deciding_provisions_from": "; ".join(e.before.deciding_provisions), "verdict_to": e.after.verdict,
        "license_exception_to": e.after.license_exception or "",
        "deciding_provisions_to": "; ".join(e.after.deciding_provisions),
        "changes": "; ".join(f"{c.date} {c.change} {c.what}" for c in e.changes),
    } for e in result.exports], EXPORT_FIELDS)


def render(result: LawDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return csv_text(result)
    return text(result)
