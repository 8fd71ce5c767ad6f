"""Result objects of `check`: one Determination per export, with its explanation chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..kg.namespaces import WAKG
from .screening import Match

VERDICTS = {
    WAKG.LicenseRequired: "license_required",
    WAKG.LicenseExceptionApplies: "license_exception",
    WAKG.NoLicenseRequired: "no_license_required",
    WAKG.OutOfScope: "out_of_scope",
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

    @property
    def needs_review(self) -> bool:
        return bool(self.possible_matches)

    @property
    def needs_license(self) -> bool:
        """A license is required and none is recorded: the case the exit code and the SHACL report flag."""
        return self.verdict == "license_required" and not self.license

    @property
    def confidence(self) -> float | None:
        """The weakest confidence among the facts and rule texts the explanation rests on."""
        values = [s.confidence for s in self.explanation if s.confidence is not None]
        return min(values) if values else None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["law_as_of"] = self.law_as_of.isoformat()
        data["deciding_provisions"] = list(self.deciding_provisions)
        data["needs_license"] = self.needs_license
        data["possible_matches"] = [match_dict(m) for m in self.possible_matches]
        data["confidence"] = self.confidence
        data["explanation"] = [
            {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(s).items() if v not in (None, ())}
            for s in self.explanation
        ]
        return data


def match_dict(match: Match) -> dict:
    return {"listed_name": match.listed_name, "matched_name": match.matched_name, "score": round(match.score, 1),
            "entry": match.entry}


def match_text(matches: tuple[Match, ...]) -> str:
    """One CSV cell: 'NSO Group, score 93; Candiru (alias 'Taveta Ltd.'), score 90'."""
    return "; ".join(f"{m.listed_name}" + (f" (alias '{m.matched_name}')" if m.matched_name != m.listed_name else "")
                     + f", score {m.score:.0f}" for m in matches)


def _citation(graph: Graph, provision) -> str:
    return str(graph.value(provision, WAKG.citation) or provision)


def _confidence(graph: Graph, node) -> float | None:
    value = graph.value(node, WAKG.confidence)
    return float(Decimal(str(value))) if value is not None else None


def _step(graph: Graph, finding) -> Step:
    provision = graph.value(finding, WAKG.provision)
    based_on = graph.value(finding, WAKG.basedOn)
    sources: tuple[str, ...] = ()
    confidence = text_status = None
    if based_on is not None:
        sources = tuple(sorted(str(s) for s in graph.objects(based_on, DCTERMS.source)))
        confidence = _confidence(graph, based_on)
        status = graph.value(based_on, WAKG.textStatus)
        text_status = str(graph.value(status, RDFS.label)) if status is not None else None
    url = graph.value(provision, WAKG.url)
    return Step(
        order=int(graph.value(finding, WAKG.stepOrder)),
        kind=EFFECTS.get(graph.value(finding, WAKG.effect), "fact"),
        text=str(graph.value(finding, WAKG.stepText)),
        provision=_citation(graph, provision),
        url=str(url) if url is not None else None,
        sources=sources,
        confidence=confidence,
        text_status=text_status,
        rule=str(graph.value(finding, WAKG.producedByRule)),
    )


def extract(graph: Graph, export: URIRef, engine: str = "reference", possible_matches: tuple = ()) -> Determination:
    """Read the determination the rules inferred for one export."""
    verdict_node = graph.value(export, WAKG.verdict)
    exception = graph.value(export, WAKG.authorizedBy)
    steps = sorted((_step(graph, f) for f in graph.objects(export, WAKG.finding)), key=lambda s: (s.order, s.text))
    license_number = graph.value(export, WAKG.licenseNumber)
    law_as_of = graph.value(export, WAKG.lawAsOf) or graph.value(export, WAKG.transactionDate)
    return Determination(
        id=str(graph.value(export, RDFS.label)),
        verdict=VERDICTS.get(verdict_node, "undetermined"),
        license_exception=str(graph.value(exception, SKOS.notation)) if exception is not None else None,
        deciding_provisions=tuple(sorted(_citation(graph, p) for p in graph.objects(export, WAKG.decidingProvision))),
        law_as_of=law_as_of.toPython(),
        explanation=tuple(steps),
        license=str(license_number) if license_number is not None else None,
        engine=engine,
        possible_matches=tuple(possible_matches),
    )


def transactions(graph: Graph) -> list[URIRef]:
    subclasses = set(graph.transitive_subjects(RDFS.subClassOf, WAKG.Transaction))
    return sorted({s for c in subclasses for s in graph.subjects(RDF.type, c)})


# One row per determination, the same for both engines and every tabular output (CSV; the fast engine's stream).
CSV_FIELDS = ("id", "verdict", "license_exception", "deciding_provisions", "law_as_of", "license", "needs_license",
              "confidence", "engine", "explanation", "possible_matches")


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
        "explanation": " | ".join(f"{s.text} ({s.provision})" for s in d.explanation),
        "possible_matches": match_text(d.possible_matches),
    }
