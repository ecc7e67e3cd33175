"""The aggregates other pages build on: withheld below three people, shown from three,
always over whole academic years (the release rule, tandem/core/release.py)."""

import datetime as dt

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.core.effectiveness import MIN_ANSWERS
from tandem.core.periods import academic_year
from tandem.core.release import Cell, release
from tandem.surveys.selectors import satisfaction_summary
from tandem.surveys.tests.helpers import answered_surveys
from tandem.testing import World


@given(st.lists(st.integers(min_value=1, max_value=10), max_size=8))
def test_one_cell_of_different_people_is_released_from_three(values: list[int]) -> None:
    got = release([Cell("o", sum(values), len(values), len(values))])
    if len(values) < MIN_ANSWERS:
        assert got.mean is None and got.left_out == len(values)
    else:
        assert got.mean == round(sum(values) / len(values), 1)


def test_two_answers_are_withheld(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6)])
    summary = satisfaction_summary(scope=scope_for(world.alice), filters=Filters())
    mid = summary.by_stage["mid"]
    assert mid.answered == 2
    assert mid.mentors.withheld and mid.mentees.withheld and mid.recommend.withheld
    assert mid.mentors.n == 0 and mid.mentors.left_out == 2  # a small cell enters nothing


def test_three_answers_are_shown(world: World) -> None:
    scores = [(7, 8), (9, 6), (5, 10)]
    answered_surveys(world, scores)
    summary = satisfaction_summary(scope=scope_for(world.alice), filters=Filters())
    mid = summary.by_stage["mid"]
    assert mid.answered == MIN_ANSWERS
    assert mid.mentors.mean == round((7 + 9 + 5) / 3, 1)
    assert mid.mentees.mean == round((8 + 6 + 10) / 3, 1)
    assert summary.by_stage["final"].answered == 0


def test_outsiders_count_nothing(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    for outsider in (world.charlie, world.dave, world.bob):
        summary = satisfaction_summary(scope=scope_for(outsider), filters=Filters())
        assert all(s.sent == 0 for s in summary.stages), outsider


def test_a_window_is_widened_to_the_whole_academic_year(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    scope = scope_for(world.olga)
    today = timezone.localdate()
    year = academic_year(today)
    # A one-day window today, and a window ending on the first day of the year: both
    # cover the whole year, so both publish the same figure (no window cuts a year).
    one_day = satisfaction_summary(scope=scope, filters=Filters(date_from=today,
                                                                date_to=today))
    first_day = dt.date(year, 9, 1)
    start = satisfaction_summary(scope=scope, filters=Filters(date_from=first_day,
                                                              date_to=first_day))
    assert one_day.years == start.years == (year, year)
    assert one_day.by_stage["mid"].answered == start.by_stage["mid"].answered == 3
    assert one_day.by_stage["mid"].mentors.mean == start.by_stage["mid"].mentors.mean
    # The year before holds nothing.
    before = satisfaction_summary(scope=scope, filters=Filters(
        date_to=first_day - dt.timedelta(days=1)))
    assert before.years == (year - 1, year - 1)
    assert before.by_stage["mid"].answered == 0
