"""`wakg check` end to end: formats, exit codes, row-numbered input errors, RDF input, provenance."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import PROV, RDF

from wassenaar_kg import check
from wassenaar_kg.api import INFERRED_GRAPH
from wassenaar_kg.cli import main
from wassenaar_kg.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "exports.csv"
HEADER = "id,eccn,destination,end_user,end_use,transaction,digital_artifacts,incident_system_owner,knows_unauthorized_use,date,license\n"


def write(tmp_path, text, name="exports.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def wakg(*args):
    return subprocess.run([sys.executable, "-m", "wassenaar_kg", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def example_result():
    return check(EXAMPLES)


def test_examples_cover_every_verdict(example_result):
    verdicts = {d.verdict for d in example_result.determinations}
    assert verdicts == {"license_required", "license_exception", "no_license_required", "out_of_scope"}
    assert len(example_result.determinations) >= 30
    assert all(d.explanation and d.deciding_provisions for d in example_result.determinations)


def test_exit_code_1_when_an_export_lacks_a_license(tmp_path):
    path = write(tmp_path, "id,eccn,destination,end_user,date\nx,4D004,CN,government,2026-07-23\n")
    result = wakg("check", path, "--format", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    (d,) = doc["determinations"]
    assert d["verdict"] == "license_required" and d["needs_license"] is True
    assert "15 CFR 740.22(c)(1)(ii)" in d["deciding_provisions"]
    assert doc["summary"]["needing_license"] == ["x"]


def test_shacl_report_names_export_verdict_and_provisions():
    result = check([{"id": "cn-gov", "eccn": "4D004", "destination": "CN", "end_user": "government", "date": "2026-07-23"}])
    assert not result.conforms
    message = next(line for line in result.shacl_report.splitlines() if "Export cn-gov: verdict license_required under" in line)
    assert "15 CFR 738.4(a)(2)" in message and "15 CFR 740.22(c)(1)(ii)" in message and "no license is recorded" in message


def test_exit_code_0_when_the_license_is_held(tmp_path):
    path = write(tmp_path, "id,eccn,destination,end_user,date,license\nx,4D004,CN,government,2026-07-23,D0000001\n")
    assert main(["check", str(path)]) == 0


def test_explanation_steps_cite_provisions_and_sources(example_result):
    for d in example_result.determinations:
        for step in d.explanation:
            assert step.provision and step.text
        assert any(step.url or step.sources for step in d.explanation)


def test_secondary_source_text_is_surfaced(tmp_path, capsys):
    path = write(tmp_path, HEADER + "x,4D004,IL,police_or_judicial,criminal_or_civil_investigation,export,true,,false,2023-01-10,\n")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ACE" in out and "secondary summaries" in out


@pytest.mark.parametrize(
    "body, expected",
    [
        ("x,4D004,CN,,,,,,,,\n", "line 2, field 'end_user': a value is required"),
        ("x,4D004,CN\n", "line 2, field 'end_user': fewer cells than columns (3 cells, the header has 4)"),
        ("x,4Z004,CN,government\n", "line 2, field 'eccn': unknown ECCN '4Z004'"),
        ("x,4D004,Atlantis,government\n", "line 2, field 'destination': unknown country 'Atlantis'"),
        ("x,4D004,CN,governmint\n", "line 2, field 'end_user': 'governmint' is not one of"),
        ("ok,4D004,CN,government,,,,,,,\ny,4D004,CN,government,,,,,,2024-02-30,\n", "line 3, field 'date'"),
        ("x,4D004,CN,government,,,maybe,,,,\n", "line 2, field 'digital_artifacts'"),
        ("x,4D004,CN,government\nx,4D004,CN,government\n", "line 3, field 'id': duplicate id 'x'"),
    ],
)
def test_bad_rows_exit_2_with_row_and_field(tmp_path, body, expected):
    header = HEADER if body.count(",") > 3 * body.count("\n") else "id,eccn,destination,end_user\n"
    path = write(tmp_path, header + body)
    out = tmp_path / "out.json"
    result = wakg("check", path, "--format", "json", "-o", out)
    assert result.returncode == 2
    assert expected in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists(), "no output file on bad input"


def test_unknown_column_is_an_error(tmp_path):
    path = write(tmp_path, "id,eccn,destination,end_user,colour\nx,4D004,CN,government,red\n")
    with pytest.raises(InputError, match="unknown column"):
        check(path)


def test_missing_file_exits_2(tmp_path):
    result = wakg("check", tmp_path / "nope.csv")
    assert result.returncode == 2 and "file not found" in result.stderr


def test_csv_output(tmp_path, example_result):
    out = tmp_path / "determinations.csv"
    assert main(["check", str(EXAMPLES), "--format", "csv", "-o", str(out)]) == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == len(example_result.determinations)
    assert {"id", "verdict", "license_exception", "deciding_provisions", "law_as_of", "explanation"} <= set(rows[0])


def test_jsonl_output_one_determination_per_line(tmp_path, capsys):
    main(["check", str(EXAMPLES), "--format", "jsonl"])
    lines = capsys.readouterr().out.splitlines()
    assert all(json.loads(line)["verdict"] for line in lines)


def test_ttl_output_has_prov_metadata(capsys):
    main(["check", str(EXAMPLES), "--format", "ttl"])
    graph = Graph().parse(data=capsys.readouterr().out, format="turtle")
    activity = graph.value(INFERRED_GRAPH, PROV.wasGeneratedBy)
    assert (activity, RDF.type, PROV.Activity) in graph
    assert graph.value(activity, PROV.startedAtTime) is not None
    used = set(graph.objects(activity, PROV.used))
    assert URIRef("https://w3id.org/wassenaar-kg/2026-11-30/ontology") in used
    assert graph.value(graph.value(activity, PROV.wasAssociatedWith), RDF.type) == PROV.SoftwareAgent


def test_trig_keeps_asserted_and_inferred_apart(capsys):
    main(["check", str(EXAMPLES), "--format", "trig"])
    ds = Dataset().parse(data=capsys.readouterr().out, format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {"https://w3id.org/wassenaar-kg/graph/asserted", "https://w3id.org/wassenaar-kg/graph/inferred"} <= names
    asserted = ds.graph(URIRef("https://w3id.org/wassenaar-kg/graph/asserted"))
    assert not list(asserted.triples((None, URIRef("https://w3id.org/wassenaar-kg/ontology#verdict"), None)))


def test_trig_is_the_same_bytes_on_every_run():
    """Two processes with different hash seeds (rdflib's own TriG writer orders graphs by hash)."""
    import os
    import subprocess
    import sys

    outputs = [subprocess.run([sys.executable, "-m", "wassenaar_kg", "check", str(EXAMPLES), "--format", "trig"],
                              capture_output=True, text=True,
                              env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")]
    assert outputs[0] and outputs[0] == outputs[1]


def test_inferred_graph_holds_no_reference_facts(capsys):
    """Only what the run derived: no triple of the knowledge graph (blank-node restrictions included)."""
    main(["check", str(EXAMPLES), "--format", "ttl"])
    inferred = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert not list(inferred.triples((None, URIRef("http://www.w3.org/2002/07/owl#onProperty"), None)))
    assert all(not isinstance(s, BNode) for s in inferred.subjects())


def test_turtle_input_round_trip(tmp_path, capsys):
    """Export individuals of the ontology (Turtle) decide like the same CSV row."""
    ttl = write(tmp_path, """
@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
@prefix eccn: <https://w3id.org/wassenaar-kg/id/eccn/> .
@prefix country: <https://w3id.org/wassenaar-kg/id/country/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:x:e1> a wakg:DeemedExport ; rdfs:label "e1" ;
    wakg:item [ wakg:classifiedAs eccn:4E001.c ] ;
    wakg:destination country:RU ;
    wakg:endUser [ a wakg:NonGovernmentEndUser ] ;
    wakg:transactionDate "2026-07-23"^^xsd:date .
""", "exports.ttl")
    (d,) = check(ttl).determinations
    assert (d.verdict, d.license_exception) == ("license_exception", "ACE")
    assert "15 CFR 740.22(c)(1)(iii)(C)" in d.deciding_provisions


def test_jsonld_input(tmp_path):
    path = write(tmp_path, json.dumps({
        "@context": {"wakg": "https://w3id.org/wassenaar-kg/ontology#", "xsd": "http://www.w3.org/2001/XMLSchema#"},
        "@id": "urn:x:j1", "@type": "wakg:Export",
        "wakg:item": {"wakg:classifiedAs": {"@id": "https://w3id.org/wassenaar-kg/id/eccn/5A001.j"}},
        "wakg:destination": {"@id": "https://w3id.org/wassenaar-kg/id/country/BR"},
        "wakg:endUser": {"@type": "wakg:InsuranceCompany"},
        "wakg:transactionDate": {"@value": "2026-07-23", "@type": "xsd:date"},
    }), "exports.jsonld")
    (d,) = check(path).determinations
    assert d.verdict == "license_exception" and d.license_exception == "ACE"


def test_rdf_input_missing_end_user_is_rejected(tmp_path):
    ttl = write(tmp_path, """
@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
<urn:x:e2> a wakg:Export ; wakg:item [ wakg:classifiedAs <https://w3id.org/wassenaar-kg/id/eccn/4D004> ] ;
    wakg:destination <https://w3id.org/wassenaar-kg/id/country/FR> .
""", "bad.ttl")
    with pytest.raises(InputError, match="end_user"):
        check(ttl)


def test_python_api_accepts_dicts():
    result = check([{"id": "a", "eccn": "4d004", "destination": "China", "end_user": "non_government",
                     "end_use": "vulnerability_disclosure", "date": "2026-07-23"}])
    (d,) = result.determinations
    assert d.deciding_provisions == ("15 CFR 740.22(a)", "15 CFR 740.22(c)(1)(iii)(B)")
    assert result.exit_code == 0


def test_date_default_comes_from_as_of(tmp_path):
    path = write(tmp_path, "id,eccn,destination,end_user\nuk,4D004,GB,non_government\n")
    import datetime as dt

    before = check(path, as_of=dt.date(2024, 4, 18)).determinations[0]
    after = check(path, as_of=dt.date(2024, 4, 19)).determinations[0]
    assert (before.verdict, before.license_exception) == ("license_exception", "ACE")
    assert after.verdict == "no_license_required"


def test_result_graphs_keep_plain_literals_and_provenance():
    """The triples live in Oxigraph until asked for; as rdflib graphs they compare like the input's."""
    from rdflib import Literal
    from rdflib.namespace import RDFS

    from wassenaar_kg import check

    result = check(EXAMPLES)
    export = URIRef("https://w3id.org/wassenaar-kg/id/export/EX-001")
    assert (export, RDFS.label, Literal("EX-001")) in result.asserted
    assert (INFERRED_GRAPH, PROV.wasGeneratedBy, None) in result.inferred
    assert result.inferred.value(export, URIRef("https://w3id.org/wassenaar-kg/ontology#verdict")) is not None
