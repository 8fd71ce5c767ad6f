"""Shared fixtures: the reference knowledge graph is loaded once per session."""

from __future__ import annotations

import datetime as dt

import pytest

from wassenaar_kg.kg.files import load_graph, ontology_dir

KEY_DATES = {
    "ifr_effective": dt.date(2022, 3, 7),
    "final_rule": dt.date(2022, 5, 26),
    "aukus": dt.date(2024, 4, 19),
    "ecfr_snapshot": dt.date(2026, 7, 23),
}


@pytest.fixture(scope="session")
def kg():
    return load_graph()


@pytest.fixture(scope="session")
def ontology_path():
    return ontology_dir()
