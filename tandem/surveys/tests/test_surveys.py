"""Surveys end to end: created on schedule, e-mailed once, answered by their own
respondent only, locked after submit; results without names."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.surveys.models import Survey
from tandem.surveys.selectors import free_texts, satisfaction_summary
from tandem.surveys.services import surveys_create_due, surveys_send
from tandem.surveys.tests.helpers import active_pair, answered_surveys
from tandem.testing import ParticipantFactory, World

MID_DAY = dt.date(2027, 1, 15)  # the middle of 2026-09-01 … 2027-05-31
GOOD = {"mentee_benefit": "8", "mentee_support": "7", "mentor_satisfaction": "9",
        "mentor_engagement": "6", "recommend": "10", "text_good": "Разобрали онлайн-тесты",
        "text_improve": ""}


@pytest.fixture
def pair(world: World) -> Pair:
    return active_pair(world.bob_p, world.carol_p)


def test_surveys_are_created_on_schedule_once(world: World, pair: Pair) -> None:
    assert surveys_create_due(today=MID_DAY - dt.timedelta(days=1)) == 0
    assert surveys_create_due(today=MID_DAY) == 2
    assert surveys_create_due(today=MID_DAY + dt.timedelta(days=1)) == 0
    mids = Survey.objects.filter(pair=pair, stage="mid")
    assert {s.participant_id for s in mids} == {world.bob_p.pk, world.carol_p.pk}
    assert {s.due_on for s in mids} == {MID_DAY + dt.timedelta(days=14)}
    assert surveys_create_due(today=dt.date(2027, 5, 17)) == 2
    assert set(Survey.objects.filter(pair=pair, stage="final").values_list(
        "due_on", flat=True)) == {pair.ends_on}


def test_pairs_ended_early_or_not_started_get_none(world: World) -> None:
    active_pair(world.bob_p, world.carol_p, status=Pair.Status.ENDED_EARLY)
    active_pair(world.alice_p, world.someone_b, status=Pair.Status.APPROVED)
    assert surveys_create_due(today=MID_DAY) == 0


def test_someone_who_left_the_programme_gets_no_survey(world: World, pair: Pair) -> None:
    Participant.objects.filter(pk=world.carol_p.pk).update(is_active=False)
    surveys_create_due(today=MID_DAY)
    assert list(Survey.objects.values_list("participant_id", flat=True)) == [world.bob_p.pk]


def test_surveys_are_e_mailed_once_and_only_with_consent(
        world: World, pair: Pair, django_capture_on_commit_callbacks: object) -> None:
    Participant.objects.filter(pk=world.carol_p.pk).update(personal_data_consent_date=None)
    surveys_create_due(today=MID_DAY)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert surveys_send() == 1
    [message] = mail.outbox
    assert message.to == ["bob@example.org"]
    bob_survey = Survey.objects.get(participant=world.bob_p)
    assert reverse("surveys:answer", kwargs={"pk": bob_survey.pk}) in message.body
    assert "Каролёва Карина Сергеевна" in message.body
    assert not Survey.objects.filter(sent_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert surveys_send() == 0
    assert len(mail.outbox) == 1


def test_the_answer_flow_locks_after_submit(client: Client, world: World, pair: Pair) -> None:
    surveys_create_due(today=MID_DAY)
    survey = Survey.objects.get(participant=world.bob_p)
    client.force_login(world.bob)
    url = reverse("surveys:answer", kwargs={"pk": survey.pk})
    page = client.get(url).content.decode()
    assert "Каролёва" in page and 'name="mentee_benefit"' in page
    response = client.post(url, {**GOOD, "mentor_satisfaction": ""})
    assert response.status_code == 200
    assert ("Поле «Насколько вы довольны своей работой наставника?»: выберите оценку от 1 "
            "до 10.") in response.content.decode()
    assert Survey.objects.get(pk=survey.pk).submitted_at is None
    assert client.post(url, GOOD).status_code == 302
    survey.refresh_from_db()
    assert survey.submitted_at is not None
    assert (survey.mentee_benefit, survey.recommend) == (8, 10)
    # Locked: a second post changes nothing, and the page shows no form.
    client.post(url, {**GOOD, "recommend": "1"})
    survey.refresh_from_db()
    assert survey.recommend == 10
    page = client.get(url).content.decode()
    assert "закрыты для изменений" in page and 'name="recommend"' not in page


def test_out_of_range_scores_are_refused(client: Client, world: World, pair: Pair) -> None:
    surveys_create_due(today=MID_DAY)
    survey = Survey.objects.get(participant=world.bob_p)
    client.force_login(world.bob)
    response = client.post(reverse("surveys:answer", kwargs={"pk": survey.pk}),
                           {**GOOD, "recommend": "11"})
    assert "Порекомендуете ли вы" in response.content.decode()
    assert Survey.objects.get(pk=survey.pk).submitted_at is None


def test_nobody_opens_someone_else_s_survey(client: Client, world: World, pair: Pair) -> None:
    surveys_create_due(today=MID_DAY)
    carol_s = Survey.objects.get(participant=world.carol_p)
    url = reverse("surveys:answer", kwargs={"pk": carol_s.pk})
    for user in (world.bob, world.alice, world.olga):  # partner, her curator, the region
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, GOOD).status_code == 404
    assert Survey.objects.get(pk=carol_s.pk).submitted_at is None
    client.force_login(world.bob)
    assert client.get(reverse("surveys:answer", kwargs={"pk": 999999})).status_code == 404


def test_dashboard_links_the_open_survey(client: Client, world: World, pair: Pair) -> None:
    surveys_create_due(today=MID_DAY)
    survey = Survey.objects.get(participant=world.bob_p)
    client.force_login(world.bob)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("surveys:answer", kwargs={"pk": survey.pk}) in page


TEXTS = ["Яркие встречи", "Больше практики", "Асинхронные задания"]


def test_results_show_texts_without_names_in_their_own_order(client: Client,
                                                              world: World) -> None:
    surveys = answered_surveys(world, [(7, 8), (9, 6), (5, 10)], texts=TEXTS)
    client.force_login(world.alice)
    page = client.get(reverse("surveys:results")).content.decode()
    positions = [page.index(t) for t in sorted(TEXTS)]
    assert positions == sorted(positions)  # alphabetical, not by pair or person
    for s in surveys:
        assert s.participant.surname not in page
        partner = s.pair.b
        assert partner.surname not in page
    assert "7,0" in page  # the mean of 7, 9 and 5 (ru formatting)


def test_two_answers_withhold_means_and_texts(client: Client, world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6)], texts=TEXTS[:2])
    client.force_login(world.alice)
    page = client.get(reverse("surveys:results")).content.decode()
    assert "скрыто: меньше 3 человек" in page
    assert "Тексты скрыты" in page
    assert not any(t in page for t in TEXTS)
    texts = free_texts(scope=scope_for(world.alice), filters=Filters(),
                       summary=satisfaction_summary(scope=scope_for(world.alice),
                                                    filters=Filters()))
    assert [t.shown for t in texts] == [False]


def test_teachers_do_not_see_results(client: Client, world: World) -> None:
    client.force_login(world.bob)
    assert client.get(reverse("surveys:results")).status_code == 403


def test_a_foreign_organization_filter_shows_nothing_of_it(client: Client,
                                                           world: World) -> None:
    answered_surveys(world, [(7, 8), (9, 6), (5, 10)], texts=TEXTS)
    client.force_login(world.charlie)
    page = client.get(reverse("surveys:results") + f"?organization={world.org_a.pk}")
    # The dashboards' own filter form: a unit outside the scope is a 404, as there.
    assert page.status_code == 404
    assert not any(t in page.content.decode() for t in TEXTS)


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["alice", "olga"])
def test_results_query_count_does_not_grow(client: Client, world: World,
                                           persona: str) -> None:
    client.force_login(getattr(world, persona))
    url = reverse("surveys:results")
    answered_surveys(world, [(5, 5)] * 3, texts=["а", "б", "в"])
    small = _count(client, url)
    answered_surveys(world, [(6, 7)] * 60, texts=[f"текст {i}" for i in range(60)])
    for _i in range(20):
        p = ParticipantFactory.create(organization=world.org_b)
        q = ParticipantFactory.create(organization=world.org_b)
        Survey.objects.create(pair=active_pair(p, q), participant=p, stage="final",
                              due_on=dt.date(2027, 5, 31))
    assert _count(client, url) == small


def test_a_survey_of_a_pair_ended_early_is_closed(client: Client, world: World,
                                                  pair: Pair) -> None:
    surveys_create_due(today=MID_DAY)
    survey = Survey.objects.get(participant=world.bob_p)
    Pair.objects.filter(pk=pair.pk).update(status=Pair.Status.ENDED_EARLY)
    client.force_login(world.bob)
    url = reverse("surveys:answer", kwargs={"pk": survey.pk})
    assert "опрос закрыт" in client.get(url).content.decode()
    client.post(url, GOOD)
    assert Survey.objects.get(pk=survey.pk).submitted_at is None
    assert reverse("surveys:answer", kwargs={"pk": survey.pk}) not in client.get(
        reverse("dashboard")).content.decode()
