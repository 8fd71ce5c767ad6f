"""Overlays end to end (issue #10): regions as destinations, end-user names screened against the Entity List,
a user's Consolidated Screening List file, and possible matches in every output format of both engines."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from wassenaar_kg import check
from wassenaar_kg.api import ASSERTED_GRAPH, INFERRED_GRAPH, use_screening_list, vocabulary
from wassenaar_kg.errors import InputError
from wassenaar_kg.decide.records import check_values
from wassenaar_kg.kg.namespaces import WAKG

FIXTURES = Path(__file__).parent / "fixtures" / "csl"
BOOK = """id,eccn,destination,end_user,end_use,date,end_user_name
ru1,4D004,RU,bank_or_financial,other,2024-06-01,
cr1,EAR99,UA-43,non_government,other,2024-06-01,
nso1,4D004,IL,non_government,other,2024-06-01,NSO Group
pm1,4D004,IL,non_government,other,2024-06-01,NSO Group Technologies Ltd
cx1,4D004,DE,non_government,other,2024-06-01,Example Cyber Ltd
de1,4D004,DE,non_government,other,2024-06-01,Siemens AG
"""


def wakg(*args):
    return subprocess.run([sys.executable, "-m", "wassenaar_kg", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(autouse=True)
def bundled_list_only():
    use_screening_list(None)
    yield
    use_screening_list(None)


@pytest.fixture()
def book(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(BOOK, encoding="utf-8")
    return path


def rows_of(text: str) -> dict[str, dict]:
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize("raw, code", [("UA-43", "UA-43"), ("ua-43", "UA-43"), ("Crimea", "UA-43"),
                                       ("Autonomous Republic of Crimea", "UA-43"), ("Sevastopol", "UA-40"),
                                       ("UA-14", "UA-14"), ("Donetsk Oblast", "UA-14"), ("Luhansk", "UA-09"),
                                       ("UA-23", "UA"), ("UA-65", "UA"), ("Ukraine", "UA"), ("DE-BY", "DE")])
def test_regions_and_subdivisions_as_destinations(raw, code):
    assert vocabulary().destination(raw) == code


def test_unknown_subdivision_is_an_error():
    with pytest.raises(InputError) as error:
        check_values({"id": "x", "eccn": "4D004", "destination": "UA-99", "end_user": "non_government"},
                     vocabulary(), "book.csv", 7, None)
    assert error.value.line == 7 and error.value.field == "destination"


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_csv_output_of_both_engines_carries_verdicts_and_possible_matches(book, engine):
    result = wakg("check", book, "--engine", engine, "--format", "csv")
    assert result.returncode == 1, result.stderr
    rows = rows_of(result.stdout)
    assert rows["ru1"]["verdict"] == "license_required" and "15 CFR 746.8(a)(1)" in rows["ru1"]["deciding_provisions"]
    assert rows["cr1"]["verdict"] == "license_required" and "15 CFR 746.6(a)(1)" in rows["cr1"]["deciding_provisions"]
    assert "15 CFR 744.11" in rows["nso1"]["deciding_provisions"] and "86 FR 60760" in rows["nso1"]["deciding_provisions"]
    assert rows["pm1"]["verdict"] == "license_exception" and rows["pm1"]["possible_matches"].startswith("NSO Group, score")
    assert rows["cx1"]["verdict"] == "license_exception"  # not on the bundled list
    assert rows["de1"]["possible_matches"] == ""
    assert "1 with a possible Entity List match to review" in result.stderr or engine == "reference"


def test_text_json_and_jsonl_report_possible_matches(book):
    text = wakg("check", book, "--format", "text")
    assert "POSSIBLE ENTITY LIST MATCH, REVIEW" in text.stdout
    assert "1 with a possible Entity List match to review" in text.stdout
    doc = json.loads(wakg("check", book, "--format", "json").stdout)
    assert doc["summary"]["possible_matches_to_review"] == ["pm1"]
    (pm1,) = [d for d in doc["determinations"] if d["id"] == "pm1"]
    assert pm1["possible_matches"][0]["listed_name"] == "NSO Group" and 88 <= pm1["possible_matches"][0]["score"] < 100
    lines = [json.loads(line) for line in wakg("check", book, "--format", "jsonl").stdout.splitlines()]
    assert [d["id"] for d in lines if d["possible_matches"]] == ["pm1"]
    fast = [json.loads(line) for line in wakg("check", book, "--engine", "fast", "--format", "jsonl").stdout.splitlines()]
    assert [d["id"] for d in fast if d["possible_matches"]] == ["pm1"]


def test_trig_holds_the_name_the_match_and_the_review_finding(book):
    graphs = Dataset()
    graphs.parse(data=wakg("check", book, "--format", "trig").stdout, format="trig")
    asserted, inferred = graphs.graph(ASSERTED_GRAPH), graphs.graph(INFERRED_GRAPH)
    pm1 = URIRef("https://w3id.org/wassenaar-kg/id/export/pm1")
    assert (pm1, WAKG.endUserName, Literal("NSO Group Technologies Ltd")) in asserted
    assert asserted.value(pm1, WAKG.possibleMatch) is not None
    texts = [str(inferred.value(f, WAKG.stepText)) for f in inferred.objects(pm1, WAKG.finding)]
    assert any(t.startswith("Possible Entity List match needing review") for t in texts)


@pytest.mark.parametrize("name", ["consolidated.csv", "consolidated.json"])
@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_screening_list_file_adds_its_entity_list_rows(book, name, engine):
    result = wakg("check", book, "--engine", engine, "--format", "csv", "--screening-list", FIXTURES / name)
    assert result.returncode == 1, result.stderr
    cx1 = rows_of(result.stdout)["cx1"]
    assert cx1["verdict"] == "license_required"
    assert "15 CFR 744.11" in cx1["deciding_provisions"] and "83 FR 37423" in cx1["deciding_provisions"]


def test_screening_list_in_the_python_api():
    rows = [{"id": "cx", "eccn": "EAR99", "destination": "DE", "end_user": "non_government",
             "end_user_name": "Example Cyber Ltd", "date": "2024-06-01"}]
    assert check(rows).determinations[0].verdict == "no_license_required"
    got = check(rows, screening_list=FIXTURES / "consolidated.csv").determinations[0]
    assert got.verdict == "license_required" and "15 CFR 744.16(b)" in got.deciding_provisions
    step = [s for s in got.explanation if s.provision == "15 CFR 744.11"][0]
    assert "License requirement: For all items subject to the EAR" in step.text and "Presumption of denial" in step.text


@pytest.mark.parametrize("name, line", [("unclosed-quote.csv", 3), ("long-row.csv", None), ("bad-start-date.csv", None),
                                        ("invalid.json", None), ("results-not-a-list.json", None)])
def test_a_malformed_screening_list_is_a_clean_error(book, tmp_path, name, line):
    out = tmp_path / "out.csv"
    result = wakg("check", book, "--screening-list", FIXTURES / name, "-o", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and name in result.stderr
    if line is not None:
        assert f"line {line}" in result.stderr
    assert not out.exists()


def test_rdf_input_takes_the_end_user_name(tmp_path):
    path = tmp_path / "exports.ttl"
    path.write_text("""
@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
@prefix eccn: <https://w3id.org/wassenaar-kg/id/eccn/> .
@prefix country: <https://w3id.org/wassenaar-kg/id/country/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:x:1> a wakg:Export ; rdfs:label "ttl-1" ; wakg:item [ wakg:classifiedAs eccn:EAR99 ] ;
    wakg:destination country:IL ; wakg:endUser [ a wakg:NonGovernmentEndUser ] ;
    wakg:endUserName "Candiru Ltd." ; wakg:transactionDate "2024-06-01" .
""", encoding="utf-8")
    (d,) = check(path).determinations
    assert d.verdict == "license_required" and "86 FR 60760" in d.deciding_provisions
