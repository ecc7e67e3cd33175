"""The anonymised person: one mark (``Participant.anonymised_at``), not the erased surname."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.people.models import Participant
from tandem.people.personal_data import ERASED
from tandem.testing import ParticipantFactory, World

OFFER = "Обезличить (человек ушёл)"


def page(client: Client, p: Participant) -> str:
    return client.get(reverse("people:detail", kwargs={"pk": p.pk})).content.decode()


def test_after_anonymisation_the_person_is_anonymised_and_not_offered_again(
        client: Client, world: World) -> None:
    client.force_login(world.olga)
    assert not world.carol_p.is_anonymised
    assert OFFER in page(client, world.carol_p)
    url = reverse("people:anonymise", kwargs={"pk": world.carol_p.pk})
    client.post(url, {"confirm": "yes"})
    carol = Participant.objects.get(pk=world.carol_p.pk)
    assert carol.is_anonymised and carol.anonymised_at is not None
    assert OFFER not in page(client, carol)
    # A replayed request does not anonymise twice (the time stays the first one).
    first = carol.anonymised_at
    client.post(url, {"confirm": "yes"})
    assert Participant.objects.get(pk=carol.pk).anonymised_at == first


def test_a_real_person_surnamed_like_the_erased_mark_is_not_anonymised(
        client: Client, world: World) -> None:
    namesake = ParticipantFactory.create(organization=world.org_a, surname=ERASED,
                                         name="Ольга", email="udalenko@example.org")
    assert not namesake.is_anonymised
    client.force_login(world.olga)
    html = page(client, namesake)
    assert "Ольга" in html and OFFER in html


@pytest.mark.django_db
def test_the_backfill_marks_only_people_the_anonymisation_left_behind(world: World) -> None:
    """Before the field, the surname was the only mark: the backfill takes the whole
    fingerprint (no first name, the invented address), so a namesake stays unmarked."""
    left = timezone.now() - dt.timedelta(days=30)
    old = ParticipantFactory.create(organization=world.org_a, surname=ERASED, name="",
                                    patronymic="", is_active=False, deactivated_at=left)
    old.email = f"anonymised-{old.pk}@invalid.example"
    old.save()
    namesake = ParticipantFactory.create(organization=world.org_a, surname=ERASED,
                                         name="Ольга", email="udalenko@example.org")
    migration = importlib.import_module("tandem.people.migrations.0004_backfill_anonymised_at")
    migration.backfill(apps, None)
    old.refresh_from_db()
    namesake.refresh_from_db()
    assert old.anonymised_at == left and old.is_anonymised
    assert not namesake.is_anonymised
