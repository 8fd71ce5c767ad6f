"""`wakg check` with the fast engine: streaming output, engine choice, errors with row and field, --explain."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wassenaar_kg import check

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "exports.csv"


def many_rows(tmp_path: Path, copies: int) -> Path:
    rows = list(csv.DictReader(EXAMPLES.open()))
    path = tmp_path / "book.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for n in range(copies):
            for row in rows:
                writer.writerow({**row, "id": f"{row['id']}-{n}"})
    return path


def wakg(*args):
    return subprocess.run([sys.executable, "-m", "wassenaar_kg", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return many_rows(tmp_path_factory.mktemp("fast"), 10)  # 320 rows: above the auto threshold


def test_auto_picks_the_fast_engine_for_large_csv_and_matches_the_reference(book, tmp_path):
    out = tmp_path / "out.csv"
    run = wakg("check", book, "--format", "csv", "-o", out)
    assert run.returncode == 1 and "fast engine" in run.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 320 and {r["engine"] for r in rows} == {"fast"}
    reference = {d.id: d for d in check(EXAMPLES).determinations}
    for row in rows:
        ref = reference[row["id"].rsplit("-", 1)[0]]
        assert (row["verdict"], row["license_exception"] or None, row["deciding_provisions"]) == \
               (ref.verdict, ref.license_exception, "; ".join(ref.deciding_provisions))
        assert row["law_as_of"] == ref.law_as_of.isoformat()


def test_fast_jsonl_stream(book):
    run = wakg("check", book, "--engine", "fast", "--format", "jsonl", "--quiet")
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == 320 and all(d["engine"] == "fast" for d in lines)
    assert run.stderr == "", "quiet means no summary and no progress"


def test_small_input_uses_the_reference_engine():
    run = wakg("check", EXAMPLES, "--format", "json")
    assert json.loads(run.stdout)["engine"] == "reference"


def test_explain_rederives_the_chain_with_the_reference_engine(book):
    run = wakg("check", book, "--engine", "fast", "--format", "csv", "--explain", "EX-008-3")
    assert "EX-008-3: license_required" in run.stderr and "15 CFR 740.22(c)(1)(ii)" in run.stderr
    assert "restriction on ACE" in run.stderr


def test_fast_engine_bad_row_names_line_and_field_and_writes_nothing(book, tmp_path):
    text = book.read_text().splitlines()
    text[200] = text[200].replace(",4D004,", ",4Q004,", 1) if ",4D004," in text[200] else \
        text[200].split(",", 2)[0] + ",4Q004," + text[200].split(",", 2)[2]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n")
    out = tmp_path / "out.csv"
    run = wakg("check", bad, "--engine", "fast", "--format", "csv", "-o", out)
    assert run.returncode == 2 and "line 201, field 'eccn': unknown ECCN '4Q004'" in run.stderr
    assert not out.exists() and "Traceback" not in run.stderr


def test_fast_engine_duplicate_id(book, tmp_path):
    text = book.read_text().splitlines()
    text.append(text[5])
    dup = tmp_path / "dup.csv"
    dup.write_text("\n".join(text) + "\n")
    run = wakg("check", dup, "--engine", "fast", "--format", "csv")
    assert run.returncode == 2 and "duplicate id" in run.stderr and f"line {len(text)}" in run.stderr


def test_fast_engine_refuses_formats_it_cannot_stream(book):
    run = wakg("check", book, "--engine", "fast", "--format", "text")
    assert run.returncode == 2 and "streams csv or jsonl" in run.stderr


def test_python_api_fast_engine_matches_reference():
    fast = check(EXAMPLES, engine="fast")
    reference = check(EXAMPLES)
    assert fast.engine == "fast" and fast.exit_code == reference.exit_code == 1
    assert [(d.id, d.verdict, d.license_exception, d.deciding_provisions) for d in fast.determinations] == \
           [(d.id, d.verdict, d.license_exception, d.deciding_provisions) for d in reference.determinations]
