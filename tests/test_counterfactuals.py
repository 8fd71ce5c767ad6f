"""Counterfactuals (`wakg check --counterfactuals`): for an export that needs a license, the changes of one
input that would authorize it, each with the verdict, exception and deciding provisions that would then apply.
Scenario cases (tests/scenarios/*.yaml) pin them with a `counterfactuals:` list beside their expected verdict.

The expected counterfactuals are written from 15 CFR 740.22 and the dated tables, not read off the code: a
Chinese non-government end user is barred from ACE by (c)(1)(iii) unless (A) favorable-treatment end users
(banks, insurers, civil health, US subsidiaries), (B) vulnerability disclosure or incident response, or (C)
deemed exports; the UAE left Country Groups D:3/D:4 for A:5 on 2026-07-10; the knowledge restriction (c)(2)
falls with the knowledge; an Entity List party's 744.11 requirement falls when the end user is not listed.
Both engines, and the fast stream (one computation per distinct situation), give the same counterfactuals.
"""

from __future__ import annotations

import csv
import json

import pytest

from wassenaar_kg import api
from wassenaar_kg.cli import main
from wassenaar_kg.decide.counterfactuals import Finder

ACE = "15 CFR 740.22(a)"


def _export(**values) -> dict:
    base = {"id": "x", "eccn": "4D004", "destination": "CN", "end_user": "non_government", "date": "2026-07-23"}
    return {**base, **values}


def _changes(determination) -> dict:
    """{(input, value): (verdict, exception, deciding provisions)} of a determination's counterfactuals, the
    values listed in `also` included."""
    found = {}
    for c in determination.counterfactuals:
        for value in (c.value, *c.also):
            found[(c.field, value)] = (c.verdict, c.license_exception, tuple(sorted(c.deciding_provisions)))
    return found


@pytest.fixture(scope="module")
def decided():
    exports = [
        _export(id="cn-nongov"),
        _export(id="ae-gov", destination="AE", end_user="government", date="2025-01-02"),
        _export(id="de-knows", destination="DE", knows_unauthorized_use="true"),
        _export(id="il-nso", destination="IL", end_user_name="NSO Group", date="2024-01-02"),
        _export(id="de-plain", destination="DE"),
    ]
    result = api.check(exports, engine="reference", counterfactuals=True)
    return {d.id: d for d in result.determinations}


def test_chinese_company_incident_response_lifts_c1iii_via_b(decided):
    changes = _changes(decided["cn-nongov"])
    expected = ("license_exception", "ACE", (ACE, "15 CFR 740.22(c)(1)(iii)(B)"))
    assert changes[("end_use", "cyber_incident_response")] == expected
    assert changes[("end_use", "vulnerability_disclosure")] == expected


def test_chinese_company_favorable_treatment_and_deemed_export(decided):
    changes = _changes(decided["cn-nongov"])
    for user in ("bank_or_financial", "insurance", "civil_health_medical", "us_subsidiary"):
        assert changes[("end_user", user)] == ("license_exception", "ACE", (ACE, "15 CFR 740.22(c)(1)(iii)(A)")), user
    assert changes[("transaction", "deemed_export")] == ("license_exception", "ACE", (ACE, "15 CFR 740.22(c)(1)(iii)(C)"))
    # a government end user in D is barred by (c)(1)(ii): no way out by that change
    assert ("end_user", "government") not in changes


def test_chinese_company_other_destinations(decided):
    changes = _changes(decided["cn-nongov"])
    assert changes[("destination", "DE")] == ("license_exception", "ACE", (ACE,))
    # no X in NS 1 for Canada: no license at all (738.4(a)(2))
    assert changes[("destination", "CA")] == ("no_license_required", None, ("15 CFR 738.4(a)(2)",))
    assert ("destination", "RU") not in changes and ("destination", "IR") not in changes


def test_a_later_date_moves_the_uae_out_of_d(decided):
    changes = _changes(decided["ae-gov"])
    assert decided["ae-gov"].verdict == "license_required"
    assert changes[("date", "2026-07-10")] == ("license_exception", "ACE", (ACE,))
    first_date = next(c for c in decided["ae-gov"].counterfactuals if c.field == "date")
    assert first_date.value == "2026-07-10"


def test_without_knowledge_of_unauthorized_use(decided):
    assert decided["de-knows"].verdict == "license_required"
    assert _changes(decided["de-knows"])[("knows_unauthorized_use", False)] == ("license_exception", "ACE", (ACE,))


def test_an_end_user_not_on_the_entity_list(decided):
    d = decided["il-nso"]
    assert d.verdict == "license_required" and "15 CFR 744.11" in d.deciding_provisions
    verdict, exception, provisions = _changes(d)[("end_user_name", None)]
    assert verdict in ("license_exception", "no_license_required") and "15 CFR 744.11" not in provisions


def test_an_authorized_export_has_none(decided):
    assert decided["de-plain"].verdict == "license_exception"
    assert decided["de-plain"].counterfactuals == ()


def test_every_counterfactual_is_authorized_and_changes_one_input(decided):
    for d in decided.values():
        for c in d.counterfactuals:
            assert c.verdict in ("license_exception", "no_license_required")
            assert list(c.to_dict()["change"]) == [c.field]


def _scenario_cases():
    import yaml
    from pathlib import Path

    folder = Path(__file__).parent / "scenarios"
    return [pytest.param(case, id=f"{path.stem}:{case['input']['id']}")
            for path in sorted(folder.glob("*.yaml")) for case in yaml.safe_load(path.read_text(encoding="utf-8"))
            if "counterfactuals" in case]


SCENARIO_CASES = _scenario_cases()


@pytest.fixture(scope="module")
def scenarios_decided():
    exports = [{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in p.values[0]["input"].items()}
               for p in SCENARIO_CASES]
    return {d.id: d for d in api.check(exports, engine="reference", counterfactuals=True).determinations}


@pytest.mark.parametrize("case", SCENARIO_CASES)
def test_scenario_counterfactuals(case, scenarios_decided):
    """tests/scenarios/*.yaml: the counterfactuals a case lists are among those computed, with the verdict,
    exception and deciding provisions it states; those under not_counterfactuals are not."""
    got = scenarios_decided[case["input"]["id"]]
    assert got.verdict == case["expected"]["verdict"] == "license_required", case["name"]
    found = _changes(got)
    for expected in case["counterfactuals"]:
        ((field, value),) = expected["change"].items()
        value = value if isinstance(value, (bool, type(None))) else str(value)
        assert found.get((field, value)) == (expected["verdict"], expected["license_exception"],
                                             tuple(sorted(expected["deciding_provisions"]))), (case["name"], field, value)
    for change in case.get("not_counterfactuals", []):
        ((field, value),) = change.items()
        assert (field, value) not in found, (case["name"], field, value)


def test_json_shape(decided):
    item = decided["cn-nongov"].to_dict()["counterfactuals"][0]
    assert set(item) == {"change", "verdict", "license_exception", "deciding_provisions", "also"}
    assert "counterfactuals" not in api.check([_export()], engine="reference").determinations[0].to_dict()


def test_engines_and_the_stream_agree(tmp_path):
    path = tmp_path / "book.csv"
    rows = [_export(id="a"), _export(id="b", destination="AE", end_user="government", date="2025-01-02"),
            _export(id="c", destination="RU", eccn="5A001.j"), _export(id="d", destination="DE")]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    seen = {}
    for engine in ("reference", "fast"):
        result = api.check(path, engine=engine, counterfactuals=True)
        seen[engine] = [(d.id, [c.to_dict() for c in d.counterfactuals]) for d in result.determinations]
    assert seen["reference"] == seen["fast"]


def test_once_per_situation(tmp_path, monkeypatch):
    """Rows sharing a situation share one computation (and one result)."""
    from wassenaar_kg.decide.records import check_values
    from wassenaar_kg.decide.vocabulary import vocabulary
    from wassenaar_kg.kg import cache

    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(tmp_path / "cache"))  # no counterfactuals of earlier runs

    records = [check_values({k: str(v) for k, v in _export(id=f"r{i}", date=f"2026-07-{10 + i % 5:02}").items()},
                            vocabulary(), "<test>", i, None) for i in range(50)]
    finder = Finder()
    try:
        found = {finder.of(r) for r in records}
    finally:
        finder.close()
    assert len(found) == 1 and len(finder.known) == 1


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_cli_formats(capsys, tmp_path, fmt):
    path = tmp_path / "book.csv"
    path.write_text("id,eccn,destination,end_user,date\ncn,4D004,CN,non_government,2026-07-23\n")
    code = main(["check", str(path), "--counterfactuals", "--format", fmt, "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    if fmt == "text":
        assert "what would authorize it (one input changed, decided by the same rules):" in out
        assert "end_use: cyber_incident_response -> license_exception (ACE); deciding: 15 CFR 740.22(a); " \
               "15 CFR 740.22(c)(1)(iii)(B)" in out
    else:
        document = json.loads(out if fmt == "json" else out.splitlines()[0])
        determination = document["determinations"][0] if fmt == "json" else document
        assert {"end_use": "cyber_incident_response"} in [c["change"] for c in determination["counterfactuals"]]


def test_csv_output_is_refused(capsys, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("id,eccn,destination,end_user\ncn,4D004,CN,non_government\n")
    assert main(["check", str(path), "--counterfactuals", "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert "--counterfactuals" in err and "text, json, jsonl" in err and "Traceback" not in err


def test_json_lines_of_the_fast_stream_equal_the_reference_engine(capsys):
    """The fast stream renders JSON lines from columns (counterfactuals appended per situation): the same
    lines as the reference engine's determinations."""
    examples = str(__import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "exports.csv")
    lines = {}
    for engine in ("reference", "fast"):
        main(["check", examples, "--counterfactuals", "--format", "jsonl", "--engine", engine, "--quiet",
              "--as-of", "2026-07-23"])
        lines[engine] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for document in lines.values():
        for d in document:
            d.pop("engine")
    assert lines["reference"] == lines["fast"]
    assert any(d["counterfactuals"] for d in lines["fast"])


def test_kept_per_situation_for_later_runs_and_a_corrupt_cache_is_ignored(tmp_path, monkeypatch):
    """A second run reads the counterfactuals the first one computed (the same ones); a damaged cache entry
    is ignored and computed again."""
    from wassenaar_kg.decide import counterfactuals
    from wassenaar_kg.decide.records import check_values
    from wassenaar_kg.decide.vocabulary import vocabulary
    from wassenaar_kg.kg import cache

    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(tmp_path / "cache"))
    record = check_values({k: str(v) for k, v in _export().items()}, vocabulary(), "<test>", 1, None)
    first = Finder()
    expected = first.of(record)
    first.close()
    second = Finder()
    assert second.stored == 1 and second.of(record) == expected
    second.close()
    entry = cache.entry_path(counterfactuals._cache_name())
    entry.write_bytes(entry.read_bytes()[:100])
    third = Finder()
    assert third.stored == 0 and third.of(record) == expected
    third.close()
