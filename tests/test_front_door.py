"""One front door: both engines behind one interface, the engine choice and streaming in the API, and the
same determinations (explanations included) whichever engine and whichever output."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from wassenaar_kg.api import check, check_stream, engine_for, vocabulary
from wassenaar_kg.decide.engines import FastEngine, ReferenceEngine, choose
from wassenaar_kg.decide.records import check_values
from wassenaar_kg.report import Writer, render

EXAMPLES = Path(__file__).parents[1] / "examples" / "exports.csv"
ROWS = [
    {"id": "hk", "eccn": "4A005", "destination": "Hong Kong", "end_user": "government_less_sensitive", "date": "2024-09-03"},
    {"id": "crimea", "eccn": "5A001.j", "destination": "UA-40", "end_user": "non_government", "date": "2023-05-02",
     "end_user_name": "Positive Technology"},
    {"id": "listed", "eccn": "4D004", "destination": "IL", "end_user": "non_government", "date": "2021-11-04",
     "end_user_name": "NSO Group"},
]


def _same(a, b) -> bool:
    return [d.to_dict() | {"engine": ""} for d in a] == [d.to_dict() | {"engine": ""} for d in b]


def test_both_engines_decide_records_through_one_interface():
    records = [check_values(row, vocabulary(), "rows", n, dt.date(2026, 7, 23)) for n, row in enumerate(ROWS, 2)]
    reference, fast = ReferenceEngine().decide(records), FastEngine().decide(records)
    assert _same(reference, fast)
    hk = fast[0]
    assert hk.verdict == "license_required" and any("Hong Kong is treated as China" in s.text for s in hk.explanation)
    assert any("less sensitive government end user" in s.text for s in hk.explanation)
    crimea = fast[1]
    assert any(s.text.startswith("Sevastopol (UA-40) is a region of Ukraine") for s in crimea.explanation)
    assert crimea.possible_matches and any("'Positive Technology' resembles" in s.text for s in crimea.explanation)
    listed = fast[2]
    assert any("on the Entity List since 2021-11-04" in s.text for s in listed.explanation)


def test_the_engine_choice_lives_in_the_api():
    assert choose(10) == "reference" and choose(201) == "fast"
    assert choose(10_000, "ttl") == "reference" and choose(10_000, own_kg=True) == "reference"
    assert engine_for(EXAMPLES) == "reference"  # 35 rows
    assert engine_for(EXAMPLES, "fast") == "fast"
    assert engine_for([{}] * 500) == "fast"


def test_check_stream_gives_the_reference_output_in_every_streamed_format():
    reference = check(EXAMPLES, as_of=dt.date(2026, 7, 23), engine="reference")
    for fmt in ("csv", "jsonl", "json", "text"):
        out = io.StringIO()
        writer = Writer(out, fmt, "fast")
        writer.start()
        summary, _ = check_stream(EXAMPLES, writer.batch, as_of=dt.date(2026, 7, 23))
        writer.end(summary)
        expected = render(reference, fmt)
        if fmt == "csv":
            expected = expected.replace(",reference,", ",fast,")
        elif fmt in ("json", "jsonl"):
            expected = expected.replace('"engine": "reference"', '"engine": "fast"')
        got = out.getvalue()
        if fmt == "text":  # the summary line names the engine and the situations it decided
            got, expected = got.rsplit("\n", 2)[0], expected.rsplit("\n", 2)[0]
        assert got == expected, fmt
    assert summary.exit_code == reference.exit_code == 1
    assert summary.needing_license == [d.id for d in reference.determinations if d.needs_license]


def test_api_check_of_a_csv_with_the_fast_engine_uses_the_stream():
    fast = check(EXAMPLES, as_of=dt.date(2026, 7, 23), engine="fast")
    reference = check(EXAMPLES, as_of=dt.date(2026, 7, 23), engine="reference")
    assert fast.engine == "fast" and _same(fast.determinations, reference.determinations)
    doc = json.loads(render(fast, "json"))
    assert doc["summary"]["needing_license"] == [d.id for d in fast.needing_license]


def test_a_screening_list_entry_date_is_never_taken_for_the_export_date():
    """An explanation quotes an entry's start date ('on the Entity List since ...'); an export dated that very
    day must not turn the quoted date into the row's own (situation.Context.quoted_dates)."""
    from wassenaar_kg.api import use_screening_list

    fixtures = Path(__file__).parent / "fixtures" / "csl" / "consolidated.csv"
    try:
        use_screening_list(fixtures)
        start = next(e.valid_from for e in vocabulary().entries.values() if e.from_list != "bundled reference data")
        rows = [{"id": f"cx{n}", "eccn": "EAR99", "destination": "DE", "end_user": "non_government",
                 "end_user_name": "Example Cyber Ltd", "date": day.isoformat()}
                for n, day in enumerate((start, start + dt.timedelta(days=3)))]
        records = [check_values(row, vocabulary(), "rows", n, dt.date(2026, 7, 23)) for n, row in enumerate(rows, 2)]
        reference, fast = ReferenceEngine().decide(records), FastEngine().decide(records)
        assert _same(reference, fast)
        assert any(f"since {start.isoformat()}" in s.text for s in fast[1].explanation)
    finally:
        use_screening_list(None)


def test_a_screening_list_given_after_a_first_check_reaches_the_fast_engine(tmp_path, monkeypatch):
    """The rule runner's graph holds the screening list's entries: one process that checks without a list,
    then with one, must decide the listed party as listed (it did not, with one runner per process)."""
    from wassenaar_kg.api import use_screening_list

    monkeypatch.setenv("WAKG_CACHE_DIR", str(tmp_path / "cache"))
    row = {"id": "cx", "eccn": "EAR99", "destination": "DE", "end_user": "non_government",
           "end_user_name": "Example Cyber Ltd", "date": "2024-06-01"}
    fixtures = Path(__file__).parent / "fixtures" / "csl" / "consolidated.csv"
    try:
        before = FastEngine().decide([check_values(row, vocabulary(), "rows", 2, dt.date(2026, 7, 23))])
        use_screening_list(fixtures)
        after = FastEngine().decide([check_values(row, vocabulary(), "rows", 2, dt.date(2026, 7, 23))])
    finally:
        use_screening_list(None)
    assert before[0].verdict == "no_license_required"
    assert after[0].verdict == "license_required" and "15 CFR 744.11" in after[0].deciding_provisions
