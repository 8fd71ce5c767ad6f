"""Pictures of a comparison (matplotlib, headless): adoption timeline and jurisdiction similarity graph.

Both stay readable with every participating state in them: the figure grows with its rows, member states
whose dates are the EU's share the EU's row, jurisdictions with no known date share one line, and
jurisdictions with identical traits share one node.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from . import similarity as sim  # noqa: E402
from .compare import GROUPS, UNION, Comparison, in_groups, same_as_union  # noqa: E402

PLENARIES = ((dt.date(2013, 12, 4), "WA plenary 2013: entries agreed"), (dt.date(2017, 12, 7), "WA plenary 2017: notes"))
GROUP_COLOURS = {"union": "#1f4e8c", "eu-member": "#5b8fd0", "participant": "#1e6b3a", "adopter": "#b35900"}
ROW_INCHES = 0.3


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()


def _dates(c: Comparison, code: str) -> dict[tuple[dt.date, str], list[str]]:
    dates: dict[tuple[dt.date, str], list[str]] = {}
    for entry in c.entries:
        cell = c.cells[(code, entry)]
        if cell.since and cell.status in ("implemented", "not yet in force"):
            dates.setdefault((cell.since, cell.precision or "exact date"), []).append(entry)
    return dates


def timeline_rows(c: Comparison) -> tuple[list[tuple[str, str, dict]], list[str]]:
    """(label, group, dates) per row, headings as rows without dates; and the codes with no known date."""
    union_dates = _dates(c, UNION) if UNION in c.jurisdictions else {}
    rows, undated = [], []
    for key, codes in in_groups(c):
        followers = [code for code in codes if union_dates and same_as_union(c, code)]
        dated = [code for code in codes if code not in followers and _dates(c, code)]
        undated += [code for code in codes if code not in followers and not _dates(c, code)]
        if not dated and not followers:
            continue
        rows.append((GROUPS[key], "heading", {}))
        if followers:
            rows.append((f"{len(followers)} member states via EU law", key, union_dates))
        rows += [(f"{c.labels[code]} ({code})", key, _dates(c, code)) for code in dated]
    return rows, undated


def _plot_row(ax, y: int, label: str, group: str, dates: dict) -> None:
    if group == "heading":
        ax.text(0, y, label, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=8.5,
                fontweight="bold", color="#333", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        return
    for (day, precision), entries in sorted(dates.items()):
        exact = precision == "exact date"
        colour = GROUP_COLOURS[group]
        ax.plot([day], [y], marker="o", markersize=6.5, color=colour, markerfacecolor=colour if exact else "white")
        ax.annotate(f"{len(entries)}", (day, y), xytext=(5, 3), textcoords="offset points", fontsize=6.5, color="#444")


def timeline(comparison: Comparison, fmt: str = "png") -> bytes:
    """Entry-into-force dates per jurisdiction; hollow markers where only the month or year is known."""
    rows, undated = timeline_rows(comparison)
    note = textwrap.fill(f"No known date ({len(undated)}): " + ", ".join(undated), 150) if undated else ""
    fig, ax = plt.subplots(figsize=(11, ROW_INCHES * len(rows) + 2.0 + 0.18 * note.count("\n")))
    for y, (label, group, dates) in enumerate(rows):
        _plot_row(ax, y, label, group, dates)
    for day, label in PLENARIES:
        ax.axvline(day, color="tab:red", linestyle="--", linewidth=1)
        ax.text(day, -0.9, f" {label}", va="center", ha="left", fontsize=7, color="tab:red")
    ax.set_yticks([y for y, r in enumerate(rows) if r[1] != "heading"],
                  [r[0] for r in rows if r[1] != "heading"], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -1.4)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dt.date(2013, 1, 1), max(comparison.as_of, dt.date(2023, 1, 1)) + dt.timedelta(days=180))
    ax.set_title(f"Entry into force of the Wassenaar cyber entries (as of {comparison.as_of})\n"
                 "number = entries in force from that date; hollow: month or year only", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    if note:
        ax.annotate(note, xy=(0, 0), xycoords="axes fraction", xytext=(0, -26), textcoords="offset points",
                    fontsize=7.5, color="#444", va="top", ha="left")
    return _save(fig, fmt)


def similarity_graph(comparison: Comparison, fmt: str = "png", threshold: float = 0.8) -> bytes:
    """Groups of identical jurisdictions as nodes, Jaccard similarity as edge width, clusters as colours."""
    groups = sim.identical_groups(comparison)
    nodes = {sim.group_name(g, UNION, "\n"): g for g in groups}
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    names = {tuple(g): name for name, g in nodes.items()}
    for a, b, score in sim.group_pairs(comparison):
        if score >= threshold:
            graph.add_edge(names[tuple(a)], names[tuple(b)], weight=score)
    palette = plt.get_cmap("tab10")
    cluster_of = {code: i for i, cluster in enumerate(comparison.clusters) for code in cluster}
    side = min(6 + 0.25 * len(nodes), 12)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    layout = nx.spring_layout(graph, seed=7, weight="weight", k=1.6 / max(len(nodes), 1) ** 0.5)
    nx.draw_networkx_edges(graph, layout, ax=ax, width=[8 * (graph[a][b]["weight"] - threshold) + 0.5 for a, b in graph.edges],
                           alpha=0.35)
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_color=[palette(cluster_of.get(nodes[n][0], 0) % 10) for n in graph.nodes],
                           node_size=[500 + 90 * len(nodes[n]) for n in graph.nodes], alpha=0.85)
    nx.draw_networkx_labels(graph, layout, ax=ax, font_size=8)
    ax.set_title(f"Similarity of implementations (Jaccard of known traits >= {threshold}); colours: clusters", fontsize=9)
    merged = [f"{sim.group_name(g, UNION)}: {', '.join(g)}" for g in groups if len(g) > 3]
    left_out = f"Not comparable (nothing known): {', '.join(comparison.incomparable)}" if comparison.incomparable else ""
    caption = "\n".join(textwrap.fill(t, 110) for t in merged + [left_out] if t)
    if caption:
        ax.annotate(caption, xy=(0, 0), xycoords="axes fraction", xytext=(0, -4), textcoords="offset points",
                    fontsize=7.5, color="#444", va="top", ha="left")
    ax.axis("off")
    return _save(fig, fmt)
