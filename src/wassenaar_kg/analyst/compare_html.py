"""The comparison as one self-contained HTML page, readable with every participating state in it.

Jurisdictions are rows (there are 45 and more), grouped: the EU, its member states, the other
participating states, non-participants. Entries are columns. Each cell is short (status, date, national
number) and opens to its instrument, 2017 notes, confidence and linked sources; each row ends with its
coverage. The header row stays in view while scrolling.
"""

from __future__ import annotations

import base64
import html

from . import charts, similarity as sim
from .compare import GROUPS, Comparison, date_text, first_lag, in_groups, same_as_union

e = html.escape
SHORT = {"implemented": "yes", "not yet in force": "later", "not implemented": "no", "unknown": "?"}
NOUNS = {"union": "union", "eu-member": "EU member states", "participant": "other participating states",
         "adopter": "non-participants"}
FOOT = (("status known", "known"), ("date known", "in_force_known"), ("number known", "national_number_known"),
        ("2017 notes known", "notes_2017_known"))

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.2em 1.5em;color:#1d2733;max-width:1500px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .4em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d0d6de;padding:3px 5px;vertical-align:top}
th{background:#f1f3f6;text-align:left;font-weight:600}
table.matrix{font-size:12px}
table.matrix thead th{position:sticky;top:0;z-index:1;background:#e3e8ef;white-space:nowrap}
table.matrix tbody th{white-space:nowrap;font-weight:500;background:#fafbfc}
table.matrix tr.group th{background:#1f4e8c;color:#fff;font-weight:600;font-size:13px}
td.cell{white-space:nowrap}
td.implemented{background:#e6f4ea}td.not-yet-in-force{background:#fff4d6}td.not-implemented{background:#fbe9ea}
td.unknown{background:#f4f5f7;color:#6b7480}td.derived{background:#eef6f0}
td.cell b{font-weight:600}sup.via{color:#1f4e8c;font-size:9px;margin-left:1px}
details summary{cursor:pointer;color:#415066;font-size:11px;list-style:none}details summary::-webkit-details-marker{display:none}
details[open]{white-space:normal;min-width:16em}details div{font-size:11px;padding:.2em 0}
small,.role{color:#566273;font-size:11px}.role{display:block;font-weight:400}
.bar{width:70px;height:8px;background:#e5e8ec;border-radius:4px;overflow:hidden;display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%;background:#1e6b3a}.cov{white-space:nowrap}
tfoot th,tfoot td{background:#f1f3f6;font-size:12px}
.summary{background:#f4f6f9;border-left:4px solid #1f4e8c;padding:.5em .8em;max-width:100ch}
#each-member:not(:checked)~table tr.same-as-eu{display:none}#each-member:checked~table tr.same-summary{display:none}
tr.same-summary td{background:#eef6f0;font-size:12px;white-space:normal}
img{max-width:100%;border:1px solid #eee}ul.clusters li{margin:.2em 0}
"""


def _img(data: bytes, alt: str) -> str:
    return f'<img alt="{e(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _links(sources) -> str:
    if not sources:
        return "none"
    return " ".join(f'<a href="{e(s)}">[{i}]</a>' for i, s in enumerate(sources, 1))


def _role(c: Comparison, code: str) -> str:
    if c.participants[code] is None:
        return "union"
    if c.eu_members[code]:
        return "EU member · " + ("WA" if c.participants[code] else "not in WA")
    return "WA participant" if c.participants[code] else "not in WA"


def _short(number: str, limit: int = 10) -> str:
    """The national number without its parenthesis, cut to fit a column (the full one is inside); a wide
    (CJK) character takes two places."""
    import unicodedata

    head, used, kept = number.split(" (")[0], 0, []
    for char in head:
        used += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        kept.append(char)
        if used > limit:
            return "".join(kept[:-1]).rstrip() + "…"
    return head


def _details(cell) -> str:
    if not cell.recorded:
        return "<small>no record</small>"
    facts = [f"national number: {e(cell.national_number or 'unknown')}", f"instrument: {e(cell.instrument or 'unknown')}",
             f"in force: {date_text(cell)}"
             + (f" ({e(cell.precision)})" if cell.precision else ""),
             f"2017 notes: {e(cell.carve_outs_2017 or 'unknown')}",
             f"confidence {cell.confidence}" + (" · derived from the EU record" if cell.derived else ""),
             f"sources: {_links(cell.sources)}"]
    summary = e(_short(cell.national_number)) if cell.national_number else "no. ?"
    return f"<details><summary>{summary} · {len(cell.sources)} src</summary>{''.join(f'<div>{f}</div>' for f in facts)}</details>"


def _cell(cell) -> str:
    classes = ["cell", cell.status.replace(" ", "-")] + (["derived"] if cell.derived else [])
    head = f"<b>{SHORT[cell.status]}</b>"
    if cell.since and cell.status in ("implemented", "not yet in force"):  # a date in a green cell says "in force since"
        head = ("<b>later</b> " if cell.status == "not yet in force" else "") + date_text(cell)
        head += "" if cell.precision in (None, "exact date") else "<small>~</small>"
    if cell.via:
        head += f'<sup class="via" title="EU law applies">{e(cell.via)}</sup>'
    title = f' title="{e(cell.note)}"' if cell.note else ""
    return f'<td class="{" ".join(classes)}"{title}>{head}<br>{_details(cell)}</td>'


def _coverage_cell(c: Comparison, code: str) -> str:
    cov = c.coverage["by_jurisdiction"][code]
    share = 100 * cov["known"] // max(cov["cells"], 1)
    return (f'<td class="cov"><span class="bar" title="{cov["known"]} of {cov["cells"]} known"><span style="width:{share}%">'
            f'</span></span> {cov["known"]}/{cov["cells"]}<br><small>date {cov["in_force_known"]} · no. '
            f'{cov["national_number_known"]} · notes {cov["notes_2017_known"]}</small></td>')


def _lag_cell(c: Comparison, code: str) -> str:
    lag = first_lag(c, code)
    return "<td><small>unknown</small></td>" if lag is None else f"<td>{lag[0]} d<br><small>{e(lag[1])}</small></td>"


def _row(c: Comparison, code: str, same: bool) -> str:
    cells = "".join(_cell(c.cells[(code, x)]) for x in c.entries)
    return (f'<tr{" class=same-as-eu" if same else ""}><th scope="row">{e(c.labels[code])} <small>{e(code)}</small>'
            f'<span class="role">{e(_role(c, code))}</span></th>{cells}{_coverage_cell(c, code)}{_lag_cell(c, code)}</tr>')


def _same_row(c: Comparison, same: list[str]) -> str:
    """One row standing for the member states whose rows would repeat the EU's."""
    names = ", ".join(f"{c.labels[code]} ({code})" for code in same)
    return (f'<tr class="same-summary"><th scope="row">{len(same)} member states<span class="role">as the EU, by EU law'
            f'</span></th><td colspan="{len(c.entries) + 2}">Same status and dates as the European Union on every entry '
            f"(records derived from the EU's, each citing the EU row's and its membership's sources): {e(names)}.</td></tr>")


def _matrix(c: Comparison) -> str:
    width = len(c.entries) + 3
    head = "".join(f'<th scope="col">{e(x)}</th>' for x in c.entries)
    bodies = []
    for key, codes in in_groups(c):
        same = [code for code in codes if same_as_union(c, code)]
        rows = [f'<tr class="group"><th colspan="{width}" scope="rowgroup">{e(GROUPS[key])} ({len(codes)})</th></tr>']
        rows += [_same_row(c, same)] if same else []
        rows += [_row(c, code, code in same) for code in codes]
        bodies.append(f"<tbody>{''.join(rows)}</tbody>")
    foot = "".join(f"<tr><th>{label} (of {len(c.jurisdictions)})</th>"
                   + "".join(f"<td>{c.coverage['by_entry'][x][k]}</td>" for x in c.entries) + "<td></td><td></td></tr>"
                   for label, k in FOOT)
    same = sum(1 for code in c.jurisdictions if same_as_union(c, code))
    toggle = (f'<input type="checkbox" id="each-member"> <label for="each-member">show each of the {same} member states '
              "whose records are the EU's</label>") if same else ""
    return (f'{toggle}<table class="matrix"><caption class="visually-hidden">Jurisdiction × entry</caption><thead><tr>'
            f'<th scope="col">jurisdiction</th>{head}<th scope="col">coverage</th><th scope="col">first lag</th></tr></thead>'
            f"{''.join(bodies)}<tfoot>{foot}</tfoot></table>")


def _summary(c: Comparison) -> str:
    t = c.coverage["total"]
    groups = ", ".join(f"{len(codes)} {NOUNS[key]}" for key, codes in in_groups(c))
    unknown = [c.labels[j] for j, v in c.coverage["by_jurisdiction"].items() if v["recorded"] == 0]
    return (f'<p class="summary"><b>{len(c.jurisdictions)} jurisdictions</b> ({e(groups)}) × {len(c.entries)} entries. '
            f"<b>{t['known']} of {t['cells']} cells known</b> ({100 * t['known'] // max(t['cells'], 1)}%); "
            f"entry into force known for {t['in_force_known']}, national number for {t['national_number_known']}, "
            f"2017 notes for {t['notes_2017_known']} (of the cells where they apply). "
            f"No record at all: {e(', '.join(unknown)) or 'none'}.</p>")


def _features(c: Comparison) -> str:
    rows = []
    for code in c.jurisdictions:
        for f in c.features[code]:
            rows.append(
                f"<tr><td>{e(c.labels[code])}</td><td>{e(f.name)}</td><td>{e(f.kind)}{' · beyond Wassenaar' if f.beyond_wassenaar else ''}</td>"
                f"<td>{e(f.description)}</td><td>{f.since.isoformat() if f.since else 'unknown'}</td>"
                f"<td><small>{_links(f.sources)} · confidence {f.confidence}</small></td></tr>")
    return ("<table><tr><th>jurisdiction</th><th>feature</th><th>kind</th><th>description</th><th>since</th><th>sources</th></tr>"
            f"{''.join(rows)}</table><p><small>The EU's features apply in its member states too.</small></p>")


def _similarity(c: Comparison) -> str:
    alike = sim.identical_groups(c)
    rows = "".join(f"<tr><td>{e(sim.group_name(a))}</td><td>{e(sim.group_name(b))}</td><td>{s}</td></tr>"
                   for a, b, s in sim.group_pairs(c)[:30])
    clusters = "".join(f"<li>{e(', '.join(g))}</li>" for g in c.clusters)
    identical = "".join(f"<li>{e(sim.group_name(g))}: {e(', '.join(g))}</li>" for g in alike if len(g) > 3)
    return (f'<p>Clusters:</p><ul class="clusters">{clusters}</ul>'
            f'<p>Not comparable (nothing known): {e(", ".join(c.incomparable)) or "none"}.</p>'
            f"<p>Identical on what is known (one node in the picture):</p><ul>{identical or '<li>none</li>'}</ul>"
            f"{_img(charts.similarity_graph(c), 'similarity graph of jurisdictions')}"
            f"<p>Most similar pairs, identical jurisdictions taken together:</p>"
            f"<table><tr><th>a</th><th>b</th><th>Jaccard</th></tr>{rows}</table>")


def render_html(c: Comparison) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Wassenaar cyber entries: national implementations as of {c.as_of}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><style>{CSS}.visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}}</style></head>
<body>
<h1>Wassenaar cyber entries: national implementations</h1>
<p>As of {c.as_of}. The Wassenaar Arrangement agreed these entries at its plenary of 3–4 December 2013; each state
implements them in its own law, and EU law applies directly in the EU's member states (<sup>EU</sup>; member states
whose records are derived from the EU's share one line unless you show each). Every cell comes from a cited implementation record of the wassenaar-kg knowledge graph
(open it for its instrument, 2017 notes, confidence and sources). A date in a green cell: in force since then; "yes":
in force, date unknown; "?": no source read says; ~: month or year only. WA: a participating state of the Arrangement.
Hover a cell for its note.</p>
{_summary(c)}
{_matrix(c)}
<h2>Timeline</h2>{_img(charts.timeline(c), "timeline of entry into force")}
<h2>Licensing features and deviations</h2>
{_features(c)}
<h2>Similarity and clusters</h2>
<p>Jaccard index of traits (entries in force, 2017 notes adopted, kinds of national features), counted only on what
both jurisdictions know; clusters are modularity communities (networkx).</p>
{_similarity(c)}
<p><small>Generated by wassenaar-kg. Reading aid, not legal advice.</small></p>
</body></html>
"""
