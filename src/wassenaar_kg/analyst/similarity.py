"""Similarity of implementations, clusters of similar jurisdictions, and the jurisdiction-entry graph.

Similarity is the Jaccard index of two jurisdictions' traits (entries in force, 2017 notes adopted, kinds
of national features), counted only where both are known: an entry whose status one of them does not
know, the 2017 notes one of them does not know, the features of a jurisdiction with none recorded are no
evidence either way. Unknown is not "not implemented". A pair with no shared evidence has no similarity;
a jurisdiction that knows the status of no entry is left out of the clusters (modularity communities): its
features alone (a catch-all, say) say nothing about how it implements the entries.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx
from networkx.algorithms.community import greedy_modularity_communities


def _dimension(trait: str) -> str:
    return "features" if trait.startswith("feature:") else trait


def features(comparison, code: str) -> list:
    """A jurisdiction's national features, and the union's where the union's law applies in it."""
    unions = {cell.via for (c, _), cell in comparison.cells.items() if c == code and cell.via}
    inherited = [f for union in sorted(unions - {code}) for f in comparison.union_features.get(union, [])]
    return comparison.features[code] + inherited


def evidence(comparison, code: str) -> set[str]:
    """The questions a jurisdiction's data answers: entry:E (status known), notes-2017:E, features; nothing
    when it knows the status of no entry."""
    known = set()
    for entry in comparison.entries:
        cell = comparison.cells[(code, entry)]
        if cell.status != "unknown":
            known.add(f"entry:{entry}")
        if cell.carve_outs_2017 in ("adopted", "not adopted"):
            known.add(f"notes-2017:{entry}")
    if not known:
        return set()
    if features(comparison, code):
        known.add("features")
    return known


def traits(comparison, code: str) -> set[str]:
    """What a jurisdiction has: entries in force, 2017 notes adopted, kinds of national features."""
    found = set()
    for entry in comparison.entries:
        cell = comparison.cells[(code, entry)]
        if cell.status == "implemented":
            found.add(f"entry:{entry}")
        if cell.carve_outs_2017 == "adopted":
            found.add(f"notes-2017:{entry}")
    found |= {f"feature:{f.kind}" for f in features(comparison, code)}
    return found


def pair_similarity(comparison, a: str, b: str) -> float | None:
    shared = evidence(comparison, a) & evidence(comparison, b)
    if not shared:
        return None
    ta = {t for t in traits(comparison, a) if _dimension(t) in shared}
    tb = {t for t in traits(comparison, b) if _dimension(t) in shared}
    union = ta | tb
    return round(len(ta & tb) / len(union), 3) if union else 1.0


def similarity(comparison) -> dict[tuple[str, str], float]:
    """Scores of the pairs (sorted codes) that share evidence."""
    scores = {}
    for a, b in combinations(sorted(comparison.jurisdictions), 2):
        score = pair_similarity(comparison, a, b)
        if score is not None:
            scores[(a, b)] = score
    return scores


def comparable(comparison) -> list[str]:
    return [c for c in comparison.jurisdictions if evidence(comparison, c)]


def clusters(comparison) -> list[list[str]]:
    graph = nx.Graph()
    graph.add_nodes_from(comparable(comparison))
    for (a, b), score in comparison.similarity.items():
        if score > 0:
            graph.add_edge(a, b, weight=score)
    if graph.number_of_edges() == 0:
        return [[c] for c in sorted(graph.nodes)]
    groups = greedy_modularity_communities(graph, weight="weight")
    return sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g))


def implementation_graph(comparison) -> nx.Graph:
    """Jurisdictions, entries and instruments: who implements what, through which instrument."""
    graph = nx.Graph()
    for code in comparison.jurisdictions:
        graph.add_node(f"jur:{code}", kind="jurisdiction", label=code)
    for entry in comparison.entries:
        graph.add_node(f"wa:{entry}", kind="entry", label=entry)
    for (code, entry), cell in comparison.cells.items():
        if cell.status == "implemented":
            graph.add_edge(f"jur:{code}", f"wa:{entry}", relation="implements")
            if cell.instrument:
                node = f"instrument:{cell.instrument}"
                graph.add_node(node, kind="instrument", label=cell.instrument)
                graph.add_edge(f"jur:{code}", node, relation="enacts")
                graph.add_edge(node, f"wa:{entry}", relation="lists")
    return graph


def identical_groups(comparison) -> list[list[str]]:
    """Comparable jurisdictions whose traits and evidence are the same (the EU and the states its law
    applies in, typically), largest first: one node in the similarity picture, one line on the page."""
    groups: dict[tuple, list[str]] = {}
    for code in comparable(comparison):
        key = (frozenset(traits(comparison, code)), frozenset(evidence(comparison, code)))
        groups.setdefault(key, []).append(code)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


def group_name(group: list[str], union: str = "EU", sep: str = ", ") -> str:
    """'EU +27' for a large group (the union named first), 'NO, NZ' for a small one."""
    first = union if union in group else group[0]
    rest = [g for g in group if g != first]
    return sep.join([first] + rest) if len(group) <= 3 else f"{first} +{len(rest)}"


def group_pairs(comparison) -> list[tuple[list[str], list[str], float]]:
    """Similarity between groups of identical jurisdictions, most similar first."""
    groups = identical_groups(comparison)
    pairs = []
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            score = comparison.similarity.get(tuple(sorted((a[0], b[0]))))
            if score is not None:
                pairs.append((a, b, score))
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))
