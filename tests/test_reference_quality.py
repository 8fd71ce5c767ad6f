"""The quality shapes pass on the reference data and catch each kind of defect they exist for."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from wassenaar_kg.kg.files import ontology_dir
from wassenaar_kg.kg.namespaces import COUNTRY, DS, ECCN, FACT, GROUP, WA, WAKG
from wassenaar_kg.analyst.quality import validate_reference_data

SRC = URIRef("https://example.org/official-source")


def test_reference_data_conforms(kg):
    report = validate_reference_data(kg)
    assert report.conforms, report.text


def minimal_graph() -> Graph:
    """TBox and source register plus one registered source, one destination and one clean membership."""
    graph = Graph().parse(ontology_dir() / "wakg.ttl").parse(ontology_dir() / "sources.ttl")
    graph.add((SRC, RDF.type, WAKG.PrimarySource))
    graph.add((SRC, RDFS.label, Literal("an official source")))
    for code in ("FR", "HK"):
        graph.add((COUNTRY[code], RDF.type, WAKG.Destination))
        graph.add((COUNTRY[code], RDFS.label, Literal(code)))
        graph.add((COUNTRY[code], WAKG.isoAlpha2, Literal(code)))
        graph.add((COUNTRY[code], DCTERMS.source, SRC))
    membership(graph, "ok", "FR", "2021-10-21", None)
    return graph


def membership(graph, name, code, start, end, source=SRC):
    node = FACT[f"test-{name}"]
    graph.add((node, RDF.type, WAKG.CountryGroupMembership))
    graph.add((node, WAKG.member, COUNTRY[code]))
    graph.add((node, WAKG.countryGroup, GROUP.A1))
    graph.add((node, WAKG.validFrom, Literal(start, datatype=XSD.date)))
    if end:
        graph.add((node, WAKG.validThrough, Literal(end, datatype=XSD.date)))
    graph.add((node, WAKG.startPrecision, WAKG.ExactDate))
    graph.add((node, WAKG.confidence, Literal("0.9", datatype=XSD.decimal)))
    if source is not None:
        graph.add((node, DCTERMS.source, source))
    return node


def messages(graph) -> str:
    report = validate_reference_data(graph)
    assert not report.conforms
    return report.text


def test_minimal_graph_conforms():
    report = validate_reference_data(minimal_graph())
    assert report.conforms, report.text


def test_fact_without_source():
    graph = minimal_graph()
    membership(graph, "nosource", "FR", "2023-01-01", None, source=None)
    assert "must cite at least one source" in messages(graph)


def test_dates_out_of_order():
    graph = minimal_graph()
    membership(graph, "backwards", "FR", "2023-05-01", "2023-01-01")
    assert "not after its wakg:validThrough" in messages(graph)


def test_destination_without_iso_code():
    graph = minimal_graph()
    graph.remove((COUNTRY.FR, WAKG.isoAlpha2, None))
    assert "ISO 3166-1 alpha-2" in messages(graph)


def test_overlapping_memberships():
    graph = minimal_graph()
    membership(graph, "again", "FR", "2024-01-01", None)
    assert "overlaps membership" in messages(graph)


def test_membership_while_treated_as_another_destination():
    graph = minimal_graph()
    treatment = FACT["test-hk-as-cn"]
    graph.add((treatment, RDF.type, WAKG.DestinationTreatment))
    graph.add((treatment, WAKG.treatedDestination, COUNTRY.HK))
    graph.add((treatment, WAKG.treatedAs, COUNTRY.CN))
    graph.add((treatment, WAKG.validFrom, Literal("2020-12-23", datatype=XSD.date)))
    graph.add((treatment, WAKG.startPrecision, WAKG.ExactDate))
    graph.add((treatment, WAKG.confidence, Literal("0.9", datatype=XSD.decimal)))
    graph.add((treatment, DCTERMS.source, SRC))
    membership(graph, "hk-before", "HK", "2019-01-01", "2020-12-22")
    report = validate_reference_data(graph)
    assert report.conforms, report.text
    membership(graph, "hk-after", "HK", "2021-01-01", None)
    assert "treats it as another destination" in messages(graph)


def test_fact_before_its_data_set_coverage():
    graph = minimal_graph()
    node = membership(graph, "early", "FR", "2019-01-01", "2019-12-31")
    graph.add((DS.test, RDF.type, WAKG.DataSet))
    graph.add((DS.test, WAKG.coverageFrom, Literal("2021-10-21", datatype=XSD.date)))
    graph.add((node, DCTERMS.isPartOf, DS.test))
    assert "before the coverage" in messages(graph)


def test_unregistered_source():
    graph = minimal_graph()
    membership(graph, "blog", "FR", "2025-01-01", None, source=URIRef("https://example.org/some-blog"))
    assert "not registered" in messages(graph)


def test_cybersecurity_eccn_without_wassenaar_entry():
    graph = minimal_graph()
    graph.add((ECCN["4D004"], RDF.type, WAKG.CybersecurityItemEntry))
    graph.add((ECCN["4D004"], RDFS.label, Literal("4D004")))
    graph.add((ECCN["4D004"], DCTERMS.source, SRC))
    assert "must name the Wassenaar entry" in messages(graph)


def test_eccn_with_unlinked_wassenaar_counterpart():
    graph = minimal_graph()
    for node, notation, cls in ((ECCN["5D001.e"], "5D001.e", WAKG.ExportControlClassificationNumber),
                                (WA["5.D.1.e"], "5.D.1.e", WAKG.WassenaarControlEntry)):
        graph.add((node, RDF.type, cls))
        graph.add((node, SKOS.notation, Literal(notation)))
        graph.add((node, RDFS.label, Literal(notation)))
        graph.add((node, DCTERMS.source, SRC))
    assert "has a Wassenaar counterpart" in messages(graph)


SECONDARY_FACTS = """
PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?fact WHERE {
  ?fact dcterms:source ?s .
  ?s a wakg:SecondarySource .
  FILTER NOT EXISTS { ?fact dcterms:source ?p . ?p a wakg:PrimarySource }
}"""


def test_provenance_is_queryable(kg):
    """Which facts rest on secondary sources only? (e.g. the final rule's government end user text)."""
    facts = {str(row.fact) for row in kg.query(SECONDARY_FACTS)}
    assert str(FACT["text-740.22-GEU-final"]) in facts
    assert str(FACT["cg-D1-CN-2021-10-21"]) not in facts
