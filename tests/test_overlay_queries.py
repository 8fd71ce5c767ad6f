"""The overlay queries of the library: part 746 sanctions, Entity List parties, and the exports that hit them.

Pinned to the facts of ontology/ear-overlays.ttl and ontology/entity-list.ttl (the dates of the Federal Register
notices), run through the query runner on the reasoned graph as tests/test_queries.py does, and once each
through the command line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
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

EXPORTS_CSV = """id,eccn,destination,end_user,end_use,date,end_user_name
ru1,4D004,RU,bank_or_financial,other,2024-06-01,
cr1,EAR99,UA-43,non_government,other,2024-06-01,
nso1,4D004,IL,non_government,other,2024-06-01,NSO Group
pm1,4D004,IL,non_government,other,2024-06-01,NSO Group Technologies
de1,4D004,DE,non_government,other,2024-06-01,
"""


@pytest.fixture(scope="module")
def store():
    """Reference data + OWL RL closure (the queries take their own dates as params)."""
    return reasoned.build(SNAPSHOT).store()


@pytest.fixture(scope="module")
def exports_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("overlays") / "exports.csv"
    path.write_text(EXPORTS_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def data_store(exports_csv):
    """The same, with the five exports above checked and included."""
    return reasoned.build(D(2024, 6, 1), exports_csv).store()


def run(graph, query_name, /, **params):
    """Rows of a query as a list of dicts (column -> string, '' when unbound)."""
    header, body = queries.rows(queries.execute(queries.resolve(query_name), graph, params, SNAPSHOT))
    return [dict(zip(header, row)) for row in body]


def column(rows, key):
    return [row[key] for row in rows]


def cli(name, args, fmt, as_of="2026-07-23"):
    result = subprocess.run(
        [sys.executable, "-m", "wassenaar_kg", "query", name, *args, "--as-of", as_of, "--format", fmt],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_library_lists_the_overlay_queries():
    names = set(queries.library())
    assert {"sanctioned-destinations", "listed-parties", "exports-hitting-overlays"} <= names
    assert [p.name for p in queries.resolve("sanctioned-destinations").params] == ["as_of"]
    assert [(p.name, p.default) for p in queries.resolve("listed-parties").params] == [("name", ""), ("as_of", "as-of")]
    assert queries.resolve("exports-hitting-overlays").params == []


# --- sanctioned-destinations -------------------------------------------------------------------------------

REGIONS = {"UA-43": "Crimea", "UA-40": "Sevastopol", "UA-14": "Donetsk", "UA-09": "Luhansk"}


def test_sanctioned_destinations_mid_2024(store):
    rows = run(store, "sanctioned-destinations", as_of="2024-06-01")
    by_code = {r["code"]: r for r in rows}
    assert {"RU", "BY", *REGIONS} <= set(by_code)
    assert len(rows) == len(by_code)  # one measure per destination on a date
    assert "15 CFR 746.8(a)(1)" in column(rows, "provision")
    russia = by_code["RU"]
    assert russia["destination"] == "Russian Federation" and russia["country"] == "RU"
    assert russia["provision"] == "15 CFR 746.8(a)(1)" and russia["govPermitted"] == "true"
    assert russia["itemScope"] == "items specified in any ECCN on the CCL"
    assert russia["notices"] == "87 FR 12226 (FR Doc 2022-04300); 87 FR 22130 (FR Doc 2022-07937)"
    assert (russia["validFrom"], russia["validThrough"], russia["confidence"]) == ("2022-04-08", "2024-06-11", "0.9")
    for code, label in REGIONS.items():
        assert by_code[code]["destination"] == label and by_code[code]["country"] == "UA"
    assert by_code["UA-43"]["provision"] == "15 CFR 746.6(a)(1)"
    assert by_code["UA-43"]["notices"] == "80 FR 4776 (FR Doc 2015-01638); 87 FR 12226 (FR Doc 2022-04300)"
    assert by_code["UA-14"]["provision"] == by_code["UA-09"]["provision"] == "15 CFR 746.6(a)(2)"
    assert by_code["UA-14"]["confidence"] == "0.6"
    assert not {"UA", "DE", "CN"} & set(by_code)  # a region's sanction never reaches the rest of its country
    assert column(rows, "code") == sorted(column(rows, "code"))


def test_sanctioned_destinations_after_the_consolidation(store):
    russia = {r["code"]: r for r in run(store, "sanctioned-destinations", as_of="2024-06-12")}["RU"]
    assert russia["validFrom"] == "2024-06-12" and russia["validThrough"] == ""
    assert russia["notices"].split("; ") == [
        "87 FR 12226 (FR Doc 2022-04300)", "87 FR 22130 (FR Doc 2022-07937)", "89 FR 51644 (FR Doc 2024-13148)"]


def test_sanctioned_destinations_before_belarus(store):
    """Russia from 2022-02-24 (Categories 3-9 only); Belarus only from 2022-03-02."""
    by_code = {r["code"]: r for r in run(store, "sanctioned-destinations", as_of="2022-03-01")}
    assert "RU" in by_code and "BY" not in by_code
    assert by_code["RU"]["itemScope"].startswith("items specified in an ECCN in Categories 3")
    assert by_code["RU"]["notices"] == "87 FR 12226 (FR Doc 2022-04300)"
    assert "BY" in {r["code"] for r in run(store, "sanctioned-destinations", as_of="2022-03-02")}


def test_sanctioned_destinations_before_the_invasion(store):
    """In 2021 only the Crimea region (2015 rule) of the regions; no Russia or Belarus, no DNR/LNR."""
    rows = run(store, "sanctioned-destinations", as_of="2021-06-01")
    codes = set(column(rows, "code"))
    assert {"UA-43", "UA-40"} <= codes
    assert not {"RU", "BY", "UA-14", "UA-09"} & codes
    crimea = {r["code"]: r for r in rows}["UA-43"]
    assert crimea["notices"] == "80 FR 4776 (FR Doc 2015-01638)"
    assert (crimea["validFrom"], crimea["validThrough"]) == ("2015-01-29", "2022-02-23")


def test_sanctioned_destinations_modelled_embargoes_are_not_doubled(store):
    """E:1 / E:2 members with a measure of their own appear once, under their own section."""
    rows = run(store, "sanctioned-destinations", as_of="2024-06-01")
    for code in ("CU", "IR", "KP", "SY"):
        mine = [r for r in rows if r["code"] == code]
        assert len(mine) <= 1
        assert all(r["provision"].startswith("15 CFR 746.") for r in mine)
    assert "15 CFR part 746" not in column(rows, "provision")


FALLBACK_SEED = """
@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:test:membership-E2-VE> a wakg:CountryGroupMembership ;
    wakg:member <https://w3id.org/wassenaar-kg/id/country/VE> ;
    wakg:countryGroup <https://w3id.org/wassenaar-kg/id/ear-country-group/E2> ;
    wakg:validFrom "2024-01-01"^^xsd:date ; wakg:validThrough "2024-12-31"^^xsd:date ;
    wakg:confidence 0.5 .
"""


def test_sanctioned_destinations_generic_fallback_for_e_members_without_a_measure():
    """A (seeded, fictitious) E:2 member with no part 746 measure is listed under the generic part 746."""
    seeded = reasoned.build(SNAPSHOT).store()
    seeded.load(FALLBACK_SEED.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:test:seed"))
    rows = {r["code"]: r for r in run(seeded, "sanctioned-destinations", as_of="2024-06-01")}
    venezuela = rows["VE"]
    assert venezuela["provision"] == "15 CFR part 746" and venezuela["country"] == "VE"
    assert (venezuela["validFrom"], venezuela["validThrough"], venezuela["confidence"]) == ("2024-01-01", "2024-12-31", "0.5")
    assert "E:2" in venezuela["basis"] and venezuela["notices"] == ""
    assert "RU" in rows and rows["RU"]["provision"] == "15 CFR 746.8(a)(1)"
    assert "VE" not in {r["code"] for r in run(seeded, "sanctioned-destinations", as_of="2025-01-01")}


def test_sanctioned_destinations_cli_json(store):
    document = json.loads(cli("sanctioned-destinations", ["--param", "as_of=2024-06-01"], "json"))
    assert document["head"]["vars"][:3] == ["code", "destination", "country"]
    codes = [b["code"]["value"] for b in document["results"]["bindings"]]
    assert codes == column(run(store, "sanctioned-destinations", as_of="2024-06-01"), "code")
    assert {"RU", "BY", "UA-43"} <= set(codes)


# --- listed-parties ---------------------------------------------------------------------------------------

def test_listed_parties_early_2022(store):
    rows = run(store, "listed-parties", as_of="2022-01-01")
    names = column(rows, "listedName")
    assert {"NSO Group", "Candiru", "Positive Technologies"} <= set(names)
    assert "Intellexa S.A." not in names and "Cytrox AD" not in names
    by_name = {r["listedName"]: r for r in rows}
    nso = by_name["NSO Group"]
    assert nso["listedUnder"] == "IL" and nso["notices"] == "86 FR 60760" and nso["validFrom"] == "2021-11-04"
    assert nso["licensePolicy"] == "Presumption of denial." and "744.11" in nso["licenseRequirement"]
    assert nso["list"] == "bundled reference data" and nso["confidence"] == "0.9" and nso["aliases"] == ""
    assert by_name["Candiru"]["aliases"].split("; ") == sorted(by_name["Candiru"]["aliases"].split("; "))
    assert "Saito Tech Ltd." in by_name["Candiru"]["aliases"].split("; ")
    assert names == sorted(names, key=str.lower)


def test_listed_parties_after_the_2023_additions(store):
    by_name = {r["listedName"]: r for r in run(store, "listed-parties", as_of="2024-01-01")}
    intellexa = by_name["Intellexa S.A."]
    assert intellexa["notices"] == "88 FR 46071" and intellexa["validFrom"] == "2023-07-18"
    assert intellexa["listedUnder"] == "GR" and intellexa["aliases"] == "Intellexa Anonymi Etaireia"
    assert {"NSO Group", "Candiru", "Cytrox AD", "Intellexa Limited"} <= set(by_name)
    assert "Intellexa S.A." not in column(run(store, "listed-parties", as_of="2023-07-17"), "listedName")


def test_listed_parties_name_filter_on_names_and_aliases(store):
    assert column(run(store, "listed-parties", name="INTELLEXA", as_of="2024-01-01"), "listedName") == [
        "Intellexa Limited", "Intellexa S.A."]
    assert column(run(store, "listed-parties", name="saito tech", as_of="2024-01-01"), "listedName") == ["Candiru"]
    assert run(store, "listed-parties", name="no such party", as_of="2024-01-01") == []
    assert run(store, "listed-parties", name="intellexa", as_of="2022-01-01") == []


def test_listed_parties_cli_csv():
    table = list(csv.reader(io.StringIO(cli("listed-parties", ["--param", "name=nso"], "csv", as_of="2024-01-01"))))
    header, body = table[0], table[1:]
    assert header[:3] == ["listedName", "aliases", "listedUnder"]
    assert [row[0] for row in body] == ["NSO Group"]


# --- exports-hitting-overlays -----------------------------------------------------------------------------

def test_exports_hitting_overlays(data_store):
    rows = run(data_store, "exports-hitting-overlays")
    assert sorted(set(column(rows, "export"))) == ["cr1", "nso1", "pm1", "ru1"]
    assert column(rows, "export") == sorted(column(rows, "export"))
    by_export = {}
    for row in rows:
        by_export.setdefault(row["export"], []).append(row)

    russia = {r["rule"]: r for r in by_export["ru1"]}
    assert {r["kind"] for r in by_export["ru1"]} == {"overlay"}
    sanction = russia["CountrySanction"]
    assert sanction["provision"] == "15 CFR 746.8(a)(1)" and sanction["verdict"] == "LicenseRequired"
    assert sanction["notices"] == "87 FR 12226 (FR Doc 2022-04300); 87 FR 22130 (FR Doc 2022-07937)"
    assert sanction["fact"] == "Russia: every CCL item needs a license (746.8(a)(1))"
    assert sanction["destination"] == "RU"

    crimea = [r for r in by_export["cr1"] if r["rule"] == "CountrySanction"]
    assert len(crimea) == 1 and crimea[0]["provision"] == "15 CFR 746.6(a)(1)"
    assert crimea[0]["destination"] == "UA-43" and crimea[0]["fact"].startswith("Crimea")
    assert "80 FR 4776 (FR Doc 2015-01638)" in crimea[0]["notices"].split("; ")

    nso = by_export["nso1"]
    assert {r["rule"] for r in nso} == {"EntityListParty"}
    assert "15 CFR 744.11" in column(nso, "provision")
    assert all(r["fact"] == "NSO Group" and r["notices"] == "86 FR 60760" and r["kind"] == "overlay" for r in nso)

    match = by_export["pm1"]
    assert len(match) == 1 and match[0]["kind"] == "possible match" and match[0]["rule"] == ""
    assert match[0]["matchedName"] == "NSO Group" and match[0]["fact"] == "NSO Group"
    assert 0 < float(match[0]["matchScore"]) < 100


def test_exports_hitting_overlays_without_data(store):
    assert run(store, "exports-hitting-overlays") == []


def test_exports_hitting_overlays_cli_csv(exports_csv):
    table = list(csv.reader(io.StringIO(
        cli("exports-hitting-overlays", ["--data", str(exports_csv)], "csv", as_of="2024-06-01"))))
    header, body = table[0], table[1:]
    assert header[:4] == ["export", "verdict", "destination", "kind"]
    assert sorted({row[0] for row in body}) == ["cr1", "nso1", "pm1", "ru1"]
    assert ("ru1", "CountrySanction", "15 CFR 746.8(a)(1)") in {(row[0], row[4], row[5]) for row in body}
