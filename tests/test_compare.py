"""`wakg compare`: pinned implementation facts, every participating state compared, every cell sourced or
explicitly unknown, unknown never counted as evidence of similarity, pictures, HTML page."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest

from wassenaar_kg.api import reference_graph
from wassenaar_kg.analyst.compare import compare
from wassenaar_kg.analyst.compare_report import render
from wassenaar_kg.errors import InputError
from wassenaar_kg.kg.files import ontology_dir

AS_OF = dt.date(2026, 7, 23)
TABLES = ontology_dir() / "tables"


def _codes(table: str, current_only: bool = True) -> set[str]:
    with (TABLES / table).open(encoding="utf-8") as handle:
        return {r["country"] for r in csv.DictReader(handle) if not (current_only and r["valid_through"])}


@pytest.fixture(scope="module")
def comparison():
    return compare(reference_graph(), None, None, AS_OF)


def test_eu_implemented_the_2013_entries_in_2014_by_1382_2014(comparison):
    for entry in comparison.entries:
        cell = comparison.cells[("EU", entry)]
        assert cell.status == "implemented" and cell.since.year == 2014
        assert cell.instrument == "(EU) No 1382/2014"
    assert comparison.cells[("EU", "4.A.5")].lag_days == (dt.date(2014, 12, 31) - dt.date(2013, 12, 4)).days


def test_us_rule_took_effect_2022_03_07(comparison):
    cell = comparison.cells[("US", "4.A.5")]
    assert cell.since == dt.date(2022, 3, 7) and cell.national_number == "4A005"
    assert cell.lag_days == 3015


def test_israel_is_no_participant_but_has_an_implementation_record(comparison):
    assert comparison.participants["IL"] is False and comparison.groups["IL"] == "adopter"
    assert comparison.cells[("IL", "4.A.5")].status == "implemented"
    assert comparison.participants["US"] is True and comparison.participants["EU"] is None


def test_all_42_participating_states_the_eu_and_its_members_are_compared_by_default(comparison):
    participants = _codes("wassenaar-participation.csv")
    assert len(participants) == 42 and participants <= set(comparison.jurisdictions)
    assert {"EU", "CY", "IL", "SG"} <= set(comparison.jurisdictions)
    assert len(comparison.jurisdictions) == len(set(comparison.jurisdictions)) >= 46
    assert comparison.groups["EU"] == "union" and comparison.groups["FR"] == comparison.groups["CY"] == "eu-member"
    assert comparison.groups["GB"] == comparison.groups["AR"] == "participant"
    assert comparison.participants["CY"] is False and comparison.eu_members["CY"] and not comparison.eu_members["GB"]
    order = [comparison.groups[j] for j in comparison.jurisdictions]
    assert order == sorted(order, key=["union", "eu-member", "participant", "adopter"].index)


def test_a_participant_with_unknown_records_has_ten_unknown_cells_with_their_sources(comparison):
    """Argentina's rows say 'unknown' for every entry, with the sources that were read about its control list."""
    for entry in comparison.entries:
        cell = comparison.cells[("AR", entry)]
        assert cell.status == "unknown" and cell.recorded and cell.sources and cell.since is None
    assert comparison.coverage["by_jurisdiction"]["AR"]["unknown"] == 10


def test_derived_member_cells_cite_the_eu_law(comparison):
    cell = comparison.cells[("FR", "4.A.5")]
    assert cell.derived and cell.via == "EU" and cell.instrument == "(EU) No 1382/2014"
    assert cell.since == dt.date(2014, 12, 31) and "https://english.eu.dk/en/faq/membership" in cell.sources
    de = comparison.cells[("DE", "4.A.5")]
    assert de.via == "EU" and not de.derived


def test_every_cell_has_a_source_or_an_explicit_unknown(comparison):
    for cell in comparison.cells.values():
        assert cell.sources or cell.status == "unknown"
        assert cell.recorded or not cell.sources
        if cell.since is None:
            assert cell.lag_days is None


def test_date_sensitivity():
    before = compare(reference_graph(), ["US"], ["4.A.5"], dt.date(2021, 1, 1))
    assert before.cells[("US", "4.A.5")].status == "not yet in force"


def test_uk_alias_and_unknown_jurisdiction():
    assert compare(reference_graph(), ["UK"], None, AS_OF).jurisdictions == ["GB"]
    assert compare(reference_graph(), ["AR"], None, AS_OF).jurisdictions == ["AR"]  # a participant without records
    with pytest.raises(InputError, match="no implementation data"):
        compare(reference_graph(), ["XX"], None, AS_OF)
    with pytest.raises(InputError, match="not a Wassenaar entry"):
        compare(reference_graph(), ["US"], ["9.Z.9"], AS_OF)


def test_similarity_and_clusters(comparison):
    assert all(0.0 <= s <= 1.0 for s in comparison.similarity.values())
    assert comparison.similarity[("DE", "EU")] > comparison.similarity.get(("EU", "KR"), 0)
    clustered = sorted(j for group in comparison.clusters for j in group)
    assert sorted(clustered + comparison.incomparable) == sorted(comparison.jurisdictions)
    assert comparison.graph.number_of_nodes() > len(comparison.jurisdictions) + len(comparison.entries)
    assert comparison.similarity[("EU", "FR")] == 1.0  # EU law, and the EU's features, apply in France


def test_unknown_is_no_evidence_of_similarity(comparison):
    """AR and KR (records saying unknown for every entry; KR has a feature, which alone says nothing of how it
    implements the entries) are not compared: no score with anyone, no cluster."""
    assert {"AR", "KR", "RU", "UA", "ZA", "ME"} <= set(comparison.incomparable)
    assert not [pair for pair in comparison.similarity if {"AR", "KR"} & set(pair)]
    assert not [group for group in comparison.clusters if "KR" in group]
    # Mexico's 2017 notes are unknown: they neither raise nor lower its similarity to the EU
    mx, eu = comparison.cells[("MX", "4.A.5")], comparison.cells[("EU", "4.A.5")]
    assert mx.carve_outs_2017 == "unknown" and eu.carve_outs_2017 == "adopted"
    from wassenaar_kg.analyst.similarity import evidence
    assert not any(item.startswith("notes-2017:") for item in evidence(comparison, "MX"))


def test_json_and_csv(comparison):
    doc = json.loads(render(comparison, "json"))
    assert len(doc["cells"]) == len(comparison.jurisdictions) * len(comparison.entries)
    assert [j["code"] for j in doc["jurisdictions"]] == comparison.jurisdictions
    assert any(f["beyond_wassenaar"] and f["jurisdiction"] == "DE" for f in doc["features"])
    coverage = doc["coverage"]
    assert set(coverage) == {"by_jurisdiction", "by_entry", "total"}
    assert set(coverage["by_jurisdiction"]) == set(comparison.jurisdictions)
    assert set(coverage["by_entry"]) == set(comparison.entries)
    for key in ("known", "unknown", "in_force_known", "national_number_unknown", "notes_2017_known"):
        assert coverage["total"][key] == sum(v[key] for v in coverage["by_jurisdiction"].values())
        assert coverage["total"][key] == sum(v[key] for v in coverage["by_entry"].values())
    assert coverage["total"]["known"] + coverage["total"]["unknown"] == coverage["total"]["cells"]
    ar = next(j for j in doc["jurisdictions"] if j["code"] == "AR")
    assert ar["group"] == "participant" and ar["wassenaar_participant"] and ar["has_records"]
    fr = next(j for j in doc["jurisdictions"] if j["code"] == "FR")
    assert fr["eu_member"] and fr["applies_via"] == ["EU"]
    rows = list(csv.DictReader(render(comparison, "csv").splitlines()))
    assert rows[0].keys() >= {"jurisdiction", "group", "entry", "status", "since", "unknown", "via", "derived"}
    assert {r["unknown"] for r in rows if r["jurisdiction"] == "AR"} == {"status in_force national_number notes_2017"}


def test_text_shows_the_groups_and_the_coverage(comparison):
    text = render(comparison, "table")
    assert "Coverage: " in text and f"of {comparison.coverage['total']['cells']} cells known" in text
    for title in ("European Union", "EU member states (EU law applies)", "Other Wassenaar participating states",
                  "Non-participants with implementation records"):
        assert f"\n{title}\n" in text
    assert "  AR  Argentina" in text and "Not comparable (nothing known): " in text


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_timeline_picture(comparison, fmt, magic):
    data = render(comparison, fmt)
    assert data.startswith(magic) and len(data) > 10_000


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_page_opens_in_headless_chromium_without_console_errors(tmp_path):
    page = tmp_path / "report.html"
    run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "compare",
                          "--as-of", "2026-07-23", "--format", "html", "-o", str(page)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    browser = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert browser.returncode == 0, browser.stderr[-2000:]
    assert "Jurisdiction × entry" in browser.stdout and "data:image/png;base64," in browser.stdout
    assert "Argentina" in browser.stdout and "Cyprus" in browser.stdout and "Other Wassenaar participating states" in browser.stdout
    console = [line for line in browser.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
