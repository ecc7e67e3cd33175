"""Issue #14, item 13: the rules a curator states about who may pair with whom."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.programmes import (
    DIFFERENT_BUILDING,
    EXPERIENCE_GAP,
    SAME_AGE_GROUP,
    SUBJECT_DIFFERS,
    SUBJECT_SAME,
    MatchingRules,
    PairPreferences,
    PersonFacts,
    rule_forbidden,
    rule_obstacle,
    strictest,
    strictest_preferences,
)

BANDS = ["u25", "25-34", "35-44", "45-54"]
people = st.builds(PersonFacts, id=st.integers(0, 10**6),
                   experience_years=st.none() | st.integers(0, 45),
                   age_band=st.sampled_from(BANDS),
                   subject=st.sampled_from(["", "математика", " Математика ", "физика"]),
                   organization=st.sampled_from([1, 2]),
                   building=st.sampled_from(["", "корпус 2", " Корпус 2", "ул. Мира, 3"]))
prefs = st.builds(PairPreferences, min_experience_gap=st.integers(0, 40),
                  age_groups=st.sampled_from(["any", "different"]),
                  subject=st.sampled_from(["any", "same", "different"]),
                  place=st.sampled_from(["any", "same_building"]))


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


def test_same_building_means_one_organization_and_one_building() -> None:
    rule = PairPreferences(place="same_building")
    main = PersonFacts(1, 3, "u25", "", organization=10, building="")
    also_main = PersonFacts(2, 30, "55-64", "", organization=10, building="")
    annex = PersonFacts(3, 20, "45-54", "", organization=10, building="Корпус 2")
    annex_too = PersonFacts(4, 9, "35-44", "", organization=10, building=" корпус 2 ")
    elsewhere = PersonFacts(5, 25, "45-54", "", organization=11, building="")
    assert rule_obstacle(main, also_main, rule) is None
    assert rule_obstacle(annex, annex_too, rule) is None  # case and spaces do not matter
    assert rule_obstacle(main, annex, rule) == DIFFERENT_BUILDING
    assert rule_obstacle(main, elsewhere, rule) == DIFFERENT_BUILDING  # another school
    assert rule_obstacle(main, elsewhere, PairPreferences()) is None  # online pairs: any


def test_a_municipal_pool_takes_the_strictest_stated_rules() -> None:
    loose = MatchingRules(preferences=PairPreferences(min_experience_gap=5, subject="same"))
    strict = MatchingRules(preferences=PairPreferences(min_experience_gap=10,
                                                       age_groups="different",
                                                       place="same_building"))
    shared = strictest([loose, strict]).preferences
    assert shared == PairPreferences(min_experience_gap=10, age_groups="different",
                                     subject="same", place="same_building")
    # «same» in one programme and «different» in another would forbid every pair.
    assert strictest_preferences([PairPreferences(subject="same"),
                                  PairPreferences(subject="different")]).subject == "any"
    assert strictest([]).preferences == PairPreferences()


@given(st.lists(prefs, min_size=1, max_size=4), st.lists(people, min_size=2, max_size=6,
                                                          unique_by=lambda p: p.id))
def test_the_strictest_rules_keep_apart_whom_a_rule_of_the_same_kind_would(
        all_prefs: list[PairPreferences], crowd: list[PersonFacts]) -> None:
    shared = strictest_preferences(all_prefs)
    for a in crowd:
        for b in crowd:
            if a.id == b.id:
                continue
            for one in all_prefs:
                # Apart under any programme's gap, age or place rule: apart in the pool too.
                only = PairPreferences(min_experience_gap=one.min_experience_gap,
                                       age_groups=one.age_groups, place=one.place)
                if rule_obstacle(a, b, only) is not None:
                    assert rule_obstacle(a, b, shared) is not None


@pytest.mark.parametrize("bad", [{"min_experience_gap": -1}, {"min_experience_gap": 41},
                                 {"age_groups": "same"}, {"subject": "maths"},
                                 {"place": "online"}])
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
