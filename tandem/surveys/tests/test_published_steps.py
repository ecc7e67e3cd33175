"""Rule 5, «steps of three» (docs/surveys.md, «Правило публикации»): a satisfaction figure
never moves by one or two people's answers between two requests. Every cell keeps what
it published; it moves to its sums now only when every question whose answers differ
from the published ones differs for at least three people (rule 5 by question,
tandem.core.release.republish_parts) — whatever changed them: an answer (with questions
left blank, as the API takes it), an edit, a person moving to another organization, a
withdrawn survey."""

import datetime as dt
import importlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.access.filters import Filters
from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.api.services import api_token_issue
from tandem.core import release as rule
from tandem.people.models import Participant
from tandem.surveys import tallies
from tandem.surveys.models import MunicipalitySurveyCell, Survey, SurveyCell, SurveyCellMark
from tandem.surveys.selectors import FIELDS, PUBLISHED_COLUMNS, satisfaction_summary
from tandem.surveys.services import survey_submit
from tandem.surveys.tests.helpers import active_pair
from tandem.territory.models import Organization
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    UserFactory,
    World,
)

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


def _answers(world: World, score: int, *, blank: tuple[str, ...] = ()) -> Survey:
    """A new teacher of A answers their survey (the answer form's service; ``blank``: the
    questions left blank, as the API and imports may)."""
    a = ParticipantFactory.create(organization=world.org_a)
    b = ParticipantFactory.create(organization=world.org_a)
    survey = Survey.objects.create(pair=active_pair(a, b), participant=a,
                                   stage=Survey.Stage.MID, due_on=timezone.localdate())
    data = {name: None if name in blank else value for name, value in _scores(score).items()}
    return survey_submit(survey=survey, data=data)


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


def test_three_changed_but_one_answered_the_question_moves_no_figure(
        client: Client, world: World) -> None:
    """Rule 5 by question (docs/surveys.md): the cell of A shows 4.5 over 4 for the
    mentees' benefit. Three more people answer through ``survey_submit`` (the API, an
    import), but two of them leave that question blank: three people changed the cell,
    one the question — its figure, on the page and through the API, stays 4.5 over 4
    (counted per person, it became 4.2 over 5: the third person's «3»). So does every
    other question of the cell (one question's step is not complete: the cell waits).
    Two more answers to the question complete its step: 4.4 over 7, against 4.5 over 4
    three people's answers (3 + 6 + 4)."""
    client.force_login(world.alice)
    api = _api(world.alice)
    _imported(world.org_a, [5, 5, 4, 4])
    four = _shown(client, api)
    assert four == ((4.5, 4), (4.5, 4))
    support = satisfaction_summary(scope=scope_for(world.alice), filters=Filters()).by_stage[
        "mid"].measure("mentee_support")
    _answers(world, 3)
    _answers(world, 9, blank=("mentee_benefit",))
    _answers(world, 9, blank=("mentee_benefit",))
    cell = SurveyCell.objects.get(organization=world.org_a)
    assert (cell.mentee_benefit_sum, cell.mentee_benefit_n, cell.people) == (21, 5, 7)
    assert _shown(client, api) == four
    assert satisfaction_summary(scope=scope_for(world.alice), filters=Filters()).by_stage[
        "mid"].measure("mentee_support") == support
    _answers(world, 6, blank=("mentee_support",))
    assert _shown(client, api) == four
    _answers(world, 4, blank=("recommend",))
    assert _shown(client, api) == ((4.4, 7), (4.4, 7))
    assert tallies.stale() == []


def test_a_cell_is_first_published_with_its_third_person(world: World) -> None:
    """Answer by answer, a new cell shows nothing (not even answers left out) until its
    third person: the first figure holds three people."""
    scope = scope_for(world.alice)
    for score, shown in ((7, None), (9, None), (5, 7.0)):
        _answers(world, score)
        measure = satisfaction_summary(scope=scope, filters=Filters()).by_stage["mid"].measure(
            "mentee_benefit")
        assert (measure.mean, measure.left_out) == (shown, 0)


def test_a_person_moving_moves_no_answer_and_answering_again_elsewhere_moves_one(
        world: World) -> None:
    """Six answers in A, four in B (another municipality). Three people of A
    move to B: their answers stay in A's cells (``Survey.organization``, the organization
    they answered in) — no cell is marked, no figure of A, B, the municipalities or the
    region moves. Then they answer again at B (what a new submission does: the answer
    counts where they are at the new submission): each leaves A's cell and joins B's, one
    person each, so neither published figure moves, nor the municipalities', nor the
    region's, until the third moves both."""
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
    cells = list(SurveyCell.objects.order_by("pk").values())
    sums = list(MunicipalitySurveyCell.objects.order_by("pk").values())
    for person in movers[:3]:
        person.organization = world.org_b
        person.save()
        assert not SurveyCellMark.objects.exists()
        assert list(SurveyCell.objects.order_by("pk").values()) == cells
        assert list(MunicipalitySurveyCell.objects.order_by("pk").values()) == sums
        assert figures() == before
    assert tallies.stale() == []
    for i, person in enumerate(movers[:3]):
        survey = Survey.objects.get(participant=person)
        survey.organization = world.org_b  # answered again, now at B
        survey.save()
        assert tallies.stale() == []
        if i < 2:
            assert figures() == before
    after = figures()
    assert after[0] == (round((7 + 3 + 3) / 3, 1), 3)  # 9, 8, 8 have left A
    assert after[1] == (round((2 + 2 + 3 + 3 + 9 + 8 + 8) / 7, 1), 7)  # and joined B
    assert after[4] == before[4]  # the region: the same ten answers


def test_three_out_one_answers_three_back_moves_no_figure(client: Client,
                                                          world: World) -> None:
    """The walk around rule 5 that moves used to open: A's figure published from five
    answers; three of its people move to B and A's figure follows (three people left);
    a sixth person of A answers (one person: held); the three come back (three people
    again: published). The figure A shows at the end differed from the first by the
    sixth person's answer alone — it told their 1. Now an answer stays in the cell of
    the organization it was given in: the moves change no cell, and the one answer is
    held throughout."""
    client.force_login(world.alice)
    api = _api(world.alice)
    people = _imported(world.org_a, [9, 9, 9, 5, 5])
    first = _shown(client, api)
    assert first[0] == (7.4, 5)
    movers = people[:3]
    for person in movers:
        person.organization = world.org_b
        person.save()
    tallies.refresh()  # the job after the movers' commit
    _answers(world, 1)
    for person in movers:
        person.organization = world.org_a
        person.save()
    tallies.refresh()
    assert tallies.stale() == []
    assert _shown(client, api) == first  # not «6.3 по 6»: (37 + 1) / 6, the 1 told
    _answers(world, 4)
    _answers(world, 6)
    assert _shown(client, api)[0] == (round((37 + 1 + 4 + 6) / 8, 1), 8)


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


def test_a_persons_digests_are_per_question_and_a_blank_is_none() -> None:
    """Per question, a CRC-32 of the person's answers to it in the cell (whichever
    surveys gave them); a question left blank in every survey is no part of the text."""
    text = tallies.member_parts([(12, 7, None, 9, 10, None), (3, 1, None, 3, 4, None)])
    assert rule.split(text).keys() == {"mentee_benefit", "mentor_satisfaction",
                                       "mentor_engagement"}
    assert text == ("mentee_benefit:482218938;mentor_engagement:1751375534;"
                    "mentor_satisfaction:4177358164")
    assert tallies.member_parts([(40, 7, None, 9, 10, None), (41, 1, None, 3, 4, None)]) == text
    assert tallies.member_parts([(3, None, None, None, None, None)]) == ""


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
    # 0007 wrote one digest per person (as the code did then); 0008 makes them the
    # digests per question, every member unchanged since: what the code computes.
    assert all(isinstance(d, int) for c in SurveyCell.objects.all()
               for d in c.published_members.values())
    importlib.import_module("tandem.surveys.migrations.0008_published_parts").by_question(
        apps, Editor())
    assert {(c.organization_id, c.year, c.stage): (
        c.published_members, [getattr(c, name) for name in PUBLISHED_COLUMNS])
        for c in SurveyCell.objects.all()} == expected
    assert tallies.stale() == []


def test_the_migrations_frozen_roll_up_leaves_what_the_live_one_leaves(world: World) -> None:
    """``surveys/0007`` ends with the municipalities' sums summed again; it called the
    live ``tallies.roll_up`` and carries a frozen copy now (migrations import no
    application code). From the same spoiled state — a row of sums wrong, one missing, an
    organization's cells recorded at another place, one with no state at all — both
    leave the same sums, the same recorded places and refresh the same states."""
    from django.apps import apps

    from tandem.surveys.models import SurveyCellState

    migration = importlib.import_module("tandem.surveys.migrations.0007_published_cells")
    _imported(world.org_a, [5, 6, 7, 8])
    _imported(world.org_b, [1, 2, 3])
    _imported(OrganizationFactory.create(municipality=world.municipality_a), [9, 9])

    def spoil() -> None:
        first, second = MunicipalitySurveyCell.objects.order_by("pk")[:2]
        first.recommend_total += 7
        first.save()
        second.delete()
        SurveyCellState.objects.filter(organization_id=world.org_b.pk).update(
            summed_municipality_id=world.municipality_a.pk, summed_sector="spoiled")
        SurveyCellState.objects.filter(organization_id=world.org_a.pk).delete()
        SurveyCellState.objects.update(refreshed_at=None)

    def left() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        sums = set(MunicipalitySurveyCell.objects.values_list(
            "municipality_id", "sector", "year", "stage",
            *(f.name for f in MunicipalitySurveyCell._meta.concrete_fields
              if f.name not in ("id", "municipality", "sector", "year", "stage"))))
        states = {(*state, refreshed is not None) for *state, refreshed in
                  SurveyCellState.objects.values_list(
                      "organization_id", "summed_municipality_id", "summed_sector",
                      "refreshed_at")}
        return sums, states

    spoil()
    tallies.roll_up()
    live = left()
    assert tallies.stale() == []
    spoil()
    assert left() != live
    migration.roll_up(apps, _Editor())
    assert left() == live


class _Editor:
    connection = connection

    @staticmethod
    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migration_by_question_keeps_who_had_not_changed(world: World) -> None:
    """Migration 0008 over cells published by the old code (one digest a person): a
    member whose digest is their digest now gets their digests per question now; one who
    changed since (or left) gets every question marked changed (``rule.UNKNOWN``) — the
    cell then moves only when three other people changed each question. Going back
    gives the old digests (a member changed since: one no person has), and forth again
    the same texts; the published sums are not touched; ``stale()`` is empty all along
    (the restore drill takes the migration back and forth on a seeded database)."""
    from django.apps import apps
    forth = importlib.import_module("tandem.surveys.migrations.0008_published_parts")
    people = _imported(world.org_a, [5, 6, 7, 8])
    tallies.rebuild()
    cell = SurveyCell.objects.get(organization=world.org_a)
    texts = dict(cell.published_members)
    sums = [getattr(cell, name) for name in PUBLISHED_COLUMNS]
    forth.whole(apps, _Editor())  # as the old code left them
    cell.refresh_from_db()
    old = dict(cell.published_members)
    assert old == {str(p.pk): tallies.member_digest(
        Survey.objects.filter(participant=p).values_list("pk", *FIELDS)) for p in people}
    # The old code kept one digest: the first person's answer changed since (not yet
    # published), the second person's survey withdrawn.
    changed, gone = people[0], people[1]
    old[str(changed.pk)] += 1
    cell.published_members = old
    cell.save()
    Survey.objects.filter(participant=gone).delete()  # (the job not yet run)
    forth.by_question(apps, _Editor())
    cell.refresh_from_db()
    every = rule.joined(dict.fromkeys(FIELDS, forth.CHANGED))
    assert cell.published_members == {**texts, str(changed.pk): every, str(gone.pk): every}
    assert [getattr(cell, name) for name in PUBLISHED_COLUMNS] == sums
    tallies.refresh()
    assert tallies.stale() == []
    migrated = SurveyCell.objects.get(organization=world.org_a).published_members
    assert migrated == cell.published_members  # two changed: the cell waits
    forth.whole(apps, _Editor())
    back = SurveyCell.objects.get(organization=world.org_a).published_members
    assert back[str(changed.pk)] == back[str(gone.pk)] == forth.OLD_CHANGED
    assert {k: v for k, v in back.items() if k not in (str(changed.pk), str(gone.pk))} == {
        k: v for k, v in old.items() if k not in (str(changed.pk), str(gone.pk))}
    forth.by_question(apps, _Editor())
    assert SurveyCell.objects.get(organization=world.org_a).published_members == migrated
    assert tallies.stale() == []
    # The one marked and the one who left may not have changed a question (rule.UNKNOWN
    # counts no one — review of h/surveyparts: counted, a question moved by one answer):
    # two new people answering every question leave the cell as published; a third
    # completes the step, and the cell is published as it now is.
    _answers(world, 2)
    _answers(world, 3)
    cell = SurveyCell.objects.get(organization=world.org_a)
    assert [getattr(cell, name) for name in PUBLISHED_COLUMNS] == sums
    _answers(world, 4)
    cell = SurveyCell.objects.get(organization=world.org_a)
    assert [getattr(cell, name) for name in PUBLISHED_COLUMNS] == [
        getattr(cell, name.removeprefix("published_")) for name in PUBLISHED_COLUMNS]
    assert forth.CHANGED not in str(cell.published_members)


# -- the invariant over what users see -----------------------------------------------------
# Answers weigh more: a cell needs six answers for a first step after its publication.
STEPS = ["answer", "answer", "answer", "change", "move", "move", "resubmit", "withdraw"]
Figure = tuple[float | None, int]  # (mean, answers) as shown
# Which questions an answer leaves blank (bit i: FIELDS[i]): mostly none or one, as
# an API client that skips a question; any set too.
BLANKS = st.one_of(st.just(0), st.sampled_from([1, 2, 4, 8, 16]), st.integers(0, 31))


def _small_region() -> tuple[list[Organization], list[tuple[str, Filters]], Any]:
    """A region of its own (each example starts from nothing): two municipalities, one
    organization each (of two sectors), six teachers each with an open mid-term survey;
    its operator's scope and the filters of the figures to watch per organization: the
    organization's own, its municipality's (its cells) and its sector's across the
    region (the municipalities' sums, ``whole_regions``)."""
    region = RegionFactory.create()
    organizations = [
        OrganizationFactory.create(municipality=MunicipalityFactory.create(region=region),
                                   sector=sector)
        for sector in (Organization.Sector.SCHOOL, Organization.Sector.CULTURE)]
    for organization in organizations:
        people = [ParticipantFactory.create(organization=organization) for _ in range(6)]
        for i in range(0, 6, 2):
            pair = active_pair(people[i], people[i + 1])
            for person in people[i:i + 2]:
                Survey.objects.create(pair=pair, participant=person, stage=Survey.Stage.MID,
                                      due_on=timezone.localdate())
    operator = UserFactory.create()
    RoleAssignment.objects.create(user=operator, role=Role.REGION_OPERATOR, region=region)
    figures = [(f"{kind} {o.pk}", filters) for o in organizations for kind, filters in (
        ("organization", Filters(organization_id=o.pk)),
        ("municipality", Filters(municipality_id=o.municipality_id)),
        ("sector", Filters(sector=o.sector)))]
    return organizations, figures, scope_for(operator)


def _answers_now(organizations: list[Organization]) -> dict[tuple[int, str], dict[int, tuple]]:
    """From the surveys, not the cells: per (organization, question), each person's
    answers to it (sorted) given in that organization (``Survey.organization``: where
    they were when they answered, wherever they are now) — the people of a figure."""
    answers: dict[tuple[int, str], dict[int, list[int]]] = {}
    for organization, person, *values in Survey.objects.filter(
            organization__in=organizations, submitted_at__isnull=False
    ).values_list("organization_id", "participant_id", *FIELDS):
        for name, value in zip(FIELDS, values, strict=True):
            if value is not None:
                answers.setdefault((organization, name), {}).setdefault(person, []).append(
                    value)
    return {key: {person: tuple(sorted(v)) for person, v in people.items()}
            for key, people in answers.items()}


def _truth(people: dict[int, tuple]) -> Figure:
    """A figure of one cell from its answers (rule 2): at least three people, else none."""
    given = [v for values in people.values() for v in values]
    if len(people) < rule.MIN_PEOPLE:
        return None, 0
    return round(sum(given) / len(given), rule.DECIMALS), len(given)


def _differ(before: dict[int, tuple], after: dict[int, tuple]) -> int:
    return sum(1 for person in before.keys() | after.keys()
               if before.get(person, ()) != after.get(person, ()))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 7),
                                st.integers(1, 10), BLANKS), min_size=1, max_size=16))
@example(steps=[("answer", 0, 5, 0), ("answer", 0, 5, 0), ("answer", 0, 4, 0),
                ("answer", 0, 3, 0), ("answer", 0, 7, 1), ("answer", 0, 7, 1)])
def test_a_shown_figure_moves_only_by_three_peoples_answers_to_its_question(
        world: World, steps: list[tuple[str, int, int, int]]) -> None:
    """Any sequence of answers (questions left blank at random, as ``survey_submit``
    takes them), changes of an answer (to another value or blank), moves of people
    between the two organizations, answers given again by a person after a move (the
    answer counts where they are at the new submission) and withdrawals: a move changes
    no cell and no figure at all (an answer stays in the organization it was given in);
    whenever a question's figure that a
    user sees — an organization's, its municipality's, its sector's across the region —
    changes, the new figure is that of the answers now, and the figure before was that
    of the answers at some moment since it was first shown from which at least three
    people's answers **to that question** differ — computed from the surveys, not the
    cells' digests. The municipalities' sums stay those of the published cells and the
    cells those of the surveys (``stale()``)."""
    organizations, figures, scope = _small_region()
    of = {name: organizations[i // 3] for i, (name, _f) in enumerate(figures)}

    def seen() -> dict[tuple[str, str], Figure]:
        shown = {}
        for name, filters in figures:
            stage = satisfaction_summary(scope=scope, filters=filters).by_stage["mid"]
            for question in FIELDS:
                measure = stage.measure(question)
                shown[name, question] = (measure.mean, measure.n)
        return shown

    snapshots = [_answers_now(organizations)]
    history = [seen()]
    assert all(value == (None, 0) for value in history[0].values())
    for step, who, score, blanks in steps:
        surveys = list(Survey.objects.filter(participant__organization__in=organizations)
                       .order_by("pk"))
        open_surveys = [s for s in surveys if s.submitted_at is None]
        answered = [s for s in surveys if s.submitted_at is not None]
        people = sorted({s.participant_id for s in surveys})
        if step == "answer" and open_surveys:
            survey_submit(survey=open_surveys[who % len(open_surveys)], data={
                name: None if blanks >> i & 1 else score for i, name in enumerate(FIELDS)})
        elif step == "change" and answered:  # the admin corrects (or clears) an answer
            survey = answered[who % len(answered)]
            setattr(survey, FIELDS[blanks % len(FIELDS)], None if blanks >= 24 else score)
            survey.save()
        elif step == "move" and people:
            cells = list(SurveyCell.objects.order_by("pk").values())
            person = Participant.objects.get(pk=people[who % len(people)])
            person.organization = organizations[person.organization_id == organizations[0].pk]
            person.save()
            assert not SurveyCellMark.objects.exists()
            assert list(SurveyCell.objects.order_by("pk").values()) == cells
            assert seen() == history[-1]
        elif step == "resubmit" and answered:  # answered again where they are now
            survey = answered[who % len(answered)]
            survey.organization_id = Participant.objects.values_list(
                "organization_id", flat=True).get(pk=survey.participant_id)
            setattr(survey, FIELDS[blanks % len(FIELDS)], score)
            survey.save()
        elif step == "withdraw" and surveys:
            surveys[who % len(surveys)].delete()
        tallies.refresh()  # the job after the writer's commit
        snapshots.append(_answers_now(organizations))
        history.append(seen())
        now = len(history) - 1
        for (name, question), value in history[now].items():
            before = history[now - 1][name, question]
            if value == before:
                continue
            answers = [snapshot.get((of[name].pk, question), {}) for snapshot in snapshots]
            assert value == _truth(answers[now]), (name, question)
            first = now - 1
            while first > 0 and history[first - 1][name, question] == before:
                first -= 1
            assert any(_truth(answers[m]) == before
                       and _differ(answers[m], answers[now]) >= rule.MIN_PEOPLE
                       for m in range(first, now)), (name, question, before, value)
        assert tallies.stale() == []


def test_the_migration_fills_each_surveys_organization_with_its_respondents(
        world: World) -> None:
    """Migration 0009 gives every survey its respondent's organization now (what the
    cells counted until then), a batch at a time, and touches no survey that has one:
    the kept cells are then exactly what a recount gives."""
    migration = importlib.import_module("tandem.surveys.migrations.0009_survey_organization")
    movers = _imported(world.org_a, [5, 6, 7, 8])
    _imported(world.org_b, [1, 2, 3])
    kept = Survey.objects.get(participant=movers[3])
    kept.organization = world.org_b  # answered again at B: left as it is
    kept.save()
    for person in movers[:2]:
        person.organization = world.org_b
        person.save()
    Survey.objects.exclude(pk=kept.pk).update(organization=None)
    cells = list(SurveyCell.objects.order_by("pk").values())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migration, "BATCH", 2)

        class Editor:
            connection = connection

        from django.apps import apps
        migration.fill(apps, Editor())
    assert dict(Survey.objects.values_list("participant_id", "organization_id")) == {
        **dict(Survey.objects.values_list("participant_id", "participant__organization_id")),
        movers[3].pk: world.org_b.pk}
    assert list(SurveyCell.objects.order_by("pk").values()) == cells  # nothing recounted
    # Filled as the people are now: the two movers' answers go to B on the next rebuild.
    tallies.rebuild()
    assert tallies.stale() == []
    assert SurveyCell.objects.get(organization=world.org_a).people == 1
