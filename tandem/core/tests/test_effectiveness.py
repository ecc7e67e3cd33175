"""Effectiveness formulas: the worked examples of docs/effectiveness.md and invariants."""

import datetime as dt
from statistics import fmean

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import effectiveness as core
from tandem.core.effectiveness import (
    A_TO_B,
    B_TO_A,
    MeetingFigures,
    PairFigures,
    PlanRow,
    Satisfaction,
    UnitSummary,
)

AS_OF = dt.date(2027, 6, 15)


def row(code: str, current: int, target: int, *, deadline: dt.date = dt.date(2027, 3, 1),
        done_at: dt.date | None = None, product: str = "") -> PlanRow:
    return PlanRow(code, current, target, deadline, done_at, product)


# -- the worked example: 2 of 3 deficits closed one way, all closed the other ---------------
CAROL_ROWS = [  # Bob (A) teaches Carol (B)
    row("ict.ai_lessons", 0, 2, done_at=dt.date(2027, 1, 10), product="Урок с ИИ"),
    row("ict.online_tests", 1, 2, done_at=dt.date(2027, 2, 10), product="Онлайн-тест"),
    row("ict.video_content", 1, 2, deadline=dt.date(2027, 3, 20)),
]
BOB_ROWS = [  # Carol (B) teaches Bob (A)
    row("method.lesson_design", 0, 2, done_at=dt.date(2027, 1, 20), product="План урока"),
    row("method.assessment", 1, 2, done_at=dt.date(2027, 2, 20)),
]


def worked_pair() -> PairFigures:
    ab = core.direction_figures(
        A_TO_B, CAROL_ROWS, as_of=AS_OF,
        before={"ict.ai_lessons": 0, "ict.online_tests": 1, "ict.video_content": 1},
        finals=[{"ict.ai_lessons": 2, "ict.online_tests": 3, "ict.video_content": 1}])
    ba = core.direction_figures(
        B_TO_A, BOB_ROWS, as_of=AS_OF,
        before={"method.lesson_design": 0},  # assessment was not in the initial round
        finals=[{"method.lesson_design": 2, "method.assessment": 2}])
    meetings = core.meeting_figures(
        [(dt.date(2026, 12, 10), False), (dt.date(2027, 1, 14), False),
         (dt.date(2027, 3, 11), True), (dt.date(2027, 3, 11), False),
         (dt.date(2027, 4, 15), True), (dt.date(2027, 9, 1), True)],
        core.window(dt.date(2026, 12, 1), dt.date(2027, 5, 31), as_of=AS_OF))
    return PairFigures(1, "completed", dt.date(2026, 12, 1), dt.date(2027, 5, 31), ab, ba,
                       meetings)


def test_two_of_three_deficits_closed_in_one_direction() -> None:
    ab = worked_pair().a_to_b
    assert (ab.deficits_planned, ab.deficits_closed, ab.deficits_assessed) == (3, 2, 3)
    assert ab.closed_share == pytest.approx(2 / 3)
    assert [(g.before, g.after, g.gain, g.closed) for g in ab.gains] == [
        (0, 2, 2, True), (1, 3, 2, True), (1, 1, 0, False)]
    assert ab.mean_gain == pytest.approx(4 / 3)
    assert (ab.tasks_planned, ab.tasks_done, ab.tasks_overdue, ab.products) == (3, 2, 1, 2)
    assert ab.done_share == pytest.approx(2 / 3)


def test_all_deficits_closed_in_the_other_direction() -> None:
    ba = worked_pair().b_to_a
    assert (ba.deficits_planned, ba.deficits_closed) == (2, 2)
    assert ba.closed_share == 1.0
    # assessment: no initial answer, so "before" is the map row's current level (1)
    assert [(g.before, g.after, g.gain) for g in ba.gains] == [(0, 2, 2), (1, 2, 1)]
    assert (ba.tasks_done, ba.tasks_overdue, ba.products) == (2, 0, 1)


def test_the_pair_as_a_whole() -> None:
    pair = worked_pair()
    assert (pair.deficits_planned, pair.deficits_closed) == (5, 4)
    assert not pair.all_closed
    assert pair.reverse
    # 182 days → a norm of 6; held 3; of the scheduled: 11.03 was held the same day,
    # 15.04 did not happen, 01.09 is after the term
    assert pair.meetings == MeetingFigures(held=3, scheduled_not_held=1, norm=6,
                                           last_held_on=dt.date(2027, 3, 11))
    assert pair.meetings.planned == 6
    assert pair.meetings.held_share == pytest.approx(0.5)


def test_a_pair_scheduling_more_than_the_norm_is_measured_by_its_schedule() -> None:
    span = core.window(dt.date(2027, 1, 1), dt.date(2027, 1, 31), as_of=AS_OF)
    weekly = [(dt.date(2027, 1, d), d != 22) for d in (1, 8, 15, 22, 29)]
    figures = core.meeting_figures(weekly, span)
    assert (figures.norm, figures.held, figures.planned) == (1, 1, 5)


def test_the_window_follows_the_period_and_today() -> None:
    starts, ends = dt.date(2026, 12, 1), dt.date(2027, 5, 31)
    assert core.window(starts, ends, as_of=dt.date(2027, 1, 30)) == (starts,
                                                                     dt.date(2027, 1, 30))
    assert core.window(starts, ends, as_of=AS_OF, date_from=dt.date(2027, 3, 1)) == (
        dt.date(2027, 3, 1), ends)
    assert core.window(starts, ends, as_of=dt.date(2026, 11, 1)) is None
    assert core.cadence_norm(None) == 0
    assert core.cadence_norm((starts, dt.date(2026, 12, 30))) == 1  # 30 days
    assert core.cadence_norm((starts, dt.date(2026, 12, 29))) == 0


def test_a_later_final_round_does_not_reopen_a_closed_deficit() -> None:
    figures = core.direction_figures(A_TO_B, [row("x", 0, 2)], before={"x": 0},
                                     finals=[{"x": 2}, {"x": 1}], as_of=AS_OF)
    assert figures.deficits_closed == 1
    assert figures.gains[0].after == 1  # "after" is the latest round's level


def test_no_final_round_means_not_assessed_and_not_closed() -> None:
    figures = core.direction_figures(A_TO_B, CAROL_ROWS, before={}, finals=[], as_of=AS_OF)
    assert (figures.deficits_closed, figures.deficits_assessed) == (0, 0)
    assert figures.mean_gain is None


# -- the 3-answer rule -----------------------------------------------------------------------
def test_satisfaction_over_two_answers_is_withheld_over_three_shown() -> None:
    assert core.satisfaction(9 + 6, answers=2, respondents=2) == Satisfaction(None, 2)
    assert core.satisfaction(9 + 6 + 10, answers=3, respondents=3) == Satisfaction(
        25 / 3, 3)
    assert core.withheld_mean([9, 6]) is None
    assert core.withheld_mean([9, 6, None, 10]) == pytest.approx(25 / 3)


def test_three_answers_from_two_people_are_withheld() -> None:
    assert core.satisfaction(24, answers=3, respondents=2).mean is None


# -- a unit and its Kirkpatrick levels -------------------------------------------------------
def unit(**changes: object) -> UnitSummary:
    values: dict[str, object] = dict(
        participants_active=10, participants_in_pairs=4, pairs_total=2, pairs_waiting=0,
        pairs_active=0, pairs_completed=1, pairs_ended_early=1,
        pairs_completed_all_closed=1, deficits_planned=8, deficits_closed=6,
        tasks_planned=8, tasks_done=6, tasks_overdue=1, products=5, meetings_held=9,
        meetings_planned=12, mentee_satisfaction=Satisfaction(8.0, 3),
        mentor_satisfaction=Satisfaction(None, 2), recommend=Satisfaction(9.0, 3),
        gains=(core.AreaGain("ict", "ИКТ", 1.0, 2.0, 3),
               core.AreaGain("method", "Методика", 1.5, 2.0, 1)))
    values.update(changes)
    return UnitSummary(**values)  # type: ignore[arg-type]


def test_kirkpatrick_levels_map_onto_the_figures() -> None:
    levels = {k.key: k for k in unit().kirkpatrick()}
    assert levels["reaction"].value == 8.0  # mentors' mean withheld: mentees only
    assert levels["reaction"].unit == "score"
    assert levels["learning"].value == pytest.approx(6 / 8)
    assert dict(levels["learning"].parts)["mean_gain"] == pytest.approx((1 * 3 + 0.5) / 4)
    assert levels["behaviour"].value == pytest.approx((6 / 8 + 9 / 12) / 2)
    assert levels["results"].value == pytest.approx(1 / 2)
    assert dict(levels["results"].parts)["involvement"] == pytest.approx(0.4)


def test_an_empty_unit_has_no_figures_rather_than_zeros() -> None:
    empty = unit(participants_active=0, participants_in_pairs=0, pairs_total=0,
                 pairs_completed=0, pairs_ended_early=0, pairs_completed_all_closed=0,
                 deficits_planned=0, deficits_closed=0, tasks_planned=0, tasks_done=0,
                 tasks_overdue=0, products=0, meetings_held=0, meetings_planned=0,
                 mentee_satisfaction=Satisfaction(None, 0), gains=())
    assert [k.value for k in empty.kirkpatrick()] == [None, None, None, None]


def test_stuck_reasons() -> None:
    pair = worked_pair()
    running = PairFigures(2, "active", pair.starts_on, pair.ends_on, pair.a_to_b,
                          pair.b_to_a, pair.meetings)
    assert core.stuck_reasons(pair, as_of=dt.date(2027, 4, 30)) == []  # finished
    assert core.stuck_reasons(running, as_of=dt.date(2027, 4, 30)) == [
        core.OVERDUE_TASKS, core.NO_RECENT_MEETING]


# -- invariants --------------------------------------------------------------------------
DAY = st.dates(min_value=dt.date(2026, 9, 1), max_value=dt.date(2027, 9, 1))
LEVEL = st.integers(0, 3)
CODES = st.sampled_from(["a", "b", "c", "d", "e"])


@st.composite
def plan_rows(draw: st.DrawFn) -> PlanRow:
    current = draw(LEVEL)
    return PlanRow(draw(CODES), current, draw(st.integers(current, 3)), draw(DAY),
                   draw(st.none() | DAY), draw(st.sampled_from(["", "Продукт"])))


LEVELS = st.dictionaries(CODES, st.none() | LEVEL)


@given(st.lists(plan_rows(), max_size=8), LEVELS, st.lists(LEVELS, max_size=3), DAY)
def test_direction_invariants(rows: list[PlanRow], before: dict[str, int | None],
                              finals: list[dict[str, int | None]], as_of: dt.date) -> None:
    f = core.direction_figures(A_TO_B, rows, before=before, finals=finals, as_of=as_of)
    assert 0 <= f.deficits_closed <= f.deficits_assessed <= f.deficits_planned == len(rows)
    assert 0 <= f.products <= f.tasks_done <= f.tasks_planned
    assert f.tasks_done + f.tasks_overdue <= f.tasks_planned
    for value in (f.closed_share, f.done_share):
        assert value is None or 0 <= value <= 1
    for gain in f.gains:
        assert gain.gain is None or -3 <= gain.gain <= 3
    # the naive recomputation: a row closes iff some final round reaches its target
    assert f.deficits_closed == sum(
        any(r.competency in fin and fin[r.competency] is not None
            and fin[r.competency] >= r.target_level for fin in finals)  # type: ignore[operator]
        for r in rows)
    assert f.tasks_done == sum(r.done_at is not None and r.done_at <= as_of for r in rows)


@given(st.lists(plan_rows(), max_size=6), LEVELS, st.lists(LEVELS, min_size=1, max_size=3),
       DAY, DAY)
def test_more_time_never_undoes_work(rows: list[PlanRow], before: dict[str, int | None],
                                     finals: list[dict[str, int | None]], d1: dt.date,
                                     d2: dt.date) -> None:
    early, late = sorted((d1, d2))
    a = core.direction_figures(A_TO_B, rows, before=before, finals=finals, as_of=early)
    b = core.direction_figures(A_TO_B, rows, before=before, finals=finals, as_of=late)
    assert a.tasks_done <= b.tasks_done and a.products <= b.products


@given(st.lists(st.tuples(DAY, st.booleans()), max_size=30), DAY, DAY, DAY)
def test_meeting_invariants(meetings: list[tuple[dt.date, bool]], starts: dt.date,
                            length_from: dt.date, as_of: dt.date) -> None:
    ends = max(starts, length_from)
    span = core.window(starts, ends, as_of=as_of)
    f = core.meeting_figures(meetings, span)
    assert 0 <= f.held <= f.planned
    assert f.norm <= f.planned
    assert f.held_share is None or 0 <= f.held_share <= 1
    if span is None:
        assert f == MeetingFigures(0, 0, 0)
    else:
        assert f.held == sum(1 for d, p in meetings if not p and span[0] <= d <= span[1])
        assert f.norm == ((span[1] - span[0]).days + 1) // core.CADENCE_DAYS
        assert f.last_held_on is None or span[0] <= f.last_held_on <= span[1]


@given(st.lists(st.none() | st.integers(1, 10), max_size=10))
def test_satisfaction_is_the_mean_or_withheld(answers: list[int | None]) -> None:
    given_answers = [a for a in answers if a is not None]
    s = core.satisfaction(sum(given_answers), len(given_answers), len(given_answers))
    if len(given_answers) < core.MIN_ANSWERS:
        assert s.mean is None
    else:
        assert s.mean is not None
        assert s.mean == pytest.approx(fmean(given_answers))
        assert s.mean == pytest.approx(core.withheld_mean(answers))  # type: ignore[arg-type]
        assert 1 <= s.mean <= 10


@st.composite
def pair_list(draw: st.DrawFn) -> list[PairFigures]:
    result = []
    for i in range(draw(st.integers(0, 6))):
        directions = [core.direction_figures(
            d, draw(st.lists(plan_rows(), max_size=4)), before=draw(LEVELS),
            finals=draw(st.lists(LEVELS, max_size=2)), as_of=AS_OF) for d in (A_TO_B, B_TO_A)]
        starts = draw(DAY)
        span = core.window(starts, starts + dt.timedelta(days=draw(st.integers(0, 365))),
                           as_of=AS_OF)
        result.append(PairFigures(
            i, draw(st.sampled_from(["approved", "active", "completed", "ended_early"])),
            starts, starts, directions[0], directions[1],
            core.meeting_figures(draw(st.lists(st.tuples(DAY, st.booleans()), max_size=8)),
                                 span)))
    return result


@given(pair_list(), st.integers(0, 50))
def test_unit_shares_are_shares(pairs: list[PairFigures], others: int) -> None:
    counts = core.summarize_pairs(pairs)
    in_pairs = 2 * len(pairs)
    summary = UnitSummary(participants_active=in_pairs + others,
                          participants_in_pairs=in_pairs,
                          mentee_satisfaction=Satisfaction(None, 0),
                          mentor_satisfaction=Satisfaction(None, 0),
                          recommend=Satisfaction(None, 0), **counts)  # type: ignore[arg-type]
    shares = [summary.involvement, summary.active_share, summary.completed_share,
              summary.ended_early_share, summary.closed_share, summary.done_share,
              summary.meetings_share, summary.success_share]
    assert all(s is None or 0 <= s <= 1 for s in shares)
    assert summary.deficits_closed <= summary.deficits_planned
    assert summary.pairs_waiting + summary.pairs_active + summary.pairs_completed \
        + summary.pairs_ended_early == summary.pairs_total
    for level in summary.kirkpatrick():
        assert level.value is None or (0 <= level.value <= 1 if level.unit == "share"
                                       else 1 <= level.value <= 10)


def test_share_refuses_nonsense() -> None:
    assert core.share(0, 0) is None
    with pytest.raises(ValueError):
        core.share(3, 2)


@given(st.lists(plan_rows(), max_size=4), st.lists(plan_rows(), max_size=4), LEVELS,
       st.lists(LEVELS, max_size=2), st.lists(st.tuples(DAY, st.booleans()), max_size=8),
       DAY, st.sampled_from(["approved", "active", "completed", "ended_early"]))
def test_stuck_reasons_never_look_at_levels(
        ab: list[PlanRow], ba: list[PlanRow], before: dict[str, int | None],
        finals: list[dict[str, int | None]], meetings: list[tuple[dt.date, bool]],
        starts: dt.date, status: str) -> None:
    """The dashboard reads stuck pairs without the learners' diagnostics rounds
    (``pair_figures(levels=False)``): the reasons must be the same with them."""
    def pair(before: dict[str, int | None],
             finals: list[dict[str, int | None]]) -> PairFigures:
        directions = [core.direction_figures(d, rows, before=before, finals=finals,
                                             as_of=AS_OF)
                      for d, rows in ((A_TO_B, ab), (B_TO_A, ba))]
        ends = starts + dt.timedelta(days=240)
        return PairFigures(1, status, starts, ends, directions[0], directions[1],
                           core.meeting_figures(meetings, core.window(starts, ends,
                                                                      as_of=AS_OF)))

    assert (core.stuck_reasons(pair(before, finals), as_of=AS_OF)
            == core.stuck_reasons(pair({}, []), as_of=AS_OF))
