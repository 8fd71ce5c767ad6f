"""Reading the Consolidated Screening List (Entity List rows) and screening names against it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from wassenaar_kg.errors import InputError
from wassenaar_kg.decide.screening import Screener, normalize
from wassenaar_kg.kg.screening_list import CSV_COLUMNS, read_screening_list

CSL = Path(__file__).parent / "fixtures" / "csl"
EL = "Entity List (EL) - Bureau of Industry and Security"
SDN = "Specially Designated Nationals (SDN) - Treasury Department"
DPL = "Denied Persons List (DPL) - Bureau of Industry and Security"
MEU = "Military End User (MEU) List - Bureau of Industry and Security"
UVL = "Unverified List (UVL) - Bureau of Industry and Security"


def _error(path, *args) -> InputError:
    with pytest.raises(InputError) as info:
        read_screening_list(path, *args)
    return info.value


# ------------------------------------------------------------------------------------------------ reading


def test_current_csv_layout():
    screening = read_screening_list(CSL / "consolidated.csv")
    assert screening.path == str(CSL / "consolidated.csv")
    assert len(screening.digest) == 16 and int(screening.digest, 16) >= 0
    assert screening.skipped == {DPL: 1, MEU: 1, SDN: 2}
    assert screening.records == 8
    names = [e.name for e in screening.entries]
    assert names == [
        "Example Cyber Ltd.",
        "Northwind Intrusion Systems",
        "Sample Surveillance Holdings Zrt",
        "Demo Research Institute 99",
    ]
    cyber, northwind, sample, demo = screening.entries
    assert cyber.alt_names == ("Example Cyber", "ExCy Labs Ltd.")
    assert cyber.countries == ("CY", "IL")
    assert cyber.federal_register_notices == ("83 FR 37423", "87 FR 77505")
    assert cyber.start_date == dt.date(2018, 8, 1) and cyber.end_date is None
    assert cyber.license_requirement == "For all items subject to the EAR. (See §744.11 of the EAR)"
    assert cyber.license_policy == "Presumption of denial."
    assert cyber.source == EL
    assert cyber.source_list_url.endswith("/entity-list")
    assert cyber.origin == str(CSL / "consolidated.csv") and cyber.line == 2
    # a quoted cell holding a line break: the next record starts two physical lines later
    assert northwind.line == 3 and sample.line == 5 and demo.line == 9
    assert northwind.end_date == dt.date(2024, 3, 1)
    assert northwind.alt_names == ("NIS", "Northwind Labs")  # the Federal Register's "; and" is dropped
    assert northwind.license_requirement == "All items subject to the EAR. (See §744.11 of the EAR)"
    assert sample.alt_names == ("Sample Surveillance Holdings Zártkörűen Működő Részvénytársaság",)
    assert sample.countries == ("HU",)
    # only address tails that are two-letter codes count ("China" does not)
    assert demo.countries == ("CN",)
    assert demo.license_requirement.startswith("For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3)")


def test_old_csv_layout_without_id():
    screening = read_screening_list(CSL / "consolidated-old.csv")
    assert screening.skipped == {UVL: 1}
    assert [e.name for e in screening.entries] == ["Example Cyber Ltd.", "Short Source Example Co"]
    short = screening.entries[1]
    assert short.source == "EL" and short.countries == ("SG",) and short.line == 4


def test_json_layout():
    screening = read_screening_list(CSL / "consolidated.json")
    assert screening.skipped == {DPL: 1, SDN: 1}
    cyber, sample = screening.entries
    assert cyber.line == 1 and sample.line == 3
    assert cyber.countries == ("CY", "IL")
    assert cyber.federal_register_notices == ("83 FR 37423", "87 FR 77505")
    assert sample.start_date == dt.date(2023, 7, 18)  # from "2023-07-18T00:00:00"
    assert sample.alt_names == ("Sample Surveillance Holdings Zártkörűen Működő Részvénytársaság",)


def test_key_is_stable_and_content_based():
    current = {e.name: e for e in read_screening_list(CSL / "consolidated.csv").entries}
    old = {e.name: e for e in read_screening_list(CSL / "consolidated-old.csv").entries}
    from_json = {e.name: e for e in read_screening_list(CSL / "consolidated.json").entries}
    key = current["Example Cyber Ltd."].key
    assert len(key) == 16 and int(key, 16) >= 0
    # same content in three files (aliases in another order in the old CSV) -> same key
    assert old["Example Cyber Ltd."].key == key == from_json["Example Cyber Ltd."].key
    assert current["Sample Surveillance Holdings Zrt"].key == from_json["Sample Surveillance Holdings Zrt"].key
    assert len({e.key for e in current.values()}) == len(current)
    assert read_screening_list(CSL / "consolidated.csv").entries[0].key == key  # repeatable


def test_column_order_free_and_extra_columns_ignored(tmp_path):
    path = tmp_path / "shuffled.csv"
    path.write_text(
        "Name , extra_column,SOURCE,start_date,addresses\n"
        'Order Free Ltd,whatever,EL,2022-01-02,"1 Road, Town, DE; 2 Street, City, FR"\n'
        "Someone Else,x,SDN,,\n",
        encoding="utf-8",
    )
    screening = read_screening_list(path)
    (entry,) = screening.entries
    assert entry.name == "Order Free Ltd" and entry.countries == ("DE", "FR")
    assert entry.start_date == dt.date(2022, 1, 2) and entry.alt_names == () and entry.license_policy == ""
    assert screening.skipped == {"SDN": 1}


def test_format_sniffed_without_suffix_and_bare_json_array(tmp_path):
    path = tmp_path / "download"
    path.write_text(json.dumps([{"source": EL, "name": "Sniffed Ltd", "addresses": [{"country": "gr"}]}]))
    (entry,) = read_screening_list(path).entries
    assert entry.name == "Sniffed Ltd" and entry.countries == ("GR",) and entry.line == 1
    csv_path = tmp_path / "download2"
    csv_path.write_bytes(b"\xef\xbb\xbfsource,name\nEL,BOM Ltd\n")  # a byte-order mark is allowed
    assert read_screening_list(csv_path).entries[0].name == "BOM Ltd"


def test_no_entity_list_rows_is_not_an_error(tmp_path):
    path = tmp_path / "sdn-only.csv"
    path.write_text("source,name\nSDN,Somebody Trading\nDPL,Other Trading\n", encoding="utf-8")
    screening = read_screening_list(path)
    assert screening.entries == () and screening.skipped == {"DPL": 1, "SDN": 1}


# ------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "fixture, line, field, words",
    [
        ("unclosed-quote.csv", 3, None, "unclosed quote"),
        ("long-row.csv", 3, None, "30 cells"),
        ("bad-start-date.csv", 3, "start_date", "2021-11-31"),
        ("invalid.json", 4, None, "invalid JSON"),
        ("results-not-a-list.json", None, "results", "must be a list"),
    ],
)
def test_malformed_fixtures(fixture, line, field, words):
    error = _error(CSL / fixture)
    assert error.file == str(CSL / fixture)
    assert error.line == line and error.field == field
    assert words in error.message
    assert str(CSL / fixture) in str(error)


def _write(tmp_path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name, content, line, field, words",
    [
        ("empty.csv", "", None, None, "no records"),
        ("header-only.csv", ",".join(CSV_COLUMNS) + "\n", 1, None, "no records"),
        ("no-name.csv", "source,title\nEL,x\n", 1, "name", "no 'name'"),
        ("no-source.csv", "\n\nname,title\nX,y\n", 3, "source", "no 'source'"),
        ("empty-name.csv", "source,name\nSDN,\nEL,  \n", 3, "name", "empty name"),
        ("bad-end.csv", "source,name,end_date\nEL,X Ltd,01/02/2024\n", 2, "end_date", "01/02/2024"),
        ("latin1.csv", "source,name\nEL,Caf\xe9 Ltd\n".encode("latin-1"), 2, None, "not UTF-8"),
        ("stray.csv", 'source,name\nEL,"X" Ltd\n', 2, None, "malformed CSV"),
        ("twice.csv", "source,name,name\nEL,X,Y\n", 1, "name", "twice"),
        ("empty.json", '{"results": []}', None, "results", "no records"),
        ("no-results.json", '{"data": []}', None, "results", "no 'results'"),
        ("scalar.json", "42", None, None, "expected an object"),
        ("record.json", '{"results": [{"source": "EL", "name": "A"}, "B"]}', None, "results", "record 2"),
        ("aliases.json", '{"results": [{"source": "EL", "name": "A", "alt_names": [1]}]}', None, "alt_names", "list of strings"),
        ("name.json", '[{"source": "EL", "name": ["A"]}]', None, "name", "must be a string"),
        ("addresses.json", '[{"source": "EL", "name": "A", "addresses": ["IL"]}]', None, "addresses", "object"),
        ("date.json", '[{"source": "EL", "name": "A", "start_date": "2021-02-30"}]', None, "start_date", "record 1"),
        ("json-empty-name.json", '[{"source": "Entity List", "name": ""}]', None, "name", "empty name"),
    ],
)
def test_input_errors(tmp_path, name, content, line, field, words):
    path = _write(tmp_path, name, content)
    error = _error(path)
    assert error.file == str(path)
    assert (error.line, error.field) == (line, field)
    assert words in error.message, error.message


def test_missing_file(tmp_path):
    error = _error(tmp_path / "absent.csv")
    assert error.file == str(tmp_path / "absent.csv") and "not found" in error.message


def test_non_entity_list_rows_are_not_validated_but_still_structural(tmp_path):
    # a bad date on an SDN row does not matter: the row is skipped, not parsed
    path = _write(tmp_path, "sdn-date.csv", "source,name,start_date\nSDN,X,not-a-date\nEL,Y,2020-01-01\n")
    assert [e.name for e in read_screening_list(path).entries] == ["Y"]
    # ... but a long SDN row is still a broken file
    path = _write(tmp_path, "sdn-long.csv", "source,name\nSDN,X,extra\n")
    assert _error(path).line == 2


# -------------------------------------------------------------------------------------------- normalize()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("NSO Group", "nso group"),
        ("N.S.O. Group", "n s o group"),
        ("NSO Group Technologies Ltd", "nso group technologies"),
        ("Candiru Ltd.", "candiru"),
        ("INTELLEXA S.A.", "intellexa"),
        ("Intellexa SA", "intellexa"),
        ("Intellexa Anonymi Etaireia", "intellexa"),
        ("Cytrox AD", "cytrox"),
        ("Cytrox Holdings Zrt", "cytrox holdings"),
        ("Cytrox Holdings Zártkörűen Működő Részvénytársaság", "cytrox holdings"),
        ("Computer Security Initiative Consultancy PTE. LTD.", "computer security initiative consultancy"),
        ("Pozitiv Teknolodzhiz, AO", "pozitiv teknolodzhiz"),
        ("Smith & Wesson Co., Ltd.", "smith and wesson"),
        ("Ørsted Møller GmbH", "orsted moller"),
        ("O'Brien Trading", "obrien trading"),
        ("  Example\tCyber   Limited ", "example cyber"),
        ("Ltd", "ltd"),  # only corporate words: they are kept
        ("S.A.", "s a"),
        ("Tech Ltd", "tech"),
        ("", ""),
        ("---", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


# --------------------------------------------------------------------------------------------- screening

SPYWARE = [
    ("el:nso", "NSO Group", []),
    (
        "el:candiru",
        "Candiru",
        [
            "Candiru Ltd.",
            "DF Associates Ltd.",
            "Grindavik Solutions Ltd.",
            "Taveta Ltd.",
            "Saito Tech Ltd.",
            "Greenwick Solutions",
            "Tabatha Ltd.",
        ],
    ),
    ("el:positive", "Positive Technologies", []),
    ("el:coseinc", "Computer Security Initiative Consultancy PTE. LTD.", ["COSEINC"]),
    ("el:intellexa-sa", "Intellexa S.A.", ["Intellexa Anonymi Etaireia"]),
    ("el:intellexa-ltd", "Intellexa Limited", ["Intellexa Ltd"]),
    ("el:cytrox", "Cytrox AD", ["Sytrox"]),
    ("el:cytrox-holdings", "Cytrox Holdings Zrt", ["Cytrox Holdings Zartkoruen Mukodo Reszvenytarsasag"]),
    (
        "el:pozitiv",
        "Aktsionernoe Obshchestvo Pozitiv Teknolodzhiz",
        ["JSC Positive Technologies", "Pozitiv Teknolodzhiz, AO"],
    ),
]


@pytest.fixture(scope="module")
def screener():
    return Screener(SPYWARE)


def _hits(result):
    return {m.entry for m in result.hits}


def _possible(result):
    return {m.entry for m in result.possible}


@pytest.mark.parametrize(
    "name, hits",
    [
        ("NSO Group", {"el:nso"}),
        ("nso group", {"el:nso"}),
        ("Candiru Ltd.", {"el:candiru"}),
        ("Saito Tech Ltd", {"el:candiru"}),
        ("Intellexa SA", {"el:intellexa-sa", "el:intellexa-ltd"}),
        ("INTELLEXA S.A.", {"el:intellexa-sa", "el:intellexa-ltd"}),
        ("Cytrox", {"el:cytrox"}),
        ("Cytrox Holdings Zártkörűen Működő Részvénytársaság", {"el:cytrox-holdings"}),
        ("Cytrox Holdings", {"el:cytrox-holdings"}),
        ("Positive Technologies", {"el:positive", "el:pozitiv"}),
        ("Computer Security Initiative Consultancy Pte. Ltd.", {"el:coseinc"}),
        ("COSEINC", {"el:coseinc"}),
        ("Sytrox", {"el:cytrox"}),
    ],
)
def test_hits(screener, name, hits):
    result = screener.screen(name)
    assert _hits(result) == hits
    assert all(m.score == 100.0 for m in result.hits)
    assert not _hits(result) & _possible(result)  # a hit is never repeated as a possible match


def test_hit_reports_listed_and_matched_names(screener):
    (saito,) = screener.screen("Saito Tech Ltd").hits
    assert saito.listed_name == "Candiru" and saito.matched_name == "Saito Tech Ltd."
    (candiru,) = screener.screen("Candiru Ltd.").hits
    assert candiru.matched_name == "Candiru"  # primary preferred when primary and alias fold alike
    (coseinc,) = screener.screen("COSEINC").hits
    assert coseinc.listed_name == "Computer Security Initiative Consultancy PTE. LTD."
    assert coseinc.matched_name == "COSEINC"
    (holdings,) = screener.screen("Cytrox Holdings Zártkörűen Működő Részvénytársaság").hits
    assert holdings.listed_name == "Cytrox Holdings Zrt"


@pytest.mark.parametrize(
    "name, possible",
    [
        ("N.S.O. Group", {"el:nso"}),
        ("NSO Group Technologies Ltd", {"el:nso"}),
        ("Positive Technology", {"el:positive", "el:pozitiv"}),
        ("Candiry", {"el:candiru"}),  # one-letter typo in a distinctive word
        ("Greenwick Solution", {"el:candiru"}),
        ("Holdings Cytrox", {"el:cytrox-holdings", "el:cytrox"}),  # word order; "cytrox" contained
    ],
)
def test_possible_matches(screener, name, possible):
    result = screener.screen(name)
    assert result.hits == ()
    assert _possible(result) == possible
    assert all(Screener.POSSIBLE_MIN <= m.score < 100.0 for m in result.possible)


def test_hit_with_related_possible(screener):
    result = screener.screen("Cytrox")
    assert _hits(result) == {"el:cytrox"}
    assert _possible(result) == {"el:cytrox-holdings"}  # "cytrox" is contained in "cytrox holdings"


@pytest.mark.parametrize(
    "name", ["Siemens AG", "Acme Bank", "Group", "Ltd", "", "   ", "Tech Ltd", "Holdings", "Solutions", "N.S.O.", "Saito"]
)
def test_clear(screener, name):
    result = screener.screen(name)
    assert result.hits == () and result.possible == ()
    assert not result


def test_memoised(screener):
    first = screener.screen("Positive Technology")
    assert screener.screen("Positive Technology") is first
    assert screener.screen("") is screener.screen("")


def test_order_is_deterministic():
    results = set()
    for candidates in (SPYWARE, list(reversed(SPYWARE))):
        screener = Screener(candidates)
        result = screener.screen("Intellexa SA")
        results.add(tuple((m.entry, m.matched_name, m.score) for m in result.hits))
        possible = screener.screen("Positive Technology").possible
        assert [m.score for m in possible] == sorted((m.score for m in possible), reverse=True)
        results.add(tuple((m.entry, m.matched_name, m.score) for m in possible))
    assert len(results) == 2  # one tuple for the hits, one for the possible matches, whatever the input order
    hits = Screener(SPYWARE).screen("Intellexa SA").hits
    assert [m.listed_name for m in hits] == ["Intellexa Limited", "Intellexa S.A."]


def test_screener_over_a_read_list():
    entries = read_screening_list(CSL / "consolidated.csv").entries
    screener = Screener((f"urn:el:{e.key}", e.name, e.alt_names) for e in entries)
    assert len(screener) == 4
    (hit,) = screener.screen("EXCY LABS LIMITED").hits
    assert hit.listed_name == "Example Cyber Ltd." and hit.matched_name == "ExCy Labs Ltd."
    (hit,) = screener.screen("Sample Surveillance Holdings").hits
    assert hit.listed_name == "Sample Surveillance Holdings Zrt"
    assert _possible(screener.screen("Northwind Intrusion System"))  # one letter short


def test_initials_count_as_one_word(screener):
    result = screener.screen("N.S.O. Group Technologies")
    assert result.hits == () and _possible(result) == {"el:nso"}


def test_candidates_without_aliases_and_repeated_ids():
    screener = Screener([("a", "Example Cyber Ltd", None), ("b", "Other Name", "Example Cyber Labs"), ("a", "ExCy", [])])
    assert len(screener) == 2
    assert _hits(screener.screen("EXCY")) == {"a"}
    assert _hits(screener.screen("example cyber labs")) == {"b"}
    assert _possible(screener.screen("example cyber labs")) == {"a"}  # "example cyber" is contained
