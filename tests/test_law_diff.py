"""`wakg diff` and the library query `law-changes`: the changes of the law between two dates, and the exports
they decide differently.

Expected changes are the dated facts of ontology/tables (each with its Federal Register citation in the
tables' notes): Nicaragua B -> D:1/D:5 on 2024-03-15 (89 FR 18780), the AUKUS rule ending the NS 1, RS 1 and
MT 1 marks of Australia and the United Kingdom after 2024-04-18 (89 FR 28594), Cyprus leaving D:5 on
2024-05-30 (89 FR 40369), the UAE moving from D:3/D:4 to A:5 on 2026-07-10, and the final rule replacing the
interim text of 740.22(c)(1)(ii) on 2022-05-26 (87 FR 31948). A change "ends" on the day after a fact's last
day, and the law on --to is exactly the law on --from with the changes applied (checked on the Country Groups).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from wassenaar_kg.analyst.law_diff import diff, law_changes
from wassenaar_kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "exports.csv"
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def changes():
    return law_changes(D("2024-01-01"), D("2026-07-23"))


def _find(changes, what, change):
    found = [c for c in changes if c.what == what and c.change == change]
    assert len(found) == 1, (what, change, [c.what for c in changes])
    return found[0]


def test_country_group_changes(changes):
    ni = _find(changes, "Nicaragua in Country Group D:1", "starts")
    assert ni.date == D("2024-03-15") and ni.provision == "15 CFR part 740, Supplement No. 1"
    assert ni.destination == "NI" and ni.sources
    assert _find(changes, "Nicaragua in Country Group B", "ends").date == D("2024-03-15")
    assert _find(changes, "Cyprus in Country Group D:5", "ends").date == D("2024-05-30")
    assert _find(changes, "United Arab Emirates in Country Group A:5", "starts").date == D("2026-07-10")


def test_chart_marks_of_the_aukus_rule(changes):
    for place in ("Australia", "United Kingdom"):
        for column in ("NS 1", "RS 1", "MT 1"):
            mark = _find(changes, f"Country Chart X for {place} in column {column}", "ends")
            assert mark.date == D("2024-04-19") and mark.column == column
            assert mark.provision == "15 CFR part 738, Supplement No. 1"


def test_ordered_by_date(changes):
    assert [c.date for c in changes] == sorted(c.date for c in changes)
    assert all(D("2024-01-01") < c.date <= D("2026-07-23") for c in changes)


def test_interim_to_final_rule_text():
    found = law_changes(D("2022-05-01"), D("2022-06-01"))
    final = _find(found, "740.22(c)(1)(ii), final rule text", "starts")
    assert final.date == D("2022-05-26") and final.provision == "15 CFR 740.22(c)(1)(ii)"
    assert "87 FR 31948" in final.enacted_by
    interim = _find(found, "740.22(c)(1)(ii), interim rule text", "ends")
    assert interim.date == D("2022-05-26") and "86 FR 58205" in interim.enacted_by


def test_overlays_are_changes():
    found = law_changes(D("2022-01-01"), D("2023-12-31"))
    russia = [c for c in found if c.category == "part 746" and c.destination == "RU" and c.change == "starts"]
    assert D("2022-02-24") in {c.date for c in russia}
    listed = [c for c in found if c.category == "entity list"]
    assert {c.what for c in listed} >= {"Entity List: Intellexa S.A.", "Entity List: Cytrox AD"}
    assert all(c.provision == "15 CFR 744.11" and c.date == D("2023-07-18") for c in listed)


def test_a_start_known_only_as_not_later_than_is_no_change():
    found = law_changes(D("2021-01-01"), D("2021-12-31"))
    assert not [c for c in found if c.category in ("country group", "country chart") and c.date == D("2021-10-21")]
    assert _find(found, "Cambodia in Country Group D:5", "starts").date == D("2021-12-09")


def _memberships_on(kg, day):
    from wassenaar_kg.kg import temporal
    from wassenaar_kg.kg.namespaces import WAKG
    from rdflib.namespace import RDF, RDFS, SKOS

    held = set()
    for node in kg.subjects(RDF.type, WAKG.CountryGroupMembership):
        if temporal.dated_fact(kg, node).holds_on(day):
            place = kg.value(kg.value(node, WAKG.member), RDFS.label)
            group = kg.value(kg.value(node, WAKG.countryGroup), SKOS.notation)
            held.add(f"{place} in Country Group {group}")
    return held


@pytest.mark.parametrize("start, end", [("2022-03-01", "2024-06-01"), ("2024-03-14", "2024-03-15"),
                                        ("2023-01-01", "2026-07-23")])
def test_the_law_on_to_is_the_law_on_from_with_the_changes(kg, start, end):
    before, after = _memberships_on(kg, D(start)), _memberships_on(kg, D(end))
    found = [c for c in law_changes(D(start), D(end)) if c.category == "country group"]
    started = {c.what for c in found if c.change == "starts"}
    ended = {c.what for c in found if c.change == "ends"}
    assert after - before == started - ended
    assert before - after == ended - started


def test_exports_decided_differently():
    result = diff(D("2024-01-01"), D("2026-07-23"), EXAMPLES)
    by_id = {e.id: e for e in result.exports}
    uae = by_id["EX-018"]
    assert (uae.before.verdict, uae.after.verdict) == ("license_required", "license_exception")
    assert "United Arab Emirates in Country Group A:5" in {c.what for c in uae.changes}
    assert all(c.destination == "AE" for c in uae.changes)
    nicaragua = by_id["EX-024"]
    assert (nicaragua.before.verdict, nicaragua.after.verdict) == ("license_exception", "license_required")
    assert "Nicaragua in Country Group D:1" in {c.what for c in nicaragua.changes}
    uk = by_id["EX-002"]
    assert [c.what for c in uk.changes] == ["Country Chart X for United Kingdom in column NS 1"]
    assert result.checked == 35 and result.unchanged == 35 - len(result.exports)
    for item in result.exports:
        assert (item.before.verdict, item.before.license_exception, item.before.deciding_provisions) != \
               (item.after.verdict, item.after.license_exception, item.after.deciding_provisions)


def test_cli_text_json_csv(capsys, tmp_path):
    assert main(["diff", "--from", "2024-01-01", "--to", "2026-07-23"]) == 0
    text = capsys.readouterr().out
    assert "2024-03-15  starts  Nicaragua in Country Group D:1  -> 15 CFR part 740, Supplement No. 1" in text
    assert main(["diff", "--from", "2024-01-01", "--to", "2026-07-23", "--format", "json", "--data",
                 str(EXAMPLES)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["from"] == "2024-01-01" and document["exports_checked"] == 35
    assert {"EX-018", "EX-024"} <= {e["id"] for e in document["exports_decided_differently"]}
    out = tmp_path / "changes.csv"
    assert main(["diff", "--from", "2024-01-01", "--to", "2026-07-23", "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {"date", "change", "what", "provision", "sources"} <= set(rows[0])
    assert len(rows) == len(document["changes"])


def test_the_library_query_gives_the_same_rows(capsys):
    assert main(["query", "law-changes", "--param", "from=2024-01-01", "--param", "to=2026-07-23",
                 "--as-of", "2026-07-23", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["date"], r["change"], r["what"]) for r in rows] == \
           [(c.date.isoformat(), c.change, c.what) for c in law_changes(D("2024-01-01"), D("2026-07-23"))]


def test_from_after_to_is_a_clean_error(capsys):
    assert main(["diff", "--from", "2025-01-01", "--to", "2024-01-01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wakg: error: --from") and "Traceback" not in err


def test_both_engines_find_the_same_exports_and_changes():
    """The fast engine (the choice above 200 exports) decides per situation without filling every
    explanation: the same exports, outcomes and explaining changes as the reference engine."""
    found = {}
    for engine in ("reference", "fast"):
        result = diff(D("2024-01-01"), D("2026-07-23"), EXAMPLES, engine=engine)
        found[engine] = [(e.id, e.before.verdict, e.before.license_exception, e.before.deciding_provisions,
                          e.after.verdict, e.after.license_exception, e.after.deciding_provisions,
                          [c.fact for c in e.changes]) for e in result.exports]
    assert found["reference"] == found["fast"] and found["fast"]
