"""`wakg check` with the fast engine: streaming output, engine choice, errors with row and field, --explain."""

from __future__ import annotations

import csv
import io
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
    return many_rows(tmp_path_factory.mktemp("fast"), 10)  # 350 rows: above the auto threshold


def test_auto_picks_the_fast_engine_for_large_csv_and_matches_the_reference(book, tmp_path):
    out = tmp_path / "out.csv"
    run = wakg("check", book, "--format", "csv", "-o", out)
    assert run.returncode == 1 and "fast engine" in run.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 350 and {r["engine"] for r in rows} == {"fast"}
    reference = {d.id: d for d in check(EXAMPLES).determinations}
    for row in rows:
        ref = reference[row["id"].rsplit("-", 1)[0]]
        assert (row["verdict"], row["license_exception"] or None, row["deciding_provisions"]) == \
               (ref.verdict, ref.license_exception, "; ".join(ref.deciding_provisions))
        assert row["law_as_of"] == ref.law_as_of.isoformat()


def test_fast_jsonl_stream(book):
    run = wakg("check", book, "--engine", "fast", "--format", "jsonl", "--quiet")
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(lines) == 350 and all(d["engine"] == "fast" for d in lines)
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


def test_every_streamed_format_works_for_a_book_over_the_auto_threshold(book):
    """The README's own command on a book the fast engine takes: text with every explanation chain."""
    run = wakg("check", book)
    assert run.returncode in (0, 1), run.stderr
    assert "(fast engine, " in run.stdout.splitlines()[-1]
    blocks = run.stdout.split("\n\n")[:-1]
    assert len(blocks) == sum(1 for _ in open(book)) - 1
    assert all("\n   1. " in block and "  deciding: " in block for block in blocks)
    doc = json.loads(wakg("check", book, "--format", "json").stdout)
    assert doc["engine"] == "fast" and all(d["explanation"] and d["confidence"] for d in doc["determinations"])
    rows = list(csv.DictReader(io.StringIO(wakg("check", book, "--format", "csv").stdout)))
    assert all(r["explanation"] and r["confidence"] for r in rows)


def test_fast_engine_refuses_rdf_output(book):
    run = wakg("check", book, "--engine", "fast", "--format", "ttl")
    assert run.returncode == 2 and "only the reference engine infers" in run.stderr


def test_python_api_fast_engine_matches_reference():
    fast = check(EXAMPLES, engine="fast")
    reference = check(EXAMPLES)
    assert fast.engine == "fast" and fast.exit_code == reference.exit_code == 1
    assert [d.to_dict() | {"engine": ""} for d in fast.determinations] == \
           [d.to_dict() | {"engine": ""} for d in reference.determinations]


# ------------------------------------------------------------------ the vectorised reader: CSV dialect and errors

HEADER = "id,eccn,destination,end_user,date\n"


def fast_rows(path: Path, *extra) -> subprocess.CompletedProcess:
    return wakg("check", path, "--engine", "fast", "--format", "csv", "--quiet", *extra)


def test_bom_crlf_quotes_and_missing_optional_columns(tmp_path):
    """A spreadsheet export: BOM, CRLF, a quoted id with a comma, padded cells, optional columns absent."""
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER + '"A,1",4D004, China ,bank_or_financial,2024-05-01\r\n'
                      "B2,5A001.j,DE,government,\r\n").replace("\n", "\r\n").replace("\r\r", "\r").encode())
    run = fast_rows(path, "--as-of", "2026-07-23")
    rows = list(csv.DictReader(run.stdout.splitlines()))
    assert run.returncode == 0, run.stderr
    assert [(r["id"], r["law_as_of"]) for r in rows] == [("A,1", "2024-05-01"), ("B2", "2026-07-23")]
    reference = check(path, as_of=__import__("datetime").date(2026, 7, 23)).determinations
    assert [(r["verdict"], r["license_exception"], r["deciding_provisions"]) for r in rows] == \
           [(d.verdict, d.license_exception or "", "; ".join(d.deciding_provisions)) for d in reference]
    assert rows[0]["verdict"] == "license_exception"  # China read from ' China ', a bank: ACE (c)(1)(iii)(A)


def test_more_cells_than_columns_names_the_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(HEADER + "a,4D004,DE,government,2024-05-01\nb,4D004,DE,government,2024-05-01,extra\n")
    run = fast_rows(path)
    assert run.returncode == 2 and "line 3: more cells than columns" in run.stderr and "Traceback" not in run.stderr


def test_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "a,4D004,Côte d'Ivoire,government,2024-05-01\n").encode("latin-1"))
    run = fast_rows(path)
    assert run.returncode == 2 and "not UTF-8" in run.stderr and "Traceback" not in run.stderr


def test_first_bad_row_in_file_order_is_reported(tmp_path):
    """Two bad values in different columns: the earlier row is named, as the row-by-row reader would."""
    path = tmp_path / "two-bad.csv"
    path.write_text(HEADER + "a,4D004,DE,government,2024-05-01\nb,4D004,DE,spy,2024-05-01\nc,9Z999,DE,government,2024-05-01\n")
    run = fast_rows(path)
    assert run.returncode == 2 and "line 3, field 'end_user'" in run.stderr


def _stream(path: Path, monkeypatch, block: int):
    """check_csv_stream with a tiny read block, so a few rows span several batches."""
    import datetime as dt
    import io

    from wassenaar_kg.decide import stream
    from wassenaar_kg.api import vocabulary

    from wassenaar_kg.report import Writer

    monkeypatch.setattr(stream, "BLOCK", block)
    out = io.StringIO()
    writer = Writer(out, "csv", "fast")
    writer.start()
    summary, _ = stream.check_csv_stream(path, vocabulary(), dt.date(2026, 7, 23), writer.batch, quiet=True)
    return summary, list(csv.DictReader(io.StringIO(out.getvalue())))


def test_duplicate_across_batches(tmp_path, monkeypatch):
    from wassenaar_kg.errors import InputError

    path = tmp_path / "dup.csv"
    path.write_text(HEADER + "".join(f"r{i},4D004,DE,government,2024-05-01\n" for i in range(7)) +
                    "r2,4D004,FR,government,2024-05-01\n")
    with pytest.raises(InputError) as caught:
        _stream(path, monkeypatch, 64)
    assert caught.value.line == 9 and "first on line 4" in caught.value.message


def test_quoted_newlines_across_block_edges(tmp_path, monkeypatch):
    """Cells spanning lines never split a record, whatever the block size; errors name the physical line."""
    from wassenaar_kg.errors import InputError

    rows = "".join(f'"id\n{i}",4D004,DE,government,2024-05-01\n' for i in range(6))
    path = tmp_path / "multiline.csv"
    path.write_text(HEADER + rows)
    for block in (7, 40, 1000):
        summary, out = _stream(path, monkeypatch, block)
        assert [r["id"] for r in out] == [f"id\n{i}" for i in range(6)] and summary.rows == 6
    path.write_text(HEADER + rows + '"id\nbad",4D004,XX,government,2024-05-01\n')
    with pytest.raises(InputError) as caught:
        _stream(path, monkeypatch, 40)
    assert caught.value.line == 15 and caught.value.field == "destination"


def test_worker_processes_decide_like_one_process(monkeypatch):
    """New situations shared out among spawned workers get the decisions one process gives them."""
    import datetime as dt

    from wassenaar_kg.decide import fast as fast_engine
    from wassenaar_kg.decide.records import ExportRecord

    records = [ExportRecord(id=f"w{i}", eccn=eccn, destination=dest, end_user=user, date=dt.date(2024, 5, 1))
               for i, (eccn, dest, user) in enumerate(
                   (e, d, u) for e in ("4D004", "5A001.j", "4E001.a") for d in ("CN", "DE", "IR", "IL", "AE")
                   for u in ("government", "bank_or_financial", "non_government"))]
    expected = fast_engine.DecisionStore(fast_engine.compiled(), processes=1).decide(records)
    parallel = fast_engine.DecisionStore(fast_engine.compiled(), processes=2)
    monkeypatch.setattr(fast_engine, "PARALLEL_MIN", 2)
    try:
        got = parallel.decide(records)
        assert parallel.pool is not None, "the batch went to a worker"
    finally:
        parallel.close()
    assert got == expected


def test_bad_worker_count_is_a_user_error(book, tmp_path):
    import os

    run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "check", str(book), "--engine", "fast", "--quiet",
                          "--format", "csv"], capture_output=True, text=True, env={**os.environ, "WAKG_WORKERS": "two"})
    assert run.returncode == 2 and "WAKG_WORKERS" in run.stderr and "Traceback" not in run.stderr


def test_a_broken_worker_pool_falls_back_to_one_process(monkeypatch):
    """A worker that dies (killed, out of memory) costs time, not decisions."""
    import datetime as dt
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from wassenaar_kg.decide import fast as fast_engine
    from wassenaar_kg.decide.records import ExportRecord

    class DeadPool:
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, *args, **kwargs):
            future = Future()
            future.set_exception(BrokenProcessPool("worker killed"))
            return future

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(fast_engine, "ProcessPoolExecutor", DeadPool)
    monkeypatch.setattr(fast_engine, "PARALLEL_MIN", 2)
    records = [ExportRecord(id=f"b{i}", eccn="4D004", destination=d, end_user="government", date=dt.date(2024, 5, 1))
               for i, d in enumerate(("CN", "DE", "IL", "RU"))]
    table = fast_engine.DecisionStore(fast_engine.compiled(), processes=2)
    decided = table.decide(records)
    assert table.processes == 1 and table.pool is None
    assert decided == fast_engine.DecisionStore(fast_engine.compiled()).decide(records)


def test_the_python_api_never_starts_worker_processes():
    """Spawned workers re-import __main__; a user's script without a main guard would run twice."""
    from wassenaar_kg.decide import fast as fast_engine

    assert fast_engine.load_decisions().processes == 1


def test_python_api_chooses_the_engine_by_size(book):
    """engine='auto' (the default): the reference engine up to 200 exports, the fast engine above."""
    assert check(EXAMPLES).engine == "reference"
    large = check(book)
    assert large.engine == "fast" and len(large.determinations) == 350
    assert check(book, engine="reference").engine == "reference"
