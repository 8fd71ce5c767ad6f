"""Scenario tests: facts -> expected verdict -> deciding provisions, from tests/scenarios/*.yaml.

Each YAML case is written from the decision model, independently of the code (see tests/scenarios/).
All cases run through the reference engine in one batch; each case is then its own test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from wassenaar_kg.decide.records import Vocabulary, check_values
from wassenaar_kg.decide import reference as reference_engine

SCENARIOS = Path(__file__).parent / "scenarios"


def load_cases():
    cases = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}:{case['input']['id']}"))
    return cases


CASES = load_cases()


@pytest.fixture(scope="module")
def decided(kg):
    vocab = Vocabulary(kg)
    records = [
        check_values({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in p.values[0]["input"].items()},
                     vocab, "scenario", None, dt.date(2026, 7, 23))
        for p in CASES
    ]
    run = reference_engine.run(records)
    return {d.id: d for d in run.determinations}


@pytest.mark.parametrize("case", CASES)
def test_scenario(case, decided):
    got = decided[case["input"]["id"]]
    expected = case["expected"]
    assert got.verdict == expected["verdict"], case["name"]
    assert got.license_exception == expected["license_exception"], case["name"]
    assert sorted(got.deciding_provisions) == sorted(expected["deciding_provisions"]), case["name"]
    assert got.explanation, "every verdict comes with its chain of provisions"


def test_every_branch_of_740_22_is_pinned():
    pinned = {p.values[0]["provision"] for p in CASES}
    pinned |= {c for p in CASES for c in p.values[0]["expected"]["deciding_provisions"]}
    for branch in ("(c)(1)(i)", "(c)(1)(ii)", "(c)(1)(ii)(A)", "(c)(1)(ii)(B)", "(c)(1)(iii)", "(c)(1)(iii)(A)",
                   "(c)(1)(iii)(B)", "(c)(1)(iii)(C)", "(c)(2)", "(a)", "(b)(1)"):
        assert f"15 CFR 740.22{branch}" in pinned, branch
