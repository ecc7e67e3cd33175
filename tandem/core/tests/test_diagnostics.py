import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import diagnostics as d

levels = st.integers(min_value=0, max_value=3)
maybe_levels = st.one_of(st.none(), levels)


@pytest.mark.parametrize(("self_level", "expert", "combined"), [
    (3, None, 3), (None, 1, 1), (None, None, None),
    (2, 2, 2), (3, 2, 2), (2, 3, 3), (1, 0, 0), (0, 1, 1),
    (3, 0, 1), (0, 3, 2), (3, 1, 2), (1, 3, 2),
])
def test_combination_worked_examples(self_level: int | None, expert: int | None,
                                     combined: int | None) -> None:
    assert d.combine_levels(self_level, expert) == combined


@given(levels, levels)
def test_combination_lies_between_and_leans_to_the_expert(s: int, e: int) -> None:
    c = d.combine_levels(s, e)
    assert c is not None
    assert min(s, e) <= c <= max(s, e)
    assert abs(c - e) <= abs(c - s)


@given(levels, levels)
def test_combination_is_monotone(s: int, e: int) -> None:
    c = d.combine_levels(s, e)
    assert c is not None
    if s < 3:
        assert d.combine_levels(s + 1, e) >= c  # type: ignore[operator]
    if e < 3:
        assert d.combine_levels(s, e + 1) >= c  # type: ignore[operator]


def test_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        d.combine_levels(4, None)
    with pytest.raises(ValueError, match="outside"):
        d.combine_levels(1, -1)


@pytest.mark.parametrize(("level", "can", "want", "strength", "deficit"), [
    (3, False, False, True, False),
    (2, True, False, True, False),
    (2, False, False, False, False),
    (2, True, True, True, True),
    (1, True, False, False, True),
    (0, False, False, False, True),
    (3, False, True, True, False),  # an expert «wanting to learn» has no deficit
    (None, True, True, False, False),
])
def test_thresholds(level: int | None, can: bool, want: bool, strength: bool,
                    deficit: bool) -> None:
    mark = d.Mark(level, can, want)
    assert (mark.strength, mark.deficit) == (strength, deficit)


@given(maybe_levels, st.booleans(), st.booleans())
def test_a_low_level_is_never_a_strength(level: int | None, can: bool, want: bool) -> None:
    mark = d.Mark(level, can, want)
    if level is not None and level <= 1:
        assert mark.deficit and not mark.strength


def test_area_summaries() -> None:
    marks = {"ict.ai": d.Mark(3), "ict.video": d.Mark(1), "method.lesson": d.Mark(0, False, True)}
    area_of = {"ict.ai": "ict", "ict.video": "ict", "method.lesson": "method",
               "method.parents": "method"}
    ict, method = d.area_summaries(marks, area_of, ["ict", "method"])
    assert (ict.mean_level, ict.strengths, ict.deficits) == (2.0, ["ict.ai"], ["ict.video"])
    assert (method.mean_level, method.strengths, method.deficits) == (0.0, [], ["method.lesson"])


def test_change_and_closed_deficits() -> None:
    before = {"a": d.Mark(0), "b": d.Mark(1), "c": d.Mark(3), "e": d.Mark(2, False, True)}
    after = {"a": d.Mark(2), "b": d.Mark(1), "c": d.Mark(3), "e": d.Mark(3)}
    assert [(c.code, c.delta) for c in d.changes(before, after)] == [
        ("a", 2), ("b", 0), ("c", 0), ("e", 1)]
    assert d.closed_deficits(before, after) == (["a", "e"], ["b"])
    assert d.closed_deficits(before, after, targets={"a": 3}) == (["e"], ["a", "b"])


@given(st.dictionaries(st.sampled_from("abcdef"), levels, min_size=1),
       st.dictionaries(st.sampled_from("abcdef"), levels, min_size=1))
def test_closed_and_open_split_the_initial_deficits(b: dict[str, int], a: dict[str, int]) -> None:
    before = {k: d.Mark(v) for k, v in b.items()}
    after = {k: d.Mark(v) for k, v in a.items()}
    closed, still_open = d.closed_deficits(before, after)
    assert sorted(closed + still_open) == sorted(k for k, m in before.items() if m.deficit)
    assert not set(closed) & set(still_open)


def test_questionnaire_checks() -> None:
    codes = ["a", "b", "c"]
    d.check_questionnaire({"a": d.Mark(0, priority=1), "b": d.Mark(3), "c": d.Mark(2)}, codes)
    with pytest.raises(d.QuestionnaireError) as err:
        d.check_questionnaire({"a": d.Mark(0), "b": d.Mark(None)}, codes)
    assert err.value.problems == {"b": d.UNANSWERED, "c": d.UNANSWERED}
    with pytest.raises(d.QuestionnaireError) as err:
        d.check_questionnaire({"a": d.Mark(0, priority=1), "b": d.Mark(1, priority=1),
                               "c": d.Mark(3, priority=2)}, codes)
    assert err.value.problems == {"b": d.DUPLICATE_PRIORITY, "c": d.PRIORITY_NOT_A_DEFICIT}
