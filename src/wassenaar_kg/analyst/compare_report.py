"""Render a comparison: text matrix, CSV (one row per cell), JSON, and one self-contained HTML page."""

from __future__ import annotations

import base64
import csv
import html
import io
import json

from . import charts
from .compare import Comparison

CELL_FIELDS = ("jurisdiction", "entry", "status", "since", "precision", "lag_days", "national_number", "instrument",
               "carve_outs_2017", "confidence", "sources", "note")
SYMBOL = {"implemented": "yes", "not yet in force": "later", "not implemented": "no", "unknown": "?", "no record": "-"}


def _cell_row(cell) -> dict:
    return {
        "jurisdiction": cell.jurisdiction, "entry": cell.entry, "status": cell.status,
        "since": cell.since.isoformat() if cell.since else "", "precision": cell.precision or "",
        "lag_days": "" if cell.lag_days is None else cell.lag_days, "national_number": cell.national_number or "",
        "instrument": cell.instrument or "", "carve_outs_2017": cell.carve_outs_2017 or "",
        "confidence": "" if cell.confidence is None else cell.confidence,
        "sources": " ".join(cell.sources) or "unknown", "note": cell.note or "",
    }


def render_table(c: Comparison) -> str:
    width = max(len(e) for e in c.entries) + 2
    lines = [f"Wassenaar cyber entries by jurisdiction, as of {c.as_of}  (yes = in force since; ? = unknown)"]
    lines.append("entry".ljust(width) + "".join(j.ljust(16) for j in c.jurisdictions))
    for entry in c.entries:
        row = entry.ljust(width)
        for code in c.jurisdictions:
            cell = c.cells[(code, entry)]
            text = SYMBOL[cell.status]
            if cell.since and cell.status in ("implemented", "not yet in force"):
                text = f"{text} {cell.since.isoformat()}"
            row += text.ljust(16)
        lines.append(row.rstrip())
    lines.append("")
    lines.append("Lag from the Wassenaar decision (2013-12-04) to entry into force, days (first entry):")
    for code in c.jurisdictions:
        lags = [c.cells[(code, e)].lag_days for e in c.entries if c.cells[(code, e)].lag_days is not None]
        lines.append(f"  {c.labels[code]:22} {min(lags) if lags else 'unknown'}")
    lines.append("")
    lines.append("Clusters of similar implementations: " + "; ".join(", ".join(g) for g in c.clusters))
    beyond = {j: [f.name for f in fs if f.beyond_wassenaar] for j, fs in c.features.items()}
    lines.append("Controls beyond Wassenaar: " + ("; ".join(f"{j}: {', '.join(n)}" for j, n in beyond.items() if n) or "none recorded"))
    return "\n".join(lines) + "\n"


def render_csv(c: Comparison) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CELL_FIELDS, lineterminator="\n")
    writer.writeheader()
    for code in c.jurisdictions:
        for entry in c.entries:
            writer.writerow(_cell_row(c.cells[(code, entry)]))
    return buffer.getvalue()


def to_dict(c: Comparison) -> dict:
    return {
        "as_of": c.as_of.isoformat(),
        "jurisdictions": [{"code": j, "name": c.labels[j], "wassenaar_participant": c.participants[j]} for j in c.jurisdictions],
        "entries": [{"entry": e, "wassenaar_decision": c.plenary[e].isoformat() if c.plenary[e] else None} for e in c.entries],
        "cells": [_cell_row(c.cells[(j, e)]) for j in c.jurisdictions for e in c.entries],
        "features": [
            {"jurisdiction": f.jurisdiction, "feature": f.name, "kind": f.kind, "beyond_wassenaar": f.beyond_wassenaar,
             "description": f.description, "since": f.since.isoformat() if f.since else None,
             "sources": list(f.sources), "confidence": f.confidence}
            for fs in c.features.values() for f in fs
        ],
        "similarity": [{"a": a, "b": b, "jaccard": s} for (a, b), s in sorted(c.similarity.items())],
        "clusters": c.clusters,
        "graph": {"nodes": c.graph.number_of_nodes(), "edges": c.graph.number_of_edges()},
    }


def render_json(c: Comparison) -> str:
    return json.dumps(to_dict(c), indent=2, ensure_ascii=False) + "\n"


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _sources_html(sources) -> str:
    if not sources:
        return "unknown"
    return " ".join(f'<a href="{html.escape(s)}">[{i}]</a>' for i, s in enumerate(sources, 1))


CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top}
th{background:#f3f3f3}td.implemented{background:#e7f6e7}td.unknown,td.no-record{background:#f7f7f7;color:#777}
td.not-implemented{background:#fbe4e4}td.not-yet-in-force{background:#fff6d6}small{color:#555}
img{max-width:100%;border:1px solid #eee}caption{text-align:left;font-weight:bold}
"""


def render_html(c: Comparison) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c.labels[j])}<br><small>{e(j)}"
                   f"{'' if c.participants[j] is None else (' · WA' if c.participants[j] else ' · not WA')}</small></th>"
                   for j in c.jurisdictions)
    body = []
    for entry in c.entries:
        cells = []
        for code in c.jurisdictions:
            cell = c.cells[(code, entry)]
            lines = [f"<b>{e(cell.status)}</b>"]
            if cell.since:
                lines.append(f"since {cell.since.isoformat()}" + (f" <small>({e(cell.precision)})</small>" if cell.precision and cell.precision != "exact date" else ""))
            if cell.national_number:
                lines.append(f"as {e(cell.national_number)}")
            if cell.instrument:
                lines.append(f"<small>{e(cell.instrument)}</small>")
            if cell.carve_outs_2017 and cell.carve_outs_2017 != "unknown":
                lines.append(f"<small>2017 notes: {e(cell.carve_outs_2017)}</small>")
            conf = "" if cell.confidence is None else f" · confidence {cell.confidence}"
            lines.append(f"<small>sources: {_sources_html(cell.sources)}{conf}</small>")
            title = f' title="{e(cell.note)}"' if cell.note else ""
            cells.append(f'<td class="{cell.status.replace(" ", "-")}"{title}>{"<br>".join(lines)}</td>')
        body.append(f"<tr><th>{e(entry)}</th>{''.join(cells)}</tr>")
    lag_rows = []
    for code in c.jurisdictions:
        lags = [(c.cells[(code, en)].lag_days, en) for en in c.entries if c.cells[(code, en)].lag_days is not None]
        first = min(lags) if lags else None
        lag_rows.append(f"<tr><td>{e(c.labels[code])}</td><td>{first[0] if first else 'unknown'}</td>"
                        f"<td>{e(first[1]) if first else ''}</td><td>{len(lags)} of {len(c.entries)}</td></tr>")
    feature_rows = []
    for code in c.jurisdictions:
        for f in c.features[code]:
            feature_rows.append(
                f"<tr><td>{e(c.labels[code])}</td><td>{e(f.name)}</td><td>{e(f.kind)}{' · beyond Wassenaar' if f.beyond_wassenaar else ''}</td>"
                f"<td>{e(f.description)}</td><td>{f.since.isoformat() if f.since else 'unknown'}</td>"
                f"<td><small>{_sources_html(f.sources)} · confidence {f.confidence}</small></td></tr>")
    sim_rows = "".join(f"<tr><td>{e(a)}</td><td>{e(b)}</td><td>{s}</td></tr>"
                       for (a, b), s in sorted(c.similarity.items(), key=lambda kv: -kv[1])[:30])
    clusters = "".join(f"<li>{e(', '.join(c.labels[j] for j in g))}</li>" for g in c.clusters)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Wassenaar cyber entries: national implementations as of {c.as_of}</title>
<link rel="icon" href="data:,"><style>{CSS}</style></head>
<body>
<h1>Wassenaar cyber entries: national implementations</h1>
<p>As of {c.as_of}. The Wassenaar Arrangement agreed these entries at its plenary of 3–4 December 2013; each state
implements them in its own law. Every cell comes from a cited implementation record of the wassenaar-kg knowledge
graph ([n] links are its sources); "unknown" means no source read says. Hover a cell for its note.</p>
<table><caption>Entry × jurisdiction</caption><tr><th>entry</th>{head}</tr>{''.join(body)}</table>
<h2>Lag from the Wassenaar decision to entry into force</h2>
<table><tr><th>jurisdiction</th><th>days (first entry)</th><th>entry</th><th>entries with a known date</th></tr>{''.join(lag_rows)}</table>
<h2>Timeline</h2>{_img(charts.timeline(c), "timeline of entry into force")}
<h2>Licensing features and deviations</h2>
<table><tr><th>jurisdiction</th><th>feature</th><th>kind</th><th>description</th><th>since</th><th>sources</th></tr>{''.join(feature_rows)}</table>
<h2>Similarity and clusters</h2>
<p>Jaccard index of traits (entries in force, 2017 notes adopted, kinds of national features); clusters are modularity communities (networkx).</p>
<ul>{clusters}</ul>
{_img(charts.similarity_graph(c), "similarity graph of jurisdictions")}
<table><tr><th>a</th><th>b</th><th>Jaccard</th></tr>{sim_rows}</table>
<p><small>Generated by wassenaar-kg. Reading aid, not legal advice.</small></p>
</body></html>
"""


def render(c: Comparison, fmt: str) -> str | bytes:
    if fmt == "table":
        return render_table(c)
    if fmt == "csv":
        return render_csv(c)
    if fmt == "json":
        return render_json(c)
    if fmt == "html":
        return render_html(c)
    if fmt in ("png", "svg"):
        return charts.timeline(c, fmt)
    raise ValueError(fmt)
