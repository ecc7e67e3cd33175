"""The aggregates other pages build on: withheld below three people, shown from three,
always over whole academic years (the release rule, tandem/core/release.py)."""

import datetime as dt
from typing import Any

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.core.effectiveness import MIN_ANSWERS
from tandem.core.periods import academic_year
from tandem.core.release import Cell, Released, release
from tandem.surveys import selectors, tallies
from tandem.surveys.models import Survey, SurveyCell, SurveyCellMark
from tandem.surveys.selectors import release_period, satisfaction_summary
from tandem.surveys.tests.helpers import answered_surveys
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, World


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
    # A small cell enters nothing — and a cell of two people has published nothing yet
    # (rule 5: a cell is first published with its third person), not even answers left out.
    assert mid.mentors.n == 0 and mid.mentors.left_out == 0


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


# -- the database's sums against the rule applied cell by cell ---------------------------
QUESTION = st.tuples(st.integers(0, 5), st.integers(0, 4), st.integers(1, 10)).map(
    lambda t: (t[0], min(t[1], t[0]), t[0] * t[2]))  # answers, people (≤ answers), sum
KEPT_CELL = st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 4),
                      st.lists(QUESTION, min_size=5, max_size=5))


def _cell_by_cell(scope: Scope, filters: Filters) -> tuple[object, ...]:
    """The summary as it was read before issue #16: every kept cell of the request
    fetched, each question's cell released by :func:`tandem.core.release.release`, the
    texts' cells marked one by one by the rule written out in Python (at least
    MIN_ANSWERS people, the organization not waiting for its rebuild), not by the query
    under test (review finding)."""
    years = release_period(filters)[0]
    marked = set(SurveyCellMark.objects.values_list("organization_id", flat=True))
    rows = [(*row, row[5] >= MIN_ANSWERS and row[0] not in marked) for row in
            SurveyCell.objects.filter(organization__in=filters.organizations(scope),
                                      year__range=years)
            .values_list(*selectors.CELL_COLUMNS[:6], *selectors.PUBLISHED_COLUMNS)]
    sent: dict[str, list[int]] = {s: [0, 0] for s in Survey.Stage.values}
    cells: dict[tuple[str, str], list[Cell]] = {
        (name, s): [] for name in selectors.FIELDS for s in Survey.Stage.values}
    texts: dict[str, set[int]] = {s: set() for s in Survey.Stage.values}
    for organization, year, stage, n_sent, answered, _people, *kept, text_source in rows:
        sent[stage][0] += n_sent
        sent[stage][1] += answered
        if answered and text_source:
            texts[stage].add(year)
        for i, name in enumerate(selectors.FIELDS):
            cells[name, stage].append(Cell((organization, year, stage), *kept[3 * i:3 * i + 3]))

    def figure(released: Released) -> tuple[object, ...]:
        return released.mean, released.answers, released.left_out

    return (
        {s: (tuple(sent[s]), [figure(release(cells[name, s])) for name in selectors.FIELDS])
         for s in Survey.Stage.values},
        {name: figure(release([c for s in Survey.Stage.values for c in cells[name, s]]))
         for name in selectors.FIELDS},
        texts)


def _summed(scope: Scope, filters: Filters) -> tuple[object, ...]:
    summary = satisfaction_summary(scope=scope, filters=filters)
    return (
        {s.stage: ((s.sent, s.answered), [(m.mean, m.n, m.left_out) for m in s.measures])
         for s in summary.stages},
        {name: (r.mean, r.answers, r.left_out) for name, r in summary.overall.items()},
        {s: set(summary.counted.get(s, ())) for s in Survey.Stage.values})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kept=st.dictionaries(st.tuples(st.integers(0, 2), st.sampled_from([2025, 2026]),
                                      st.sampled_from(Survey.Stage.values)),
                            KEPT_CELL, max_size=10),
       marked=st.sets(st.integers(0, 2)))
def test_the_database_sums_give_what_the_cells_released_one_by_one_gave(
        world: World, kept: dict[tuple[int, int, str], tuple[int, int, int, list[Any]]],
        marked: set[int]) -> None:
    """Any kept cells of three organizations (two municipalities), on both sides of the
    threshold in every question, some of them waiting for their rebuild: every view — the
    region over one and two academic years, a municipality, an organization, a curator, a
    coordinator — gives exactly the figures, left-out answers and texts' years that
    releasing the cells one by one gave (issue #16: the database sums the counted cells,
    ``selectors.counted_q``, the twin of ``rule.counted``)."""
    third = (Organization.objects.filter(name="Школа А2").first()  # the world is shared
             or OrganizationFactory.create(municipality=world.municipality_a, name="Школа А2"))
    organizations = [world.org_a, world.org_b, third]
    SurveyCell.objects.all().delete()
    SurveyCellMark.objects.all().delete()
    for (which, year, stage), (sent, answered, people, questions) in kept.items():
        # Only the published sums: what the cell holds now is no figure's (rule 5).
        figures = {selectors.published(name, part): value
                   for name, (n, who, total) in zip(selectors.FIELDS, questions, strict=True)
                   for part, value in (("sum", total), ("n", n), ("people", who))}
        SurveyCell.objects.create(organization=organizations[which], year=year, stage=stage,
                                  sent=sent + answered, answered=answered, people=people,
                                  **figures)
    for which in marked:
        SurveyCellMark.objects.create(organization_id=organizations[which].pk)
    # The cells were written by hand: their municipalities' sums (what the region's views
    # read) as a repair makes them.
    tallies.roll_up()
    two_years = Filters(date_from=dt.date(2025, 10, 1), date_to=dt.date(2026, 10, 1))
    one_year = Filters(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 1))
    views = [(scope_for(world.olga), two_years), (scope_for(world.olga), one_year),
             (scope_for(world.olga), Filters(municipality_id=world.municipality_a.pk,
                                             date_from=dt.date(2025, 10, 1))),
             (scope_for(world.olga), Filters(organization_id=world.org_b.pk,
                                             date_from=dt.date(2025, 10, 1))),
             (scope_for(world.olga), Filters(sector=world.org_b.sector,
                                             date_from=dt.date(2025, 10, 1))),
             (scope_for(world.alice), two_years), (scope_for(world.dave), two_years)]
    for scope, filters in views:
        assert _summed(scope, filters) == _cell_by_cell(scope, filters), filters
