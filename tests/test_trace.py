"""Law beside rule beside test: the trace table (src/wassenaar_kg/analyst/trace.py, docs/trace.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from wassenaar_kg.analyst import trace
from wassenaar_kg.analyst.trace import Scenario, citing_rules, load_rules, load_scenarios, problems, trace_rows
from wassenaar_kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "tests" / "scenarios"
DOC = ROOT / "docs" / "trace.md"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def rows(kg, rules):
    return trace_rows(kg, rules)


def test_every_paragraph_is_modelled_or_marked(rows):
    assert problems(rows) == []


def test_table_covers_740_22_and_the_overlays(rows):
    by_citation = {r.citation: r for r in rows}
    for citation in ("15 CFR 740.22(c)(1)(iii)(A)", "15 CFR 746.8(a)(1)", "15 CFR 744.11", "15 CFR 744.16(b)"):
        row = by_citation[citation]
        assert row.modelled and row.rules and row.scenarios and row.text, citation
    assert "CountrySanction" in by_citation["15 CFR 746.8(a)(1)"].rules  # through wakg:underProvision of the measures
    assert not by_citation["15 CFR 740.22(b)(2)"].modelled and by_citation["15 CFR 740.22(b)(2)"].reason
    assert all(not r.citation.startswith(("86 FR", "87 FR", "89 FR")) for r in rows)  # rule documents excluded


SYNTHETIC_KG = """
@prefix wakg: <https://w3id.org/wassenaar-kg/ontology#> .
@prefix law: <https://w3id.org/wassenaar-kg/id/law/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
law:15-CFR-740.22 a wakg:LegalProvision ; wakg:citation "15 CFR 740.22" .
law:15-CFR-740.22-x a wakg:LegalProvision ; wakg:citation "15 CFR 740.22(x)" ; wakg:partOfProvision law:15-CFR-740.22 ;
    skos:definition "A paragraph with a rule and no scenario." ; wakg:textStatus wakg:Paraphrase .
law:15-CFR-740.22-y a wakg:LegalProvision ; wakg:citation "15 CFR 740.22(y)" .
law:15-CFR-740.22-b-2 a wakg:LegalProvision ; wakg:citation "15 CFR 740.22(b)(2)" .
law:86-FR-1 a wakg:RuleDocument , wakg:LegalProvision ; wakg:citation "86 FR 1" .
"""

SYNTHETIC_RULES = '''
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix wkr: <https://w3id.org/wassenaar-kg/shapes/license-rules#> .
@prefix law: <https://w3id.org/wassenaar-kg/id/law/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
wkr:X a sh:SPARQLRule ; dcterms:source law:15-CFR-740.22 ;
    sh:construct """CONSTRUCT { ?f wakg:effect wakg:RequiresLicense ; wakg:provision law:15-CFR-740.22-x . } WHERE { }""" .
wkr:B2 a sh:SPARQLRule ; dcterms:source law:15-CFR-740.22-b-2 ; sh:construct """CONSTRUCT { } WHERE { }""" .
'''


def test_a_gap_is_a_problem_naming_the_paragraph():
    kg = Graph().parse(data=SYNTHETIC_KG, format="turtle")
    rules = Graph().parse(data=SYNTHETIC_RULES, format="turtle")
    scenarios = [Scenario("f", "s1", "pins 740.22", "15 CFR 740.22", "X", ())]
    rows = trace_rows(kg, rules, scenarios)
    by_citation = {r.citation: r for r in rows}
    assert by_citation["15 CFR 740.22(x)"].rules == ("X",) and by_citation["15 CFR 740.22(x)"].scenarios == ()
    assert "86 FR 1" not in by_citation
    found = problems(rows)
    assert any(p.startswith("15 CFR 740.22(x): no scenario") for p in found), found
    assert any(p.startswith("15 CFR 740.22(y): no rule") for p in found), found
    assert any(p.startswith("15 CFR 740.22(b)(2): listed as not modelled") and "B2" in p for p in found), found
    assert not any(p.startswith("15 CFR 740.22:") for p in found), found


def test_every_scenario_names_the_rule_that_cites_its_provision(kg, rules):
    citing = citing_rules(kg, rules)
    names = {trace._local(r) for r in rules.subjects(trace.RDF.type, trace.SH.SPARQLRule)}
    scenarios = load_scenarios(SCENARIOS)
    assert scenarios
    for s in scenarios:
        assert s.rule, f"{s.key}: no `rule:`"
        assert s.rule in names, f"{s.key}: rule {s.rule} is not in shapes/license-rules.ttl"
        sources = {str(kg.value(o, trace.WAKG.citation)) for o in rules.objects(trace.WKR[s.rule], trace.DCTERMS.source)}
        assert s.rule in citing.get(s.provision, {}) or s.provision in sources, \
            f"{s.key}: rule {s.rule} neither cites {s.provision} nor has it as dcterms:source"


def test_scenario_files_cite_nothing_outside_the_repository():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert trace.external_references(path.read_text(encoding="utf-8"), ROOT, path.parent) == [], path.name


def test_external_references_are_caught():
    notes, scratch = "/" + "work/notes/ace.md", "file://" + "/" + "tmp/y"  # built so no machine path is in the repo
    text = (f"# Derived from {notes} and ~/x.txt, ontology/missing.ttl, ../../../etc/passwd, "
            f"https://example.org/a and {scratch}.\n# Fine: shapes/README.md, ontology/tables, D:1/D:5, NS2/AT1.\n")
    found = trace.external_references(text, ROOT, SCENARIOS)
    assert found == [notes, "~/x.txt", "ontology/missing.ttl", "../../../etc/passwd", "https://example.org/a", scratch]


def test_docs_trace_is_up_to_date(rows):
    assert DOC.read_text(encoding="utf-8") == trace.render_markdown(rows), "run `wakg trace -o docs/trace.md`"


def test_cli_trace(tmp_path, capsys):
    assert main(["trace", "--format", "json", "-o", str(tmp_path / "t.json")]) == 0
    assert '"15 CFR 740.22(c)(2)"' in (tmp_path / "t.json").read_text(encoding="utf-8")
    assert main(["trace"]) == 0
    assert capsys.readouterr().out.startswith("# Trace")
