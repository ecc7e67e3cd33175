"""Issue #14, item 13: the rules a curator states about who may pair with whom."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.programmes import (
    EXPERIENCE_GAP,
    SAME_AGE_GROUP,
    SUBJECT_DIFFERS,
    SUBJECT_SAME,
    PairPreferences,
    PersonFacts,
    rule_forbidden,
    rule_obstacle,
)

BANDS = ["u25", "25-34", "35-44", "45-54"]
people = st.builds(PersonFacts, id=st.integers(0, 10**6),
                   experience_years=st.none() | st.integers(0, 45),
                   age_band=st.sampled_from(BANDS),
                   subject=st.sampled_from(["", "математика", " Математика ", "физика"]))
prefs = st.builds(PairPreferences, min_experience_gap=st.integers(0, 40),
                  age_groups=st.sampled_from(["any", "different"]),
                  subject=st.sampled_from(["any", "same", "different"]))


def _p(i: int, years: int | None, band: str = "u25", subject: str = "") -> PersonFacts:
    return PersonFacts(i, years, band, subject)


def test_worked_examples() -> None:
    young, old = _p(1, 2, "u25", "информатика"), _p(2, 28, "55-64", "Информатика ")
    assert rule_obstacle(young, old, PairPreferences(min_experience_gap=10)) is None
    assert rule_obstacle(young, old, PairPreferences(min_experience_gap=30)) == EXPERIENCE_GAP
    assert rule_obstacle(young, _p(3, None), PairPreferences(min_experience_gap=1)) == \
        EXPERIENCE_GAP  # an unknown experience does not pass a required gap
    assert rule_obstacle(young, _p(3, 20, "u25"), PairPreferences(age_groups="different")) \
        == SAME_AGE_GROUP
    assert rule_obstacle(young, old, PairPreferences(subject="same")) is None  # case, spaces
    assert rule_obstacle(young, old, PairPreferences(subject="different")) == SUBJECT_SAME
    assert rule_obstacle(young, _p(4, 9, subject=""), PairPreferences(subject="same")) == \
        SUBJECT_DIFFERS  # an empty subject matches nobody
    assert rule_forbidden([young, old], PairPreferences()) == []


@pytest.mark.parametrize("bad", [{"min_experience_gap": -1}, {"min_experience_gap": 41},
                                 {"age_groups": "same"}, {"subject": "maths"}])
def test_out_of_range_rules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PairPreferences(**bad)  # type: ignore[arg-type]


@given(st.lists(people, max_size=8, unique_by=lambda p: p.id), prefs)
def test_forbidden_pairs_are_exactly_the_pairs_a_rule_keeps_apart(
        crowd: list[PersonFacts], rules: PairPreferences) -> None:
    forbidden = {(a, b): code for a, b, code in rule_forbidden(crowd, rules)}
    for i, a in enumerate(crowd):
        for b in crowd[i + 1:]:
            code = rule_obstacle(a, b, rules)
            assert code == rule_obstacle(b, a, rules)  # symmetric
            assert forbidden.get((a.id, b.id)) == code
    assert (not rules.any) <= (not forbidden)
