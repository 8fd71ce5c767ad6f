"""Read export transactions (CSV for analysts, Turtle / JSON-LD individuals) into checked records and RDF.

Every input, whatever its format, becomes a list of `ExportRecord`s first: one vocabulary check, one
place for errors that name the file, row and field, and one path into the graph for both engines.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import logging

import pycountry
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from ..kg.entity_list import bundled_entries
from ..errors import InputError
from .screening import Match, Screener, ScreeningResult
from ..kg.namespaces import BASE, COUNTRY, ECCN, WAKG

EXPORT = BASE + "id/export/"
# rdflib logs a traceback for an ill-typed literal ("2024-02-30"^^xsd:date); check_values reports the value.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

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
# What str.strip() removes: the fast engine strips the same characters (Polars' default set differs).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fromisoformat alone also takes 20240105 and 2024-W01-1
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False, "": False}
SUBDIVISION = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
NAME_MAX = 1000  # characters of an end-user name
# The license column. A BIS license is recorded by its number: one letter and six or seven digits as BIS prints
# them (D1234567; spaces and hyphens are ignored, case is not significant). This is the tool's documented
# input pattern, not a legal definition: no primary source for the number format was found (docs/inputs.md).
LICENSE_PATTERN = re.compile(r"[A-Z][0-9]{6,7}")  # the whole cell (fullmatch; anchored ^...$ for Polars)
LICENSE_IGNORED = r"[ \t-]"
NO_LICENSE = frozenset({"", "NLR", "NONE", "N/A", "NA", "NO", "0", "NIL", "NULL", "FALSE", "NOLICENSE",
                        "NOLICENSEREQUIRED", "NOTREQUIRED", "NOTAPPLICABLE"})  # after normalise_license
EXCEPTION_SYMBOLS = frozenset({"ACE", "GOV", "ENC", "TSU", "TMP", "BAG", "STA", "LVS", "GBS", "APP", "TSR", "CIV",
                               "RPL", "AVS", "KMI", "APR", "NAC", "LPP", "MPT", "VSL", "CCD"})  # part 740 symbols
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
        self.paragraphs: dict[str, list[str]] = {}  # an entry modelled only through paragraphs -> their notations
        for paragraph, parent in kg.subject_objects(WAKG.broaderEntry):
            if (parent, SKOS.notation, None) in kg and (paragraph, SKOS.notation, None) in kg:
                self.paragraphs.setdefault(str(kg.value(parent, SKOS.notation)), []).append(
                    str(kg.value(paragraph, SKOS.notation)))
        for notations in self.paragraphs.values():
            notations.sort()
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
        # The days the dated reference data (Country Chart, Country Groups) covers: a later date is decided as
        # if nothing changed since, and says so (Determination.beyond_coverage).
        starts = [v.toPython() for v in kg.objects(None, WAKG.coverageFrom)]
        ends = [v.toPython() for v in kg.objects(None, WAKG.coverageThrough)]
        self.coverage: tuple[dt.date, dt.date] | None = (max(starts), min(ends)) if starts and ends else None
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


def normalise_license(raw: str) -> str:
    """The license cell without case, spaces, tabs or hyphens (how LICENSE_PATTERN and NO_LICENSE are written)."""
    return re.sub(LICENSE_IGNORED, "", raw.strip()).upper()


def license_of(raw: str) -> str | None:
    """The license number a cell records (None: no license held); raises ValueError for anything else."""
    text = normalise_license(raw)
    if text in NO_LICENSE:
        return None
    if LICENSE_PATTERN.fullmatch(text):
        return text
    if text in EXCEPTION_SYMBOLS:
        raise ValueError(f"'{raw.strip()}' is a license exception symbol, not a license: leave the cell empty "
                         "(the model decides which exception applies)")
    raise ValueError(f"'{raw.strip()}' is not a license number (one letter and 6 or 7 digits, e.g. D1234567) "
                     "nor a word for none (empty, NLR, none, N/A, 0)")


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
    if eccn is not None and eccn in vocab.paragraphs:
        raise _error(source, line, "eccn", f"{eccn} is modelled only through its paragraphs "
                     f"{', '.join(vocab.paragraphs[eccn])}: give the paragraph the item is classified under "
                     "(other paragraphs of the entry are not modelled)")
    if eccn is None and vocab.eccn(raw_eccn.split(".")[0]) in vocab.paragraphs:
        parent = vocab.eccn(raw_eccn.split(".")[0])
        raise _error(source, line, "eccn", f"'{raw_eccn}' is not modelled; of {parent} the model decides only "
                     f"{', '.join(vocab.paragraphs[parent])}")
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
            if not ISO_DATE.fullmatch(raw_date):
                raise ValueError(raw_date)
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise _error(source, line, "date", f"'{raw_date}' is not an ISO date (YYYY-MM-DD)") from None
    else:
        date = default_date
    name, hits, possible = check_name(get("end_user_name"), vocab, source, line)
    try:
        license_number = license_of(get("license"))
    except ValueError as exc:
        raise _error(source, line, "license", str(exc)) from None
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
        license=license_number,
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


def _remote_context(value) -> str | None:
    """A remote JSON-LD context (a URL, or an @import) anywhere in a document: the parser would fetch it."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                for context in item if isinstance(item, list) else [item]:
                    if isinstance(context, str):
                        return context
                    if isinstance(context, dict) and isinstance(context.get("@import"), str):
                        return context["@import"]
            found = _remote_context(item)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _remote_context(item)
            if found:
                return found
    return None


def _parse_rdf(path: Path) -> Graph:
    """The graph of a Turtle or JSON-LD file; nothing is fetched from the network (a remote JSON-LD context is
    refused: inline it)."""
    import json

    fmt = "json-ld" if path.suffix.lower() in (".jsonld", ".json") else "turtle"
    try:
        data = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise InputError(str(path), f"not UTF-8 text (byte 0x{exc.object[exc.start]:02X}); save the file as UTF-8",
                         line) from None
    if fmt == "json-ld":
        try:
            document = json.loads(data)
            remote = _remote_context(document)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"not valid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            raise InputError(str(path), "JSON nested too deeply to read") from None
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            raise InputError(str(path), f"not readable JSON: {exc}") from None
        if remote is not None:
            raise InputError(str(path), f"remote JSON-LD context '{remote}' refused (it would be fetched from the "
                             "network): put the context inline", field="@context")
    import warnings

    try:
        with warnings.catch_warnings():  # rdflib warns of ill-typed literals; check_values reports the value
            warnings.simplefilter("ignore")
            return Graph().parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises many parser exception types
        raise InputError(str(path), f"not valid {fmt}: {exc}") from None


def read_rdf(path: Path, vocab: Vocabulary, default_date: dt.date) -> list[ExportRecord]:
    """Read export individuals of the ontology (Turtle or JSON-LD) into records. A property an export has
    once (destination, end user, date...) given twice, or two individuals with the same id, is an error."""
    graph = _parse_rdf(path)
    types = {cls: name for name, cls in TRANSACTIONS.items()} | {WAKG.Transaction: "export"}
    records, ids = [], {}
    for node in sorted(set(graph.subjects(RDF.type, None))):
        kinds = [types[t] for t in graph.objects(node, RDF.type) if t in types]
        if not kinds:
            continue
        where = f"{path} <{node}>"

        def one(subject, prop, field):
            found = sorted(set(graph.objects(subject, prop)))
            if len(found) > 1:
                raise InputError(where, f"{len(found)} values of {prop.n3(graph.namespace_manager)} "
                                 f"({', '.join(str(f) for f in found)}); an export has one", None, field)
            return found[0] if found else None

        def value_of(prop, lookup=None, field=None):
            field = field or prop.split("#")[-1]
            obj = one(node, prop, field)
            if obj is None:
                return ""
            if lookup is not None:
                inverse = {v: k for k, v in lookup.items()}
                known = sorted({inverse[c] for c in [obj, *graph.objects(obj, RDF.type)] if c in inverse})
                if len(known) > 1:
                    raise InputError(where, f"{obj} has {len(known)} {field} types ({', '.join(known)}); give one",
                                     None, field)
                if not known:
                    raise InputError(where, f"{obj} is not a known {field} value", None, field)
                return known[0]
            return str(obj)

        specific = sorted({name for name, cls in TRANSACTIONS.items() if (node, RDF.type, cls) in graph})
        if len(specific) > 1:
            raise InputError(where, f"typed as more than one kind of transaction ({', '.join(specific)})",
                             None, "rdf:type")
        item = one(node, WAKG.item, "item")
        eccn = one(item, WAKG.classifiedAs, "classifiedAs") if item is not None else None
        destination = one(node, WAKG.destination, "destination")
        label = one(node, RDFS.label, "label")
        values = {
            "id": str(label or str(node).rsplit("/", 1)[-1]),
            "eccn": str(one(eccn, SKOS.notation, "eccn") or str(eccn).rsplit("/", 1)[-1]) if eccn is not None else "",
            "destination": str(destination).rsplit("/", 1)[-1] if destination is not None else "",
            "end_user": value_of(WAKG.endUser, END_USER_CLASSES),
            "end_use": value_of(WAKG.endUse, END_USES),
            "transaction": specific[0] if specific else "export",
            "digital_artifacts": value_of(WAKG.involvesDigitalArtifacts).lower(),
            "incident_system_owner": value_of(WAKG.incidentSystemOwner, END_USER_CLASSES),
            "knows_unauthorized_use": value_of(WAKG.knowsUnauthorizedUse).lower(),
            "date": value_of(WAKG.transactionDate),
            "license": value_of(WAKG.licenseNumber),
            "end_user_name": value_of(WAKG.endUserName),
        }
        record = check_values(values, vocab, where, None, default_date)
        if record.id in ids:
            raise InputError(where, f"has the same id '{record.id}' as <{ids[record.id]}>: the two would be decided "
                             "as one export; give each its own rdfs:label", None, "label")
        ids[record.id] = node
        records.append(record)
    if not records:
        raise InputError(str(path), "no wakg:Transaction individuals found")
    return records


def read_exports(path: Path, vocab: Vocabulary, default_date: dt.date) -> list[ExportRecord]:
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.suffix.lower() == ".csv":
        from .order_book import read_header, records

        return list(records(path, read_header(path), vocab, default_date))
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
