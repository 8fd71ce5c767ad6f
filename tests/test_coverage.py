"""Coverage of the comparison: counted from the tables by hand, reported by `wakg compare` (text, JSON) and
by the library query implementation-coverage, derived EU member states' records included."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import pytest

from wassenaar_kg.analyst import queries, reasoned
from wassenaar_kg.analyst.compare import compare
from wassenaar_kg.analyst.coverage import unknown_aspects
from wassenaar_kg.api import reference_graph
from wassenaar_kg.cli import main
from wassenaar_kg.kg.build import write_modules
from wassenaar_kg.kg.files import load_graph, ontology_dir
from wassenaar_kg.kg.oxigraph import store_from

AS_OF = dt.date(2026, 7, 23)
TABLES = ontology_dir() / "tables"
ENTRIES = ("4.A.5", "4.D.1.a", "4.D.4", "4.E.1.a", "4.E.1.c", "5.A.1.j", "5.B.1.a", "5.D.1.a", "5.D.1.c", "5.E.1.a")


def _rows(name):
    with (TABLES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def hand_count() -> dict[str, dict[str, int]]:
    """Known cells per jurisdiction, straight from the CSV tables: a jurisdiction's own rows; else, for a
    current EU member, the EU's rows; else (a participating state without rows) nothing known."""
    rows = {(r["jurisdiction"], r["entry"]): r for r in _rows("impl-entries.csv")}
    members = {r["country"] for r in _rows("eu-membership.csv") if not r["valid_through"]}
    codes = {r["jurisdiction"] for r in _rows("impl-entries.csv")} | members | {r["country"] for r in _rows("wassenaar-participation.csv")}
    counts = {}
    for code in codes:
        known = dated = numbered = 0
        for entry in ENTRIES:
            row = rows.get((code, entry)) or (rows.get(("EU", entry)) if code in members else None)
            if row and row["status"] != "unknown":
                known += 1
                dated += row["status"] == "implemented" and bool(row["in_force"])
                numbered += row["status"] == "implemented" and bool(row["national_number"])
        counts[code] = {"known": known, "unknown": len(ENTRIES) - known, "in_force_known": dated,
                        "national_number_known": numbered}
    return counts


@pytest.fixture(scope="module")
def comparison():
    return compare(reference_graph(), None, None, AS_OF)


@pytest.fixture(scope="module")
def store():
    return reasoned.build(AS_OF).store()


def run(store, **params):
    header, body = queries.rows(queries.execute(queries.resolve("implementation-coverage"), store, params, AS_OF))
    return [dict(zip(header, row)) for row in body]


def test_coverage_equals_a_hand_count_from_the_tables(comparison):
    expected = hand_count()
    assert set(comparison.jurisdictions) == set(expected)
    for code, counts in expected.items():
        got = comparison.coverage["by_jurisdiction"][code]
        assert {k: got[k] for k in counts} == counts, code
    total = comparison.coverage["total"]
    assert total["known"] == sum(c["known"] for c in expected.values())
    assert total["cells"] == 10 * len(expected)


def test_per_entry_coverage_counts_every_jurisdiction(comparison):
    for entry in ENTRIES:
        counts = comparison.coverage["by_entry"][entry]
        assert counts["cells"] == len(comparison.jurisdictions)
        assert counts["known"] == sum(1 for j in comparison.jurisdictions if comparison.cells[(j, entry)].status != "unknown")


def test_cli_json_has_every_jurisdiction_and_a_coverage_object(capsys):
    assert main(["compare", "--as-of", "2026-07-23", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["jurisdictions"]) >= 46 and doc["coverage"]["total"]["cells"] == 10 * len(doc["jurisdictions"])
    assert doc["coverage"]["by_jurisdiction"]["AR"]["unknown"] == 10


def test_query_reports_a_participant_of_unknown_status_as_ten_unknown_cells(store):
    rows = [r for r in run(store) if r["jurisdiction"] == "AR"]
    assert [r["entry"] for r in rows] == list(ENTRIES)
    assert {r["unknown"] for r in rows} == {"status, in force, national number, 2017 notes"}
    assert {(r["unknownCells"], r["cells"], r["hasRecord"]) for r in rows} == {("10", "10", "true")}
    assert rows[0]["name"] == "Argentina"


def test_a_participant_without_rows_is_compared_and_reported(tmp_path):
    """A participating state with no row at all (Argentina's removed from a copy of the tables) is still
    compared — ten unknown cells with no sources of their own — and the query reports it from the
    participation data."""
    copy = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), copy, ignore=shutil.ignore_patterns("prebuilt"))
    entries = copy / "tables" / "impl-entries.csv"
    entries.write_text("".join(line for line in entries.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not line.startswith("AR,")), encoding="utf-8")
    write_modules(copy)
    graph = load_graph(copy)
    comparison = compare(graph, None, None, AS_OF)
    for entry in comparison.entries:
        cell = comparison.cells[("AR", entry)]
        assert (cell.status, cell.sources, cell.since, cell.confidence, cell.recorded) == ("unknown", (), None, None, False)
    assert comparison.coverage["by_jurisdiction"]["AR"]["unknown"] == 10
    rows = [r for r in run(store_from(graph)) if r["jurisdiction"] == "AR"]
    assert [r["entry"] for r in rows] == list(ENTRIES)
    assert {(r["unknownCells"], r["cells"], r["hasRecord"]) for r in rows} == {("10", "10", "false")}


def test_query_agrees_with_the_comparison_cell_by_cell(store, comparison):
    got = {(r["jurisdiction"], r["entry"]): r["unknown"] for r in run(store)}
    expected = {(j, e): ", ".join(unknown_aspects(comparison.cells[(j, e)])) for j in comparison.jurisdictions
                for e in comparison.entries if unknown_aspects(comparison.cells[(j, e)])}
    names = {"in_force": "in force", "national_number": "national number", "notes_2017": "2017 notes"}
    assert got == {k: ", ".join(names.get(a, a) for a in v.split(", ")) for k, v in expected.items()}
    counts = {r["jurisdiction"]: int(r["unknownCells"]) for r in run(store)}
    assert counts == {j: v["unknown"] for j, v in comparison.coverage["by_jurisdiction"].items() if j in counts}


def test_query_sees_the_participants_of_its_date(store):
    """A jurisdiction with records is listed whenever it has unknowns (India, which joined on 2017-12-08, and
    South Africa, which joined in 2005, on 2000-01-01 too: their rows say unknown)."""
    early = {r["jurisdiction"] for r in run(store, as_of="2000-01-01")}
    assert {"AR", "RU", "IN", "ZA"} <= early


def test_query_and_coverage_are_right_for_derived_member_records(tmp_path):
    """An EU row without national number: every member state without rows of its own inherits the gap."""
    copy = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), copy, ignore=shutil.ignore_patterns("prebuilt"))
    entries = copy / "tables" / "impl-entries.csv"
    text = entries.read_text(encoding="utf-8")
    assert "EU,4.A.5,implemented,4A005,eu-1382-2014," in text
    entries.write_text(text.replace("EU,4.A.5,implemented,4A005,eu-1382-2014,", "EU,4.A.5,implemented,,eu-1382-2014,"),
                       encoding="utf-8")
    write_modules(copy)
    graph = load_graph(copy)
    comparison = compare(graph, None, ["4.A.5"], AS_OF)
    assert comparison.coverage["by_entry"]["4.A.5"]["national_number_unknown"] >= 27  # the EU and 26 derived members
    assert comparison.coverage["by_jurisdiction"]["DE"]["national_number_unknown"] == 0  # own row
    rows = {r["jurisdiction"]: r for r in run(store_from(graph)) if r["entry"] == "4.A.5"}
    assert rows["FR"]["unknown"] == "national number" and rows["FR"]["via"] == "EU" and rows["FR"]["hasRecord"] == "true"
    assert rows["CY"]["unknown"] == "national number" and "DE" not in rows
