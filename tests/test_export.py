"""`wakg export`: named graphs kept apart, PROV metadata, round trips, determinism, atomic writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import PROV

from wassenaar_kg.analyst import reasoned
from wassenaar_kg.api import ASSERTED_GRAPH, INFERRED_GRAPH
from wassenaar_kg.analyst.graph_export import write_export
from wassenaar_kg.kg.namespaces import WAKG
from wassenaar_kg.analyst.reasoned import REFERENCE_GRAPH

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "exports.csv"
AS_OF = dt.date(2026, 7, 23)


@pytest.fixture(scope="module")
def built():
    return reasoned.build(AS_OF, EXAMPLES)


def render(built, selection, fmt) -> str:
    buffer = io.StringIO()
    write_export(built, selection, fmt, buffer)
    return buffer.getvalue()


def test_inferred_trig_holds_determinations_with_prov(built):
    ds = Dataset().parse(data=render(built, "inferred", "trig"), format="trig")
    inferred = ds.graph(INFERRED_GRAPH)
    verdicts = set(inferred.subject_objects(WAKG.verdict))
    assert len(verdicts) == 35
    activities = set(inferred.objects(INFERRED_GRAPH, PROV.wasGeneratedBy))
    assert any((a, PROV.used, URIRef("https://w3id.org/wassenaar-kg/2026-11-30/ontology")) in inferred for a in activities)
    assert not len(ds.graph(ASSERTED_GRAPH)) and not len(ds.graph(REFERENCE_GRAPH))


def test_asserted_and_inferred_are_separate_named_graphs(built):
    ds = Dataset().parse(data=render(built, "all", "trig"), format="trig")
    assert len(ds.graph(REFERENCE_GRAPH)) > 20000
    asserted, inferred = ds.graph(ASSERTED_GRAPH), ds.graph(INFERRED_GRAPH)
    assert not list(asserted.triples((None, WAKG.verdict, None)))
    assert list(asserted.triples((None, WAKG.endUser, None)))
    assert not list(inferred.triples((None, WAKG.endUser, None)))


@pytest.mark.parametrize("fmt, rdflib_format, ox_format", [
    ("nq", "nquads", ox.RdfFormat.N_QUADS),
    ("trig", "trig", ox.RdfFormat.TRIG),
])
def test_round_trip_same_count_in_rdflib_and_oxigraph(built, fmt, rdflib_format, ox_format):
    text = render(built, "all", fmt)
    ds = Dataset().parse(data=text, format=rdflib_format)
    rdflib_count = sum(len(g) for g in ds.graphs() if g.identifier != ds.default_graph.identifier)
    store = ox.Store()
    store.load(text.encode(), format=ox_format)
    expected = sum(len(g) for g in built.graphs("all").values())
    assert rdflib_count == len(store) == expected


def test_ntriples_round_trip(built):
    text = render(built, "inferred", "nt")
    assert len(Graph().parse(data=text, format="nt")) == len(list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)))


def test_exported_inferred_graph_answers_competency_questions(built):
    store = ox.Store()
    store.load(render(built, "all", "nq").encode(), format=ox.RdfFormat.N_QUADS)
    needing = store.query("""
        PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?id WHERE { GRAPH ?g { ?x wakg:verdict wakg:LicenseRequired } ?x rdfs:label ?id
                           FILTER NOT EXISTS { ?x wakg:licenseNumber ?n } } ORDER BY ?id""",
                          use_default_graph_as_union=True)
    assert [s["id"].value for s in needing] == ["EX-006", "EX-008", "EX-011", "EX-017", "EX-018", "EX-021", "EX-022", "EX-025", "EX-029", "EX-033", "EX-034"]
    members = store.query("""
        PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
        PREFIX group: <https://w3id.org/wassenaar-kg/id/ear-country-group/>
        SELECT ?c WHERE { ?c wakg:inCountryGroup group:E1 } ORDER BY ?c""", use_default_graph_as_union=True)
    assert [s["c"].value.rsplit("/", 1)[-1] for s in members] == ["IR", "KP", "SY"]


def test_jsonld_uses_the_ontology_prefixes(built):
    doc = json.loads(render(built, "inferred", "jsonld"))
    assert doc["@context"]["wakg"] == str(WAKG)
    assert {"eccn", "country", "group", "law"} <= set(doc["@context"])
    text = json.dumps(doc)
    assert '"wakg:verdict"' in text
    assert len(Dataset().parse(data=json.dumps(doc), format="json-ld")) > 0


def test_output_is_deterministic(tmp_path):
    outputs = []
    for n in range(2):
        path = tmp_path / f"out{n}.trig"
        run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "export", "--graphs", "inferred", "--format", "trig",
                              "--data", str(EXAMPLES), "--as-of", "2026-07-23", "-o", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def test_determinations_csv(built):
    rows = list(csv.DictReader(io.StringIO(render(built, "all", "csv"))))
    assert len(rows) == 35 and rows[0]["id"] == "EX-001"


def test_failed_export_leaves_no_file_and_keeps_old_one(tmp_path):
    path = tmp_path / "determinations.csv"
    run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "export", "--format", "csv", "-o", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--data" in run.stderr and not path.exists()
    assert not list(tmp_path.iterdir()), "no temporary file is left behind"
    path.write_text("previous\n")
    subprocess.run([sys.executable, "-m", "wassenaar_kg", "export", "--format", "csv", "-o", str(path)], capture_output=True)
    assert path.read_text() == "previous\n"
