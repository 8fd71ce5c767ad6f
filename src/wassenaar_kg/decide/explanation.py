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

from ..kg.namespaces import COUNTRY
from .determination import Step
from .records import ExportRecord

SLOTS = ("destination", "effective_destination", "destination_code", "date", "end_user_name")
_PLACE = re.compile("\u27e6place:([^\u27e7]+)\u27e7")
_CODE = re.compile("\u27e6code:([^\u27e7]+)\u27e7")
_SLOT = re.compile("\u27e6(" + "|".join(SLOTS) + ")\u27e7")


def slot(name: str) -> str:
    """The slot for `name` as it stands in a template text."""
    return f"\u27e6{name}\u27e7"


PLACEHOLDERS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
DELETE { ?d rdfs:label ?label . ?d wakg:isoSubdivision ?code }
INSERT { ?d rdfs:label ?place . ?d wakg:isoSubdivision ?codeSlot }
WHERE {
  ?d rdfs:label ?label .
  FILTER (STRSTARTS(STR(?d), "%(country)s"))
  OPTIONAL { ?d wakg:isoSubdivision ?code }
  BIND (STRAFTER(STR(?d), "%(country)s") AS ?id)
  BIND (CONCAT("\u27e6place:", ?id, "\u27e7") AS ?place)
  BIND (IF(BOUND(?code), CONCAT("\u27e6code:", ?id, "\u27e7"), ?unbound) AS ?codeSlot)
}"""


def placeholders(ntriples: bytes) -> bytes:
    """The knowledge graph with every destination's label (and a region's ISO code) replaced by a
    placeholder naming the destination. The rules only ever print labels and codes, never match on them."""
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    store.update(PLACEHOLDERS % {"country": str(COUNTRY)})
    return store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def template(step: Step, rep: ExportRecord, tables) -> Step:
    """A representative's step with its own destination, effective destination and date turned into slots
    (other destinations a text names, e.g. the country a region belongs to, get their labels back)."""
    effective = tables.effective.get((tables.bucket(rep.date), rep.destination), rep.destination)

    def place(match: re.Match) -> str:
        code = match.group(1)
        if code == rep.destination:
            return slot("destination")
        if code == effective:
            return slot("effective_destination")
        return tables.labels.get(code, code)

    def code(match: re.Match) -> str:
        found = match.group(1)
        return slot("destination_code") if found == rep.destination else tables.subdivisions.get(found, found)

    text = _CODE.sub(code, _PLACE.sub(place, step.text))
    day = rep.date.isoformat()
    if day not in tables.law_dates:
        text = text.replace(day, slot("date"))
    return replace(step, text=text) if text != step.text else step


def slot_values(record: ExportRecord, tables) -> dict[str, str]:
    """What a row puts in the slots."""
    effective = tables.effective.get((tables.bucket(record.date), record.destination), record.destination)
    return {
        "destination": tables.labels.get(record.destination, record.destination),
        "effective_destination": tables.labels.get(effective, effective),
        "destination_code": tables.subdivisions.get(record.destination, record.destination),
        "date": record.date.isoformat(),
        "end_user_name": record.end_user_name or "",
    }


def fill_text(text: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda m: values[m.group(1)], text) if "\u27e6" in text else text


def fill(steps: tuple[Step, ...], values: dict[str, str]) -> tuple[Step, ...]:
    """The row's explanation: the situation's steps with the row's values in the slots."""
    return tuple(replace(s, text=fill_text(s.text, values)) if "\u27e6" in s.text else s for s in steps)
