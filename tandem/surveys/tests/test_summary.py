"""The aggregates other pages build on: withheld below three answers, shown from three."""

import datetime as dt

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core.effectiveness import MIN_ANSWERS, withheld_mean
from tandem.surveys.selectors import satisfaction_summary, withheld
from tandem.surveys.tests.helpers import answered_surveys
from tandem.testing import World


@given(st.lists(st.integers(min_value=1, max_value=10), max_size=8))
def test_withheld_agrees_with_the_core_rule(values: list[int]) -> None:
    mean = sum(values) / len(values) if values else None
    expected = withheld_mean(values)
    got = withheld(len(values), mean)
    assert (got is None) == (expected is None)
    if expected is not None:
        assert got is not None and abs(got - expected) < 1e-9


def test_two_answers_are_withheld(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6)])
    summary = satisfaction_summary(scope=scope_for(world.alice), filters=Filters())
    mid = summary.by_stage["mid"]
    assert mid.answered == 2
    assert mid.mentors.withheld and mid.mentees.withheld and mid.recommend.withheld
    assert mid.mentors.n == 2


def test_three_answers_are_shown(world: World) -> None:
    scores = [(7, 8), (9, 6), (5, 10)]
    answered_surveys(world, scores)
    summary = satisfaction_summary(scope=scope_for(world.alice), filters=Filters())
    mid = summary.by_stage["mid"]
    assert mid.answered == MIN_ANSWERS
    assert mid.mentors.mean == withheld_mean([m for m, _ in scores])
    assert mid.mentees.mean == withheld_mean([b for _, b in scores])
    assert summary.by_stage["final"].answered == 0


def test_outsiders_count_nothing(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    for outsider in (world.charlie, world.dave, world.bob):
        summary = satisfaction_summary(scope=scope_for(outsider), filters=Filters())
        assert all(s.sent == 0 for s in summary.stages), outsider


def test_period_filter_counts_answers_inside_it(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    scope = scope_for(world.olga)
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    inside = satisfaction_summary(scope=scope, filters=Filters(date_from=today - day))
    before = satisfaction_summary(scope=scope, filters=Filters(date_to=today - 30 * day))
    assert inside.by_stage["mid"].answered == 3
    assert before.by_stage["mid"].answered == 0
