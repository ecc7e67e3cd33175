"""Pure rules of the programme: academic years, roadmap dates, the rules applied to an
engine instance."""

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.programmes import (
    MAX_CAPACITY,
    MatchingRules,
    academic_year,
    apply_rules,
    roadmap_dates_problem,
    strictest,
    year_bounds,
)

# The machine is shared: generation may be slow, never wrong.
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@relaxed
@given(days)
def test_a_day_lies_inside_its_academic_year(day: dt.date) -> None:
    first, last = year_bounds(academic_year(day))
    assert first <= day <= last


def test_academic_year_examples() -> None:
    assert academic_year(dt.date(2026, 9, 1)) == 2026
    assert academic_year(dt.date(2027, 8, 31)) == 2026
    assert academic_year(dt.date(2026, 8, 31)) == 2025


@relaxed
@given(st.integers(2020, 2034), days, days)
def test_roadmap_dates_are_accepted_exactly_inside_the_year_and_in_order(
        year: int, start: dt.date, end: dt.date) -> None:
    first, last = year_bounds(year)
    ok = start <= end and first <= start and end <= last
    assert (roadmap_dates_problem(year, start, end) is None) == ok


rules = st.builds(MatchingRules, scope=st.sampled_from(["organization", "municipality"]),
                  reciprocity_required=st.booleans(), no_reporting_line=st.booleans(),
                  capacity=st.integers(1, MAX_CAPACITY))


@relaxed
@given(st.lists(rules, min_size=1, max_size=6))
def test_the_strictest_rules_are_at_least_as_strict_as_each(items: list[MatchingRules]) -> None:
    shared = strictest(items)
    for r in items:
        assert shared.reciprocity_required >= r.reciprocity_required
        assert shared.no_reporting_line >= r.no_reporting_line
        assert shared.capacity <= r.capacity
    assert shared.capacity in {r.capacity for r in items}


def test_capacity_outside_the_engine_range_is_refused() -> None:
    with pytest.raises(ValueError):
        MatchingRules(capacity=MAX_CAPACITY + 1)


@relaxed
@given(st.dictionaries(st.integers(1, 50), st.integers(-2, 5), max_size=10),
       st.booleans(), st.booleans())
def test_apply_rules_sets_constraints_and_clamps_capacity(
        remaining: dict[int, int], reciprocity: bool, reporting: bool) -> None:
    instance: dict[str, Any] = {"format": "tandem-matching/1", "competencies": [],
                "participants": [{"id": i, "capacity": 1} for i in range(1, 51)],
                "constraints": {"scope": "organization", "locked": [[1, 2]]}}
    out = apply_rules(instance, reciprocity_required=reciprocity,
                      no_reporting_line=reporting, remaining=remaining)
    assert out["constraints"]["locked"] == [[1, 2]]
    assert out["constraints"]["reciprocity_required"] is reciprocity
    assert out["constraints"]["no_reporting_line"] is reporting
    for p in out["participants"]:
        assert 1 <= p["capacity"] <= MAX_CAPACITY
        if 1 <= remaining.get(p["id"], 1) <= MAX_CAPACITY:
            assert p["capacity"] == remaining.get(p["id"], 1)
    assert instance["participants"][0]["capacity"] == 1  # the input is left alone
