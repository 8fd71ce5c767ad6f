"""Statistics of the knowledge graph as of a date (`wakg info`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from ..kg import temporal
from ..kg.namespaces import WAKG

GROUP_ORDER = ("A:1", "A:2", "A:3", "A:4", "A:5", "A:6", "B", "D:1", "D:2", "D:3", "D:4", "D:5", "E:1", "E:2")
SOURCE_KINDS = {"primary": WAKG.PrimarySource, "mirror": WAKG.OfficialDataMirror, "secondary": WAKG.SecondarySource}


def instances_of(graph: Graph, cls: URIRef) -> set:
    """Instances of `cls` or of any of its subclasses (RDFS subclass closure, no reasoner needed)."""
    classes = set(graph.transitive_subjects(RDFS.subClassOf, cls))
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


def graph_stats(graph: Graph, as_of: dt.date) -> dict:
    members = temporal.group_members(graph, as_of)
    participants = temporal.participating_states(graph, as_of)
    eu = temporal.eu_member_states(graph, as_of)
    dated = instances_of(graph, WAKG.DatedFact)
    warnings = []
    coverage = {}
    for dataset in ("ear-country-groups", "ear-country-chart"):
        start, end = temporal.coverage(graph, dataset)
        coverage[dataset] = [start.isoformat() if start else None, end.isoformat() if end else None]
        if start and as_of < start:
            warnings.append(f"{dataset}: {as_of} is before the data's coverage ({start}); answers are incomplete")
        if end and as_of > end:
            warnings.append(f"{dataset}: {as_of} is after the latest source checked ({end}); later changes are not known")
    return {
        "as_of": as_of.isoformat(),
        "triples": len(graph),
        "classes": sum(1 for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and c.startswith(WAKG)),
        "object_properties": sum(1 for p in graph.subjects(RDF.type, OWL.ObjectProperty) if p.startswith(WAKG)),
        "datatype_properties": sum(1 for p in graph.subjects(RDF.type, OWL.DatatypeProperty) if p.startswith(WAKG)),
        "destinations": len(instances_of(graph, WAKG.Destination)),
        "regions": len(instances_of(graph, WAKG.Region)),
        "sanctions_measures": len(instances_of(graph, WAKG.SanctionsMeasure)),
        "entity_list_entries": len(instances_of(graph, WAKG.EntityListEntry)),
        "sovereign_states": len(instances_of(graph, WAKG.SovereignState)),
        "participating_states": len(participants),
        "eu_member_states": len(eu),
        "eu_members_outside_arrangement": sorted(eu - participants),
        "country_groups": {g: len(members.get(g, ())) for g in GROUP_ORDER},
        "eccns": len(instances_of(graph, WAKG.ExportControlClassificationNumber)),
        "cybersecurity_item_entries": len(instances_of(graph, WAKG.CybersecurityItemEntry)),
        "wassenaar_entries": len(instances_of(graph, WAKG.WassenaarControlEntry)),
        "legal_provisions": len(instances_of(graph, WAKG.LegalProvision)),
        "dated_facts": len(dated),
        "dated_facts_without_source": sum(1 for f in dated if graph.value(f, DCTERMS.source) is None),
        "sources": {kind: len(set(graph.subjects(RDF.type, cls))) for kind, cls in SOURCE_KINDS.items()},
        "confidence": dict(sorted(Counter(str(graph.value(f, WAKG.confidence)) for f in dated).items())),
        "coverage": coverage,
        "warnings": warnings,
    }


def render_text(stats: dict) -> str:
    lines = [f"wassenaar-kg as of {stats['as_of']}"]
    for key in ("triples", "classes", "destinations", "regions", "sovereign_states", "participating_states",
                "eu_member_states", "eccns", "cybersecurity_item_entries", "wassenaar_entries", "legal_provisions",
                "sanctions_measures", "entity_list_entries", "dated_facts"):
        lines.append(f"  {key.replace('_', ' '):28} {stats[key]}")
    lines.append(f"  {'EU members outside WA':28} {', '.join(stats['eu_members_outside_arrangement']) or '-'}")
    lines.append("  country groups: " + ", ".join(f"{g} {n}" for g, n in stats["country_groups"].items()))
    lines.append("  sources: " + ", ".join(f"{k} {n}" for k, n in stats["sources"].items()))
    lines.extend(f"  warning: {w}" for w in stats["warnings"])
    return "\n".join(lines)
