"""`wakg compare`: pinned implementation facts, every cell sourced or explicitly unknown, pictures, HTML page."""

from __future__ import annotations

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

AS_OF = dt.date(2026, 7, 23)


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
    assert comparison.participants["IL"] is False
    assert comparison.cells[("IL", "4.A.5")].status == "implemented"
    assert comparison.participants["US"] is True and comparison.participants["EU"] is None


def test_every_cell_has_a_source_or_an_explicit_unknown(comparison):
    for cell in comparison.cells.values():
        assert cell.sources or cell.status in ("unknown", "no record")
        if cell.since is None:
            assert cell.lag_days is None


def test_date_sensitivity():
    before = compare(reference_graph(), ["US"], ["4.A.5"], dt.date(2021, 1, 1))
    assert before.cells[("US", "4.A.5")].status == "not yet in force"


def test_uk_alias_and_unknown_jurisdiction():
    assert compare(reference_graph(), ["UK"], None, AS_OF).jurisdictions == ["GB"]
    with pytest.raises(InputError, match="no implementation data"):
        compare(reference_graph(), ["XX"], None, AS_OF)
    with pytest.raises(InputError, match="not a Wassenaar entry"):
        compare(reference_graph(), ["US"], ["9.Z.9"], AS_OF)


def test_similarity_and_clusters(comparison):
    assert all(0.0 <= s <= 1.0 for s in comparison.similarity.values())
    assert comparison.similarity[("DE", "EU")] > comparison.similarity.get(("EU", "KR"), 0)
    assert sorted(j for group in comparison.clusters for j in group) == sorted(comparison.jurisdictions)
    assert comparison.graph.number_of_nodes() > len(comparison.jurisdictions) + len(comparison.entries)


def test_json_and_csv(comparison):
    doc = json.loads(render(comparison, "json"))
    assert len(doc["cells"]) == len(comparison.jurisdictions) * len(comparison.entries)
    assert any(f["beyond_wassenaar"] and f["jurisdiction"] == "DE" for f in doc["features"])
    assert render(comparison, "csv").splitlines()[0].startswith("jurisdiction,entry,status,since")


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_timeline_picture(comparison, fmt, magic):
    data = render(comparison, fmt)
    assert data.startswith(magic) and len(data) > 10_000


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_page_opens_in_headless_chromium_without_console_errors(tmp_path):
    page = tmp_path / "report.html"
    run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "compare", "US", "EU", "UK", "DE", "CH", "JP",
                          "--as-of", "2026-07-23", "--format", "html", "-o", str(page)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    browser = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert browser.returncode == 0, browser.stderr[-2000:]
    assert "Entry × jurisdiction" in browser.stdout and "data:image/png;base64," in browser.stdout
    console = [line for line in browser.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
