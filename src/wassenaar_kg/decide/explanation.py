"""Explanations per situation: the rules' step texts with slots for what differs between rows.

The fast engine explains one representative export per situation. Its texts name things that differ between
the rows of a situation: the destination (and the destination whose groups apply), a region's code, the
date and the end-user name. So the representative is decided against a knowledge graph whose destinations
are labelled with placeholders (`placeholders`) and with a placeholder for its name; its texts become
templates with slots (`template`), and each row fills them with its own values (`fill`). Everything else
a step says or cites (rule, provision, sources, confidence) is the same for every row of the situation,
because what it cites is part of the situation key (situation.py, fast.Compiled).

A representative dated on a day the law itself mentions is never turned into a slot: the key keeps such
days apart (situation.py), so its rows all share that date.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pyoxigraph as ox

from ..kg.namespaces import COUNTRY, ECCN, WA, WAKG
from .determination import Step
from .records import ExportRecord

def _effective(tables, destination: str, day) -> str:
    effective = tables.effective.get((tables.bucket(day), destination), destination)
    return tables.labels.get(effective, effective)


# slot -> (the record's fields it reads, its value from the compiled tables and those fields)
SLOT_VALUES = {
    "destination": (("destination",), lambda t, destination: t.labels.get(destination, destination)),
    "effective_destination": (("destination", "date"), _effective),
    "destination_code": (("destination",), lambda t, destination: t.subdivisions.get(destination, destination)),
    "date": (("date",), lambda t, day: day.isoformat()),
    "end_user_name": (("end_user_name",), lambda t, name: name or ""),
    "eccn": (("eccn",), lambda t, eccn: t.notations.get(eccn, eccn)),
    "wassenaar_entry": (("eccn",), lambda t, eccn: t.notations.get(t.wassenaar.get(eccn, ""), "")),
    "end_user_type": (("end_user",), lambda t, user: t.class_labels.get(t.user_classes.get(user, ""), user)),
}
SLOTS = tuple(SLOT_VALUES)
_TOKEN = re.compile("\u27e6(place|code|eccn|wa|user):([^\u27e7]+)\u27e7")
_SLOT = re.compile("\u27e6(" + "|".join(SLOTS) + ")\u27e7")


def slot(name: str) -> str:
    """The slot for `name` as it stands in a template text."""
    return f"\u27e6{name}\u27e7"


PLACEHOLDERS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
DELETE { ?node ?p ?old }
INSERT { ?node ?p ?token }
WHERE {
  VALUES (?kind ?p ?base) {
    ("place" rdfs:label "%(country)s") ("code" wakg:isoSubdivision "%(country)s")
    ("eccn" skos:notation "%(eccn)s") ("wa" skos:notation "%(wa)s") ("user" rdfs:label "%(ontology)s")
  }
  ?node ?p ?old .
  FILTER (STRSTARTS(STR(?node), ?base))
  FILTER (?kind != "user" || EXISTS { ?node rdfs:subClassOf* wakg:EndUser })
  BIND (CONCAT("\u27e6", ?kind, ":", STRAFTER(STR(?node), ?base), "\u27e7") AS ?token)
}"""


def placeholders(ntriples: bytes) -> bytes:
    """The knowledge graph with the label or notation of every destination, region code, ECCN, Wassenaar
    entry and end-user type replaced by a placeholder naming the node. The rules only ever print these,
    never match on them."""
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    store.update(PLACEHOLDERS % {"country": str(COUNTRY), "eccn": str(ECCN), "wa": str(WA), "ontology": str(WAKG)})
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def template(step: Step, rep: ExportRecord, tables, quoted_dates: frozenset[str]) -> Step:
    """A representative's step with its own destination, effective destination, region code, ECCN, Wassenaar
    entry, end-user type and date turned into slots; any other node a text names (the country a region
    belongs to, a sanctioned country) gets its own label back."""
    effective = tables.effective.get((tables.bucket(rep.date), rep.destination), rep.destination)
    user = tables.user_classes.get(rep.end_user, "")

    def token(match: re.Match) -> str:
        kind, name = match.groups()
        if kind == "place":
            return slot("destination") if name == rep.destination else \
                slot("effective_destination") if name == effective else tables.labels.get(name, name)
        if kind == "code":
            return slot("destination_code") if name == rep.destination else tables.subdivisions.get(name, name)
        if kind == "eccn":
            return slot("eccn") if name == rep.eccn else tables.notations.get(name, name)
        if kind == "wa":
            return slot("wassenaar_entry") if name == tables.wassenaar.get(rep.eccn) else tables.notations.get(name, name)
        return slot("end_user_type") if name == user else tables.class_labels.get(name, name)

    text = _TOKEN.sub(token, step.text)
    day = rep.date.isoformat()
    if day not in quoted_dates:  # situation.Context.quoted_dates: such a day is part of the key
        text = text.replace(day, slot("date"))
    return replace(step, text=text) if text != step.text else step


def slot_values(record: ExportRecord, tables) -> dict[str, str]:
    """What a row puts in the slots."""
    return {name: value(tables, *(getattr(record, f) for f in fields)) for name, (fields, value) in SLOT_VALUES.items()}


def fill_text(text: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: values[m.group(1)], text) if "\u27e6" in text else text


def fill(steps: tuple[Step, ...], values: dict[str, str]) -> tuple[Step, ...]:
    """The row's explanation: the situation's steps with the row's values in the slots."""
    return tuple(replace(s, text=fill_text(s.text, values)) if "\u27e6" in s.text else s for s in steps)
