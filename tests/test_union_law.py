"""EU member states' implementation records are derived from the EU's (ontology/tables, `wakg build`)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, SKOS

from wassenaar_kg.api import reference_graph
from wassenaar_kg.kg.build.facts import SourceRegistry
from wassenaar_kg.kg.build.implementations import build_implementations
from wassenaar_kg.kg.build.modules import source_tables
from wassenaar_kg.kg.build.union_law import member_in_force
from wassenaar_kg.kg.files import ontology_dir
from wassenaar_kg.kg.namespaces import FACT, JUR, LAW, WAKG

D = dt.date
TABLES = ontology_dir() / "tables"


def _table(name):
    with (TABLES / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _urls(ids):
    by_id = {row["id"]: row["url"] for name in ("sources.csv", "impl-sources.csv") for row in _table(name)}
    return {URIRef(by_id[i]) for i in ids.split(";")}


@pytest.fixture(scope="module")
def graph():
    return reference_graph()


def test_france_is_derived_from_the_eu_regulation_and_its_membership(graph):
    record = FACT["impl-FR-4.A.5"]
    eu_row = next(r for r in _table("impl-entries.csv") if r["jurisdiction"] == "EU" and r["entry"] == "4.A.5")
    member_row = next(r for r in _table("eu-membership.csv") if r["country"] == "FR")
    assert graph.value(record, WAKG.implementingInstrument) == LAW["eu-1382-2014"]
    assert graph.value(record, WAKG.appliesVia) == JUR["EU"]
    assert graph.value(record, WAKG.derivedFrom) == FACT["impl-EU-4.A.5"]
    assert graph.value(record, WAKG.validFrom).toPython() == D(2014, 12, 31)
    assert graph.value(record, WAKG.startPrecision) == WAKG.ExactDate
    assert set(graph.objects(record, DCTERMS.source)) == _urls(eu_row["sources"]) | _urls(member_row["sources"])
    assert URIRef("https://english.eu.dk/en/faq/membership") in set(graph.objects(record, DCTERMS.source))
    assert graph.value(record, WAKG.confidence).toPython() == min(Decimal(eu_row["confidence"]), Decimal(member_row["confidence"]))
    assert graph.value(record, WAKG.nationalNumber).toPython() == "4A005"
    assert "Derived from the EU record" in str(graph.value(record, SKOS.editorialNote))


def test_croatia_joined_before_the_eu_rule_so_the_eu_date_holds(graph):
    """Croatia acceded on 2013-07-01, before Regulation 1382/2014 took effect on 2014-12-31."""
    assert graph.value(FACT["impl-HR-4.A.5"], WAKG.validFrom).toPython() == D(2014, 12, 31)
    assert graph.value(FACT["impl-HR-4.A.5"], WAKG.confidence).toPython() == Decimal("0.8")


def test_every_current_member_has_records_via_the_eu_and_cyprus_too(graph):
    members = [r["country"] for r in _table("eu-membership.csv") if not r["valid_through"]]
    assert len(members) == 27 and "CY" in members
    for code in members:
        for entry in ("4.A.5", "5.A.1.j"):
            assert graph.value(FACT[f"impl-{code}-{entry}"], WAKG.appliesVia) == JUR["EU"], code


def test_germany_keeps_its_own_rows_and_the_uk_is_not_a_member(graph):
    de_row = next(r for r in _table("impl-entries.csv") if r["jurisdiction"] == "DE" and r["entry"] == "4.A.5")
    assert set(graph.objects(FACT["impl-DE-4.A.5"], DCTERMS.source)) == _urls(de_row["sources"])
    assert "German national additions" in str(graph.value(FACT["impl-DE-4.A.5"], SKOS.editorialNote))
    assert graph.value(FACT["impl-DE-4.A.5"], WAKG.appliesVia) == JUR["EU"]
    assert graph.value(FACT["impl-DE-4.A.5"], WAKG.derivedFrom) is None
    assert graph.value(FACT["impl-GB-4.A.5"], WAKG.appliesVia) is None
    assert "gb-retained" in str(graph.value(FACT["impl-GB-4.A.5"], SKOS.editorialNote))


@pytest.mark.parametrize("union, accession, expected", [
    ((D(2014, 12, 31), "exact"), (D(1958, 1, 1), "exact"), (D(2014, 12, 31), "exact")),
    ((D(2014, 12, 31), "exact"), (D(2016, 3, 1), "exact"), (D(2016, 3, 1), "exact")),
    ((D(2014, 12, 31), "exact"), (D(2016, 3, 1), "not-later-than"), (D(2016, 3, 1), "not-later-than")),
    ((D(2014, 12, 1), "month"), (D(2014, 12, 15), "exact"), (D(2014, 12, 1), "month")),
    ((D(2014, 1, 1), "year"), (D(2015, 1, 1), "exact"), (D(2015, 1, 1), "exact")),
    ((None, None), (D(2016, 3, 1), "exact"), (None, None)),
])
def test_in_force_is_the_later_of_union_law_and_accession(union, accession, expected):
    assert member_in_force(*union, *accession) == expected


@pytest.fixture
def tables_copy(tmp_path):
    target = tmp_path / "tables"
    shutil.copytree(TABLES, target)
    return target


def _build(tables):
    return build_implementations(tables, SourceRegistry(*source_tables(tables)))


def test_own_rows_win_per_entry_and_a_late_accession_moves_the_date(tables_copy):
    entries = tables_copy / "impl-entries.csv"
    text = entries.read_text(encoding="utf-8")
    own = "FR,4.A.5,unknown,,,,unknown,unknown,impl-cild-eu,0.6,own row\n"
    entries.write_text(text + own, encoding="utf-8")
    membership = tables_copy / "eu-membership.csv"
    membership.write_text(membership.read_text(encoding="utf-8").replace("HR,2013-07-01,exact", "HR,2016-03-01,exact"),
                          encoding="utf-8")
    graph = _build(tables_copy)
    assert graph.value(FACT["impl-FR-4.A.5"], WAKG.implementationStatus) == WAKG.StatusUnknown
    assert graph.value(FACT["impl-FR-4.A.5"], WAKG.appliesVia) == JUR["EU"]
    assert graph.value(FACT["impl-FR-4.D.4"], WAKG.implementationStatus) == WAKG.Implemented
    assert graph.value(FACT["impl-HR-4.D.4"], WAKG.validFrom).toPython() == D(2016, 3, 1)


def test_a_former_member_without_rows_gets_nothing(tables_copy):
    entries = tables_copy / "impl-entries.csv"
    kept = [line for line in entries.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("GB,")]
    entries.write_text("".join(kept), encoding="utf-8")
    graph = _build(tables_copy)
    assert graph.value(FACT["impl-GB-4.A.5"], WAKG.implementationStatus) is None
