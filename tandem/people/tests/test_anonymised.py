"""The anonymised person: one mark (``Participant.anonymised_at``), not the erased surname."""

import datetime as dt
import importlib
from collections.abc import Callable

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


def test_two_requests_that_both_read_the_person_anonymise_once(world: World) -> None:
    """A double click: both requests found Carol not anonymised (the view's check comes
    before the lock) and the second ran after the first committed. It changes nothing —
    the time stays the first one, one trail entry, and the erased mark «Удалено», now her
    surname, is not erased from everyone else's records as if it were a name."""
    from auditlog.models import LogEntry

    from tandem.people.personal_data import participant_anonymise

    participant_anonymise(participant=Participant.objects.get(pk=world.bob_p.pk), actor=None)
    bob_entries = LogEntry.objects.get_for_object(world.bob_p)
    before = sorted(bob_entries.values_list("pk", "object_repr"))
    assert {name for _pk, name in before} == {ERASED}
    first_read = Participant.objects.get(pk=world.carol_p.pk)
    second_read = Participant.objects.get(pk=world.carol_p.pk)
    participant_anonymise(participant=first_read, actor=world.olga)
    first = Participant.objects.get(pk=world.carol_p.pk).anonymised_at
    participant_anonymise(participant=second_read, actor=world.olga)
    assert Participant.objects.get(pk=world.carol_p.pk).anonymised_at == first
    done = [e for e in LogEntry.objects.get_for_object(world.carol_p)
            if "обезличивание" in e.changes_dict]
    assert len(done) == 1
    assert sorted(bob_entries.values_list("pk", "object_repr")) == before


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_anonymise_once_on_postgresql() -> None:
    """The same race as it happens: the second request waits for the erasure lock the
    first holds, then finds her anonymised and leaves her so."""
    from auditlog.models import LogEntry
    from django.db import connection, transaction

    from tandem.people.personal_data import participant_anonymise
    from tandem.testing import HeldRace, build_world

    if connection.vendor != "postgresql":
        pytest.skip("блокировка обезличивания есть только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    reads = [Participant.objects.get(pk=world.carol_p.pk) for _ in range(2)]

    def first(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            participant_anonymise(participant=reads[0], actor=world.olga)
            hold()

    race = HeldRace(first, lambda: participant_anonymise(participant=reads[1], actor=world.olga))
    race.start()
    assert race.second_waits()
    race.finish()
    carol = Participant.objects.get(pk=world.carol_p.pk)
    assert carol.is_anonymised
    done = [e for e in LogEntry.objects.get_for_object(carol) if "обезличивание" in e.changes_dict]
    assert len(done) == 1
