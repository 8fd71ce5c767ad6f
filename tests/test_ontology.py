"""The TBox: header, documentation of every term, OWL 2 RL classification, HermiT consistency."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import owlrl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from wassenaar_kg.kg.files import load_graph, ontology_dir
from wassenaar_kg.kg.namespaces import ECCN, ONTOLOGY_IRI, WAKG

TBOX = ontology_dir() / "wakg.ttl"


@pytest.fixture(scope="module")
def tbox():
    return Graph().parse(TBOX)


def test_header(tbox):
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in tbox
    version_iri = str(tbox.value(onto, OWL.versionIRI))
    assert re.fullmatch(r"https://w3id\.org/wassenaar-kg/\d{4}-\d{2}-\d{2}/ontology", version_iri)
    assert tbox.value(onto, OWL.versionInfo) and tbox.value(onto, DCTERMS.license)
    assert tbox.value(onto, DCTERMS.modified)


def test_every_term_has_label_and_definition(tbox):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    missing = [
        str(term)
        for kind in kinds
        for term in tbox.subjects(RDF.type, kind)
        if isinstance(term, URIRef) and term.startswith(str(WAKG))
        and not (tbox.value(term, RDFS.label) and tbox.value(term, SKOS.definition))
    ]
    assert missing == []


def test_legal_classes_cite_their_provision(tbox):
    for cls in (WAKG.FavorableTreatmentCybersecurityEndUser, WAKG.GovernmentEndUser, WAKG.CybersecurityItem,
                WAKG.MoreSensitiveGovernmentEndUser, WAKG.USGovernmentEndUser, WAKG.DeemedExport):
        assert str(tbox.value(cls, WAKG.citation)).startswith("15 CFR"), cls


def _classify(kg: Graph, facts: list[tuple]) -> Graph:
    graph = Graph()
    for triple in kg:
        graph.add(triple)
    for triple in facts:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


@pytest.fixture(scope="module")
def classified(kg):
    item4, item5, bank, police = (URIRef(f"urn:test:{n}") for n in ("item4", "item5", "bank", "police"))
    graph = _classify(kg, [
        (item4, WAKG.classifiedAs, ECCN["4D004"]),
        (item5, WAKG.classifiedAs, ECCN["5A001.j"]),
        (bank, RDF.type, WAKG.BankingOrFinancialServicesProvider),
        (police, RDF.type, WAKG.PoliceOrJudicialBody),
    ])
    return graph, item4, item5, bank, police


def test_owlrl_classifies_items_into_families(classified):
    graph, item4, item5, _, _ = classified
    assert (item4, RDF.type, WAKG.CybersecurityItem) in graph
    assert (item4, RDF.type, WAKG.IntrusionSoftwareFamilyItem) in graph
    assert (item5, RDF.type, WAKG.SurveillanceFamilyItem) in graph
    assert (item5, RDF.type, WAKG.IntrusionSoftwareFamilyItem) not in graph


def test_owlrl_classifies_end_users(classified):
    graph, _, _, bank, police = classified
    assert (bank, RDF.type, WAKG.FavorableTreatmentCybersecurityEndUser) in graph
    assert (bank, RDF.type, WAKG.NonGovernmentEndUser) in graph
    assert (police, RDF.type, WAKG.GovernmentEndUser) in graph
    assert (police, RDF.type, WAKG.NonGovernmentEndUser) not in graph


def _hermit(graph: Graph):
    owlready2 = pytest.importorskip("owlready2")
    folder = Path(tempfile.mkdtemp(prefix="wakg-hermit-"))
    try:
        path = folder / "kg.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        return world
    finally:
        shutil.rmtree(folder, ignore_errors=True)


hermit = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


@hermit
def test_hermit_finds_the_knowledge_graph_consistent(kg):
    world = _hermit(kg)
    assert list(world.inconsistent_classes()) == []
    us = world[str(ECCN["4D004"])]
    assert us is not None


@hermit
def test_hermit_detects_a_contradiction(kg):
    import owlready2

    bad = URIRef("urn:test:both")
    graph = load_graph()
    graph.add((bad, RDF.type, WAKG.GovernmentEndUser))
    graph.add((bad, RDF.type, WAKG.NonGovernmentEndUser))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(graph)


@hermit
def test_hermit_and_owlrl_agree_on_item_classification(kg, classified):
    graph, item4, item5, bank, police = classified
    data = load_graph()
    data.add((item4, WAKG.classifiedAs, ECCN["4D004"]))
    data.add((item5, WAKG.classifiedAs, ECCN["5A001.j"]))
    data.add((bank, RDF.type, WAKG.BankingOrFinancialServicesProvider))
    data.add((police, RDF.type, WAKG.PoliceOrJudicialBody))
    world = _hermit(data)
    for node in (item4, item5, bank, police):
        hermit_types = {str(c.iri) for c in world[str(node)].INDIRECT_is_a if hasattr(c, "iri")}
        rl_types = {str(o) for o in graph.objects(node, RDF.type) if isinstance(o, URIRef) and o.startswith(str(WAKG))}
        assert rl_types <= hermit_types | {str(OWL.Thing)}, node


@hermit
def test_hermit_and_owlrl_agree_on_export_individuals(kg):
    """Every end-user type and every modelled ECCN, as export individuals: same wakg classes from both reasoners."""
    import datetime as dt

    from wassenaar_kg.decide.records import END_USER_CLASSES, ExportRecord, Vocabulary, records_to_graph
    from wassenaar_kg.decide.reference import classify

    eccns = sorted(Vocabulary(kg).eccns.values())
    records = [
        ExportRecord(id=f"t{i}", eccn=eccns[i % len(eccns)], destination="DE", end_user=user, date=dt.date(2026, 7, 23))
        for i, user in enumerate(sorted(END_USER_CLASSES) * 2)
    ]
    data = records_to_graph(records)
    rl = classify(data)
    world_graph = Graph()
    for name in ("wakg.ttl", "ear-ccl.ttl"):
        world_graph.parse(ontology_dir() / name)
    for triple in data:
        world_graph.add(triple)
    world = _hermit(world_graph)
    nodes = {s for s in data.subjects() if str(s).endswith(("/item", "/end-user"))}
    assert len(nodes) == 2 * len(records)
    for node in nodes:
        entity = world[str(node)]
        hermit_types = {str(c.iri) for c in entity.INDIRECT_is_a if hasattr(c, "iri") and str(c.iri).startswith(str(WAKG))}
        rl_types = {str(o) for o in rl.objects(node, RDF.type) if str(o).startswith(str(WAKG))}
        rl_types |= {str(o) for o in data.objects(node, RDF.type) if str(o).startswith(str(WAKG))}
        assert rl_types == hermit_types, node
