"""The SPARQL query library (queries/*.rq, queries/qc/*.rq) against the reference data.

Each analyst query is pinned to facts that can be read in ontology/tables/ (the editable source of the
reference data); every quality-control query must return nothing on the current data and must catch a
seeded violation; every file has the header the runner and `wakg query --list` rely on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from wassenaar_kg.analyst import queries
from wassenaar_kg.analyst import reasoned

D = dt.date
SNAPSHOT = D(2026, 7, 23)
ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports.csv"
QUERIES_DIR = ROOT / "queries"
ALL_FILES = sorted(QUERIES_DIR.glob("*.rq")) + sorted((QUERIES_DIR / "qc").glob("*.rq"))
QC_NAMES = [f"qc/{p.stem}" for p in sorted((QUERIES_DIR / "qc").glob("*-violation.rq"))]
FACT = "https://w3id.org/wassenaar-kg/id/fact/"


def name_of(path: Path) -> str:
    return f"qc/{path.stem}" if path.parent.name == "qc" else path.stem


@pytest.fixture(scope="module")
def store():
    """Reference data + OWL RL closure, as of the eCFR snapshot (queries take their own dates as params)."""
    return reasoned.build(SNAPSHOT).store()


@pytest.fixture(scope="module")
def data_store():
    """The same, with the example exports checked and included."""
    return reasoned.build(SNAPSHOT, EXPORTS).store()


def run(store, name, **params):
    """Rows of a query as a list of dicts (column -> string, '' when unbound)."""
    header, body = queries.rows(queries.execute(queries.resolve(name), store, params, SNAPSHOT))
    return [dict(zip(header, row)) for row in body]


def column(rows, key):
    return [row[key] for row in rows]


# --- the library as a whole -------------------------------------------------------------------------------

EXPECTED = {
    "country-group-members", "participating-states", "country-history", "dual-status-countries",
    "cybersecurity-items", "license-destinations", "ace-restrictions", "members-of-concern",
    "eu-non-participants", "weak-provenance", "exports-needing-license", "group-changes", "implementation-coverage",
}


def test_library_has_every_query_and_qc_checks():
    names = set(queries.library())
    assert EXPECTED <= names
    assert len(QC_NAMES) >= 7
    assert {n for n in names if n.startswith("qc/")} == set(QC_NAMES)


@pytest.mark.parametrize("path", ALL_FILES, ids=name_of)
def test_every_query_has_summary_and_example(path):
    query = queries.parse_query_file(path)
    assert query.summary.strip()
    assert query.example.startswith(f"wakg query {name_of(path)}")


@pytest.mark.parametrize("path", ALL_FILES, ids=name_of)
def test_every_query_is_portable_and_ordered(path):
    """Own PREFIX declarations (it parses with no prologue, over an empty store) and a stable row order."""
    query = queries.parse_query_file(path)
    values = {p.name: (p.default if p.default not in (None, "as-of") else None) for p in query.params}
    given = {k: v for k, v in values.items() if v is not None}
    for param in query.params:
        if param.default is None:
            given[param.name] = {"date": "2026-07-23", "integer": "1", "decimal": "1.0"}.get(param.type, "x")
    queries.execute(query, ox.Store(), given, SNAPSHOT)  # raises on an undeclared prefix
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE)
    declared = set(re.findall(r"^\s*PREFIX\s+([\w-]*):", body, re.IGNORECASE | re.MULTILINE))
    stripped = re.sub(r'<[^>\s]*>|"[^"]*"', "", body)
    used = set(re.findall(r"(?<![\w?$:/])([A-Za-z][\w-]*):(?=[\w(])", stripped)) - {"PREFIX", "prefix"}
    assert used <= declared, f"undeclared prefixes: {used - declared}"


@pytest.mark.parametrize("path", ALL_FILES, ids=name_of)
def test_every_example_runs(path, store, data_store):
    query = queries.parse_query_file(path)
    args = shlex.split(query.example)
    assert args[:3] == ["wakg", "query", name_of(path)]
    params, chosen = {}, store
    rest = iter(args[3:])
    for arg in rest:
        if arg == "--param":
            key, _, value = next(rest).partition("=")
            params[key] = value
        elif arg == "--data":
            assert (ROOT / next(rest)).resolve() == EXPORTS
            chosen = data_store
        else:
            pytest.fail(f"unexpected argument in example: {arg}")
    assert set(params) <= {p.name for p in query.params}
    header, _ = queries.rows(queries.execute(query, chosen, params, SNAPSHOT))
    assert header


# --- quality control -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", QC_NAMES)
def test_qc_query_finds_no_violation(name, store, data_store):
    for graph in (store, data_store):
        rows = run(graph, name)
        assert rows == [], "\n".join(row.get("message", str(row)) for row in rows)


SEEDED_VIOLATIONS = """
@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:test:membership> a wakg:CountryGroupMembership ;
    wakg:member <https://w3id.org/wassenaar-kg/id/country/CN> ;
    wakg:countryGroup <https://w3id.org/wassenaar-kg/id/ear-country-group/D1> ;
    wakg:validFrom "2023-01-01"^^xsd:date ; wakg:validThrough "2022-01-01"^^xsd:date ;
    wakg:confidence 0.9 ; dcterms:source <urn:test:unclassified-source> .
<urn:test:unsourced> a wakg:DatedFact ; wakg:validFrom "2024-01-01"^^xsd:date .
<urn:test:eccn> a wakg:SurveillanceItemEntry .
<urn:test:destination> a wakg:Destination ; wakg:isoAlpha2 "QQ", "QZ" .
wakg:UndefinedTestClass a owl:Class ; rdfs:label "undefined test class" .
"""


@pytest.fixture(scope="module")
def seeded_store():
    """A separate store (the shared ones stay clean) with one violation of each check added."""
    seeded = reasoned.build(SNAPSHOT).store()
    seeded.load(SEEDED_VIOLATIONS.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:test:seed"))
    return seeded


@pytest.mark.parametrize("name", QC_NAMES)
def test_qc_query_catches_a_seeded_violation(name, seeded_store):
    rows = run(seeded_store, name)
    assert rows, f"{name} misses its seeded violation"
    for row in rows:
        assert "urn:test:" in " ".join(row.values()) or "UndefinedTestClass" in row["message"]
        assert len(row["message"]) > 20


# --- analyst queries -------------------------------------------------------------------------------------

def test_country_group_members_e1(store):
    assert column(run(store, "country-group-members", group="E:1", as_of="2026-07-23"), "code") == ["IR", "KP", "SY"]


def test_participating_states_on_the_snapshot(store):
    rows = run(store, "participating-states", as_of="2026-07-23")
    assert len(rows) == 42
    india = {r["code"]: r for r in rows}["IN"]
    assert india["accession"] == "2017-12-08"
    assert india["precision"] == "exact date" and india["confidence"] == "0.9" and india["sources"]
    assert {r["code"] for r in rows} >= {"US", "RU", "MX", "ZA", "HR"}


def test_participating_states_before_india(store):
    rows = run(store, "participating-states", as_of="2017-12-07")
    assert len(rows) == 41 and "IN" not in column(rows, "code")


def test_country_history_of_cyprus(store):
    rows = run(store, "country-history", country="CY", as_of="2026-07-23")
    d5 = [r for r in rows if r["group"] == "D:5"]
    assert len(d5) == 1
    assert d5[0]["validThrough"] == "2024-05-29" and d5[0]["holdsOnAsOf"] == "false"
    a6 = [r for r in rows if r["group"] == "A:6"]
    assert a6 and a6[0]["validThrough"] == "" and a6[0]["holdsOnAsOf"] == "true"
    then = {r["group"]: r["holdsOnAsOf"] for r in run(store, "country-history", country="CY", as_of="2024-05-29")}
    assert then["D:5"] == "true"


def test_country_history_of_nicaragua_shows_the_move(store):
    rows = run(store, "country-history", country="NI", as_of="2024-03-15")
    by_group = {r["group"]: r for r in rows}
    assert by_group["B"]["validThrough"] == "2024-03-14" and by_group["B"]["holdsOnAsOf"] == "false"
    assert by_group["D:1"]["validFrom"] == "2024-03-15" and by_group["D:1"]["holdsOnAsOf"] == "true"


def test_dual_status_countries(store):
    now = run(store, "dual-status-countries", as_of="2026-07-23")
    assert column(now, "code") == ["IL", "TW"]
    assert set({r["code"]: r for r in now}["IL"]["dGroups"].split()) == {"D:2", "D:3", "D:4"}
    assert column(run(store, "dual-status-countries", as_of="2022-03-07"), "code") == ["CY", "IL", "TW"]


CYBERSECURITY_ECCNS = ["4A005", "4D001.a", "4D004", "4E001.a", "4E001.c",
                       "5A001.j", "5B001.a", "5D001.a", "5D001.c", "5E001.a"]


def test_cybersecurity_items(store):
    rows = run(store, "cybersecurity-items")
    assert column(rows, "eccn") == CYBERSECURITY_ECCNS
    by_eccn = {r["eccn"]: r for r in rows}
    assert "NS 2" in by_eccn["5A001.j"]["chartColumns"] and "NS 1" not in by_eccn["5A001.j"]["chartColumns"]
    assert "NS 1" in by_eccn["4D004"]["chartColumns"]
    assert by_eccn["4D004"]["wassenaarEntry"] == "4.D.4"
    assert by_eccn["5A001.j"]["wassenaarEntry"] == "5.A.1.j"
    assert all(by_eccn[e]["family"].startswith("Category 4") for e in CYBERSECURITY_ECCNS[:5])
    assert all("surveillance" in by_eccn[e]["family"] for e in CYBERSECURITY_ECCNS[5:])


def test_license_destinations_for_4d004_on_the_snapshot(store):
    rows = run(store, "license-destinations", eccn="4D004", as_of="2026-07-23")
    codes = set(column(rows, "code"))
    assert not codes & {"CA", "GB", "AU"}
    # NS 1 marks every other destination with a chart row, allies included (ACE may then authorize)
    assert {"CN", "RU", "DE", "JP", "IR", "KP", "SY", "CU"} <= codes
    china = [r for r in rows if r["code"] == "CN"]
    assert any(r["column"] == "NS 1" and r["citation"] == "15 CFR 738.4(a)(2)" for r in china)
    iran = [r for r in rows if r["code"] == "IR"]
    assert any(r["reason"] == "embargo: Country Group E:1" and r["citation"] == "15 CFR part 746" for r in iran)


def test_license_destinations_before_the_aukus_rule(store):
    codes = set(column(run(store, "license-destinations", eccn="4D004", as_of="2024-04-18"), "code"))
    assert {"GB", "AU", "CN"} <= codes and "CA" not in codes


def test_license_destinations_before_the_cyber_controls(store):
    """4D004 is on the CCL from 2022-03-07: before that only the embargoes remain."""
    rows = run(store, "license-destinations", eccn="4D004", as_of="2022-03-06")
    assert sorted(column(rows, "code")) == ["CU", "IR", "KP", "SY"]
    assert set(column(rows, "citation")) == {"15 CFR part 746"}


def test_license_destinations_of_a_surveillance_item_use_ns2(store):
    columns = {r["column"] for r in run(store, "license-destinations", eccn="5A001.j", as_of="2026-07-23")}
    assert "NS 2" in columns and "NS 1" not in columns


def ace(store, country, end_user, as_of="2026-07-23"):
    return {r["citation"]: r for r in run(store, "ace-restrictions", country=country, end_user=end_user, as_of=as_of)}


def test_ace_restrictions_china_government(store):
    rows = ace(store, "CN", "GovernmentEndUser")
    assert set(rows) == {"15 CFR 740.22(c)(1)(ii)"}
    assert rows["15 CFR 740.22(c)(1)(ii)"]["kind"] == "restriction"
    assert "China" in rows["15 CFR 740.22(c)(1)(ii)"]["reason"] and "D:1" in rows["15 CFR 740.22(c)(1)(ii)"]["reason"]


def test_ace_restrictions_china_bank(store):
    rows = ace(store, "CN", "BankingOrFinancialServicesProvider")
    assert set(rows) == {"15 CFR 740.22(c)(1)(iii)", "15 CFR 740.22(c)(1)(iii)(A)"}
    assert rows["15 CFR 740.22(c)(1)(iii)(A)"]["kind"] == "carve-out"


def test_ace_restrictions_iran_non_government(store):
    rows = ace(store, "IR", "NonGovernmentEndUser")
    assert "15 CFR 740.22(c)(1)(i)" in rows
    assert "E:1" in rows["15 CFR 740.22(c)(1)(i)"]["reason"]
    # Iran is also in D:5 (ontology/tables/ear-country-groups.csv), so (c)(1)(iii) bars ACE as well
    assert set(rows) == {"15 CFR 740.22(c)(1)(i)", "15 CFR 740.22(c)(1)(iii)"}


@pytest.mark.parametrize("end_user", ["GovernmentEndUser", "PoliceOrJudicialBody"])
def test_ace_restrictions_israel_government(store, end_user):
    rows = ace(store, "IL", end_user)
    assert set(rows) == {"15 CFR 740.22(c)(1)(ii)", "15 CFR 740.22(c)(1)(ii)(A)"}
    assert rows["15 CFR 740.22(c)(1)(ii)(A)"]["kind"] == "carve-out"
    assert "A:6" in rows["15 CFR 740.22(c)(1)(ii)(A)"]["reason"]


def test_ace_restrictions_none_for_germany_or_before_ace(store):
    assert ace(store, "DE", "GovernmentEndUser") == {}
    assert ace(store, "CN", "GovernmentEndUser", as_of="2022-03-06") == {}


def test_ace_restrictions_follow_the_dates(store):
    """Cyprus left D:5 on 2024-05-30: no (c)(1)(iii) for its non-government end users afterwards."""
    assert "15 CFR 740.22(c)(1)(iii)" in ace(store, "CY", "NonGovernmentEndUser", as_of="2024-05-29")
    assert ace(store, "CY", "NonGovernmentEndUser", as_of="2024-05-30") == {}


def test_members_of_concern(store):
    rows = run(store, "members-of-concern", as_of="2026-07-23")
    assert column(rows, "code") == ["RU"]
    assert set(rows[0]["dGroups"].split()) == {"D:1", "D:2", "D:3", "D:4", "D:5"}


@pytest.mark.parametrize("day", ["2022-03-07", "2026-07-23"])
def test_eu_non_participants(store, day):
    assert column(run(store, "eu-non-participants", as_of=day), "code") == ["CY"]


def test_eu_non_participants_before_the_2005_accessions(store):
    assert column(run(store, "eu-non-participants", as_of="2004-06-01"), "code") == ["CY", "EE", "LT", "LV", "MT", "SI"]


def test_weak_provenance(store):
    rows = {r["fact"]: r for r in run(store, "weak-provenance")}
    geu = rows[FACT + "text-740.22-GEU-final"]
    assert geu["confidence"] == "0.6" and "secondary sources only" in geu["reason"]
    assert geu["class"] == "wakg:ProvisionText"
    uae = rows[FACT + "cg-D3-AE-2021-10-21"]
    assert uae["class"] == "wakg:CountryGroupMembership" and uae["reason"] == "confidence 0.7 < 0.9"
    assert rows[FACT + "cg-A5-AE-2026-07-10"]["reason"] == "confidence 0.75 < 0.9"
    assert FACT + "cg-E1-IR-2021-10-21" not in rows  # 0.9, official data mirror
    assert all(float(r["confidence"]) < 0.9 or "secondary" in r["reason"] for r in rows.values())


NEEDING_LICENSE = ["EX-006", "EX-008", "EX-011", "EX-017", "EX-018", "EX-021", "EX-022", "EX-025", "EX-029", "EX-033", "EX-034"]


def test_exports_needing_license(data_store):
    rows = run(data_store, "exports-needing-license")
    assert column(rows, "export") == NEEDING_LICENSE
    by_id = {r["export"]: r for r in rows}
    assert set(by_id["EX-017"]["decidingProvisions"].split("; ")) == {"15 CFR 746.7(a)(1)", "15 CFR 746.7(c)"}
    assert "15 CFR 740.22(c)(1)(iii)" in by_id["EX-025"]["decidingProvisions"].split("; ")
    assert by_id["EX-006"]["lawAsOf"] == "2022-03-21"


def test_exports_needing_license_without_data(store):
    assert run(store, "exports-needing-license") == []


def test_group_changes_for_nicaragua(store):
    rows = run(store, "group-changes", **{"from": "2024-03-14", "to": "2024-03-15"})
    assert [(r["code"], r["group"], r["change"]) for r in rows] == [
        ("NI", "B", "left"), ("NI", "D:1", "joined"), ("NI", "D:5", "joined")]
    back = run(store, "group-changes", **{"from": "2024-03-15", "to": "2024-03-14"})
    assert [(r["group"], r["change"]) for r in back] == [("B", "joined"), ("D:1", "left"), ("D:5", "left")]


def test_group_changes_over_the_whole_history(store):
    rows = run(store, "group-changes", **{"from": "2021-10-21", "to": "2026-07-23"})
    assert {(r["code"], r["group"], r["change"]) for r in rows} == {
        ("AE", "A:5", "joined"), ("AE", "D:3", "left"), ("AE", "D:4", "left"), ("CY", "D:5", "left"),
        ("NI", "B", "left"), ("NI", "D:1", "joined"), ("NI", "D:5", "joined")}


# --- the command line's result formats ------------------------------------------------------------------

CLI_CASES = [
    ("participating-states", []),
    ("ace-restrictions", ["--param", "country=IL", "--param", "end_user=GovernmentEndUser"]),
    ("cybersecurity-items", []),
]


def cli(name, args, fmt):
    result = subprocess.run(
        [sys.executable, "-m", "wassenaar_kg", "query", name, *args, "--as-of", "2026-07-23", "--format", fmt],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name, args", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_json_is_sparql_results(name, args, store):
    document = json.loads(cli(name, args, "json"))
    variables = document["head"]["vars"]
    bindings = document["results"]["bindings"]
    header, body = queries.rows(queries.execute(queries.resolve(name), store,
                                                dict(a.split("=", 1) for a in args if "=" in a), SNAPSHOT))
    assert variables == header and len(bindings) == len(body) > 0
    for binding in bindings:
        assert set(binding) <= set(variables)
        assert all(term["type"] in ("uri", "literal", "bnode", "triple") and "value" in term for term in binding.values())


@pytest.mark.parametrize("name, args", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_csv_parses(name, args):
    table = list(csv.reader(io.StringIO(cli(name, args, "csv"))))
    header, body = table[0], table[1:]
    assert header and body and all(len(row) == len(header) for row in body)
