"""Structure-aware fuzzing of `wakg check` inputs (docs/inputs.md is the contract being fuzzed).

Valid order books are generated (rows sampled from examples/exports.csv, or built from the values
docs/inputs.md allows, under a random header of the required and some optional columns in any order), then
mutated at three levels: the table (drop / duplicate / swap a cell, duplicate a row or a header column, pad a
header name, hostile cell values: parent ECCNs, license words and exception symbols, odd dates, unicode,
over-long cells; or cells written as people and tools write them: padded, hyphenated, with new lines), the
text (stray or missing quotes, blank lines, trailing newline, CRLF / LF / lone CR, byte-order marks and
invisible characters at line starts, random characters anywhere) and the bytes (UTF-16 / UTF-32 / Latin-1,
invalid UTF-8, truncation at any byte). Turtle and JSON-LD books of export individuals (records_to_graph) are
mutated as graphs (a dropped triple, a second destination, a shared rdfs:label, ill-typed literals, ...) and
as text (truncation, remote JSON-LD contexts, deep nesting, numbers Python will not convert).

For every input:
  (a) the exit code is 0, 1 or 2, and no traceback is printed (nor logged by a library);
  (b) CSV: the reference and the fast engine give the same exit code; on exit 2 the very same error line,
      on 0 / 1 the same determination per id (the CSV output's id, verdict, license_exception,
      deciding_provisions, law_as_of, license, needs_license and beyond_coverage);
  (c) on exit 2 nothing is written: stdout is empty, and with `-o` the file does not exist (nor a temporary
      file beside it).
Also: `wakg check -` reads standard input as it reads the file, and a remote JSON-LD context is refused
without a connection being attempted (in-process, and in a real `wakg` process against a listening socket).

The CLI is called in-process (`wassenaar_kg.cli.main`, output captured with capfd). Everything is
derandomised, so a run tests the same inputs every time; failures print every draw and the input bytes.
Minimal inputs of the failures found are kept in tests/fuzz/ and checked on their own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import socket
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import event as _event, note as _note
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import RDF, RDFS

from wassenaar_kg.api import vocabulary
from wassenaar_kg.cli import main
from wassenaar_kg.decide.records import check_values, records_to_graph
from wassenaar_kg.kg.namespaces import COUNTRY, WAKG

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "exports.csv"
FIXTURES = Path(__file__).resolve().parent / "fuzz"
AS_OF = "2025-06-01"  # the date of rows without one: fixed, so a run does not depend on the day

# Shrinking a failure re-runs the reference engine (about 0.4 s a run) hundreds of times, for minutes: it is left
# out unless WAKG_FUZZ_SHRINK=1. A failure prints every draw and the exact input bytes; minimal inputs of the
# failures found so far are in tests/fuzz/ (test_regressions_found_by_fuzzing).
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if os.environ.get("WAKG_FUZZ_SHRINK") == "1"
                                                          else [])
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None, phases=PHASES,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])


def note(text: str) -> None:
    if currently_in_test_context():
        _note(text)


def event(text: str) -> None:
    if currently_in_test_context():
        _event(text)


# ------------------------------------------------------------------------------------- the input contract

REQUIRED = ["id", "eccn", "destination", "end_user"]
OPTIONAL = ["end_use", "transaction", "digital_artifacts", "incident_system_owner", "knows_unauthorized_use",
            "date", "license", "end_user_name"]
ECCNS = ["4A005", "4D004", "4D001.a", "4E001.a", "4E001.c", "5A001.j", "5B001.a", "5D001.a", "5D001.c", "5D001.e",
         "5E001.a", "5A992.c", "5D992.c", "5A002", "5A004.a", "5A004.b", "5D002", "5E002", "EAR99"]
DESTINATIONS = ["DE", "DEU", "de", "Germany", "GB", "United Kingdom", "CN", "China", "HK", "Hong Kong", "RU",
                "Russia", "IL", "TW", "Taiwan", "AE", "SA", "IN", "NI", "CY", "CA", "AU", "VN", "FR", "BR", "MX",
                "IR", "Iran", "KP", "CU", "SY", "BY", "UA", "UA-43", "Crimea", "UA-40", "UA-14", "UA-09", "UA-23",
                "JP", "Japan", "US", "GL", "KH", "ua-43"]
END_USERS = ["government", "government_more_sensitive", "government_less_sensitive", "police_or_judicial",
             "national_csirt", "government_research_institution", "international_governmental_organization",
             "government_owned_enterprise", "munitions_list_firm", "us_subsidiary", "bank_or_financial",
             "insurance", "civil_health_medical", "non_government", "us_government"]
END_USES = ["", "vulnerability_disclosure", "cyber_incident_response", "criminal_or_civil_investigation", "other"]
TRANSACTIONS = ["", "export", "reexport", "transfer_in_country", "deemed_export", "deemed_reexport"]
BOOLEANS = ["", "true", "false", "TRUE", "False", "yes", "no", "Yes", "1", "0"]
LICENSES_OK = ["", "D1234567", "d-123 4567", "A123456", "Z9999999", "NLR", "nlr", "none", "N/A", "NA", "no", "0",
               "nil", "null", "false", "no license", "No License Required", "not required", "not applicable"]
NAMES = ["", "NSO Group", "candiru ltd.", "Saito Tech Ltd", "Intellexa S.A.", "Cytrox", "Positive Technologies",
         "COSEINC", "NSO Group Technologies Ltd", "Acme Bank", "Siemens AG", "Société Générale"]

# values docs/inputs.md refuses (or accepts at an edge), by column
HOSTILE = {
    "eccn": ["5A001", "4e001", "4E001", "5D001", "5A001.a", "5a001.J", "4d004", " 4D004 ", "4.A.5", "4.D.1", "EAR 99",
             "ear99", "5A001.j.1", "9Z999", "", "5D002.", "4D004\u00a0", "\u200f4D004"],
    "destination": ["", "ZZ", "XK", "Narnia", "UA-99", "ua-43", "D E", "Deutschland", "Côte d'Ivoire", "de\u00a0",
                    "\u202eDE", "Korea, Democratic People's Republic of", "EU", "AAA", "UA-4"],
    "end_user": ["", "Government", "GOVERNMENT", "gov", "non-government", "non_government ", "none"],
    "end_use": ["unknown", "Other", "VULNERABILITY_DISCLOSURE", "cyber incident response"],
    "transaction": ["import", "Export", "re-export", "deemed"],
    "digital_artifacts": ["maybe", "TRUE ", "y", "n", "2", "-1", "on"],
    "knows_unauthorized_use": ["maybe", "Y", "oui", "True\u00a0"],
    "incident_system_owner": ["", "government", "nobody", "other"],
    "date": ["9999-12-31", "1900-01-01", "0001-01-01", "2024-02-29", "2023-02-29", "2024-13-01", "2024-1-5",
             "20240105", "2024-01-05T00:00", "2024/01/05", "", "2021-10-20", "2021-10-21", "2026-07-23",
             "2026-07-24", "2022-03-06", "2022-03-07", "+2024-01-01", "٢٠٢٤-٠١-٠٥", "2024-W01-1", "2024-001"],
    "license": ["D1234567", "nlr", "N/A", "ACE", "ace", "GOV", "ENC", "TSU", "garbage", "D123456789", "D12345",
                "DD123456", "1234567", "D 123-4567", "NLR ", "yes", "license", "pending", "D1234567\u00a0",
                "Ｄ１２３４５６７", "D١٢٣٤٥٦٧"],
    "end_user_name": ["N" * 1000, "N" * 1001, " NSO   Group ", "nso group", "\u200fNSO Group", "Ñ" * 999],
    "id": ["", " ", "\u00a0", "EX-001", "x" * 4096, "\u200f", "id,with,commas", 'quote"d'],
}
HOSTILE_CHARS = ["\x00", "\u00a0", "\x1f", "\x1c", "\x85", "\t", "\x0b", "\x0c", "\r", "\n", "\r\n", '"', ",", ";",
                 "\U0001F600", "\u200f", "\u200e", "\u202e", "\ufeff", "\u2028", "\u2029", "\u3000", "\ufffd",
                 "\U0010FFFF", "é", "e\u0301", "ß", "İ", "\u0000\u0000"]

# ------------------------------------------------------------------------------------------ generators


def _example_rows() -> list[dict[str, str]]:
    with EXAMPLES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


EXAMPLE_ROWS = _example_rows()

dates = st.dates(dt.date(2021, 10, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)
id_bases = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6) | st.sampled_from(
    ["EX", "order 1", "a,b", 'q"uote', "ünï", "\U0001F600"])

generated_rows = st.fixed_dictionaries({
    "eccn": st.sampled_from(ECCNS).flatmap(lambda e: st.sampled_from([e, e.lower(), e.upper()])),
    "destination": st.sampled_from(DESTINATIONS),
    "end_user": st.sampled_from(END_USERS),
    "end_use": st.sampled_from(END_USES),
    "transaction": st.sampled_from(TRANSACTIONS),
    "digital_artifacts": st.sampled_from(BOOLEANS),
    "incident_system_owner": st.sampled_from([""] + END_USERS),
    "knows_unauthorized_use": st.sampled_from(BOOLEANS),
    "date": st.just("") | dates,
    "license": st.sampled_from(LICENSES_OK),
    "end_user_name": st.sampled_from(NAMES),
})
rows = st.sampled_from(EXAMPLE_ROWS).map(lambda r: {k: v for k, v in r.items() if k != "id"}) | generated_rows


@st.composite
def books(draw, max_rows: int = 4) -> tuple[list[str], list[list[str]]]:
    """A valid order book: a header (required columns and some optional ones, in any order) and its rows."""
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    header = draw(st.permutations(REQUIRED + optional))
    found = draw(st.lists(rows, min_size=1, max_size=max_rows))
    table = []
    for number, row in enumerate(found, start=1):
        row = dict(row, id=f"{draw(id_bases)}#{number}")
        table.append([row.get(column, "") for column in header])
    return list(header), table


def _index(draw, size: int, label: str) -> int:
    return draw(st.integers(0, max(size - 1, 0)), label=label)


def _unicode(draw) -> str:
    return draw(st.sampled_from(HOSTILE_CHARS) | st.text(st.characters(codec="utf-8"), min_size=1, max_size=3))


TABLE_MUTATIONS = ["drop_cell", "dup_cell", "swap_cells", "dup_row", "pad_header", "dup_header", "rename_header",
                   "hostile_value", "hostile_value", "hostile_value", "insert_unicode", "insert_unicode",
                   "long_cell", "empty_cell", "only_header", "drop_column"]


def mutate_table(draw, header: list[str], table: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    header, table = list(header), [list(r) for r in table]
    kind = draw(st.sampled_from(TABLE_MUTATIONS), label="table mutation")
    everything = [header] + table
    if kind in ("drop_cell", "dup_cell", "swap_cells", "insert_unicode", "long_cell", "empty_cell"):
        line = everything[_index(draw, len(everything), "line")]
        at = _index(draw, len(line), "cell")
        if kind == "drop_cell" and line:
            del line[at]
        elif kind == "dup_cell" and line:
            line.insert(at, line[at])
        elif kind == "swap_cells" and len(line) > 1:
            other = _index(draw, len(line), "other cell")
            line[at], line[other] = line[other], line[at]
        elif kind == "insert_unicode" and line:
            cell = line[at]
            pos = draw(st.integers(0, len(cell)), label="position")
            line[at] = cell[:pos] + _unicode(draw) + cell[pos:]
        elif kind == "long_cell" and line:
            size = draw(st.sampled_from([4096, 4097, 5000, 70_000]), label="size")
            pad = draw(st.sampled_from(["x", " ", "é", "\U0001F600"]), label="pad")
            line[at] = (line[at] + pad * size)[:size] if pad != " " else line[at] + " " * size
        elif kind == "empty_cell" and line:
            line[at] = ""
    elif kind == "dup_row" and table:
        row = table[_index(draw, len(table), "row")]
        variant = list(row)
        if draw(st.booleans(), label="pad duplicate id"):  # the same id once stripped
            i = header.index("id")
            variant[i] = draw(st.sampled_from([" ", "\t", "\u00a0", "\u3000"])) + variant[i]
        table.insert(_index(draw, len(table) + 1, "at"), variant)
    elif kind == "pad_header":
        at = _index(draw, len(header), "column")
        pad = draw(st.sampled_from([" ", "\t", "\u00a0", "\ufeff", "\u200b"]), label="pad")
        header[at] = draw(st.sampled_from([pad + header[at], header[at] + pad, header[at].upper()]))
    elif kind == "dup_header":
        at = _index(draw, len(header), "column")
        header.append(header[at])
        for row in table:
            row.append(row[at] if at < len(row) else "")
    elif kind == "rename_header":
        at = _index(draw, len(header), "column")
        header[at] = draw(st.sampled_from(["", "ID", "Id", "eccn2", "end user", "notes", "license_number",
                                           header[at] + "_"]))
    elif kind == "drop_column":
        at = _index(draw, len(header), "column")
        del header[at]
        for row in table:
            if at < len(row):
                del row[at]
    elif kind == "hostile_value" and table:
        column = draw(st.sampled_from(sorted(set(header) & set(HOSTILE)) or ["id"]), label="column")
        if column in header:
            row = table[_index(draw, len(table), "row")]
            value = draw(st.sampled_from(HOSTILE[column]), label="value")
            if draw(st.booleans(), label="pad value"):
                value = draw(st.sampled_from([" ", "\t", "\u00a0", "\u2003"])) + value + " "
            row[header.index(column)] = value
    elif kind == "only_header":
        table = []
    return header, table


VALID = {"id": ["EX-1", "order 7"], "eccn": ECCNS, "destination": DESTINATIONS, "end_user": END_USERS,
         "end_use": END_USES, "transaction": TRANSACTIONS, "digital_artifacts": BOOLEANS,
         "incident_system_owner": [""] + END_USERS, "knows_unauthorized_use": BOOLEANS,
         "date": ["", "2022-03-07", "2024-04-19", "2026-07-23"], "license": LICENSES_OK, "end_user_name": NAMES}
SPACES = [" ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\x85", "\x1f", "\x0b", "\u3000", "\u200b", "\ufeff"]
TOKENS = SPACES + ["-", "-", "--", '"', "'", ",", ".", "é", "\U0001F600", "\u200f", "\u202e", "D", "1234567", "0",
                   "NLR", "ACE", "ß", "\u0130", "ı"]


def soup(draw, column: str) -> str:
    """A valid value of the column with characters around and inside it (white space, hyphens, new lines,
    invisible and right-to-left marks, quotes, commas): what a spreadsheet export or a copy-paste leaves."""
    parts = [draw(st.sampled_from(VALID[column]), label="valid value")]
    for _ in range(draw(st.integers(1, 3), label="tokens")):
        token = draw(st.sampled_from(TOKENS), label="token")
        at = draw(st.sampled_from([0, len(parts)]) | st.integers(0, len(parts)), label="token at")
        parts.insert(at, token)
    return "".join(parts)


PADS = list(" \t\n\u00a0\u2028\x85\x1f\x0b\u3000") * 3 + ["-", "\u200b", "\ufeff", "\u200f", "\r\n"]


def padded(values) -> st.SearchStrategy[str]:
    """Values with white space around them (stripped: still valid), now and then an invisible character."""
    pad = st.lists(st.sampled_from(PADS), max_size=2).map("".join)
    return st.tuples(pad, values, pad).map("".join)


TRAILERS = ["", "", " ", "-", "--", "\t", "\n", " \n", "\n\n", "-\n", "\n-", "\n -", "\n\t-", " - ", "\r\n"]


def _chars(alphabet: str, most: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(alphabet), max_size=most).map("".join)


CELLS = {  # per column: what an analyst's tool may plausibly write, mostly valid
    "id": padded(st.sampled_from(["EX-1", "EX-2", "ex-1", "EX 1", "1", "01", "\ufeffEX-1"])),
    "eccn": padded(st.sampled_from(ECCNS).flatmap(lambda e: st.sampled_from([e, e.lower()]))),
    "destination": padded(st.sampled_from(DESTINATIONS)),
    "end_user": padded(st.sampled_from(END_USERS)),
    "end_use": padded(st.sampled_from(END_USES)),
    "transaction": padded(st.sampled_from(TRANSACTIONS)),
    "digital_artifacts": padded(st.sampled_from(BOOLEANS)),
    "incident_system_owner": padded(st.sampled_from(END_USERS)),
    "knows_unauthorized_use": padded(st.sampled_from(BOOLEANS)),
    "date": padded(st.from_regex(r"\A20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])\Z")),
    # a license number as people write it: spaces and hyphens anywhere, white space (new lines too) around
    "license": st.tuples(_chars(" \t\n", 2), _chars("-", 1), st.sampled_from("DdAZ"), _chars(" -", 2),
                         st.from_regex(r"\A[0-9]{3}\Z"), _chars(" -", 1), st.from_regex(r"\A[0-9]{3,4}\Z"),
                         st.sampled_from(TRAILERS)).map("".join) | padded(st.sampled_from(LICENSES_OK)),
    "end_user_name": padded(st.sampled_from(NAMES)),
}
FOCUS = ["license"] * 3 + ["id"] * 2 + sorted(CELLS)


VALUE_KINDS = ["hostile", "hostile", "soup", "soup", "soup", "other_column", "copy", "long", "empty"]


def mutate_value(draw, header: list[str], table: list[list[str]]) -> None:
    """One cell of a well-formed book replaced (the structure stays valid: the writer quotes what needs it)."""
    if not table:
        return
    row = table[_index(draw, len(table), "row")]
    at = _index(draw, len(header), "column")
    column = header[at]
    kind = draw(st.sampled_from(VALUE_KINDS), label="value kind")
    if kind == "hostile":
        row[at] = draw(st.sampled_from(HOSTILE.get(column, [""])), label="hostile value")
    elif kind == "soup":
        row[at] = soup(draw, column)
    elif kind == "other_column":
        row[at] = draw(st.sampled_from(VALID[draw(st.sampled_from(sorted(VALID)), label="from column")]))
    elif kind == "copy":
        row[at] = table[_index(draw, len(table), "copied row")][at]
    elif kind == "long":
        row[at] = row[at] + draw(st.sampled_from([" " * 4100, "x" * 4100, "N" * (1001 - len(row[at]))]))
    else:
        row[at] = ""


def serialise(draw, header: list[str], table: list[list[str]]) -> str:
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]), label="quoting")
    ending = draw(st.sampled_from(["\n", "\r\n"]), label="line end")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=quoting, lineterminator=ending)
    writer.writerow(header)
    writer.writerows(table)
    return buffer.getvalue()


TEXT_MUTATIONS = ["insert_quote", "remove_quote", "blank_line", "trailing_newline", "line_ends", "lone_cr",
                  "insert_char", "bom", "trailing_spaces",
                  # often harmless: the book may stay valid, so that both engines' readings are compared
                  "trailing_newline", "line_ends", "bom", "bom", "invisible", "invisible"]


def mutate_text(draw, text: str) -> str:
    kind = draw(st.sampled_from(TEXT_MUTATIONS), label="text mutation")
    pos = draw(st.integers(0, len(text)), label="position")
    if kind == "insert_quote":
        return text[:pos] + '"' + text[pos:]
    if kind == "remove_quote":
        quotes = [i for i, c in enumerate(text) if c == '"']
        if not quotes:
            return text
        at = quotes[_index(draw, len(quotes), "quote")]
        return text[:at] + text[at + 1:]
    if kind == "blank_line":
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        at = starts[_index(draw, len(starts), "line")]
        return text[:at] + draw(st.sampled_from(["\n", "\r\n", " \n", ",,,\n", "\t\n"])) + text[at:]
    if kind == "trailing_newline":
        stripped = text.rstrip("\r\n")
        return stripped + draw(st.sampled_from(["", "\n", "\r\n", "\n\n", "\r\n\r\n", "\r"]))
    if kind == "line_ends":
        lf = text.replace("\r\n", "\n")
        return lf.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"]), label="ending"))
    if kind == "lone_cr":
        ends = [i for i, c in enumerate(text) if c == "\n"]
        if not ends:
            return text + "\r"
        at = ends[_index(draw, len(ends), "line end")]
        head = text[:at - 1] if at and text[at - 1] == "\r" else text[:at]
        return head + "\r" + text[at + 1:]
    if kind == "insert_char":
        return text[:pos] + _unicode(draw) + text[pos:]
    if kind == "bom":  # a byte-order mark at the start of the file, or of any line (files joined with cat)
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n" and i + 1 < len(text)]
        line = draw(st.sampled_from([0, 1]) | st.integers(0, len(starts) - 1), label="line")  # header, first record
        at = starts[min(line, len(starts) - 1)]
        return text[:at] + "\ufeff" + text[at:]
    if kind == "invisible":  # a zero-width or direction character at the start of a line or of a cell
        starts = [0] + [i + 1 for i, c in enumerate(text) if c in "\n," and i + 1 < len(text)]
        at = starts[min(draw(st.sampled_from([1]) | st.integers(0, len(starts) - 1), label="at"), len(starts) - 1)]
        return text[:at] + draw(st.sampled_from(["\u200b", "\ufeff", "\u200e", "\u200f", "\u2060", "\u00ad"])) + text[at:]
    if kind == "trailing_spaces":
        return text.replace("\n", " \n", 1)
    raise AssertionError(kind)


ENCODINGS = ["utf-8"] * 6 + ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252"]
BAD_BYTES = [b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xc3(", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80",
             b"\xef\xbb\xbf", b"\x00", b"\xff\xfe", b"\xe2\x80"]


def encode(draw, text: str) -> bytes:
    encoding = draw(st.sampled_from(ENCODINGS), label="encoding")
    try:
        raw = text.encode(encoding, errors="replace" if encoding in ("latin-1", "cp1252") else "surrogatepass")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogatepass")
    kind = draw(st.sampled_from(["none", "none", "none", "bad_bytes", "truncate"]), label="byte mutation")
    if kind == "bad_bytes":
        pos = draw(st.integers(0, len(raw)), label="byte position")
        raw = raw[:pos] + draw(st.sampled_from(BAD_BYTES), label="bytes") + raw[pos:]
    elif kind == "truncate":
        raw = raw[:draw(st.integers(0, len(raw)), label="cut at")]
    return raw


@st.composite
def csv_inputs(draw, table_mutations=(0, 3), text_mutations=(0, 2), bytes_stage: bool = True) -> bytes:
    header, table = draw(books())
    for _ in range(draw(st.integers(*table_mutations), label="table mutations")):
        header, table = mutate_table(draw, header, table)
    text = serialise(draw, header, table)
    for _ in range(draw(st.integers(*text_mutations), label="text mutations")):
        text = mutate_text(draw, text)
    return encode(draw, text) if bytes_stage else text.encode("utf-8", errors="surrogatepass")


# ------------------------------------------------------------------------------------- running the CLI


@dataclass
class Run:
    code: int | None
    out: str
    err: str
    written: str | None  # the -o file's text (None: no such file)
    leftovers: list[str]  # other files that appeared beside the input (temporary files of -o)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("wakg: error:")]

    def describe(self) -> str:
        return (f"exit {self.code}\n--- stdout ({len(self.out)} chars) ---\n{self.out[:3000]}\n--- stderr ---\n"
                f"{self.err[:3000]}\n--- -o file ---\n{None if self.written is None else self.written[:3000]}")


def run_check(capfd, source: Path | str, *options: str, output: bool = False, fmt: str = "csv",
              folder: Path | None = None) -> Run:
    """`wakg check SOURCE --format FMT --as-of AS_OF OPTIONS [-o FOLDER/out.FMT]` in this process."""
    folder = folder or Path(source).parent
    target = folder / f"out.{fmt}"
    if target.exists():
        target.unlink()
    before = set(os.listdir(folder))
    argv = ["check", str(source), "--format", fmt, "--as-of", AS_OF, *options]
    if output:
        argv += ["-o", str(target)]
    capfd.readouterr()
    crash = ""
    # A `wakg` process has no logging configured, so a library's warning (with its traceback, if it logs one)
    # reaches stderr through logging.lastResort; under pytest the logging plugin's handlers would swallow it.
    last_resort = logging.StreamHandler(sys.stderr)
    last_resort.setLevel(logging.WARNING)
    logging.getLogger().addHandler(last_resort)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse; never expected here
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - an escaping exception is what the property is about
        code, crash = None, traceback.format_exc()
    finally:
        logging.getLogger().removeHandler(last_resort)
    out, err = capfd.readouterr()
    written = target.read_text(encoding="utf-8") if output and target.exists() else None
    leftovers = sorted(set(os.listdir(folder)) - before - {target.name})
    return Run(code, out, err + crash, written, leftovers)


def assert_sane(run: Run, source: Path, raw: bytes, output: bool) -> None:
    """Properties (a) and (c): exit code 0/1/2, no traceback; on exit 2 one error line naming the file and
    nothing written; on 0/1 the determinations went where they were asked to go."""
    where = f"input bytes: {raw[:2000]!r}\n{run.describe()}"
    event(f"exit {run.code}")
    for line in run.error_lines:
        event("error: " + line.split(": ", 3)[-1][:40])
    assert run.code in (0, 1, 2), where
    assert "Traceback" not in run.err, where
    assert not run.leftovers, f"files left beside the input: {run.leftovers}\n{where}"
    if run.code == 2:
        assert len(run.error_lines) == 1, where
        assert run.error_lines[0].startswith(f"wakg: error: {source}"), where
        assert run.out == "", "exit 2 must print nothing on stdout\n" + where
        assert run.written is None, "exit 2 must leave no -o file\n" + where
    else:
        assert not run.error_lines, where
        if output:
            assert run.written and run.out == "", where
        else:
            assert run.out, where


DECISION_COLUMNS = ["id", "verdict", "license_exception", "deciding_provisions", "law_as_of", "license",
                    "needs_license", "beyond_coverage"]


def decisions(text: str) -> list[tuple[str, ...]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames and set(DECISION_COLUMNS) <= set(reader.fieldnames), text[:500]
    return [tuple(row[c] for c in DECISION_COLUMNS) for row in reader]


def assert_engines_agree(capfd, folder: Path, raw: bytes, *, output: bool, quiet: bool, name: str = "book.csv"
                         ) -> tuple[Run, Run]:
    """Property (b) for one CSV input, with (a) and (c) for each engine's run."""
    source = folder / name
    source.write_bytes(raw)
    options = ("-q",) if quiet else ()
    reference = run_check(capfd, source, "--engine", "reference", *options, output=output)
    fast = run_check(capfd, source, "--engine", "fast", *options, output=output)
    where = (f"input bytes: {raw[:3000]!r}\n=== reference ===\n{reference.describe()}\n"
             f"=== fast ===\n{fast.describe()}")
    note(where)
    assert_sane(reference, source, raw, output)
    assert_sane(fast, source, raw, output)
    assert reference.code == fast.code, "the engines give different exit codes\n" + where
    if reference.code == 2:
        assert reference.error_lines == fast.error_lines, "the engines report different errors\n" + where
    else:
        ref = decisions(reference.written if output else reference.out)
        got = decisions(fast.written if output else fast.out)
        assert len({r[0] for r in ref}) == len(ref), "an id decided twice\n" + where
        assert dict((r[0], r) for r in ref) == dict((g[0], g) for g in got) and len(ref) == len(got), \
            "the engines decide differently\n" + where
    return reference, fast


# ------------------------------------------------------------------------------------------- CSV tests


@pytest.fixture(scope="module")
def csv_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-csv")


def _fresh(folder: Path) -> Path:
    for path in folder.iterdir():
        path.unlink()
    return folder


@settings(FUZZ, max_examples=30)
@given(st.data())
def test_valid_books_are_decided_alike(capfd, csv_dir, data):
    """Unmutated books (examples and generated rows, any header order, any quoting, LF or CRLF): both engines
    decide them, and identically."""
    raw = data.draw(csv_inputs(table_mutations=(0, 0), text_mutations=(0, 0), bytes_stage=False))
    reference, _ = assert_engines_agree(capfd, _fresh(csv_dir), raw, output=data.draw(st.booleans()),
                                        quiet=data.draw(st.booleans()))
    assert reference.code in (0, 1), reference.describe()


@settings(FUZZ, max_examples=60)
@given(st.data())
def test_table_mutations(capfd, csv_dir, data):
    """Cells dropped, duplicated, swapped; rows and header columns duplicated; hostile values in any column."""
    raw = data.draw(csv_inputs(table_mutations=(1, 3), text_mutations=(0, 0), bytes_stage=False))
    assert_engines_agree(capfd, _fresh(csv_dir), raw, output=data.draw(st.booleans()), quiet=data.draw(st.booleans()))


@settings(FUZZ, max_examples=50)
@given(st.data())
def test_value_mutations(capfd, csv_dir, data):
    """Well-formed books (structure intact) with hostile cell values: both engines check the values alike (the
    fast engine checks each distinct value once, with Polars for ids and licenses)."""
    header, table = data.draw(books(max_rows=5))
    for _ in range(data.draw(st.integers(1, 4), label="value mutations")):
        mutate_value(data.draw, header, table)
    raw = serialise(data.draw, header, table).encode("utf-8", errors="surrogatepass")
    assert_engines_agree(capfd, _fresh(csv_dir), raw, output=data.draw(st.booleans()), quiet=data.draw(st.booleans()))


@settings(FUZZ, max_examples=50)
@given(st.data())
def test_padded_cells(capfd, csv_dir, data):
    """Books of up to eight rows whose cells of one column are written as a tool or a person may write them
    (white space and invisible characters around values, hyphens and new lines in license numbers): mostly
    valid books, so that the engines' readings of valid values are compared, many cell texts per book."""
    header, table = data.draw(books(max_rows=8))
    focus = data.draw(st.sampled_from([c for c in FOCUS if c in header]), label="column")
    event(f"column {focus}")
    at = header.index(focus)
    for row in table:
        if data.draw(st.integers(0, 3), label="rewrite") > 0:
            row[at] = data.draw(CELLS[focus], label=focus)
    raw = serialise(data.draw, header, table).encode("utf-8", errors="surrogatepass")
    assert_engines_agree(capfd, _fresh(csv_dir), raw, output=data.draw(st.booleans()), quiet=data.draw(st.booleans()))


@settings(FUZZ, max_examples=80)
@given(st.data())
def test_text_mutations(capfd, csv_dir, data):
    """Quotes inserted and removed, blank lines, trailing newlines, CRLF / LF / lone CR, characters anywhere."""
    raw = data.draw(csv_inputs(table_mutations=(0, 1), text_mutations=(1, 2), bytes_stage=False))
    assert_engines_agree(capfd, _fresh(csv_dir), raw, output=data.draw(st.booleans()), quiet=data.draw(st.booleans()))


@settings(FUZZ, max_examples=60)
@given(st.data())
def test_byte_mutations(capfd, csv_dir, data):
    """Other encodings, invalid UTF-8 and truncation at any byte, after any other mutation."""
    raw = data.draw(csv_inputs(table_mutations=(0, 2), text_mutations=(0, 2), bytes_stage=True))
    assert_engines_agree(capfd, _fresh(csv_dir), raw, output=data.draw(st.booleans()), quiet=data.draw(st.booleans()))


@settings(FUZZ, max_examples=40)
@given(st.data())
def test_a_bad_book_writes_nothing_in_any_format(capfd, csv_dir, data):
    """Property (c) for every output format the fast engine streams (it writes a batch at a time), and for the
    reference engine: exit 2 and the same error whatever the format, no stdout, no -o file."""
    raw = data.draw(csv_inputs(table_mutations=(1, 3), text_mutations=(0, 2), bytes_stage=True))
    folder = _fresh(csv_dir)
    source = folder / "book.csv"
    source.write_bytes(raw)
    first = run_check(capfd, source, "--engine", "fast", "-q")
    assert_sane(first, source, raw, False)
    if first.code != 2:
        return
    for engine in ("fast", "reference"):
        fmt = data.draw(st.sampled_from(["text", "json", "jsonl", "csv"] + (["ttl", "trig"] if engine == "reference"
                                                                          else [])), label="format")
        output = data.draw(st.booleans(), label="-o")
        run = run_check(capfd, source, "--engine", engine, output=output, fmt=fmt)
        note(f"{engine} --format {fmt} -o={output}: {run.describe()}")
        assert_sane(run, source, raw, output)
        assert run.code == 2 and run.error_lines == first.error_lines, run.describe()


@settings(FUZZ, max_examples=30)
@given(st.data())
def test_standard_input_reads_like_the_file(capfd, csv_dir, monkeypatch, data):
    """`wakg check -` reads the same bytes as the file would be read: the same exit code, and the same error
    with `<stdin>` for the file name."""
    raw = data.draw(csv_inputs(table_mutations=(0, 2), text_mutations=(0, 1), bytes_stage=True))
    folder = _fresh(csv_dir)
    source = folder / "book.csv"
    source.write_bytes(raw)
    from_file = run_check(capfd, source, "--engine", "fast", "-q")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    from_stdin = run_check(capfd, "-", "--engine", "fast", "-q", folder=folder)
    where = f"input bytes: {raw[:2000]!r}\nfile: {from_file.describe()}\nstdin: {from_stdin.describe()}"
    assert from_stdin.code == from_file.code, where
    assert "Traceback" not in from_stdin.err, where
    if from_file.code == 2:
        assert [line.replace(str(source), "<stdin>") for line in from_file.error_lines] == from_stdin.error_lines, where
    else:
        assert decisions(from_file.out) == decisions(from_stdin.out), where


def _regression_cases() -> list[Path]:
    return sorted(FIXTURES.glob("*.csv")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("case", _regression_cases(), ids=lambda p: p.name)
def test_regressions_found_by_fuzzing(capfd, tmp_path, case):
    """Minimal inputs the fuzzer found (tests/fuzz/*.csv), checked with the same properties."""
    for output in (False, True):
        assert_engines_agree(capfd, _fresh(tmp_path), case.read_bytes(), output=output, quiet=True)


# ------------------------------------------------------------------------------------------- RDF tests

REMOTE_CONTEXTS = ["http://127.0.0.1:9/ctx", "https://127.0.0.1:9/ctx.jsonld", "http://localhost:9/",
                   "ctx.jsonld", "file:///etc/passwd", "//127.0.0.1:9/ctx"]
RDF_MUTATIONS = ["drop_triple", "second_destination", "same_label", "second_end_user_type", "two_transaction_types",
                 "second_date", "bad_date", "bad_boolean", "exception_license", "unknown_destination",
                 "unknown_end_user", "second_label", "untyped_end_user", "drop_triple", "none"]


@st.composite
def rdf_books(draw):
    """The checked records of a small valid book (one to three exports)."""
    found = draw(st.lists(rows, min_size=1, max_size=3))
    vocab = vocabulary()
    return [check_values(dict(row, id=f"rdf-{n}"), vocab, "generated", n, dt.date.fromisoformat(AS_OF))
            for n, row in enumerate(found, start=1)]


def mutate_graph(draw, records, graph) -> None:
    kind = draw(st.sampled_from(RDF_MUTATIONS), label="graph mutation")
    event(f"graph mutation {kind}")
    nodes = [r.iri for r in records]
    node = nodes[_index(draw, len(nodes), "export")]
    if kind == "drop_triple":
        triples = sorted(graph, key=lambda t: tuple(x.n3() for x in t))
        graph.remove(triples[_index(draw, len(triples), "triple")])
    elif kind == "second_destination":
        graph.add((node, WAKG.destination, COUNTRY[draw(st.sampled_from(["DE", "CN", "RU", "UA-43"]))]))
    elif kind == "same_label":
        other = URIRef(str(node) + "-twin") if len(nodes) == 1 else nodes[(nodes.index(node) + 1) % len(nodes)]
        if len(nodes) == 1:
            for _, p, o in list(graph.triples((node, None, None))):
                graph.add((other, p, o))
        graph.remove((other, RDFS.label, None))
        graph.add((other, RDFS.label, graph.value(node, RDFS.label)))
    elif kind == "second_label":
        graph.add((node, RDFS.label, Literal("another")))
    elif kind == "second_end_user_type":
        user = graph.value(node, WAKG.endUser)
        graph.add((user, RDF.type, draw(st.sampled_from([WAKG.GovernmentEndUser, WAKG.NonGovernmentEndUser,
                                                         WAKG.NationalCSIRT]))))
    elif kind == "untyped_end_user":
        user = graph.value(node, WAKG.endUser)
        graph.remove((user, RDF.type, None))
        graph.remove((user, WAKG.assertedEndUserType, None))
    elif kind == "unknown_end_user":
        graph.set((node, WAKG.endUser, WAKG.Nobody))
    elif kind == "two_transaction_types":
        graph.add((node, RDF.type, draw(st.sampled_from([WAKG.Export, WAKG.Reexport, WAKG.DeemedExport]))))
    elif kind == "second_date":
        graph.add((node, WAKG.transactionDate, Literal(dt.date(2023, 1, 2))))
    elif kind == "bad_date":
        graph.set((node, WAKG.transactionDate, Literal(draw(st.sampled_from(
            ["2024-02-30", "9999-12-31", "1900-01-01", "yesterday", "2024-1-5", ""])), datatype=rdfns.XSD.date)))
    elif kind == "bad_boolean":
        graph.set((node, WAKG.involvesDigitalArtifacts, Literal("maybe", datatype=rdfns.XSD.boolean)))
    elif kind == "exception_license":
        graph.set((node, WAKG.licenseNumber, Literal(draw(st.sampled_from(["ACE", "garbage", "D1234567", "nlr"])))))
    elif kind == "unknown_destination":
        graph.set((node, WAKG.destination, COUNTRY[draw(st.sampled_from(["ZZ", "Narnia", "UA-99"]))]))


def _with_remote_context(draw, document, url: str):
    """The JSON-LD document with a remote context somewhere a JSON-LD processor would load it."""
    where = draw(st.sampled_from(["top", "top-list", "import", "node", "scoped"]), label="context at")
    nodes = document if isinstance(document, list) else document.get("@graph", [document])
    if where == "top":
        return {"@context": url, "@graph": nodes}
    if where == "top-list":
        return {"@context": [{"ex": "http://example.org/"}, url], "@graph": nodes}
    if where == "import":
        return {"@context": {"@version": 1.1, "@import": url}, "@graph": nodes}
    if where == "node":
        nodes = [dict(n) for n in nodes]
        nodes[_index(draw, len(nodes), "node")]["@context"] = url
        return nodes
    return {"@context": {"@version": 1.1, "wakgDestination": {"@id": str(WAKG.destination), "@context": url}},
            "@graph": nodes}


# (hypothesis draws the first elements of a list more often: the mutations come first)
JSON_KINDS = ["deep_arrays", "deep_objects", "long_number", "odd_number", "duplicate_key", "none", "none"]


def mutate_json(draw, text: str) -> tuple[str, str]:
    """JSON text a JSON-LD processor must survive: deep nesting, numbers Python will not convert, NaN,
    a key given twice."""
    kind = draw(st.sampled_from(JSON_KINDS), label="json mutation")
    event(f"json mutation {kind}")
    if kind == "deep_arrays":
        depth = draw(st.sampled_from([100_000, 2000, 900, 50]), label="depth")
        return "[" * depth + text + "]" * depth, kind
    if kind == "deep_objects":
        depth = draw(st.sampled_from([20_000, 2000, 900, 50]), label="depth")
        return '{"@graph": ' * depth + text + "}" * depth, kind
    extra = {"long_number": "1" * draw(st.sampled_from([4301, 10_000, 4300, 20]), label="digits"),
             "odd_number": draw(st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0", "1E-400"])),
             "duplicate_key": '"dup", "@id": "https://example.org/twice"'}.get(kind)
    if extra is None:
        return text, kind
    return '{"@id": "https://example.org/extra", "https://example.org/p": ' + extra + ', "@included": ' + text + "}", kind


@pytest.fixture(scope="module")
def rdf_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-rdf")


@pytest.fixture()
def no_network(monkeypatch):
    """Any connection attempted in this process is recorded and fails."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def _run_rdf(capfd, rdf_dir, no_network, data, text: str, fmt: str) -> tuple[Run, bytes, str]:
    """Corrupt the text now and then, run the reference engine on it; properties (a) and (c)."""
    kind = data.draw(st.sampled_from(["none"] * 6 + ["truncate", "insert_char", "utf-16", "bad_bytes"]), label="text")
    if kind == "truncate":
        text = text[:data.draw(st.integers(0, len(text)), label="cut at")]
    elif kind == "insert_char":
        pos = data.draw(st.integers(0, len(text)), label="position")
        text = text[:pos] + _unicode(data.draw) + text[pos:]
    raw = text.encode("utf-16" if kind == "utf-16" else "utf-8", errors="surrogatepass")
    if kind == "bad_bytes":
        pos = data.draw(st.integers(0, len(raw)), label="byte position")
        raw = raw[:pos] + data.draw(st.sampled_from(BAD_BYTES)) + raw[pos:]
    folder = _fresh(rdf_dir)
    source = folder / f"book.{fmt}"
    source.write_bytes(raw)
    output = data.draw(st.booleans(), label="-o")
    out_fmt = data.draw(st.sampled_from(["csv", "jsonl", "json", "text", "ttl"]), label="format")
    run = run_check(capfd, source, "--engine", "reference", "-q", output=output, fmt=out_fmt)
    note(f"input bytes: {raw[:3000]!r}\n{run.describe()}")
    assert_sane(run, source, raw, output)
    assert not no_network, f"a connection was attempted: {no_network}\ninput bytes: {raw[:3000]!r}\n{run.describe()}"
    return run, raw, kind


@settings(FUZZ, max_examples=60)
@given(st.data())
def test_rdf_books(capfd, rdf_dir, no_network, data):
    """Turtle and JSON-LD books of export individuals, mutated as graphs (a triple dropped, a second
    destination, a shared rdfs:label, two end-user types, ill-typed literals, ...) and as text: properties (a)
    and (c) with the reference engine."""
    records = data.draw(rdf_books())
    graph = records_to_graph(records)
    for _ in range(data.draw(st.integers(1, 3), label="graph mutations")):
        mutate_graph(data.draw, records, graph)
    fmt = data.draw(st.sampled_from(["ttl", "jsonld"]), label="syntax")
    text = graph.serialize(format="turtle" if fmt == "ttl" else "json-ld")
    _run_rdf(capfd, rdf_dir, no_network, data, text, fmt)


@settings(FUZZ, max_examples=50)
@given(st.data())
def test_jsonld_documents(capfd, rdf_dir, no_network, data):
    """JSON-LD books (valid graphs) with remote contexts anywhere a processor would load one, deep nesting and
    numbers Python will not convert: properties (a) and (c); a remote context is refused (exit 2, field
    '@context') without a connection."""
    records = data.draw(rdf_books())
    document = json.loads(records_to_graph(records).serialize(format="json-ld"))
    remote = None
    if data.draw(st.booleans(), label="remote context"):
        remote = data.draw(st.sampled_from(REMOTE_CONTEXTS), label="url")
        document = _with_remote_context(data.draw, document, remote)
    text = json.dumps(document, indent=data.draw(st.sampled_from([None, 2])), ensure_ascii=data.draw(st.booleans()))
    text, json_kind = mutate_json(data.draw, text)
    run, _, kind = _run_rdf(capfd, rdf_dir, no_network, data, text, "jsonld")
    if remote is not None and kind == "none" and json_kind == "none":
        assert run.code == 2 and "@context" in run.error_lines[0], run.describe()


@pytest.mark.parametrize("case", sorted(FIXTURES.glob("*.ttl")) + sorted(FIXTURES.glob("*.jsonld")),
                         ids=lambda p: p.name)
def test_rdf_regressions_found_by_fuzzing(capfd, tmp_path, case):
    """Minimal RDF inputs the fuzzer found (tests/fuzz/*.ttl, *.jsonld), checked with properties (a) and (c)."""
    source = tmp_path / case.name
    source.write_bytes(case.read_bytes())
    for output in (False, True):
        run = run_check(capfd, source, "--engine", "reference", "-q", output=output)
        assert_sane(run, source, case.read_bytes(), output)


def test_a_remote_jsonld_context_is_refused_by_a_real_process_without_connecting(tmp_path):
    """The same in a `wakg` process: a listening socket sees no connection, and nothing is written."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    records = [check_values(dict(EXAMPLE_ROWS[0], id="remote"), vocabulary(), "x", 1, dt.date(2025, 6, 1))]
    document = json.loads(records_to_graph(records).serialize(format="json-ld"))
    source = tmp_path / "book.jsonld"
    out = tmp_path / "out.csv"
    try:
        for context in (f"http://127.0.0.1:{port}/ctx", {"@import": f"http://127.0.0.1:{port}/ctx"}):
            source.write_text(json.dumps({"@context": context, "@graph": document}), encoding="utf-8")
            run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "check", str(source), "--format", "csv",
                                  "-o", str(out)], capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"})
            assert run.returncode == 2, run
            assert "Traceback" not in run.stderr and run.stdout == "" and not out.exists(), run
            assert run.stderr.startswith(f"wakg: error: {source}, field '@context'"), run.stderr
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        listener.close()

