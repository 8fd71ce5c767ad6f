"""Result objects of `check`: one Determination per export, with its explanation chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..kg.namespaces import WAKG
from .screening import Match

VERDICTS = {
    WAKG.LicenseRequired: "license_required",
    WAKG.LicenseExceptionApplies: "license_exception",
    WAKG.NoLicenseRequired: "no_license_required",
    WAKG.OutOfScope: "out_of_scope",
    WAKG.Undetermined: "undetermined",
}
EFFECTS = {
    WAKG.ContextFact: "fact",
    WAKG.RequiresLicense: "general rule: license required",
    WAKG.NoLicenseNeeded: "general rule: no license required",
    WAKG.BarsException: "restriction on ACE",
    WAKG.LiftsBar: "carve-out from a restriction",
    WAKG.Authorizes: "license exception",
    WAKG.PutsOutOfScope: "out of scope",
}


# Documented verdicts (ontology/wakg.ttl, wakg:Verdict) that decide nothing: the summary counts them and the
# exit code is 1, as for an export that needs a license it lacks.
UNDECIDED = ("out_of_scope", "undetermined")


def beyond_coverage(day: dt.date) -> bool:
    from .vocabulary import coverage_through

    through = coverage_through()
    return through is not None and day > through


def needs_license(verdict: str, license: str | None) -> bool:
    """A license is required and none is recorded: the case the exit code and the SHACL report flag."""
    return verdict == "license_required" and not license


@dataclass(frozen=True)
class Step:
    """One link of the explanation chain: fact found or rule applied, provision, sources."""

    order: int
    kind: str
    text: str
    provision: str
    url: str | None
    sources: tuple[str, ...] = ()
    confidence: float | None = None
    text_status: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Determination:
    id: str
    verdict: str
    license_exception: str | None
    deciding_provisions: tuple[str, ...]
    law_as_of: dt.date
    explanation: tuple[Step, ...] = field(default=())
    license: str | None = None
    engine: str = "reference"
    possible_matches: tuple[Match, ...] = ()  # Entity List names close to the end user's: for review
    counterfactuals: tuple | None = None  # counterfactuals.Counterfactual, when asked for (None: not computed)

    @property
    def needs_review(self) -> bool:
        return bool(self.possible_matches)

    @property
    def needs_license(self) -> bool:
        return needs_license(self.verdict, self.license)

    @property
    def confidence(self) -> float | None:
        return confidence_of(self.explanation)

    @property
    def decided(self) -> bool:
        """False for the verdicts that say the model could not decide (UNDECIDED)."""
        return self.verdict not in UNDECIDED

    @property
    def beyond_coverage(self) -> bool:
        """The date is after the last day the bundled law was verified: decided as if nothing changed since."""
        return beyond_coverage(self.law_as_of)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["law_as_of"] = self.law_as_of.isoformat()
        data["deciding_provisions"] = list(self.deciding_provisions)
        data["beyond_coverage"] = self.beyond_coverage
        data["needs_license"] = self.needs_license
        data["possible_matches"] = [match_dict(m) for m in self.possible_matches]
        data["confidence"] = self.confidence
        data["explanation"] = [step_dict(s) for s in self.explanation]
        del data["counterfactuals"]  # last, when asked for (the fast stream appends it to its JSON lines)
        if self.counterfactuals is not None:
            data["counterfactuals"] = [c.to_dict() for c in self.counterfactuals]
        return data


def match_dict(match: Match) -> dict:
    return {"listed_name": match.listed_name, "matched_name": match.matched_name, "score": round(match.score, 1),
            "entry": match.entry}


def match_text(matches: tuple[Match, ...]) -> str:
    """One CSV cell: 'NSO Group, score 93; Candiru (alias 'Taveta Ltd.'), score 90'."""
    return "; ".join(f"{m.listed_name}" + (f" (alias '{m.matched_name}')" if m.matched_name != m.listed_name else "")
                     + f", score {m.score:.0f}" for m in matches)


STEPS_QUERY = """
PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?export ?finding ?order ?effect ?text ?provision ?citation ?url ?rule ?confidence ?status
       (GROUP_CONCAT(STR(?source); separator="\\n") AS ?sources)
WHERE {
  VALUES ?export { %s }
  ?export wakg:finding ?finding .
  ?finding wakg:stepOrder ?order ; wakg:stepText ?text ; wakg:provision ?provision .
  OPTIONAL { ?finding wakg:effect ?effect }
  OPTIONAL { ?finding wakg:producedByRule ?rule }
  OPTIONAL { ?provision wakg:citation ?citation }
  OPTIONAL { ?provision wakg:url ?url }
  OPTIONAL { ?finding wakg:basedOn ?basis .
             OPTIONAL { ?basis wakg:confidence ?confidence }
             OPTIONAL { ?basis wakg:textStatus/rdfs:label ?status }
             OPTIONAL { ?basis dcterms:source ?source } }
}
GROUP BY ?export ?finding ?order ?effect ?text ?provision ?citation ?url ?rule ?confidence ?status"""


def read_steps(store, exports) -> dict[str, tuple[Step, ...]]:
    """The explanation chain of each export (IRI) in an Oxigraph store after the rules ran: one query for
    all, the same for both engines. Steps are ordered by their order, then by the finding's own name (the
    part of its IRI after the export's), which never depends on a label or a date, then by text (a finding
    with several texts, e.g. an entry published in two notices: they differ where the notices do, after the
    same slots, so templates and filled texts sort alike)."""
    exports = [str(e) for e in exports]
    found: dict[str, list] = {e: [] for e in exports}
    for start in range(0, len(exports), 500):
        values = " ".join(f"<{e}>" for e in exports[start:start + 500])
        for row in store.query(STEPS_QUERY % values):
            export, finding = row["export"].value, row["finding"].value
            confidence, status, url, rule = row["confidence"], row["status"], row["url"], row["rule"]
            effect, citation = row["effect"], row["citation"]
            sources = row["sources"].value if row["sources"] is not None else ""
            step = Step(
                order=int(row["order"].value),
                kind=EFFECTS.get(URIRef(effect.value), "fact") if effect is not None else "fact",
                text=row["text"].value,
                provision=citation.value if citation is not None else row["provision"].value,
                url=url.value if url is not None else None,
                sources=tuple(sorted(s for s in sources.split("\n") if s)),
                confidence=float(Decimal(confidence.value)) if confidence is not None else None,
                text_status=status.value if status is not None else None,
                rule=rule.value if rule is not None else None,
            )
            found[export].append((step.order, finding[len(export):] if finding.startswith(export) else finding, step))
    return {e: tuple(step for _, _, step in sorted(steps, key=lambda t: (t[0], t[1], t[2].text)))
            for e, steps in found.items()}


def extract(graph: Graph, export: URIRef, steps: tuple[Step, ...], engine: str = "reference",
            possible_matches: tuple = ()) -> Determination:
    """Read the determination the rules inferred for one export (its steps from read_steps)."""
    verdict_node = graph.value(export, WAKG.verdict)
    exception = graph.value(export, WAKG.authorizedBy)
    license_number = graph.value(export, WAKG.licenseNumber)
    law_as_of = graph.value(export, WAKG.lawAsOf) or graph.value(export, WAKG.transactionDate)
    return Determination(
        id=str(graph.value(export, RDFS.label)),
        verdict=VERDICTS.get(verdict_node, "undetermined"),
        license_exception=str(graph.value(exception, SKOS.notation)) if exception is not None else None,
        deciding_provisions=tuple(sorted(str(graph.value(p, WAKG.citation) or p)
                                         for p in graph.objects(export, WAKG.decidingProvision))),
        law_as_of=law_as_of.toPython(),
        explanation=steps,
        license=str(license_number) if license_number is not None else None,
        engine=engine,
        possible_matches=tuple(possible_matches),
    )


def transactions(graph: Graph) -> list[URIRef]:
    subclasses = set(graph.transitive_subjects(RDFS.subClassOf, WAKG.Transaction))
    return sorted({s for c in subclasses for s in graph.subjects(RDF.type, c)})


# One row per determination, the same for both engines and every tabular output (CSV; the fast engine's stream).
CSV_FIELDS = ("id", "verdict", "license_exception", "deciding_provisions", "law_as_of", "license", "needs_license",
              "confidence", "engine", "explanation", "possible_matches", "beyond_coverage")


def explanation_cell(steps: tuple[Step, ...]) -> str:
    """The explanation chain in one CSV cell: the rules that fired, in order ('CountryGroups > ChartX >
    AceC1iii > ...'; docs/trace.md gives each rule's paragraph and text). It depends on the situation
    alone, so a million-row book carries it at the cost of a short cell; the sentences, with the row's
    destination, date and names, are in the text, json and jsonl outputs."""
    return " > ".join(s.rule.rsplit("#", 1)[-1] if s.rule else s.kind for s in steps)


STEP_FIELDS = tuple(f.name for f in fields(Step))


def step_dict(step: Step) -> dict:
    """A step as JSON shows it: its fields in order, empty ones left out."""
    found = {}
    for name in STEP_FIELDS:
        value = getattr(step, name)
        if value is not None and value != ():
            found[name] = list(value) if isinstance(value, tuple) else value
    return found


def confidence_of(steps: tuple[Step, ...]) -> float | None:
    """The weakest confidence among the facts and rule texts the explanation rests on."""
    values = [s.confidence for s in steps if s.confidence is not None]
    return min(values) if values else None


def confidence_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def csv_row(d: Determination) -> dict:
    return {
        "id": d.id,
        "verdict": d.verdict,
        "license_exception": d.license_exception or "",
        "deciding_provisions": "; ".join(d.deciding_provisions),
        "law_as_of": d.law_as_of.isoformat(),
        "license": d.license or "",
        "needs_license": "true" if d.needs_license else "false",
        "confidence": confidence_text(d.confidence),
        "engine": d.engine,
        "explanation": explanation_cell(d.explanation),
        "possible_matches": match_text(d.possible_matches),
        "beyond_coverage": "true" if d.beyond_coverage else "false",
    }
