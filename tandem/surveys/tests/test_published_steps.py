"""Rule 5, «steps of three» (docs/surveys.md, «Правило публикации»): a satisfaction figure
never moves by one or two people's answers between two requests. Every cell keeps what
it published; it moves to its sums now only when at least three people's answers differ
from the published ones (tandem.core.release.republish) — whatever changed them: an
answer, an edit, a person moving to another organization, a withdrawn survey."""

import datetime as dt
import importlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.api.services import api_token_issue
from tandem.core import release as rule
from tandem.people.models import Participant
from tandem.surveys import tallies
from tandem.surveys.models import MunicipalitySurveyCell, Survey, SurveyCell
from tandem.surveys.selectors import FIELDS, PUBLISHED_COLUMNS, satisfaction_summary
from tandem.surveys.services import survey_submit
from tandem.surveys.tests.helpers import active_pair
from tandem.territory.models import Organization
from tandem.testing import OrganizationFactory, ParticipantFactory, World

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/monitoring/summary/"
RESULTS = "/surveys/results/"


def _scores(score: int) -> dict[str, Any]:
    return {"mentee_benefit": score, "mentee_support": score, "mentor_satisfaction": score,
            "mentor_engagement": score, "recommend": score}


def _imported(organization: Organization, scores: list[int]) -> list[Participant]:
    """Answers that arrive together (the bulk path: written without model signals, then
    the organization rebuilt, as the demo region is): one new person each."""
    people, surveys = [], []
    for score in scores:
        a = ParticipantFactory.create(organization=organization)
        b = ParticipantFactory.create(organization=organization)
        people.append(a)
        surveys.append(Survey(pair=active_pair(a, b), participant=a, stage=Survey.Stage.MID,
                              due_on=timezone.localdate(), submitted_at=timezone.now(),
                              **_scores(score)))
    Survey.objects.bulk_create(surveys)
    tallies.rebuild([organization.pk])
    return people


def _answers(world: World, score: int) -> Survey:
    """A new teacher of A answers their survey (the answer form's service)."""
    a = ParticipantFactory.create(organization=world.org_a)
    b = ParticipantFactory.create(organization=world.org_a)
    survey = Survey.objects.create(pair=active_pair(a, b), participant=a,
                                   stage=Survey.Stage.MID, due_on=timezone.localdate())
    return survey_submit(survey=survey, data=_scores(score))


def _shown(client: Client, api: APIClient) -> tuple[tuple[float | None, int], ...]:
    """The mentees' figure of A as its curator sees it on the results page and through
    the API: (mean, answers) twice."""
    page = client.get(RESULTS)
    assert page.status_code == 200
    measure = page.context["summary"].by_stage["mid"].measure("mentee_benefit")
    body = api.get(SUMMARY)
    assert body.status_code == 200, body.content
    figure = body.json()["satisfaction"]["mentee_benefit"]
    return (measure.mean, measure.n), (figure["mean"], figure["answers"])


def _api(user: User) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return api


def test_one_answer_after_four_moves_no_figure_three_do(client: Client, world: World) -> None:
    """The worked example of docs/surveys.md: four answers (5, 5, 4, 4) — 4.5 over 4. A
    fifth (3) would make it 4.2 over 5 and tell the curator, who sees who has just
    answered, that it was a 3: the page and the API keep 4.5 over 4. After the sixth (6),
    still. After the seventh (4), 4.4 over 7: against 4.5 over 4 the difference is three
    people's answers (3 + 6 + 4), as any difference of two counted cells is."""
    client.force_login(world.alice)
    api = _api(world.alice)
    _imported(world.org_a, [5, 5, 4, 4])
    four = _shown(client, api)
    assert four == ((4.5, 4), (4.5, 4))
    _answers(world, 3)
    cell = SurveyCell.objects.get(organization=world.org_a)
    assert (cell.mentee_benefit_sum, cell.mentee_benefit_n) == (21, 5)  # now: 4.2 over 5
    assert _shown(client, api) == four
    _answers(world, 6)
    assert _shown(client, api) == four
    _answers(world, 4)
    assert _shown(client, api) == ((4.4, 7), (4.4, 7))
    cell = SurveyCell.objects.get(organization=world.org_a)  # a recount writes it anew
    assert cell.published_mentee_benefit_sum - 18 == 3 + 6 + 4
    assert cell.published_mentee_benefit_n - 4 == 3
    assert len(cell.published_members) == 7


def test_a_cell_is_first_published_with_its_third_person(world: World) -> None:
    """Answer by answer, a new cell shows nothing (not even answers left out) until its
    third person: the first figure holds three people."""
    scope = scope_for(world.alice)
    for score, shown in ((7, None), (9, None), (5, 7.0)):
        _answers(world, score)
        measure = satisfaction_summary(scope=scope, filters=Filters()).by_stage["mid"].measure(
            "mentee_benefit")
        assert (measure.mean, measure.left_out) == (shown, 0)


def test_a_person_moving_moves_neither_organization_alone(world: World) -> None:
    """Four answers in A, four in B (another municipality). A person of A moves to B:
    their answer leaves A's cell and joins B's — one person each, so neither published
    figure moves, nor the municipalities', nor the region's. Three such moves move both."""
    movers = _imported(world.org_a, [9, 8, 8, 7, 3, 3])
    _imported(world.org_b, [2, 2, 3, 3])

    def figures() -> list[tuple[float | None, int]]:
        shown = []
        for user in (world.alice, world.charlie, world.erin, world.dave, world.olga):
            measure = satisfaction_summary(scope=scope_for(user), filters=Filters()).by_stage[
                "mid"].measure("mentee_benefit")
            shown.append((measure.mean, measure.n))
        return shown

    before = figures()
    assert before[0] == (round(38 / 6, 1), 6) and before[1] == (2.5, 4)
    for i, person in enumerate(movers[:3]):
        person.organization = world.org_b
        person.save()
        tallies.refresh()  # the job after the mover's commit
        assert tallies.stale() == []
        if i < 2:
            assert figures() == before
    after = figures()
    assert after[0] == (round((7 + 3 + 3) / 3, 1), 3)  # 9, 8, 8 have left A
    assert after[1] == (round((2 + 2 + 3 + 3 + 9 + 8 + 8) / 7, 1), 7)  # and joined B
    assert after[4] == before[4]  # the region: the same ten answers


def test_the_bulk_path_compares_with_what_was_published(world: World) -> None:
    """A full rebuild reads the stored published state: it does not start afresh (a
    rebuild after one answer publishes nothing new)."""
    _imported(world.org_a, [5, 5, 4, 4])
    survey = _answers(world, 1)
    tallies.rebuild()
    cell = SurveyCell.objects.get(organization=world.org_a)
    assert (cell.published_mentee_benefit_sum, cell.published_mentee_benefit_n) == (18, 4)
    assert str(survey.participant_id) not in cell.published_members
    assert tallies.stale() == []


def test_a_cell_whose_surveys_are_gone_keeps_what_it_published(world: World) -> None:
    """Two of three people's surveys deleted: the cell, with one answer left, still shows
    the three; the third gone too (three people differ), the figure goes with the cell."""
    _imported(world.org_a, [6, 7, 8])
    surveys = list(Survey.objects.order_by("pk"))
    for i, survey in enumerate(surveys):
        survey.delete()
        tallies.refresh()
        cells = list(SurveyCell.objects.filter(organization=world.org_a))
        if i < 2:
            [cell] = cells
            assert (cell.published_mentee_benefit_sum, cell.published_mentee_benefit_n) == (21, 3)
            assert cell.answered == 2 - i
        else:
            assert cells == []
        assert tallies.stale() == []
    assert not MunicipalitySurveyCell.objects.exists()


def test_the_digest_is_the_same_in_every_process() -> None:
    """A person's digest is a CRC-32 of their sorted surveys: a fixed number, not a
    salted hash that would differ in the next process and republish every cell."""
    assert tallies.member_digest([(12, 7, None, 9, 10, 8), (3, 1, 2, 3, 4, 5)]) == 891708163
    assert tallies.member_digest([(3, 1, 2, 3, 4, 5), (12, 7, None, 9, 10, 8)]) == 891708163


def test_the_migration_publishes_each_cell_as_it_stands(world: World) -> None:
    """The migration's members (the year of each answer found in Python) are the ones the
    tallies compute (in SQL), answers near the start of the academic year included, and
    its published sums are the sums now; a cell of two people stays unpublished (as the
    code leaves it till its third), and the municipalities' sums are those of the
    published cells (``stale()``), even where the sums were made from other published
    states (the restore drill takes the migration back and forth on a seeded database)."""
    migration = importlib.import_module("tandem.surveys.migrations.0007_published_cells")
    _imported(world.org_a, [5, 6, 7, 8])
    _imported(world.org_b, [1, 2, 3])
    _imported(OrganizationFactory.create(municipality=world.municipality_a), [9, 9])
    start = dt.datetime(2026, 8, 31, 20, 30, tzinfo=dt.UTC)  # 1 September in UTC+5
    Survey.objects.filter(participant__organization=world.org_b).update(submitted_at=start)
    tallies.rebuild()
    expected = {(c.organization_id, c.year, c.stage): (
        c.published_members, [getattr(c, name) for name in PUBLISHED_COLUMNS])
        for c in SurveyCell.objects.all()}
    assert {key[1] for key in expected if key[0] == world.org_b.pk} == {2026}
    assert sum(1 for members, _sums in expected.values() if not members) == 1  # the two
    # Other published states than the code's: everything published as it stands.
    for cell in SurveyCell.objects.all():
        for name in PUBLISHED_COLUMNS:
            setattr(cell, name, getattr(cell, name.removeprefix("published_")))
        cell.published_members = {"1": 1}
        cell.save()
    for row in MunicipalitySurveyCell.objects.all():  # summed from those other states
        row.recommend_total += 7
        row.save()

    class Editor:
        connection = connection

        @staticmethod
        def execute(sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    from django.apps import apps
    migration.publish_what_is_shown(apps, Editor())
    assert {(c.organization_id, c.year, c.stage): (
        c.published_members, [getattr(c, name) for name in PUBLISHED_COLUMNS])
        for c in SurveyCell.objects.all()} == expected
    assert tallies.stale() == []


# -- the invariant -----------------------------------------------------------------------
STEPS = ["answer", "edit", "move", "withdraw"]


def _world_of_open_surveys(world: World) -> None:
    """Six teachers in A and six in B, each with an open mid-term and final survey."""
    for organization in (world.org_a, world.org_b):
        people = [ParticipantFactory.create(organization=organization) for _ in range(6)]
        for i in range(0, 6, 2):
            pair = active_pair(people[i], people[i + 1])
            for person in people[i:i + 2]:
                for stage in Survey.Stage.values:
                    Survey.objects.create(pair=pair, participant=person, stage=stage,
                                          due_on=timezone.localdate())


def _published(cell: SurveyCell) -> tuple[dict[str, int], list[int]]:
    return cell.published_members, [getattr(cell, name) for name in PUBLISHED_COLUMNS]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 50),
                                st.integers(1, 10)), min_size=1, max_size=15))
def test_two_published_states_of_a_cell_always_differ_by_three_people(
        world: World, steps: list[tuple[str, int, int]]) -> None:
    """Any sequence of answers, edits, moves and withdrawals: whenever a cell's published
    state changes, at least three people's answers differ between the two states, and
    the new one is the cell as it then is; the municipalities' sums are always the sums
    of the counted cells' published sums (``stale()``: also the cells now against the
    surveys)."""
    if not Survey.objects.exists():  # the world is shared by the examples: once
        _world_of_open_surveys(world)
    seen = {(c.organization_id, c.year, c.stage): _published(c)
            for c in SurveyCell.objects.all()}
    for step, who, score in steps:
        surveys = list(Survey.objects.order_by("pk"))
        open_surveys = [s for s in surveys if s.submitted_at is None]
        answered = [s for s in surveys if s.submitted_at is not None]
        people = list(Participant.objects.filter(surveys__isnull=False).distinct()
                      .order_by("pk"))
        if step == "answer" and open_surveys:
            survey_submit(survey=open_surveys[who % len(open_surveys)], data=_scores(score))
        elif step == "edit" and answered:  # the admin corrects an answer
            survey = answered[who % len(answered)]
            setattr(survey, FIELDS[who % len(FIELDS)], score)
            survey.save()
        elif step == "move" and people:
            person = people[who % len(people)]
            person.organization = (world.org_b if person.organization_id == world.org_a.pk
                                   else world.org_a)
            person.save()
        elif step == "withdraw" and surveys:
            surveys[who % len(surveys)].delete()
        tallies.refresh()  # the job after the writer's commit
        for cell in SurveyCell.objects.all():
            key = (cell.organization_id, cell.year, cell.stage)
            members, sums = _published(cell)
            before_members, before_sums = seen.get(key, ({}, [0] * len(PUBLISHED_COLUMNS)))
            if members != before_members:
                assert rule.people_changed(before_members, members) >= rule.MIN_PEOPLE
                assert sums == [getattr(cell, name.removeprefix("published_"))
                                for name in PUBLISHED_COLUMNS]
            else:
                assert sums == before_sums
            seen[key] = members, sums
        for key in set(seen) - {(c.organization_id, c.year, c.stage)
                                for c in SurveyCell.objects.all()}:
            # A cell gone: it had published nothing, or three people left what it had.
            assert rule.people_changed(seen.pop(key)[0], {}) in (0, *range(3, 100))
        assert tallies.stale() == []
