"""Generated modules match their tables; bad table input and bad CLI input give exit 2 with file, line, field."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from wassenaar_kg.kg.build import stale_modules, write_modules
from wassenaar_kg.cli import main
from wassenaar_kg.errors import InputError
from wassenaar_kg.kg.files import ontology_dir


def test_generated_modules_are_up_to_date():
    assert stale_modules(ontology_dir()) == []


@pytest.fixture
def ontology_copy(tmp_path, monkeypatch):
    target = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), target)
    monkeypatch.setenv("WAKG_ONTOLOGY_DIR", str(target))
    return target


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "table, old, new, expected",
    [
        ("ear-country-groups.csv", "E:1,IR,2021-10-21", "E:1,IR,2021-13-01", "line 4"),
        ("ear-country-groups.csv", "E:1,IR,2021-10-21", "E:1,IR,2021-13-01", "field 'valid_from'"),
        ("ear-country-groups.csv", "E:1,KP,", "E:1,ZZ,", "unknown destination code 'ZZ'"),
        ("ear-country-groups.csv", "E:2,CU,", "E:9,CU,", "field 'group'"),
        ("ear-country-chart.csv", "ecfr-2026-07-23-part738,0.9", "no-such-source,0.9", "unknown source id 'no-such-source'"),
        ("ear-country-chart.csv", "ecfr-2026-07-23-part738,0.9", "ecfr-2026-07-23-part738,1.7", "outside 0..1"),
        ("eu-membership.csv", "2020-01-31", "1970-01-01", "is before valid_from"),
        ("wassenaar-participation.csv", "country,valid_from", "country,valid_from,extra", "unknown column(s): extra"),
    ],
)
def test_bad_table_rows_are_reported_with_place(ontology_copy, table, old, new, expected):
    path = ontology_copy / "tables" / table
    if table == "ear-country-groups.csv" and "IR" in old:
        line = next(i for i, l in enumerate(path.read_text().splitlines(), 1) if l.startswith("E:1,IR,"))
        expected = expected.replace("line 4", f"line {line}")
    replace_in(path, old, new)
    before = {p.name: p.read_bytes() for p in ontology_copy.glob("*.ttl")}
    with pytest.raises(InputError) as caught:
        write_modules(ontology_copy)
    assert expected in str(caught.value) and table in str(caught.value)
    after = {p.name: p.read_bytes() for p in ontology_copy.glob("*.ttl")}
    assert after == before, "no module may be written when any table is bad"


def test_cli_build_error_exits_2_without_traceback(ontology_copy, capsys):
    replace_in(ontology_copy / "tables" / "ear-country-groups.csv", "E:1,KP,", "E:1,ZZ,")
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wakg: error:") and "Traceback" not in err and "ZZ" in err


def test_cli_build_check_reports_stale_modules(ontology_copy, capsys):
    replace_in(ontology_copy / "tables" / "ear-country-groups.csv", "E:1,KP,2021-10-21", "E:1,KP,2021-10-22")
    assert main(["build", "--check"]) == 1
    assert "ear-country-groups.ttl is out of date" in capsys.readouterr().err


def test_cli_info_json_reports_42_participating_states(capsys):
    assert main(["info", "--as-of", "2026-07-23", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["participating_states"] == 42
    assert stats["country_groups"]["A:6"] == 8
    assert stats["eu_members_outside_arrangement"] == ["CY"]


def test_cli_bad_date_exits_2():
    result = subprocess.run(
        [sys.executable, "-m", "wassenaar_kg", "info", "--as-of", "2026-02-30"],
        capture_output=True, text=True, env={**os.environ},
    )
    assert result.returncode == 2
    assert "not an ISO date" in result.stderr and "Traceback" not in result.stderr
