"""The satisfaction cells kept per (organization, academic year, stage)
(tandem/surveys/tallies.py) give exactly the summary the scan of the surveys gave, for
every scope and filter, whatever writes the surveys; the summary reads only them."""

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.filters import Filters
from tandem.access.scope import Scope, scope_for
from tandem.core import release as rule
from tandem.core.periods import academic_year
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.people.personal_data import participant_anonymise
from tandem.surveys import tallies
from tandem.surveys.models import Survey, SurveyCell, SurveyCellMark
from tandem.surveys.selectors import FIELDS, published, release_period, satisfaction_summary
from tandem.surveys.services import survey_submit, surveys_create_due
from tandem.surveys.tests.helpers import (
    PublishedOracle,
    active_pair,
    answered_surveys,
    kept_summary,
)
from tandem.territory.models import Organization
from tandem.testing import ParticipantFactory, RegionFactory, World
from tandem.web.signals import hourly

pytestmark = pytest.mark.django_db


def _views(world: World) -> list[tuple[Scope, Filters]]:
    """Every unit and period a page can ask for, through its persona's scope."""
    olga = scope_for(world.olga)
    today = timezone.localdate()
    last_year = today - dt.timedelta(days=365)
    return [(olga, Filters()), (olga, Filters(municipality_id=world.municipality_a.pk)),
            (olga, Filters(organization_id=world.org_b.pk)),
            (olga, Filters(sector=world.org_b.sector)), (olga, Filters(region_id=world.region.pk)),
            (olga, Filters(date_from=last_year, date_to=today)),
            (olga, Filters(date_from=last_year - dt.timedelta(days=365), date_to=last_year)),
            (olga, Filters(date_from=today, date_to=today + dt.timedelta(days=400))),
            (scope_for(world.alice), Filters()), (scope_for(world.charlie), Filters()),
            (scope_for(world.dave), Filters(date_from=last_year)),
            (scope_for(world.bob), Filters())]


def _assert_kept_equal_live(world: World, oracle: PublishedOracle | None = None) -> None:
    """The kept cells' sums now give what the scan of the surveys gives, and every view
    reads their published sums (rule 5) — those of ``oracle``, the rule replayed after
    each write, when given."""
    for scope, filters in _views(world):
        years = release_period(filters)[0]
        organizations = filters.organizations(scope)
        live = tallies.live_summary(organizations, years)
        assert kept_summary(organizations, years, now=True) == live, filters
        shown = satisfaction_summary(scope=scope, filters=filters)
        assert shown == kept_summary(organizations, years, now=False), filters
        if oracle is not None:
            assert shown == oracle.summary(organizations, years), filters
    assert tallies.stale() == []


def _after_commit() -> None:
    """What the job does once the writer's transaction commits (the tests run inside one
    that never does, so a job it scheduled once stays scheduled): whatever was marked, a
    job was scheduled for it, and it runs."""
    if SurveyCellMark.objects.exists():
        assert any(item[1] is tallies.enqueue_refresh for item in connection.run_on_commit)
    tallies.refresh()


def _people_and_pairs(world: World, per_organization: int = 8) -> None:
    """Active pairs in A and B (and one of the municipal pool, A with B) whose mid-term
    and final surveys fall due over the coming year."""
    today = timezone.localdate()
    for org in (world.org_a, world.org_b):
        people = [ParticipantFactory.create(organization=org) for _ in range(per_organization)]
        for i in range(0, per_organization, 2):
            active_pair(people[i], people[i + 1], starts_on=today - dt.timedelta(days=100 + i),
                        ends_on=today + dt.timedelta(days=30 * i))
    active_pair(world.bob_p, world.someone_b, starts_on=today - dt.timedelta(days=200),
                ends_on=today + dt.timedelta(days=10))


def _answers(level: int) -> dict[str, object]:
    return {name: 1 + (level + i) % 10 for i, name in enumerate(FIELDS)} | {
        "text_good": "Польза", "text_improve": ""}


# Each step is what the product does: the schedule creates surveys, a teacher answers, an
# answer is dated by the admin (another academic year), a survey's due date or stage is
# changed by the admin, a person moves, a pair is deleted with its surveys, a person's data
# is anonymised, an organization moves to the other municipality or changes its sector
# (its cells move between the municipalities' sums).
STEPS = ["create", "answer", "backdate", "redue", "restage", "move", "delete_pair",
         "anonymise", "relocate", "resector"]
# The steps that save one survey: they recount its cells only — no organization rebuilt,
# nothing marked for the job.
ONE_SURVEY = {"answer", "backdate", "redue", "restage"}


def _no_rebuild() -> AbstractContextManager[object]:
    return mock.patch.object(tallies, "_rebuild_locked", side_effect=AssertionError(
        "one survey saved rebuilt whole organizations"))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 40), st.integers(0, 9)),
                      min_size=1, max_size=12))
def test_kept_cells_equal_the_scan_after_any_writes(
        world: World, django_capture_on_commit_callbacks, steps: list[tuple[str, int, int]],
) -> None:
    if not Pair.objects.exists():  # the world is shared by the examples: once
        _people_and_pairs(world)
    oracle = PublishedOracle()
    for cell in SurveyCell.objects.all():  # what earlier examples left published
        oracle.members[cell.organization_id, cell.year, cell.stage] = cell.published_members
        oracle.cells[cell.organization_id, cell.year, cell.stage] = {
            name: rule.Cell(None, *(getattr(cell, published(name, part))
                                    for part in ("sum", "n", "people"))) for name in FIELDS}
    today = timezone.localdate()
    for step, who, level in steps:
        with (django_capture_on_commit_callbacks(execute=True),  # the job after commit
              _no_rebuild() if step in ONE_SURVEY else nullcontext()):
            surveys = list(Survey.objects.order_by("pk"))
            people = list(Participant.objects.order_by("pk"))
            person = people[who % len(people)]
            open_surveys = [s for s in surveys if s.submitted_at is None]
            answered = [s for s in surveys if s.submitted_at is not None]
            if step == "create":
                surveys_create_due(today=today + dt.timedelta(days=20 * level))
            elif step == "answer" and open_surveys:
                survey_submit(survey=open_surveys[who % len(open_surveys)], data=_answers(level))
            elif step == "backdate" and answered:
                survey = answered[who % len(answered)]
                survey.submitted_at = timezone.now() - dt.timedelta(days=120 * level)
                survey.save()
            elif step == "redue" and open_surveys:  # into another academic year, or not
                survey = open_surveys[who % len(open_surveys)]
                survey.due_on += dt.timedelta(days=90 * (level - 4))
                survey.save()
            elif step == "restage" and surveys:
                survey = surveys[who % len(surveys)]
                other = "final" if survey.stage == "mid" else "mid"
                if not Survey.objects.filter(pair=survey.pair_id, participant=survey.participant_id,
                                             stage=other).exists():
                    survey.stage = other
                    survey.save()
            elif step == "move":
                person.organization = (world.org_b if person.organization_id == world.org_a.pk
                                       else world.org_a)
                person.save()
            elif step == "delete_pair" and level == 0:  # rarely: the pairs run out
                pair = Pair.objects.order_by("pk")[who % Pair.objects.count()]
                pair.delete()
            elif step == "anonymise":
                participant_anonymise(participant=person, actor=None)
            elif step == "relocate":
                organization = Organization.objects.get(pk=person.organization_id)
                organization.municipality = (
                    world.municipality_b if organization.municipality_id == world.municipality_a.pk
                    else world.municipality_a)
                organization.save()
            elif step == "resector":
                organization = Organization.objects.get(pk=person.organization_id)
                sectors = Organization.Sector.values
                organization.sector = sectors[(sectors.index(organization.sector) + 1 + level)
                                              % len(sectors)]
                organization.save()
            if step in ONE_SURVEY:
                assert not SurveyCellMark.objects.exists()
        _after_commit()
        oracle.step()
        _assert_kept_equal_live(world, oracle)


def test_a_small_cell_is_withheld_from_its_region_and_the_rest_is_released(
        world: World) -> None:
    """Three people in A; three in B, of whom two rated their role as mentors: the region's
    mentors' figure is A's, B's two mentors' answers are left out of it — read from the
    cells, as the scan did (B's cell is published with its third person, rule 5)."""
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    for mentor, mentee in [(2, 3), (1, 1), (None, 4)]:
        a = ParticipantFactory.create(organization=world.org_b)
        b = ParticipantFactory.create(organization=world.org_b)
        survey = Survey.objects.create(pair=active_pair(a, b), participant=a, stage="mid",
                                       due_on=timezone.localdate())
        survey_submit(survey=survey, data={"mentee_benefit": mentee, "mentee_support": mentee,
                                           "mentor_satisfaction": mentor,
                                           "mentor_engagement": mentor, "recommend": mentor})
    region = satisfaction_summary(scope=scope_for(world.olga), filters=Filters()).by_stage["mid"]
    assert (region.sent, region.answered) == (6, 6)
    assert region.mentors.mean == round((7 + 9 + 5) / 3, 1) and region.mentors.n == 3
    assert region.mentors.left_out == 2
    assert region.mentees.n == 6 and region.mentees.left_out == 0
    b_only = satisfaction_summary(scope=scope_for(world.charlie), filters=Filters())
    assert b_only.by_stage["mid"].mentors.withheld and b_only.by_stage["mid"].answered == 3
    year = academic_year(timezone.localdate())
    cell = SurveyCell.objects.get(organization=world.org_a, year=year, stage="mid")
    assert (cell.people, cell.mentor_satisfaction_sum, cell.mentor_satisfaction_n,
            cell.mentor_satisfaction_people) == (3, 21, 3, 3)
    _assert_kept_equal_live(world)


def test_one_person_answering_twice_is_one_person_of_the_cell(world: World) -> None:
    """Two pairs, one person: two answers, one person — three answers of two people stay
    withheld (people are counted within a cell, never added). A third person who rated
    only the partner's teaching publishes the cell (rule 5), not the mentors' figure."""
    a, b, c, d = (ParticipantFactory.create(organization=world.org_a) for _ in range(4))
    due = timezone.localdate()
    for pair, who in ((active_pair(a, b), a), (active_pair(a, c), a), (active_pair(b, c), b),
                      (active_pair(c, d), c)):
        survey = Survey.objects.create(pair=pair, participant=who, stage="mid", due_on=due)
        survey_submit(survey=survey, data=_answers(5) | (
            {"mentor_satisfaction": None, "mentor_engagement": None} if who == c else {}))
    mid = satisfaction_summary(scope=scope_for(world.alice), filters=Filters()).by_stage["mid"]
    assert mid.answered == 4 and mid.mentors.withheld and mid.mentors.left_out == 3
    assert mid.mentees.n == 4 and not mid.mentees.withheld
    _assert_kept_equal_live(world)


def test_an_answer_counts_in_the_academic_year_of_its_region(world: World) -> None:
    """31 August, 21:00 UTC is already 1 September in Tyumen (UTC+5): the answer belongs
    to the new academic year, whoever looks; an unanswered survey to the year it is due."""
    world.region.time_zone = "Asia/Yekaterinburg"
    world.region.save()
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    pair = active_pair(a, b)
    late = dt.datetime(2027, 8, 31, 21, 0, tzinfo=dt.UTC)
    Survey.objects.create(pair=pair, participant=a, stage="mid", due_on=dt.date(2027, 8, 31),
                          submitted_at=late, recommend=9)
    Survey.objects.create(pair=pair, participant=b, stage="mid", due_on=dt.date(2027, 8, 31))
    cells = {c.year: (c.sent, c.answered, c.recommend_sum)
             for c in SurveyCell.objects.filter(organization=world.org_a)}
    assert cells == {2027: (1, 1, 9), 2026: (1, 0, 0)}
    with timezone.override(dt.UTC):  # a viewer in another zone sees the same cells
        summary = satisfaction_summary(scope=scope_for(world.olga), filters=Filters(
            date_from=dt.date(2027, 9, 1), date_to=dt.date(2027, 9, 1)))
    assert summary.years == (2027, 2027) and summary.by_stage["mid"].answered == 1
    # The region moves to Kaliningrad (UTC+2): 31 August, 23:00 there — the year before.
    with transaction.atomic():
        world.region.time_zone = "Europe/Kaliningrad"
        world.region.save()
        assert SurveyCellMark.objects.filter(organization_id=world.org_a.pk).exists()
    tallies.refresh()
    assert set(SurveyCell.objects.filter(organization=world.org_a)
               .values_list("year", "sent", "answered")) == {(2026, 2, 1)}
    _assert_kept_equal_live(world)


def test_a_municipality_moved_to_a_region_of_another_zone_moves_its_answers_year(
        world: World) -> None:
    """31 August, 21:00 UTC: the year before in Kaliningrad (UTC+2, 31 August), the new one
    in Tyumen (UTC+5, 1 September). Three answers of A's municipality, in a Kaliningrad region,
    count in 2026/27; the municipality moved to a Tyumen region, its organizations are
    marked and their answers count in 2027/28 — what its coordinator sees for that year,
    and ``tandem tallies --check``. A move between two regions of one zone marks nothing."""
    west = RegionFactory.create(time_zone="Europe/Kaliningrad")
    tyumen = RegionFactory.create(time_zone="Asia/Yekaterinburg")
    world.municipality_a.region = west
    world.municipality_a.save()
    tallies.refresh()
    late = dt.datetime(2027, 8, 31, 21, 0, tzinfo=dt.UTC)
    for score in (7, 8, 9):
        a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
        Survey.objects.create(pair=active_pair(a, b), participant=a, stage="mid",
                              due_on=dt.date(2027, 8, 31), submitted_at=late, recommend=score)
    assert set(SurveyCell.objects.filter(organization=world.org_a)
               .values_list("year", "answered")) == {(2026, 3)}

    def shown(year: int) -> tuple[float | None, int]:
        recommend = satisfaction_summary(scope=scope_for(world.erin), filters=Filters(
            date_from=dt.date(year, 9, 1), date_to=dt.date(year, 9, 1))).by_stage[
            "mid"].recommend
        return recommend.mean, recommend.n

    assert (shown(2026), shown(2027)) == ((8.0, 3), (None, 0))
    with transaction.atomic():
        world.municipality_a.region = RegionFactory.create(time_zone="Europe/Kaliningrad")
        world.municipality_a.save()  # another region, the same zone
        assert not SurveyCellMark.objects.exists()
        world.municipality_a.region = tyumen
        world.municipality_a.save()
        assert SurveyCellMark.objects.filter(organization_id=world.org_a.pk).exists()
    tallies.refresh()  # the job after the commit
    assert set(SurveyCell.objects.filter(organization=world.org_a, answered__gt=0)
               .values_list("year", "answered")) == {(2027, 3)}
    assert (shown(2026), shown(2027)) == ((None, 0), (8.0, 3))
    assert tallies.stale() == []
    _assert_kept_equal_live(world)


def test_the_summary_reads_one_query_and_no_survey_at_any_size(world: World) -> None:
    def queries() -> list[str]:
        scope = scope_for(world.olga)
        with CaptureQueriesContext(connection) as ctx:
            satisfaction_summary(scope=scope, filters=Filters())
        return [q["sql"] for q in ctx.captured_queries]

    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    small = queries()
    # ~2,000 more surveys in bulk, as the schedule writes them (no model signal).
    people = [ParticipantFactory.build(organization=org) for org in (world.org_a, world.org_b)
              for _ in range(1000)]
    for p in people:
        p.refresh_search_name()
    people = Participant.objects.bulk_create(people)
    pairs = Pair.objects.bulk_create([
        Pair(a=people[i], b=people[i + 1], organization=people[i].organization,
             starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31),
             status=Pair.Status.ACTIVE) for i in range(0, len(people), 2)])
    now = timezone.now()
    Survey.objects.bulk_create([
        Survey(pair=pair, participant=who, stage="mid", due_on=timezone.localdate(),
               submitted_at=now, recommend=8, mentee_benefit=7, mentee_support=7,
               mentor_satisfaction=9, mentor_engagement=9)
        for pair in pairs for who in (pair.a, pair.b)])
    tallies.rebuild()
    large = queries()
    # The region's view: its municipalities' sums and (UNION ALL) the counted cells of
    # organizations waiting for their rebuild (they give no texts).
    assert len(small) == len(large) == 1
    assert not any('"surveys_survey"' in sql for sql in large)
    assert any('"surveys_municipalitysurveycell"' in sql for sql in large)
    assert satisfaction_summary(scope=scope_for(world.olga),
                                filters=Filters()).by_stage["mid"].answered == 2003
    _assert_kept_equal_live(world)


def test_a_rolled_back_write_leaves_the_cells_as_they_were(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    before = set(SurveyCell.objects.values_list("organization_id", "year", "stage", "sent",
                                                "answered", "recommend_sum"))
    pair = Pair.objects.order_by("pk").first()
    assert pair is not None
    survey = Survey.objects.create(pair=pair, participant=pair.b, stage="final",
                                   due_on=timezone.localdate())
    with pytest.raises(RuntimeError), transaction.atomic():
        survey_submit(survey=survey, data=_answers(3))
        surveys_create_due(today=timezone.localdate() + dt.timedelta(days=400))
        raise RuntimeError("the request fails after the writes")
    survey.delete()
    tallies.refresh()
    after = set(SurveyCell.objects.values_list("organization_id", "year", "stage", "sent",
                                               "answered", "recommend_sum"))
    assert after == before and not SurveyCellMark.objects.exists()
    # A rebuild that fails half-way changes nothing either: one transaction per batch.
    tallies.touch([world.org_a.pk])

    def broken(zones: object) -> list[SurveyCell]:
        raise RuntimeError("the database went away")

    original = tallies._computed
    tallies._computed = broken  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            tallies.refresh()
    finally:
        tallies._computed = original  # type: ignore[assignment]
    assert set(SurveyCell.objects.values_list("organization_id", "year", "stage", "sent",
                                              "answered", "recommend_sum")) == before
    assert SurveyCellMark.objects.filter(organization_id=world.org_a.pk).exists()
    hourly.send(sender=None)  # the hourly run picks the mark up
    assert not SurveyCellMark.objects.exists() and tallies.stale() == []


def test_a_rebuild_removes_only_the_marks_it_read(world: World,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    answered_surveys(world, [(7, 8)])
    tallies.touch([world.org_a.pk])
    summing = tallies._computed

    def a_write_lands_meanwhile(zones: dict[int, str]) -> list[SurveyCell]:
        SurveyCellMark.objects.create(organization_id=world.org_a.pk)
        return summing(zones)

    monkeypatch.setattr(tallies, "_computed", a_write_lands_meanwhile)
    tallies.refresh()
    assert SurveyCellMark.objects.filter(organization_id=world.org_a.pk).count() == 1
    monkeypatch.setattr(tallies, "_computed", summing)
    tallies.refresh()
    assert not SurveyCellMark.objects.exists()


def test_the_check_only_reads_and_the_command_keeps_the_cells(world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    with CaptureQueriesContext(connection) as queries:
        assert tallies.stale() == []
    assert [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
            or "FOR UPDATE" in q["sql"].upper()] == []
    Survey.objects.update(recommend=1)  # behind the keeper's back
    assert any(row[0] == "SurveyCell" for row in tallies.stale())
    with pytest.raises(CommandError, match=r"опросы: [1-9]"):
        call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("tallies", "--rebuild", stdout=out, stderr=StringIO())
    assert "Опросы: пересчитано организаций" in out.getvalue()
    call_command("tallies", "--check", stdout=StringIO(), stderr=StringIO())


def _cells(organization_id: int | None = None) -> dict[tuple[int, int, str], tuple[int, ...]]:
    """The kept cells: (organization, year, stage) → (row id, sent, answered, people,
    recommend sum) — the row id tells a cell recounted (a new row) from one left alone."""
    rows = SurveyCell.objects.all()
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    return {(c.organization_id, c.year, c.stage): (c.pk, c.sent, c.answered, c.people,
                                                    c.recommend_sum) for c in rows}


def _recounted(before: dict[tuple[int, int, str], tuple[int, ...]],
               after: dict[tuple[int, int, str], tuple[int, ...]]) -> set[tuple[int, int, str]]:
    """The cells whose row was replaced, added or removed."""
    return {key for key in before.keys() | after.keys()
            if before.get(key, (None,))[0] != after.get(key, (None,))[0]}


def _four_cells(world: World) -> list[Survey]:
    """Answered surveys of A in this year's and last year's mid and final stages, so a
    save that recounted the whole organization would replace all four cells."""
    surveys = answered_surveys(world, [(7, 8), (9, 6), (5, 10)])
    surveys += answered_surveys(world, [(8, 8), (6, 7), (10, 9)], stage=Survey.Stage.FINAL)
    last_year = timezone.now() - dt.timedelta(days=365)
    for survey in surveys[1:2] + surveys[4:5]:
        Survey.objects.filter(pk=survey.pk).update(submitted_at=last_year)
    tallies.rebuild()
    return surveys


def test_an_answer_dated_into_another_year_recounts_those_two_cells_only(
        world: World) -> None:
    """The admin moves an answer to last year: last year's and this year's cells of its
    stage are recounted from the surveys, the other stage's cells stay as they were."""
    surveys = _four_cells(world)
    year = academic_year(timezone.localdate())
    org = world.org_a.pk
    before = _cells()
    assert before[(org, year, "mid")][1:] == (2, 2, 2, 7 + 5)
    survey = surveys[0]
    survey.submitted_at = timezone.now() - dt.timedelta(days=365)
    survey.save()
    after = _cells()
    assert _recounted(before, after) == {(org, year, "mid"), (org, year - 1, "mid")}
    assert after[(org, year, "mid")][1:] == (1, 1, 1, 5)
    assert after[(org, year - 1, "mid")][1:] == (2, 2, 2, 9 + 7)
    assert not SurveyCellMark.objects.exists()
    _assert_kept_equal_live(world)
    # Its due date does not count while it is answered; answered back, it returns.
    survey.due_on -= dt.timedelta(days=365)
    survey.submitted_at = timezone.now()
    survey.save()
    assert _cells() == {**after, **{key: _cells()[key] for key in
                                    ((org, year, "mid"), (org, year - 1, "mid"))}}
    assert {key: row[1:] for key, row in _cells().items()} == {
        key: row[1:] for key, row in before.items()}
    _assert_kept_equal_live(world)


def test_an_unanswered_survey_due_in_another_year_moves_its_sent_count(world: World) -> None:
    surveys = _four_cells(world)
    org = world.org_a.pk
    year = academic_year(timezone.localdate())
    open_one = Survey.objects.create(pair=surveys[0].pair, participant=surveys[0].pair.b,
                                     stage="final", due_on=timezone.localdate())
    before = _cells()
    assert before[(org, year, "final")][1:3] == (3, 2)
    open_one.due_on = timezone.localdate() + dt.timedelta(days=366)
    open_one.save()
    after = _cells()
    assert _recounted(before, after) == {(org, year, "final"), (org, year + 1, "final")}
    assert after[(org, year, "final")][1:3] == (2, 2)
    assert after[(org, year + 1, "final")][1:] == (1, 0, 0, 0)
    _assert_kept_equal_live(world)


def test_a_survey_moved_to_the_other_stage_recounts_both_stages_of_its_year(
        world: World) -> None:
    surveys = _four_cells(world)
    org = world.org_a.pk
    year = academic_year(timezone.localdate())
    before = _cells()
    survey = surveys[2]  # this year's mid, mentor 5
    survey.stage = Survey.Stage.FINAL
    survey.save()
    after = _cells()
    assert _recounted(before, after) == {(org, year, "mid"), (org, year, "final")}
    assert after[(org, year, "mid")][1:] == (1, 1, 1, 7)
    assert after[(org, year, "final")][1:] == (3, 3, 3, 8 + 10 + 5)
    # Saving only what no cell counts (sending) recounts nothing.
    survey.sent_at = timezone.now()
    survey.save(update_fields=["sent_at"])
    assert _cells() == after
    _assert_kept_equal_live(world)


def test_a_person_who_moved_leaves_their_answers_and_a_survey_given_elsewhere_moves(
        world: World, django_capture_on_commit_callbacks) -> None:
    """A person moves from A to B: their answers stay in A's cells (the organization they
    answered in, ``Survey.organization``) — nothing marked, nothing recounted; their
    answer changed afterwards recounts A's cell only. A survey given to a respondent of
    another organization, answered there (its organization B), recounts its cell in
    both."""
    surveys = _four_cells(world)
    year = academic_year(timezone.localdate())
    a, b = world.org_a.pk, world.org_b.pk
    person = surveys[0].participant
    before = _cells()
    with django_capture_on_commit_callbacks(execute=True):
        person.organization = world.org_b
        person.save()
        assert not SurveyCellMark.objects.exists()
    assert _cells() == before
    assert _cells(a)[(a, year, "mid")][1:] == (2, 2, 2, 7 + 5)
    _assert_kept_equal_live(world)
    survey = Survey.objects.get(pk=surveys[0].pk)
    survey.recommend = 2
    survey.save()
    after = _cells()
    assert _recounted(before, after) == {(a, year, "mid")}
    assert after[(a, year, "mid")][1:] == (2, 2, 2, 2 + 5)
    # A survey of A (this year's final) given to a respondent of B, answered at B: out
    # of A, into B.
    moved = surveys[3]
    moved.participant = ParticipantFactory.create(organization=world.org_b)
    moved.organization = world.org_b
    moved.save()
    final = _cells()
    assert _recounted(after, final) == {(a, year, "final"), (b, year, "final")}
    assert final[(a, year, "final")][1:] == (1, 1, 1, 10)
    assert final[(b, year, "final")][1:] == (1, 1, 1, 8)
    assert not SurveyCellMark.objects.exists()
    _assert_kept_equal_live(world)


def test_an_answer_given_after_a_move_reaches_the_cached_dashboard_it_left(
        world: World) -> None:
    """A survey created for a teacher of A (its cell A's), of a pair of B — the teacher
    then moved to B and answered there: the survey leaves A's cell for B's. The
    dashboards' cache version of *both* organizations moves (``SurveyCellState.
    refreshed_at``, ``monitoring.versions``) — the survey's audit entry names only the
    pair's organizations now (B), so A's cached figures would stay stale up to
    ``CACHE_SECONDS``."""
    from django.core.cache import cache

    from tandem.monitoring import selectors as dashboard

    cache.clear()
    teacher = ParticipantFactory.create(organization=world.org_a)
    pair = Pair.objects.create(a=world.someone_b, b=teacher, organization=world.org_b,
                               starts_on=timezone.localdate() - dt.timedelta(days=60),
                               ends_on=timezone.localdate() + dt.timedelta(days=200),
                               status=Pair.Status.ACTIVE)
    survey = Survey.objects.create(pair=pair, participant=teacher, stage=Survey.Stage.MID,
                                   due_on=timezone.localdate(), sent_at=timezone.now())
    assert survey.organization_id == world.org_a.pk
    with transaction.atomic():  # a request of its own: the move
        teacher.organization = world.org_b
        teacher.save()
    alice = scope_for(world.alice)  # A's curator

    def sent_in_a() -> int:
        data = dashboard.dashboard_data(scope=alice, filters=Filters())
        assert data.satisfaction is not None
        return sum(stage.sent for stage in data.satisfaction.stages)

    assert sent_in_a() == 1  # computed, and cached
    with transaction.atomic():  # the answer, a request of its own
        survey_submit(survey=survey, data=_answers(3))
    assert Survey.objects.get(pk=survey.pk).organization_id == world.org_b.pk
    assert sent_in_a() == 0  # at once, not after the cache's lifetime
    charlie = dashboard.dashboard_data(scope=scope_for(world.charlie), filters=Filters())
    assert charlie.satisfaction is not None
    assert sum(stage.answered for stage in charlie.satisfaction.stages) == 1


def test_a_save_and_a_rebuild_of_its_organization_take_the_same_lock(world: World) -> None:
    """A survey's save holds its organization's state row, as a rebuild does (on
    PostgreSQL: ``FOR UPDATE``), and its own row before it reads its old cell."""
    survey = answered_surveys(world, [(7, 8)])[0]
    survey.recommend = 3
    with CaptureQueriesContext(connection) as ctx, _no_rebuild():
        survey.save()
    sql = [q["sql"] for q in ctx.captured_queries]
    if connection.features.has_select_for_update:
        locked = [i for i, q in enumerate(sql) if "FOR UPDATE" in q]
        assert len(locked) == 2
        assert '"surveys_survey"' in sql[locked[0]]
        assert '"surveys_surveycellstate"' in sql[locked[1]]
        assert any(q.startswith('UPDATE "surveys_survey"') for q in sql[locked[0]:locked[1]])
    # No whole organization rebuilt, nothing marked; its state stamped once (its figures
    # changed: the dashboards' version of it moves).
    stamped = [q for q in sql if q.startswith('UPDATE "surveys_surveycellstate"')]
    assert len(stamped) == 1 and '"refreshed_at"' in stamped[0]
    assert not any('"surveys_surveycellmark"' in q for q in sql)
    # A save that changes no figure stamps nothing (a text is no figure).
    survey.text_good = "Другой текст"
    with CaptureQueriesContext(connection) as ctx:
        survey.save()
    assert not any(q["sql"].startswith('UPDATE "surveys_surveycellstate"')
                   for q in ctx.captured_queries)
