"""Known facts the reference data must reproduce, each as of the date the law had it."""

from __future__ import annotations

import datetime as dt

import pytest

from wassenaar_kg.kg import temporal
from wassenaar_kg.analyst.stats import graph_stats

D = dt.date
SNAPSHOT = D(2026, 7, 23)
D_GROUPS = ("D:1", "D:2", "D:3", "D:4", "D:5")


def groups_of(kg, code, day):
    return {g for g, members in temporal.group_members(kg, day).items() if code in members}


@pytest.mark.parametrize("day", [D(2022, 3, 7), D(2022, 5, 26), D(2024, 4, 19), SNAPSHOT, D(2026, 11, 30)])
def test_42_participating_states(kg, day):
    assert len(temporal.participating_states(kg, day)) == 42


def test_41_participating_states_before_india(kg):
    states = temporal.participating_states(kg, D(2017, 12, 7))
    assert len(states) == 41 and "IN" not in states


def test_a6_and_e1_on_the_ecfr_snapshot(kg):
    members = temporal.group_members(kg, SNAPSHOT)
    assert members["A:6"] == {"AL", "CY", "IL", "MT", "MX", "SG", "ZA", "TW"}
    assert members["E:1"] == {"IR", "KP", "SY"}
    assert members["E:2"] == {"CU"}


def test_cyprus_is_the_only_eu_member_outside_the_arrangement(kg):
    for day in (D(2022, 3, 7), SNAPSHOT):
        assert temporal.eu_member_states(kg, day) - temporal.participating_states(kg, day) == {"CY"}
    assert len(temporal.eu_member_states(kg, SNAPSHOT)) == 27


def test_united_kingdom_left_the_eu(kg):
    assert "GB" in temporal.eu_member_states(kg, D(2020, 1, 31))
    assert "GB" not in temporal.eu_member_states(kg, D(2020, 2, 1))


@pytest.mark.parametrize("day", [D(2022, 3, 7), D(2022, 5, 26), D(2024, 4, 19), SNAPSHOT])
@pytest.mark.parametrize("code", ["IL", "TW"])
def test_israel_and_taiwan_are_in_a6_and_country_group_d(kg, code, day):
    groups = groups_of(kg, code, day)
    assert "A:6" in groups and groups & set(D_GROUPS)


def test_israel_d_groups(kg):
    assert groups_of(kg, "IL", SNAPSHOT) & set(D_GROUPS) == {"D:2", "D:3", "D:4"}


@pytest.mark.parametrize("day", [D(2022, 3, 7), D(2024, 4, 18), D(2024, 4, 19), SNAPSHOT])
def test_canada_never_has_an_ns1_x(kg, day):
    assert "NS1" not in temporal.chart_marks(kg, day).get("CA", set())


@pytest.mark.parametrize("code", ["GB", "AU"])
def test_uk_and_australia_lose_ns1_on_2024_04_19(kg, code):
    assert "NS1" in temporal.chart_marks(kg, D(2024, 4, 18))[code]
    assert "NS1" not in temporal.chart_marks(kg, D(2024, 4, 19))[code]
    assert "NS1" not in temporal.chart_marks(kg, SNAPSHOT)[code]


def test_ns1_x_everywhere_else_on_the_snapshot(kg):
    marks = temporal.chart_marks(kg, SNAPSHOT)
    assert {c for c, cols in marks.items() if "NS1" not in cols} == {"AU", "CA", "GB"}
    assert len(marks) == 196


def test_no_at_column_x_on_the_snapshot(kg):
    marks = temporal.chart_marks(kg, SNAPSHOT)
    assert not any(cols & {"AT1", "AT2"} for cols in marks.values())


def test_cyprus_leaves_d5_on_2024_05_30(kg):
    assert "D:5" in groups_of(kg, "CY", D(2024, 5, 29))
    assert "D:5" not in groups_of(kg, "CY", D(2024, 5, 30))
    assert "D:5" in groups_of(kg, "CY", D(2022, 3, 7))


def test_nicaragua_moves_from_b_to_d1_and_d5_on_2024_03_15(kg):
    assert groups_of(kg, "NI", D(2024, 3, 14)) & {"B", "D:1", "D:5"} == {"B"}
    assert groups_of(kg, "NI", D(2024, 3, 15)) & {"B", "D:1", "D:5"} == {"D:1", "D:5"}


def test_cambodia_in_d5_from_december_2021_to_february_2026(kg):
    assert "D:5" not in groups_of(kg, "KH", D(2021, 12, 8))
    assert "D:5" in groups_of(kg, "KH", D(2022, 3, 7))
    assert "D:5" not in groups_of(kg, "KH", SNAPSHOT)
    assert "D:1" in groups_of(kg, "KH", SNAPSHOT)


def test_uae_in_country_group_d_in_2022_and_not_on_the_snapshot(kg):
    assert groups_of(kg, "AE", D(2022, 3, 7)) & set(D_GROUPS) == {"D:3", "D:4"}
    assert not groups_of(kg, "AE", SNAPSHOT) & set(D_GROUPS)


def test_uae_moves_from_d3_d4_to_a5_on_the_day_91_fr_43034_took_effect(kg):
    """FR Doc 2026-14132, effective 2026-07-10: no day in neither, no day in both."""
    assert groups_of(kg, "AE", D(2026, 7, 9)) >= {"D:3", "D:4"} and "A:5" not in groups_of(kg, "AE", D(2026, 7, 9))
    assert "A:5" in groups_of(kg, "AE", D(2026, 7, 10)) and not groups_of(kg, "AE", D(2026, 7, 10)) & set(D_GROUPS)


def test_china_and_russia_in_d1_and_d5(kg):
    for code in ("CN", "RU"):
        assert {"D:1", "D:5"} <= groups_of(kg, code, D(2022, 3, 7))


def test_hong_kong_is_treated_as_china_from_2020_12_23(kg):
    assert temporal.treated_as(kg, "HK", D(2020, 12, 22)) == "HK"
    assert temporal.treated_as(kg, "HK", D(2020, 12, 23)) == "CN"
    assert not groups_of(kg, "HK", D(2022, 3, 7))


@pytest.mark.parametrize(
    "day, counts",
    [
        (D(2022, 3, 7), {"A:5": 37, "B": 174, "D:1": 23, "D:3": 37, "D:4": 22, "D:5": 23}),
        (D(2024, 4, 19), {"A:5": 37, "B": 173, "D:1": 24, "D:3": 37, "D:4": 22, "D:5": 24}),
        (SNAPSHOT, {"A:1": 40, "A:5": 38, "A:6": 8, "B": 173, "D:1": 24, "D:3": 36, "D:4": 21, "D:5": 22, "E:1": 3}),
    ],
)
def test_group_sizes(kg, day, counts):
    stats = graph_stats(kg, day)["country_groups"]
    assert {g: stats[g] for g in counts} == counts


def test_every_iso_country_is_a_destination(kg):
    stats = graph_stats(kg, SNAPSHOT)
    assert stats["destinations"] == 254  # 249 ISO 3166-1 entries + Kosovo (XK) + 4 regions of Ukraine
    assert stats["regions"] == 4 and stats["entity_list_entries"] == 9
    assert stats["dated_facts_without_source"] == 0


def test_questions_outside_coverage_are_flagged(kg):
    assert graph_stats(kg, D(2019, 1, 1))["warnings"]
    assert not graph_stats(kg, SNAPSHOT)["warnings"]
