"""The people list's size read from the kept counts equals the list itself, for every
filter the counts can answer and every staff role; the others are counted live."""

import datetime as dt
import itertools

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.directory.selectors import ParticipantFilters, participant_list, participant_total
from tandem.people.models import Participant
from tandem.testing import ParticipantFactory, World


def _people(world: World) -> None:
    ParticipantFactory.create(organization=world.org_a, mentoring_consent_date=None)
    ParticipantFactory.create(organization=world.org_b, is_active=False)
    ParticipantFactory.create(organization=world.org_b,
                              personal_data_consent_date=dt.date(2026, 9, 1))


def test_the_kept_size_equals_the_list_for_every_role_and_filter(world: World) -> None:
    _people(world)
    answered = 0
    for user, org, consent, status, text in itertools.product(
            (world.alice, world.charlie, world.dave, world.olga),
            (None, world.org_a.pk, world.org_b.pk), ("", "yes", "no"),
            ("active", "all", "inactive"), ("", "Бобров")):
        scope = scope_for(user)
        filters = ParticipantFilters(text=text, organization_id=org, consent=consent,
                                     status=status)
        total = participant_total(scope=scope, filters=filters)
        if total is not None:
            answered += 1
            assert total == participant_list(scope=scope, filters=filters).count(), (
                user, filters)
    assert answered >= 4 * 3 * 2  # every role, any organization, all or with consent


def test_a_staff_members_own_card_elsewhere_is_counted_live(world: World) -> None:
    elsewhere = Participant.objects.get(pk=world.charlie_p.pk)  # of school B
    elsewhere.user = world.alice  # alice curates school A
    world.alice_p.user = None
    world.alice_p.save()
    elsewhere.save()
    scope = scope_for(world.alice)
    assert participant_total(scope=scope, filters=ParticipantFilters()) is None


def test_the_list_page_counts_no_people(client: Client, world: World) -> None:
    _people(world)
    client.force_login(world.olga)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("people:list"))
    assert response.status_code == 200
    assert not any(q["sql"].startswith("SELECT COUNT(*)") and "people_participant" in q["sql"]
                   for q in ctx.captured_queries)
    shown = Participant.objects.filter(is_active=True,
                                       organization__municipality__region=world.region).count()
    assert response.context["page"].paginator.count == shown
