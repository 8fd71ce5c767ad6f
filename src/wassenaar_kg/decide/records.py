"""Read export transactions (CSV for analysts, Turtle / JSON-LD individuals) into checked records and RDF.

Every input, whatever its format, becomes a list of `ExportRecord`s first: one vocabulary check, one
place for errors that name the file, row and field, and one path into the graph for both engines.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ..kg.entity_list import bundled_entries
from ..errors import InputError
from .screening import Match, Screener, ScreeningResult
from ..kg.csv_tables import check_columns, open_csv
from ..kg.namespaces import BASE, COUNTRY, ECCN, WAKG

EXPORT = BASE + "id/export/"

CSV_COLUMNS = (
    "id", "eccn", "destination", "end_user", "end_use", "transaction", "digital_artifacts",
    "incident_system_owner", "knows_unauthorized_use", "date", "license", "end_user_name",
)  # fmt: skip
REQUIRED_COLUMNS = CSV_COLUMNS[:4]

END_USER_CLASSES = {
    "government": WAKG.GovernmentEndUser,
    "government_more_sensitive": WAKG.MoreSensitiveGovernmentEndUser,
    "government_less_sensitive": WAKG.LessSensitiveGovernmentEndUser,
    "police_or_judicial": WAKG.PoliceOrJudicialBody,
    "national_csirt": WAKG.NationalCSIRT,
    "government_research_institution": WAKG.GovernmentOperatedResearchInstitution,
    "international_governmental_organization": WAKG.InternationalGovernmentalOrganization,
    "government_owned_enterprise": WAKG.GovernmentOwnedEnterprise,
    "munitions_list_firm": WAKG.MunitionsListFirm,
    "us_subsidiary": WAKG.USSubsidiary,
    "bank_or_financial": WAKG.BankingOrFinancialServicesProvider,
    "insurance": WAKG.InsuranceCompany,
    "civil_health_medical": WAKG.CivilHealthOrMedicalInstitution,
    "non_government": WAKG.NonGovernmentEndUser,
    "us_government": WAKG.USGovernmentEndUser,
}
END_USES = {
    "vulnerability_disclosure": WAKG.VulnerabilityDisclosure,
    "cyber_incident_response": WAKG.CyberIncidentResponse,
    "criminal_or_civil_investigation": WAKG.CriminalOrCivilInvestigation,
    "other": WAKG.OtherEndUse,
}
TRANSACTIONS = {
    "export": WAKG.Export,
    "reexport": WAKG.Reexport,
    "transfer_in_country": WAKG.InCountryTransfer,
    "deemed_export": WAKG.DeemedExport,
    "deemed_reexport": WAKG.DeemedReexport,
}
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False, "": False}
SUBDIVISION = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
NAME_MAX = 1000  # characters of an end-user name
ECCN_PATTERN = re.compile(r"^(?:EAR99|[0-9][A-E][0-9]{3}(?:\.[a-z](?:\.[0-9]+)?)?)$")


@dataclass(frozen=True)
class ExportRecord:
    """One export transaction in the input vocabulary, already checked against the reference data."""

    id: str
    eccn: str
    destination: str  # ISO 3166-1 alpha-2 (or XK) as given, before any EAR treatment
    end_user: str
    end_use: str = "other"
    transaction: str = "export"
    digital_artifacts: bool = False
    incident_system_owner: str | None = None
    knows_unauthorized_use: bool = False
    date: dt.date = field(default_factory=dt.date.today)
    license: str | None = None
    line: int | None = None
    end_user_name: str | None = None
    hits: tuple[str, ...] = ()  # Entity List entries whose name or alias equals end_user_name (normalised)
    possible_matches: tuple[Match, ...] = ()  # close but inexact: for review, deciding nothing

    @property
    def iri(self) -> URIRef:
        return URIRef(EXPORT + quote(self.id, safe=""))


class Vocabulary:
    """What the reference graph knows: ECCN notations, destination names (countries and the regions the EAR
    treats apart, by ISO 3166-2 code or English name), and the Entity List entries names are screened
    against, for checking inputs."""

    def __init__(self, kg: Graph):
        self.eccns: dict[str, str] = {}
        for entry in kg.subjects(RDF.type, None):
            if isinstance(entry, URIRef) and str(entry).startswith(str(ECCN)):
                notation = kg.value(entry, SKOS.notation)
                if notation is not None:
                    self.eccns[str(notation).upper()] = str(notation)
        self.destinations: dict[str, str] = {}
        for country in pycountry.countries:
            for name in (country.alpha_2, country.alpha_3, country.name,
                         getattr(country, "official_name", None), getattr(country, "common_name", None)):
                if name:
                    self.destinations.setdefault(name.casefold(), country.alpha_2)
        for node in kg.subjects(WAKG.isoAlpha2, None):
            code = str(kg.value(node, WAKG.isoAlpha2))
            self.destinations.setdefault(code.casefold(), code)
            for name in list(kg.objects(node, WAKG.earName)) + list(kg.objects(node, RDFS.label)):
                self.destinations.setdefault(str(name).casefold(), code)
        for node in kg.subjects(WAKG.isoSubdivision, None):  # regions: they take precedence over names
            code = str(kg.value(node, WAKG.isoSubdivision))
            for name in [code] + list(kg.objects(node, RDFS.label)) + list(kg.objects(node, SKOS.altLabel)):
                self.destinations[str(name).casefold()] = code
        self.entries: dict = {}  # entry IRI -> entity_list.DatedEntry
        self.candidates: list[tuple[str, str, tuple[str, ...]]] = []
        self.add_entries(bundled_entries(kg))

    def add_entries(self, entries) -> None:
        """Screen against these Entity List entries too (entity_list.DatedEntry)."""
        for item in entries:
            self.entries[str(item.iri)] = item
            self.candidates.append(item.candidate())
        self.__dict__.pop("_screener", None)

    def with_entries(self, entries) -> "Vocabulary":
        """A copy that also screens against `entries` (a screening list given by the user)."""
        import copy

        twin = copy.copy(self)
        twin.entries, twin.candidates = dict(self.entries), list(self.candidates)
        twin.__dict__.pop("_screener", None)
        twin.add_entries(entries)
        return twin

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_screener", None)
        return state

    def screen(self, name: str) -> ScreeningResult:
        screener = self.__dict__.get("_screener")
        if screener is None:
            screener = self.__dict__["_screener"] = Screener(self.candidates)
        return screener.screen(name)

    def in_force(self, entry: str, day: dt.date) -> bool:
        return self.entries[entry].in_force(day)

    def eccn(self, raw: str) -> str | None:
        text = raw.strip()
        return self.eccns.get(text.upper())

    def destination(self, raw: str) -> str | None:
        """ISO 3166-1 code or English name of a country; a region the EAR treats apart (UA-43, 'Crimea');
        any other ISO 3166-2 subdivision code stands for its country (UA-23 -> UA)."""
        text = raw.strip()
        code = self.destinations.get(text.casefold())
        if code is None and SUBDIVISION.match(text):
            subdivision = pycountry.subdivisions.get(code=text.upper())
            if subdivision is not None:
                code = self.destinations.get(subdivision.country_code.casefold())
        if code is None and len(text) > 3:
            try:
                code = pycountry.countries.lookup(text).alpha_2
            except LookupError:
                code = None
        return code


def _error(source: str, line: int | None, fieldname: str, message: str) -> InputError:
    return InputError(source, message, line, fieldname)


def check_values(values: dict[str, str], vocab: Vocabulary, source: str, line: int | None,
                 default_date: dt.date) -> ExportRecord:
    """Turn one row of strings into an ExportRecord, or raise an InputError naming the field."""

    def get(name: str) -> str:
        return (values.get(name) or "").strip()

    def choice(name: str, allowed: dict, default: str | None) -> str | None:
        raw = get(name).lower()
        if not raw:
            if default is None and name in REQUIRED_COLUMNS:
                raise _error(source, line, name, "a value is required")
            return default
        if raw not in allowed:
            raise _error(source, line, name, f"'{get(name)}' is not one of: {', '.join(allowed)}")
        return raw

    def boolean(name: str) -> bool:
        raw = get(name).lower()
        if raw not in BOOLEANS:
            raise _error(source, line, name, f"'{get(name)}' is not true or false")
        return BOOLEANS[raw]

    export_id = get("id")
    if not export_id:
        raise _error(source, line, "id", "a value is required")
    raw_eccn = get("eccn")
    if not raw_eccn:
        raise _error(source, line, "eccn", "a value is required")
    eccn = vocab.eccn(raw_eccn)
    if eccn is None:
        shape = "" if ECCN_PATTERN.match(raw_eccn.upper()[:5] + raw_eccn[5:].lower()) else " (not an ECCN)"
        raise _error(source, line, "eccn", f"unknown ECCN '{raw_eccn}'{shape}; modelled: {', '.join(sorted(vocab.eccns.values()))}")
    raw_destination = get("destination")
    if not raw_destination:
        raise _error(source, line, "destination", "a value is required")
    destination = vocab.destination(raw_destination)
    if destination is None:
        raise _error(source, line, "destination",
                     f"unknown country '{raw_destination}' (use an ISO 3166-1 code or English name, or an ISO 3166-2 region code)")
    raw_date = get("date")
    if raw_date:
        try:
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise _error(source, line, "date", f"'{raw_date}' is not an ISO date (YYYY-MM-DD)") from None
    else:
        date = default_date
    name, hits, possible = check_name(get("end_user_name"), vocab, source, line)
    return ExportRecord(
        id=export_id,
        eccn=eccn,
        destination=destination,
        end_user=choice("end_user", END_USER_CLASSES, None),
        end_use=choice("end_use", END_USES, "other"),
        transaction=choice("transaction", TRANSACTIONS, "export"),
        digital_artifacts=boolean("digital_artifacts"),
        incident_system_owner=choice("incident_system_owner", END_USER_CLASSES, "") or None,
        knows_unauthorized_use=boolean("knows_unauthorized_use"),
        date=date,
        license=get("license") or None,
        line=line,
        end_user_name=name,
        hits=hits,
        possible_matches=possible,
    )


def check_name(raw: str, vocab: Vocabulary, source: str, line: int | None
               ) -> tuple[str | None, tuple[str, ...], tuple[Match, ...]]:
    """An end-user name, whitespace-normalised, with the Entity List entries it equals (hits, sorted) and the
    close but inexact ones (possible matches, for review); an over-long name is an error."""
    name = " ".join(raw.split()) or None
    if name is None:
        return None, (), ()
    if len(name) > NAME_MAX:
        raise _error(source, line, "end_user_name", f"longer than {NAME_MAX} characters")
    screened = vocab.screen(name)
    return name, tuple(sorted({m.entry for m in screened.hits})), screened.possible


def check_header(name: str, fieldnames: list[str]) -> list[str]:
    """The analysts' CSV header: the first four columns are required, unknown columns are an error."""
    return check_columns(name, fieldnames, CSV_COLUMNS, REQUIRED_COLUMNS)


def iter_csv(path: Path, vocab: Vocabulary, default_date: dt.date) -> Iterator[ExportRecord]:
    """Records of the analysts' CSV, one at a time; the first four columns are required and unknown
    columns are an error. Duplicate ids are caught through an 8-byte hash per id (the one structure that
    grows with the file)."""
    name = str(path)
    with open_csv(path) as handle:
        reader = csv.DictReader(handle)
        header = check_header(name, reader.fieldnames or [])
        reader.fieldnames = header
        seen: dict[int, int] = {}
        for row in reader:
            if None in row:
                raise InputError(name, "more cells than columns", reader.line_num)
            record = check_values(row, vocab, name, reader.line_num, default_date)
            digest = hash(record.id)
            if digest in seen and same_id_on(path, seen[digest], record.id):
                raise _error(name, reader.line_num, "id", f"duplicate id '{record.id}' (first on line {seen[digest]})")
            seen.setdefault(digest, reader.line_num)
            yield record


def same_id_on(path: Path, line: int, export_id: str) -> bool:
    """Confirm a hash collision is a real duplicate by re-reading the earlier line (rare)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if reader.line_num == line:
                return (row.get("id") or "").strip() == export_id
    return False


def read_csv(path: Path, vocab: Vocabulary, default_date: dt.date) -> list[ExportRecord]:
    records = list(iter_csv(path, vocab, default_date))
    if not records:
        raise InputError(str(path), "no exports in the file")
    return records


def read_rdf(path: Path, vocab: Vocabulary, default_date: dt.date) -> list[ExportRecord]:
    """Read export individuals of the ontology (Turtle or JSON-LD) into records."""
    fmt = "json-ld" if path.suffix.lower() in (".jsonld", ".json") else "turtle"
    try:
        graph = Graph().parse(path, format=fmt)
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except Exception as exc:  # rdflib raises many parser exception types
        raise InputError(str(path), f"not valid {fmt}: {exc}") from None
    types = {cls: name for name, cls in TRANSACTIONS.items()} | {WAKG.Transaction: "export"}
    records = []
    for node in sorted(set(graph.subjects(RDF.type, None))):
        kinds = [types[t] for t in graph.objects(node, RDF.type) if t in types]
        if not kinds:
            continue
        where = f"{path} <{node}>"

        def value_of(prop, lookup=None):
            obj = graph.value(node, prop)
            if obj is None:
                return ""
            if lookup is not None:
                inverse = {v: k for k, v in lookup.items()}
                for candidate in [obj, *graph.objects(obj, RDF.type)]:
                    if candidate in inverse:
                        return inverse[candidate]
                raise InputError(where, f"{obj} is not a known {prop.split('#')[-1]} value", None, prop.split("#")[-1])
            return str(obj)

        item = graph.value(node, WAKG.item)
        eccn = graph.value(item, WAKG.classifiedAs) if item is not None else None
        destination = graph.value(node, WAKG.destination)
        values = {
            "id": str(graph.value(node, RDFS.label) or str(node).rsplit("/", 1)[-1]),
            "eccn": str(graph.value(eccn, SKOS.notation) or str(eccn).rsplit("/", 1)[-1]) if eccn is not None else "",
            "destination": str(destination).rsplit("/", 1)[-1] if destination is not None else "",
            "end_user": value_of(WAKG.endUser, END_USER_CLASSES),
            "end_use": value_of(WAKG.endUse, END_USES),
            "transaction": max(kinds, key=len),
            "digital_artifacts": value_of(WAKG.involvesDigitalArtifacts).lower(),
            "incident_system_owner": value_of(WAKG.incidentSystemOwner, END_USER_CLASSES),
            "knows_unauthorized_use": value_of(WAKG.knowsUnauthorizedUse).lower(),
            "date": value_of(WAKG.transactionDate),
            "license": value_of(WAKG.licenseNumber),
            "end_user_name": value_of(WAKG.endUserName),
        }
        records.append(check_values(values, vocab, where, None, default_date))
    if not records:
        raise InputError(str(path), "no wakg:Transaction individuals found")
    return records


def read_exports(path: Path, vocab: Vocabulary, default_date: dt.date) -> list[ExportRecord]:
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.suffix.lower() == ".csv":
        return read_csv(path, vocab, default_date)
    if path.suffix.lower() in (".ttl", ".turtle", ".jsonld", ".json"):
        return read_rdf(path, vocab, default_date)
    raise InputError(str(path), "unsupported input format (use .csv, .ttl or .jsonld)")


def record_triples(record: ExportRecord):
    """The asserted triples of one export: a wakg:Transaction individual with item and end-user individuals."""
    node = record.iri
    item, user = URIRef(f"{node}/item"), URIRef(f"{node}/end-user")
    yield node, RDF.type, TRANSACTIONS[record.transaction]
    yield node, RDFS.label, Literal(record.id)
    yield node, WAKG.item, item
    yield item, RDF.type, WAKG.Item
    yield item, WAKG.classifiedAs, ECCN[record.eccn]
    yield node, WAKG.destination, COUNTRY[record.destination]
    yield node, WAKG.endUser, user
    yield user, RDF.type, END_USER_CLASSES[record.end_user]
    yield user, WAKG.assertedEndUserType, END_USER_CLASSES[record.end_user]
    yield node, WAKG.endUse, END_USES[record.end_use]
    yield node, WAKG.involvesDigitalArtifacts, Literal(record.digital_artifacts)
    yield node, WAKG.knowsUnauthorizedUse, Literal(record.knows_unauthorized_use)
    yield node, WAKG.transactionDate, Literal(record.date, datatype=XSD.date)
    if record.incident_system_owner:
        owner = URIRef(f"{node}/incident-system-owner")
        yield node, WAKG.incidentSystemOwner, owner
        yield owner, RDF.type, END_USER_CLASSES[record.incident_system_owner]
    if record.license:
        yield node, WAKG.licenseNumber, Literal(record.license)
    if record.end_user_name:
        yield node, WAKG.endUserName, Literal(record.end_user_name)
        for entry in record.hits:
            yield node, WAKG.screeningHit, URIRef(entry)
        for number, match in enumerate(record.possible_matches, start=1):
            candidate = URIRef(f"{node}/possible-match/{number}")
            yield node, WAKG.possibleMatch, candidate
            yield candidate, WAKG.matchedEntry, URIRef(match.entry)
            yield candidate, WAKG.matchedName, Literal(match.matched_name)
            yield candidate, WAKG.matchScore, Literal(Decimal(f"{match.score:.1f}"))


def records_to_graph(records: list[ExportRecord]) -> Graph:
    """The asserted data of many exports as one graph."""
    graph = Graph()
    for record in records:
        for triple in record_triples(record):
            graph.add(triple)
    return graph
