"""Pictures of a comparison (matplotlib, headless): adoption timeline and jurisdiction similarity graph."""

from __future__ import annotations

import datetime as dt
import io

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402

from .compare import Comparison  # noqa: E402

PLENARIES = ((dt.date(2013, 12, 4), "WA plenary 2013: entries agreed"), (dt.date(2017, 12, 7), "WA plenary 2017: notes"))


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buffer.getvalue()


def timeline(comparison: Comparison, fmt: str = "png") -> bytes:
    """Entry-into-force dates per jurisdiction; hollow markers where only the month or year is known."""
    rows = []
    for code in comparison.jurisdictions:
        dates = {}
        for entry in comparison.entries:
            cell = comparison.cells[(code, entry)]
            if cell.since and cell.status in ("implemented", "not yet in force"):
                dates.setdefault((cell.since, cell.precision or "exact date"), []).append(entry)
        rows.append((code, dates))
    rows.sort(key=lambda r: (min((d for d, _ in r[1]), default=dt.date.max), r[0]))
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.8))
    for y, (code, dates) in enumerate(rows):
        if not dates:
            ax.text(PLENARIES[0][0], y, "  no known date", va="center", fontsize=8, color="grey")
        for (day, precision), entries in sorted(dates.items()):
            exact = precision == "exact date"
            ax.plot([day], [y], marker="o", markersize=7, color="tab:blue",
                    markerfacecolor="tab:blue" if exact else "white")
            ax.annotate(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", (day, y), xytext=(6, 4),
                        textcoords="offset points", fontsize=7)
    for day, label in PLENARIES:
        ax.axvline(day, color="tab:red", linestyle="--", linewidth=1)
        ax.text(day, -0.75, f" {label}", va="center", ha="left", fontsize=7, color="tab:red")
    ax.set_yticks(range(len(rows)), [comparison.labels.get(c, c) for c, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -1.2)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(dt.date(2013, 1, 1), max(comparison.as_of, dt.date(2023, 1, 1)) + dt.timedelta(days=180))
    ax.set_title(f"Entry into force of the Wassenaar cyber entries (as of {comparison.as_of}); hollow: month/year only")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, fmt)


def similarity_graph(comparison: Comparison, fmt: str = "png") -> bytes:
    """Jurisdictions as nodes, Jaccard similarity as edge width, clusters as colours."""
    graph = nx.Graph()
    graph.add_nodes_from(comparison.jurisdictions)
    for (a, b), score in comparison.similarity.items():
        if score >= 0.5:
            graph.add_edge(a, b, weight=score)
    palette = plt.get_cmap("tab10")
    colour = {code: palette(i % 10) for i, group in enumerate(comparison.clusters) for code in group}
    layout = nx.spring_layout(graph, seed=7, weight="weight")
    fig, ax = plt.subplots(figsize=(7, 6))
    widths = [4 * graph[a][b]["weight"] - 1.5 for a, b in graph.edges]
    nx.draw_networkx_edges(graph, layout, ax=ax, width=widths, alpha=0.4)
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_color=[colour[n] for n in graph.nodes], node_size=700)
    nx.draw_networkx_labels(graph, layout, ax=ax, font_size=9)
    ax.set_title("Similarity of implementations (Jaccard of traits >= 0.5); colours: clusters")
    ax.axis("off")
    return _save(fig, fmt)
