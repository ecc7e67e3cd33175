"""The survey schedule: worked examples and invariants of tandem.core.surveys."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tandem.core.surveys import (
    ACTIVE,
    ANSWER_DAYS,
    COMPLETED,
    FINAL,
    MID,
    final_opens,
    mid_opens,
    surveys_due,
)

START, END = dt.date(2026, 9, 1), dt.date(2027, 5, 31)  # 272 days


def _due(today: dt.date, status: str = ACTIVE) -> list[tuple[str, dt.date]]:
    return [(d.stage, d.due_on) for d in surveys_due(starts_on=START, ends_on=END,
                                                     status=status, today=today)]


def test_nothing_before_the_middle_of_the_term() -> None:
    assert mid_opens(START, END) == dt.date(2027, 1, 15)
    assert _due(dt.date(2027, 1, 14)) == []


def test_mid_term_opens_at_the_middle_and_is_due_two_weeks_later() -> None:
    assert _due(dt.date(2027, 1, 15)) == [(MID, dt.date(2027, 1, 29))]


def test_final_opens_two_weeks_before_the_end_and_is_due_on_the_last_day() -> None:
    assert final_opens(START, END) == dt.date(2027, 5, 17)
    assert _due(dt.date(2027, 5, 16)) == [(MID, dt.date(2027, 5, 30))]
    assert _due(dt.date(2027, 5, 17)) == [(FINAL, END)]


def test_a_pair_completed_early_gets_its_final_survey_at_once() -> None:
    today = dt.date(2027, 1, 5)
    assert _due(today, COMPLETED) == [(FINAL, today + dt.timedelta(days=ANSWER_DAYS))]


def test_pairs_not_under_way_get_none() -> None:
    for status in ("approved", "ended_early"):
        assert _due(dt.date(2027, 5, 20), status) == []


dates = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31))


@given(start=dates, days=st.integers(min_value=0, max_value=400), offset=st.integers(
    min_value=-30, max_value=500), status=st.sampled_from([ACTIVE, COMPLETED]))
def test_invariants(start: dt.date, days: int, offset: int, status: str) -> None:
    end = start + dt.timedelta(days=days)
    today = start + dt.timedelta(days=offset)
    due = surveys_due(starts_on=start, ends_on=end, status=status, today=today)
    assert len(due) <= 1
    for d in due:
        # Always at least the answer period to answer, counted from today.
        assert d.due_on >= today + dt.timedelta(days=ANSWER_DAYS)
        if d.stage == MID:
            assert status == ACTIVE and mid_opens(start, end) <= today < final_opens(start, end)
        if d.stage == FINAL and status == ACTIVE:
            assert today >= final_opens(start, end) and d.due_on >= end
    if status == COMPLETED:
        assert [d.stage for d in due] == [FINAL]
