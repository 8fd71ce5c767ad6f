"""The two OWL 2 RL implementations agree on every kind of export individual the engines classify."""

from __future__ import annotations

import datetime as dt

import pytest

from wassenaar_kg.decide import owl_rl
from wassenaar_kg.errors import InputError
from wassenaar_kg.decide.records import END_USER_CLASSES, ExportRecord, Vocabulary, records_to_graph
from wassenaar_kg.decide.reference import classify


def test_reasonable_and_owlrl_give_the_same_classes(kg):
    """Every modelled ECCN and every end-user type (as end user and as incident-system owner)."""
    eccns = sorted(Vocabulary(kg).eccns.values())
    users = sorted(END_USER_CLASSES)
    records = [
        ExportRecord(id=f"t{i}", eccn=eccns[i % len(eccns)], destination="DE", end_user=users[i % len(users)],
                     date=dt.date(2026, 7, 23), digital_artifacts=True,
                     incident_system_owner=users[(i + 5) % len(users)])
        for i in range(2 * max(len(eccns), len(users)))
    ]
    data = records_to_graph(records)
    fast, pure = classify(data, "reasonable"), classify(data, "owlrl")
    assert len(fast) > 2 * len(records)  # every item and end user gets inferred classes
    assert set(fast) == set(pure)


def test_unknown_reasoner_is_a_user_error(monkeypatch):
    monkeypatch.setenv(owl_rl.ENV_REASONER, "hermit")
    with pytest.raises(InputError, match="WAKG_OWL_RL"):
        owl_rl.default_reasoner()


def test_owlrl_can_be_forced(monkeypatch):
    monkeypatch.setenv(owl_rl.ENV_REASONER, "owlrl")
    assert owl_rl.default_reasoner() == "owlrl"
