"""`wakg query` takes its input the way a person writes it, and refuses what it must not run.

Parameters are typed and normalised (country names and codes in any case, Country Groups as E1 or e:1, ECCNs
in any case, end-user classes by local name or label), with Hong Kong read as China from the date the graph
says the EAR treats it so; an unknown value is a clean error (exit 2) that lists what the graph has. A query
is stopped at --timeout, Ctrl-C ends it at once, SERVICE is refused unless --allow-service, SPARQL UPDATE is
refused, CONSTRUCT / DESCRIBE print RDF, ASK prints true / false, and a syntax error names its line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from wassenaar_kg.analyst import reasoned
from wassenaar_kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = "2026-07-23"
COUNTRY = "https://w3id.org/wassenaar-kg/id/country/"
WAKG = "https://w3id.org/wassenaar-kg/ontology#"


@pytest.fixture(scope="module", autouse=True)
def built_once():
    """The reasoned graph of a date is built once for this module (each run still builds its own store)."""
    cache: dict = {}
    original = reasoned.build

    def build(as_of, data=None):
        key = (as_of, str(data))
        if key not in cache:
            cache[key] = original(as_of, data)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reasoned, "build", build)
        yield


def wakg(capsys, *args):
    """(exit code, stdout, stderr) of `wakg query ARGS` run in this process."""
    code = main(["query", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(text: str) -> list[list[str]]:
    """The rows of a --format csv output."""
    return list(csv.reader(io.StringIO(text)))[1:]


def rq(tmp_path: Path, text: str, name: str = "q.rq") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def children() -> list[int]:
    found = []
    for task in os.listdir("/proc/self/task"):
        try:
            found += [int(c) for c in Path(f"/proc/self/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return [c for c in found if Path(f"/proc/{c}").exists() and "Z" not in _state(c)]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# --- countries ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["Cyprus", "cyprus", "CYP", "cy", " CY "])
def test_country_by_name_or_code_any_case(capsys, spelling):
    code, out, err = wakg(capsys, "country-history", "--param", f"country={spelling}", "--as-of", SNAPSHOT,
                          "--format", "csv")
    assert code == 0, err
    rows = table_rows(out)
    assert rows, "Cyprus has Country Group memberships"
    assert {"A:6", "B"} <= {row[0] for row in rows}
    reference = wakg(capsys, "country-history", "--param", "country=CY", "--as-of", SNAPSHOT, "--format", "csv")[1]
    assert out == reference


def test_unknown_country_is_an_error_that_says_what_is_accepted(capsys):
    code, out, err = wakg(capsys, "country-history", "--param", "country=Narnia", "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert "wakg: error:" in err and "unknown country 'Narnia'" in err
    assert "ISO 3166-1 alpha-2 or alpha-3 code or an English name" in err
    assert "Traceback" not in err
    code, _, err = wakg(capsys, "country-history", "--param", "country=Cyprs", "--as-of", SNAPSHOT)
    assert code == 2 and "did you mean Cyprus?" in err


def test_a_region_is_not_a_country(capsys):
    code, _, err = wakg(capsys, "country-history", "--param", "country=Crimea", "--as-of", SNAPSHOT)
    assert code == 2 and "is a region (UA-43), not a country" in err


def _hk_treatment():
    """(treated as, valid from) of Hong Kong's treatment, read from the graph."""
    from wassenaar_kg.kg.reference import reference_graph

    kg = reference_graph()
    fact = next(kg.subjects(URIRef(WAKG + "treatedDestination"), URIRef(COUNTRY + "HK")))
    target = str(kg.value(fact, URIRef(WAKG + "treatedAs")))[len(COUNTRY):]
    return target, dt.date.fromisoformat(str(kg.value(fact, URIRef(WAKG + "validFrom"))))


@pytest.mark.parametrize("spelling", ["HK", "hk", "Hong Kong", "HKG"])
def test_hong_kong_is_read_as_china_from_the_treatment_date(capsys, spelling):
    target, since = _hk_treatment()
    assert (target, since) == ("CN", dt.date(2020, 12, 23))
    code, out, err = wakg(capsys, "ace-restrictions", "--param", f"country={spelling}", "--as-of", SNAPSHOT,
                          "--format", "csv")
    assert code == 0, err
    notices = [line for line in err.splitlines() if "treated as" in line]
    assert len(notices) == 1
    assert f"HK is treated as CN under the EAR from {since.isoformat()} (source " in notices[0]
    assert "ecfr" in notices[0]  # the official source is named first
    rows = table_rows(out)
    assert rows and all(row[2].startswith("China is in Country Group") for row in rows)
    assert out == wakg(capsys, "ace-restrictions", "--param", "country=CN", "--as-of", SNAPSHOT, "--format", "csv")[1]


def test_hong_kong_before_the_treatment_stays_hong_kong(capsys):
    _, since = _hk_treatment()
    before = (since - dt.timedelta(days=1)).isoformat()
    code, out, err = wakg(capsys, "country-history", "--param", "country=HK", "--as-of", before, "--format", "csv")
    assert code == 0, err
    assert "treated as" not in err
    # the query's own date parameter decides, not only --as-of
    code, _, err = wakg(capsys, "ace-restrictions", "--param", "country=HK", "--param", f"as_of={before}",
                        "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0 and "treated as" not in err


# --- Country Groups, ECCNs, end-user classes, Wassenaar entries ----------------------------------------------

@pytest.mark.parametrize("spelling", ["e:1", "E1", "E:1", "e1", "e 1", "E-1", "Country Group E:1"])
def test_country_group_spellings(capsys, spelling):
    code, out, err = wakg(capsys, "country-group-members", "--param", f"group={spelling}", "--as-of", SNAPSHOT,
                          "--format", "csv")
    assert code == 0, err
    assert {row[0] for row in table_rows(out)} == {"IR", "KP", "SY"}


def test_country_group_d5_with_a_space(capsys):
    code, out, _ = wakg(capsys, "country-group-members", "--param", "group=d 5", "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0 and "CN" in {row[0] for row in table_rows(out)}


def test_unknown_country_group_lists_the_groups(capsys):
    code, out, err = wakg(capsys, "country-group-members", "--param", "group=Z:9", "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert "unknown Country Group 'Z:9'" in err
    listed = err.split("the graph has:", 1)[1]
    assert all(group in listed for group in ("A:1", "A:6", "B", "D:1", "D:5", "E:1", "E:2"))


@pytest.mark.parametrize("spelling", ["4d004", " 4D004 "])
def test_eccn_any_case(capsys, spelling):
    code, out, err = wakg(capsys, "license-destinations", "--param", f"eccn={spelling}", "--as-of", SNAPSHOT,
                          "--format", "csv")
    assert code == 0, err
    codes = {row[0] for row in table_rows(out)}
    assert {"CN", "RU", "IR"} <= codes


def test_eccn_paragraph_any_case(capsys):
    code, out, err = wakg(capsys, "license-destinations", "--param", "eccn=5a001.J", "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0, err
    assert table_rows(out)


def test_unknown_eccn_lists_the_eccns(capsys):
    code, out, err = wakg(capsys, "license-destinations", "--param", "eccn=9Z999", "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert "unknown ECCN '9Z999'" in err
    assert all(eccn in err for eccn in ("4A005", "4D004", "5A001.j", "5D002"))


@pytest.mark.parametrize("spelling", ["policeorjudicialbody", "PoliceOrJudicialBody", "police or judicial body",
                                      "wakg:PoliceOrJudicialBody", "POLICE_OR_JUDICIAL_BODY"])
def test_end_user_class_any_case(capsys, spelling):
    code, out, err = wakg(capsys, "ace-restrictions", "--param", "country=IL", "--param", f"end_user={spelling}",
                          "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0, err
    rows = table_rows(out)
    assert {row[0] for row in rows} == {"15 CFR 740.22(c)(1)(ii)", "15 CFR 740.22(c)(1)(ii)(A)"}
    assert all("police or judicial body" in row[2] for row in rows)


def test_unknown_end_user_class_lists_the_classes(capsys):
    code, _, err = wakg(capsys, "ace-restrictions", "--param", "end_user=Pirate", "--as-of", SNAPSHOT)
    assert code == 2
    assert "unknown end-user class 'Pirate'" in err
    assert all(name in err for name in ("GovernmentEndUser", "NonGovernmentEndUser", "PoliceOrJudicialBody"))


def test_wassenaar_entry_spellings(capsys):
    code, out, err = wakg(capsys, "implementations-of-entry", "--param", "entry=4a5", "--as-of", SNAPSHOT,
                          "--format", "csv")
    assert code == 0, err
    assert out == wakg(capsys, "implementations-of-entry", "--param", "entry=4.A.5", "--as-of", SNAPSHOT,
                       "--format", "csv")[1]
    assert table_rows(out)
    code, _, err = wakg(capsys, "implementations-of-entry", "--param", "entry=9.Z.9", "--as-of", SNAPSHOT)
    assert code == 2 and "unknown Wassenaar entry" in err and "4.A.5" in err


def test_list_shows_the_parameter_types(capsys):
    code, out, _ = wakg(capsys, "--list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "country:country=CN" in lines["ace-restrictions"]
    assert "end_user:end_user_class=GovernmentEndUser" in lines["ace-restrictions"]
    assert "group:country_group=D:5" in lines["country-group-members"]
    assert "eccn:eccn=4D004" in lines["license-destinations"]


# --- plain parameter types and names --------------------------------------------------------------------------

TYPED = """#+ params:
#+   - name: n
#+     type: integer
#+     default: "1"
#+   - name: d
#+     type: decimal
#+     default: "0.5"
#+   - name: i
#+     type: iri
#+     default: "wakg:EndUser"
#+   - name: day
#+     type: date
#+     default: as-of
SELECT ?_n ?_d ?_i ?_day WHERE { }
"""


def test_typed_parameters_are_bound_as_typed_terms(capsys, tmp_path):
    path = rq(tmp_path, TYPED)
    code, out, err = wakg(capsys, path, "--param", "n=+42", "--param", "d=.25", "--param", "i=country:CY",
                          "--as-of", SNAPSHOT, "--format", "json")
    assert code == 0, err
    binding = json.loads(out)["results"]["bindings"][0]
    assert binding["_n"] == {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert binding["_d"]["value"] == "0.25" and binding["_d"]["datatype"].endswith("#decimal")
    assert binding["_i"] == {"type": "uri", "value": COUNTRY + "CY"}
    assert binding["_day"]["value"] == SNAPSHOT and binding["_day"]["datatype"].endswith("#date")


@pytest.mark.parametrize("param, expected", [
    ("n=1.5", "'1.5' is not an integer"),
    ("n=1_000", "'1_000' is not an integer"),
    ("d=1e5", "'1e5' is not a decimal number"),
    ("d=nan", "'nan' is not a decimal number"),
    ("i=not an iri", "is not an absolute IRI"),
    ("i=nosuchprefix:x", "is not an absolute IRI"),
    ("day=2024-02-30", "'2024-02-30' is not a date"),
    ("day=20240101", "'20240101' is not a date"),
])
def test_bad_typed_values_are_clean_errors(capsys, tmp_path, param, expected):
    code, out, err = wakg(capsys, rq(tmp_path, TYPED), "--param", param, "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert err.startswith("wakg: error: --param, field") and expected in err
    assert "Traceback" not in err


def test_unknown_parameter_lists_the_query_parameters(capsys):
    code, _, err = wakg(capsys, "country-group-members", "--param", "grup=E:1", "--as-of", SNAPSHOT)
    assert code == 2
    assert "unknown parameter(s) grup" in err and "group (country_group)" in err and "as_of (date)" in err


def test_a_parameter_given_twice_is_an_error(capsys):
    code, _, err = wakg(capsys, "country-group-members", "--param", "group=E:1", "--param", "group=E:2")
    assert code == 2 and "'group' is given twice" in err


# --- the time limit and Ctrl-C --------------------------------------------------------------------------------

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n"


def test_a_query_that_runs_too_long_is_stopped(capsys, tmp_path):
    path = rq(tmp_path, CARTESIAN)
    wakg(capsys, "participating-states", "--as-of", SNAPSHOT)  # the graph is built outside the timed part
    before = set(children())  # earlier tests may leave worker processes of their own
    start = time.monotonic()
    code, out, err = wakg(capsys, path, "--timeout", "1", "--as-of", SNAPSHOT)
    elapsed = time.monotonic() - start
    assert code == 2 and out == ""
    assert "wakg: error: --timeout: the query ran longer than 1 s and was stopped" in err
    assert elapsed < 6, f"took {elapsed:.1f} s"
    assert set(children()) - before == set(), "the query process is left running"


def test_timeout_zero_is_no_limit_and_a_negative_one_is_an_error(capsys):
    code, out, _ = wakg(capsys, "participating-states", "--timeout", "0", "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0 and len(table_rows(out)) == 42
    code, _, err = wakg(capsys, "participating-states", "--timeout", "-1")
    assert code == 2 and "--timeout" in err


def test_the_limit_does_not_change_the_results(capsys):
    limited = wakg(capsys, "participating-states", "--as-of", SNAPSHOT, "--format", "json")
    unlimited = wakg(capsys, "participating-states", "--as-of", SNAPSHOT, "--format", "json", "--timeout", "0")
    assert limited[0] == unlimited[0] == 0 and limited[1] == unlimited[1]


def test_ctrl_c_ends_a_long_query_at_once(tmp_path):
    path = rq(tmp_path, CARTESIAN)
    process = subprocess.Popen([sys.executable, "-m", "wassenaar_kg", "query", str(path), "--as-of", SNAPSHOT],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        kids: list[int] = []
        while not kids and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            try:
                kids = [int(c) for t in os.listdir(f"/proc/{process.pid}/task")
                        for c in Path(f"/proc/{process.pid}/task/{t}/children").read_text().split()]
            except OSError:
                pass
        assert kids, "the query never started in a child process"
        time.sleep(0.3)
        start = time.monotonic()
        process.send_signal(signal.SIGINT)  # to wakg only: it must end its child itself
        code = process.wait(timeout=10)
        elapsed = time.monotonic() - start
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read().decode()
    assert code == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    time.sleep(0.2)
    assert not [k for k in kids if _state(k) not in ("Z",) and Path(f"/proc/{k}").exists()], "the child survived"


# --- SERVICE ----------------------------------------------------------------------------------------------------

SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }\n"


@pytest.mark.parametrize("text", [
    SERVICE,
    "select * where { ?s ?p ?o OPTIONAL { service silent <http://127.0.0.1:9/> { ?s ?p ?x } } }\n",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE ?endpoint { ?s ?p ?o } } VALUES ?endpoint { <http://127.0.0.1:9/> } }\n",
    "PREFIX s: <http://127.0.0.1:9/>\nASK {\n  # a comment\n  SERVICE s: { ?s ?p ?o }\n}\n",
    "SELECT * WHERE { FILTER(?a<?b)SERVICE#>\n<http://127.0.0.1:9/>{?s ?p ?o} }\n",
], ids=["plain", "lowercase-silent-optional", "in-filter-exists", "prefixed-ask", "behind-a-less-than"])
def test_service_is_refused(capsys, tmp_path, text):
    code, out, err = wakg(capsys, rq(tmp_path, text), "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert "SERVICE (federated query) reaches the network; pass --allow-service to allow it" in err
    assert "port" not in err  # refused before Oxigraph tried the endpoint


@pytest.mark.parametrize("text", [
    'SELECT ?x WHERE { BIND ("SERVICE <http://127.0.0.1:9/> { }" AS ?x) }\n',
    "# SERVICE <http://127.0.0.1:9/> in a comment\nSELECT ?x WHERE { BIND (<http://example.org/SERVICE> AS ?x) }\n",
    "PREFIX service: <http://example.org/service/>\nSELECT ?x WHERE { BIND (service:SERVICE AS ?x) }\n",
    'SELECT ?service WHERE { BIND ("""a\nSERVICE""" AS ?service) }\n',
])
def test_the_word_service_elsewhere_is_fine(capsys, tmp_path, text):
    code, out, err = wakg(capsys, rq(tmp_path, text), "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0, err
    assert len(table_rows(out)) == 1


def test_allow_service_runs_it(capsys, tmp_path):
    # Oxigraph refuses port 9 (discard) itself, so nothing leaves the machine; the failure is a clean error
    code, out, err = wakg(capsys, rq(tmp_path, SERVICE), "--allow-service", "--as-of", SNAPSHOT, "--timeout", "10")
    assert code == 2 and out == ""
    assert "the query failed" in err and "--allow-service" not in err
    assert "Traceback" not in err


# --- query forms: CONSTRUCT, DESCRIBE, ASK; UPDATE; syntax errors -------------------------------------------

CONSTRUCT = """PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?c rdfs:label ?name ; wakg:inCountryGroup ?g } WHERE { ?c wakg:isoAlpha2 "CY" ; rdfs:label ?name ; wakg:inCountryGroup ?g }
"""


def test_construct_prints_turtle(capsys, tmp_path):
    code, out, err = wakg(capsys, rq(tmp_path, CONSTRUCT), "--as-of", SNAPSHOT)
    assert code == 0, err
    assert "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ." in out
    graph = Graph().parse(data=out, format="turtle")
    labels = set(graph.objects(URIRef(COUNTRY + "CY"), URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert {str(label) for label in labels} == {"Cyprus"}
    assert len(graph) >= 4  # the label and the groups (A:3, A:4, A:6, B)


@pytest.mark.parametrize("rdf_format, parse", [
    ("ntriples", ox.RdfFormat.N_TRIPLES), ("nquads", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG),
    ("jsonld", ox.RdfFormat.JSON_LD), ("rdfxml", ox.RdfFormat.RDF_XML), ("turtle", ox.RdfFormat.TURTLE),
])
def test_construct_in_each_rdf_format(capsys, tmp_path, rdf_format, parse):
    code, out, err = wakg(capsys, rq(tmp_path, CONSTRUCT), "--rdf-format", rdf_format, "--format", "csv",
                          "--as-of", SNAPSHOT)
    assert code == 0, err
    quads = list(ox.parse(out.encode(), format=parse))
    assert len(quads) >= 4 and any(q.subject == ox.NamedNode(COUNTRY + "CY") for q in quads)


def test_describe_prints_the_description(capsys, tmp_path):
    code, out, err = wakg(capsys, rq(tmp_path, f"DESCRIBE <{COUNTRY}CY>\n"), "--as-of", SNAPSHOT)
    assert code == 0, err
    graph = Graph().parse(data=out, format="turtle")
    assert str(graph.value(URIRef(COUNTRY + "CY"), URIRef(WAKG + "isoAlpha3"))) == "CYP"


def test_construct_to_a_file(capsys, tmp_path):
    target = tmp_path / "out.nt"
    code, out, err = wakg(capsys, rq(tmp_path, CONSTRUCT), "--rdf-format", "ntriples", "-o", target,
                          "--as-of", SNAPSHOT)
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert len(Graph().parse(target, format="nt")) >= 4


ASK = 'PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>\nASK { ?c wakg:isoAlpha2 "%s" }\n'


def test_ask_prints_true_or_false(capsys, tmp_path):
    assert wakg(capsys, rq(tmp_path, ASK % "CY"), "--as-of", SNAPSHOT)[:2] == (0, "true\n")
    assert wakg(capsys, rq(tmp_path, ASK % "QQ"), "--as-of", SNAPSHOT)[:2] == (0, "false\n")
    code, out, _ = wakg(capsys, rq(tmp_path, ASK % "CY"), "--as-of", SNAPSHOT, "--format", "json")
    assert code == 0 and json.loads(out) == {"head": {}, "boolean": True}
    code, out, _ = wakg(capsys, rq(tmp_path, ASK % "QQ"), "--as-of", SNAPSHOT, "--format", "csv")
    assert code == 0 and out.strip() == "false"


@pytest.mark.parametrize("text", [
    "PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>\nINSERT DATA { wakg:a wakg:b wakg:c }\n",
    "DELETE WHERE { ?s ?p ?o }\n",
    "delete { ?s ?p ?o } insert { ?s ?p 1 } where { ?s ?p ?o }\n",
    "LOAD <http://127.0.0.1:9/data.ttl>\n",
    "CLEAR ALL\n", "DROP GRAPH <urn:x>\n", "CREATE GRAPH <urn:x>\n",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }\n",
    "# SELECT in a comment\nBASE <http://example.org/>\nADD <a> TO <b>\n",
])
def test_update_is_refused(capsys, tmp_path, text):
    code, out, err = wakg(capsys, rq(tmp_path, text), "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert "wakg query is read-only: SPARQL UPDATE is not run" in err
    assert "syntax" not in err


def test_syntax_error_names_the_line(capsys, tmp_path):
    text = ("PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>\n"
            "SELECT ?s WHERE {\n"
            "  ?s wakg:isoAlpha2 ?code .\n"
            "  FILTER (?code = )\n"
            "}\n")
    path = rq(tmp_path, text)
    code, out, err = wakg(capsys, path, "--as-of", SNAPSHOT)
    assert code == 2 and out == ""
    assert err.startswith(f"wakg: error: {path}, line 4: SPARQL syntax error at column")
    assert "Traceback" not in err


def test_syntax_error_column_in_a_parameterised_query(capsys, tmp_path):
    """The VALUES block that binds parameters does not shift the reported column."""
    text = ("#+ params:\n#+   - name: country\n#+     type: country\n#+     default: CY\n"
            "PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>\n"
            "SELECT ?s WHERE { ?s wakg:isoAlpha2 ?_country ; wakg:nope ?x ?y }\n")
    code, _, err = wakg(capsys, rq(tmp_path, text), "--as-of", SNAPSHOT)
    assert code == 2
    assert ", line 6: SPARQL syntax error at column" in err
    column = int(err.split("at column ", 1)[1].split(":")[0].split(",")[0])
    assert column <= len(text.splitlines()[5]) + 1


def test_syntax_error_column_after_two_values_blocks_on_one_line(capsys, tmp_path):
    """A parameter used in a UNION branch is bound there too; both blocks are taken off the column."""
    text = ("#+ params:\n#+   - name: country\n#+     type: country\n#+     default: CY\n"
            "PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>\n"
            "SELECT ?s WHERE { { ?s wakg:isoAlpha2 ?_country } UNION { ?s a wakg:X } ?s ?p ?o ?q }\n")
    code, _, err = wakg(capsys, rq(tmp_path, text), "--as-of", SNAPSHOT)
    assert code == 2
    column = int(err.split("at column ", 1)[1].split(":")[0].split(",")[0])
    assert text.splitlines()[5][column - 1:].startswith("?q"), err


PARAMETERISED = """#+ params:
#+   - name: country
#+     type: country
#+     default: CY
PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
SELECT ?code ?g WHERE {
  { ?c wakg:isoAlpha2 ?code . FILTER (?code = ?_country) }
  UNION
  { VALUES ?g { 1 2 } ?c wakg:isoAlpha2 ?code . FILTER (?code = ?_country) }
  UNION
  { SELECT ?code WHERE { ?c wakg:isoAlpha2 ?code . FILTER (?code = ?_country) } }
  FILTER NOT EXISTS { ?x wakg:isoAlpha2 "ZZ" . FILTER (?code = ?_country) }
}
"""


def test_parameters_are_bound_inside_the_groups_that_use_them(tmp_path):
    """One VALUES block per group that uses a parameter (so Oxigraph uses the value inside UNION branches),
    none in a VALUES data block, before a sub-SELECT or in an EXISTS group, and the answers are unchanged."""
    from wassenaar_kg.analyst import queries

    query = queries.parse_query_file(rq(tmp_path, PARAMETERISED))
    prepared = queries.prepare(query, {}, dt.date.fromisoformat(SNAPSHOT))
    lines = prepared.text.splitlines()
    assert lines[5].count("VALUES (?_country)") == 1          # the outer WHERE
    assert lines[6].count("VALUES (?_country)") == 1          # a UNION branch
    assert lines[8].count("VALUES (?_country)") == 1 and "VALUES ?g { 1 2 }" in lines[8]
    assert lines[10].count("VALUES (?_country)") == 1 and lines[10].lstrip().startswith("{ SELECT")
    assert "VALUES" not in lines[11]
    store = reasoned.build(dt.date.fromisoformat(SNAPSHOT), None).store()
    rows = sorted((s["code"].value, s["g"].value if s["g"] else "") for s in
                  store.query(prepared.text, use_default_graph_as_union=True))
    assert rows == [("CY", ""), ("CY", ""), ("CY", "1"), ("CY", "2")]


def test_unclosed_group_is_reported_at_the_end(capsys, tmp_path):
    code, _, err = wakg(capsys, rq(tmp_path, "SELECT * WHERE { ?s ?p ?o\n"), "--as-of", SNAPSHOT)
    assert code == 2 and "SPARQL syntax error at the end of the query: expected one of" in err
    assert "'0' ..= '9'" not in err  # the parser's character classes are left out


def test_no_such_query_or_file(capsys, tmp_path):
    code, _, err = wakg(capsys, "country-grup-members")
    assert code == 2 and "no such query; did you mean country-group-members?" in err
    code, _, err = wakg(capsys, tmp_path / "missing.rq")
    assert code == 2 and "no such file" in err
