"""Regression tests of issue 12: hostile or sloppy input gets the same clean error from both engines, before
any output is written; nothing is wrongly cleared (licenses, parent ECCNs, undecided verdicts)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from wassenaar_kg.cli import main

HEADER = "id,eccn,destination,end_user,date,license,end_user_name\n"
OK = "a,4D004,DE,non_government,2024-01-01,,\n"
ENGINES = ("reference", "fast")


def run(capsys, tmp_path, name: str, data: bytes | str, engine: str, *extra: str):
    """(exit code, stdout, stderr, whether -o was written) of `wakg check` on `data`."""
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    out = tmp_path / f"{engine}-out.csv"
    code = main(["check", str(path), "--engine", engine, "--format", "csv", "-q", "-o", str(out), *extra])
    captured = capsys.readouterr()
    code_stdout = main(["check", str(path), "--engine", engine, "--format", "csv", "-q", *extra])
    stdout = capsys.readouterr().out
    assert code_stdout == code
    return code, stdout, captured.err.replace(str(tmp_path) + "/", ""), out.exists()


# (file content, the error both engines must give: line, field and message)
BAD = {
    "unclosed-quote": (HEADER + OK + 'b,4D004,"DE,non_government,2024-01-01,,\n' + "c,4D004,DE,non_government,,,\n" * 7,
                       "line 3, field 'destination': unclosed quote"),
    "short-row": (HEADER + OK + "b,4D004,DE\n", "line 3, field 'end_user': fewer cells than columns (3 cells"),
    "long-row": (HEADER + OK + "b,4D004,DE,non_government,2024-01-01,,,x\n", "line 3: more cells than columns (8 cells"),
    "blank-line": (HEADER + OK + "\n" + OK.replace("a,", "c,"), "line 3: blank line"),
    "blank-line-at-end": (HEADER + OK + "\n", "line 3: blank line"),
    "duplicated-header": ("id,eccn,destination,end_user,id\na,4D004,DE,government,b\n",
                          "line 1, field 'id': column 'id' appears twice (columns 1 and 5)"),
    "padded-header": ("id ,eccn,destination,end_user\na,4D004,DE,government\n", "line 1, field 'id': column name 'id '"),
    "huge-cell": (HEADER + "b,4D004,DE,non_government,2024-01-01,," + "x" * 200_000 + "\n",
                  "line 2, field 'end_user_name': a cell of 200,000 characters; at most 4,096"),
    "quote-inside-cell": (HEADER + 'b,4D004,DE,non_government,2024-01-01,,Ac"me\n',
                          "line 2, field 'end_user_name': malformed CSV quoting"),
    "lone-cr": (HEADER.replace("\n", "\r") + OK.replace("\n", "\r"), "line 1: a lone carriage return"),
    "license-garbage": (HEADER + "b,4A005,CN,government,2025-01-01,yes please,\n",
                        "line 2, field 'license': 'yes please' is not a license number"),
    "license-exception-symbol": (HEADER + "b,4A005,CN,government,2025-01-01,ACE,\n",
                                 "line 2, field 'license': 'ACE' is a license exception symbol"),
    "parent-eccn": (HEADER + "b,5A001,CN,government,2025-01-01,,\n",
                    "line 2, field 'eccn': 5A001 is modelled only through its paragraphs 5A001.j"),
    "unmodelled-paragraph": (HEADER + "b,5A001.a,CN,government,2025-01-01,,\n",
                             "line 2, field 'eccn': '5A001.a' is not modelled; of 5A001 the model decides only 5A001.j"),
    "duplicate-id": (HEADER + OK + OK, "line 3, field 'id': duplicate id 'a' (first on line 2)"),
    "header-only": (HEADER, "no exports in the file"),
    "latin-1": ((HEADER + "b,4D004,DE,non_government,2024-01-01,,Caf\xe9\n").encode("latin-1"),
                "line 2: not UTF-8 text (byte 0xE9)"),
    "utf-16": ((HEADER + OK).encode("utf-16"), "line 1: UTF-16 text; save the file as UTF-8"),
    "nul-byte": ((HEADER + "b,4D004,DE,non_government,2024-01-01,,a\x00b\n").encode(), "line 2: contains a NUL byte"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_csv_is_the_same_clean_error_on_both_engines_and_writes_nothing(capsys, tmp_path, case):
    data, expected = BAD[case]
    results = [run(capsys, tmp_path, f"{case}.csv", data, engine) for engine in ENGINES]
    for code, stdout, stderr, written in results:
        assert code == 2 and expected in stderr and "Traceback" not in stderr, stderr
        assert stdout == "" and not written
    assert results[0][2] == results[1][2]


def test_error_after_the_first_block_still_leaves_stdout_empty(capsys, tmp_path):
    """A bad row far down a book the fast engine reads in several blocks: nothing reaches standard output."""
    rows = "".join(f"r{i},4D004,DE,non_government,2024-01-01,,\n" for i in range(160_000))
    code, stdout, stderr, written = run(capsys, tmp_path, "big.csv", HEADER + rows + "bad,4D004,Atlantis,government,,,\n",
                                        "fast")
    assert code == 2 and "line 160002, field 'destination'" in stderr and stdout == "" and not written


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cell", ["", "NLR", "none", "N/A", "n/a", "0", "no license"])
def test_words_for_no_license_do_not_clear_an_export(capsys, tmp_path, engine, cell):
    code, stdout, stderr, _ = run(capsys, tmp_path, "nlr.csv", HEADER + f"b,4A005,CN,government,2025-01-01,{cell},\n",
                                  engine)
    row = stdout.splitlines()[1].split(",")
    assert code == 1 and row[1] == "license_required" and row[5] == "" and row[6] == "true"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_license_number_is_normalised_and_held(capsys, tmp_path, engine):
    code, stdout, _, _ = run(capsys, tmp_path, "held.csv", HEADER + "b,4A005,CN,government,2025-01-01,d-123 4567,\n",
                             engine)
    row = stdout.splitlines()[1].split(",")
    assert code == 0 and row[1] == "license_required" and row[5] == "D1234567" and row[6] == "false"


@pytest.mark.parametrize("engine", ENGINES)
def test_out_of_scope_is_counted_as_undecided_and_exits_1(capsys, tmp_path, engine):
    path = tmp_path / "enc.csv"
    path.write_text(HEADER + "b,5A002,DE,non_government,2025-01-01,,\n")
    code = main(["check", str(path), "--engine", engine, "--format", "json", "-q"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["summary"]["undecided"] == 1 and doc["summary"]["needing_license"] == []
    assert doc["determinations"][0]["verdict"] == "out_of_scope"


@pytest.mark.parametrize("engine", ENGINES)
def test_dates_beyond_the_data_are_flagged_counted_and_warned(capsys, tmp_path, engine):
    path = tmp_path / "late.csv"
    path.write_text(HEADER + "late,4D004,DE,non_government,9999-12-31,,\nearly,4D004,DE,non_government,2024-01-01,,\n")
    code = main(["check", str(path), "--engine", engine, "--format", "json", "-q"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    flags = {d["id"]: d["beyond_coverage"] for d in doc["determinations"]}
    assert code == 0 and flags == {"late": True, "early": False}
    assert doc["summary"]["beyond_coverage"] == 1 and doc["summary"]["law_verified_through"] == "2026-07-23"
    assert "warning: 1 export(s) dated after 2026-07-23" in captured.err


def test_every_command_with_a_date_warns_beyond_the_data(capsys):
    assert main(["info", "--as-of", "2030-01-01"]) == 0
    assert "warning: --as-of 2030-01-01 is after 2026-07-23" in capsys.readouterr().err
    assert main(["info", "--as-of", "2026-07-23"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_check_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((HEADER + OK).encode())))
    assert main(["check", "-", "--format", "csv", "-q"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("a,license_exception,ACE")


def test_standard_input_errors_name_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((HEADER + "b,4D004,Atlantis,government,,,\n").encode())))
    assert main(["check", "-", "-q"]) == 2
    captured = capsys.readouterr()
    assert "wakg: error: <stdin>, line 2, field 'destination'" in captured.err and captured.out == ""


TTL = """@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix eccn: <https://w3id.org/wassenaar-kg/id/eccn/> .
@prefix country: <https://w3id.org/wassenaar-kg/id/country/> .
"""


def export_ttl(node: str, label: str, destination: str = "country:CN", user: str = "wakg:GovernmentEndUser",
               extra: str = "") -> str:
    return (f'<urn:x:{node}> a wakg:Export ; rdfs:label "{label}" ; wakg:item [ a wakg:Item ; wakg:classifiedAs '
            f'eccn:4D004 ] ; wakg:destination {destination} ; wakg:endUser [ a {user} ] ; '
            f'wakg:transactionDate "2025-01-01"^^xsd:date {extra}.\n')


RDF_BAD = {
    "two-individuals-one-id": (TTL + export_ttl("1", "a") + export_ttl("2", "a"), "field 'label': has the same id 'a'"),
    "two-destinations": (TTL + export_ttl("1", "a", "country:CN, country:DE"),
                         "field 'destination': 2 values of wakg:destination"),
    "two-dates": (TTL + export_ttl("1", "a", extra='; wakg:transactionDate "2024-01-01"^^xsd:date '),
                  "field 'transactionDate': 2 values"),
    "two-end-user-types": (TTL + export_ttl("1", "a", user="wakg:GovernmentEndUser, wakg:NonGovernmentEndUser"),
                           "field 'endUser'"),
}


@pytest.mark.parametrize("case", sorted(RDF_BAD))
def test_rdf_values_that_would_merge_or_be_dropped_are_errors(capsys, tmp_path, case):
    text, expected = RDF_BAD[case]
    path = tmp_path / f"{case}.ttl"
    path.write_text(text)
    assert main(["check", str(path), "-q"]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err and captured.out == ""


def test_a_remote_json_ld_context_is_refused_without_fetching(capsys, tmp_path):
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps({"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:x:1",
                                "@type": "wakg:Export"}))
    assert main(["check", str(path), "-q"]) == 2
    assert "remote JSON-LD context 'http://127.0.0.1:9/context.jsonld' refused" in capsys.readouterr().err
