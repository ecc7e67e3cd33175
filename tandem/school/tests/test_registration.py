"""Registration: capacity is never exceeded, the waiting list is served in order, the
audience and duplicates are respected, a freed place is announced by e-mail."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.people.models import Participant
from tandem.school import services
from tandem.school.models import Event, Registration
from tandem.territory.models import Organization
from tandem.testing import World, bulk_participants

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def make_event(world: World, *, capacity: int, **extra: object) -> Event:
    fields: dict[str, object] = {
        "kind": Event.Kind.SEMINAR, "title": "Семинар", "region": world.region,
        "starts_at": NOW + dt.timedelta(days=10), "ends_at": NOW + dt.timedelta(days=10, hours=4),
        "place": "Зал", "capacity": capacity, **extra}
    return Event.objects.create(**fields)


def people(world: World, n: int) -> list[Participant]:
    """``n`` new teachers of organization A."""
    last = Participant.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(bulk_participants(world.org_a, n).filter(pk__gt=last)
                .select_related("organization").order_by("pk"))


def statuses(event: Event) -> tuple[set[int], list[int]]:
    """(registered participant ids, waiting participant ids in queue order)."""
    regs = Registration.objects.filter(event=event)
    registered = set(regs.filter(status="registered").values_list("participant_id", flat=True))
    waiting = list(regs.filter(status="waiting").order_by("queued_at", "pk")
                   .values_list("participant_id", flat=True))
    return registered, waiting


def test_beyond_capacity_goes_to_the_waiting_list(world: World) -> None:
    event = make_event(world, capacity=2)
    a, b, c = people(world, 3)
    outcome = services.registrations_create(event=event, participants=[a, b, c], user=None,
                                            now=NOW)
    assert outcome.registered == [a, b]
    assert outcome.waiting == [c]
    assert statuses(event) == ({a.pk, b.pk}, [c.pk])


def test_cancelling_promotes_the_first_waiting_and_tells_them(world: World) -> None:
    event = make_event(world, capacity=1)
    a, b, c = people(world, 3)
    for i, person in enumerate((a, b, c)):
        services.registrations_create(event=event, participants=[person], user=None,
                                      now=NOW + dt.timedelta(minutes=i))
    promoted = services.registration_cancel(
        registration=Registration.objects.get(event=event, participant=a))
    assert [r.participant_id for r in promoted] == [b.pk]
    assert statuses(event) == ({b.pk}, [c.pk])


@pytest.mark.django_db(transaction=True)
def test_the_promoted_person_gets_an_email(world: World) -> None:
    # transaction=True: the e-mail is sent after the commit, as in production.
    event = make_event(world, capacity=1)
    a, b = people(world, 2)
    services.registrations_create(event=event, participants=[a], user=None, now=NOW)
    services.registrations_create(event=event, participants=[b], user=None,
                                  now=NOW + dt.timedelta(minutes=1))
    mail.outbox.clear()
    services.registration_cancel(registration=Registration.objects.get(participant=a),
                                 base_url="http://testserver/school/")
    assert [m.to for m in mail.outbox] == [[b.email]]
    assert "Семинар" in mail.outbox[0].body


def test_duplicates_are_refused_with_a_message(world: World) -> None:
    event = make_event(world, capacity=1)
    a, b = people(world, 2)
    services.registrations_create(event=event, participants=[a, b], user=None, now=NOW)
    again = services.registrations_create(event=event, participants=[a, b], user=None, now=NOW)
    assert again.registered == again.waiting == []
    assert again.refused == [
        str(services.ALREADY) % {"name": a.full_name},
        str(services.ALREADY_WAITING) % {"name": b.full_name}]
    assert Registration.objects.filter(event=event).count() == 2


def test_outside_the_audience_is_refused(world: World) -> None:
    event = make_event(world, capacity=5, sectors=[Organization.Sector.SUPPLEMENTARY])
    carol = Participant.objects.select_related("organization").get(pk=world.carol_p.pk)
    vera = Participant.objects.select_related("organization").get(pk=world.someone_b.pk)
    outcome = services.registrations_create(event=event, participants=[carol, vera],
                                            user=None, now=NOW)
    assert outcome.registered == [vera]
    assert outcome.refused == [str(services.NOT_AUDIENCE) % {
        "name": carol.full_name, "sector": carol.organization.get_sector_display()}]


def test_self_registration_only_where_allowed(world: World) -> None:
    closed = make_event(world, capacity=5)
    bob = Participant.objects.select_related("organization").get(pk=world.bob_p.pk)
    with pytest.raises(services.SchoolError, match="сами не записываются"):
        services.registration_self(event=closed, participant=bob, user=world.bob, now=NOW)
    open_event = make_event(world, capacity=5, self_registration=True)
    services.registration_self(event=open_event, participant=bob, user=world.bob, now=NOW)
    with pytest.raises(services.SchoolError, match="запись на это мероприятие уже есть"):
        services.registration_self(event=open_event, participant=bob, user=world.bob, now=NOW)


def test_a_past_event_takes_no_registrations(world: World) -> None:
    event = make_event(world, capacity=5)
    with pytest.raises(services.SchoolError, match="прошло"):
        services.registrations_create(event=event, participants=people(world, 1), user=None,
                                      now=event.ends_at + dt.timedelta(minutes=1))


def test_registering_again_after_cancelling_goes_to_the_end_of_the_queue(world: World) -> None:
    event = make_event(world, capacity=1)
    a, b, c = people(world, 3)
    for i, person in enumerate((a, b, c)):
        services.registrations_create(event=event, participants=[person], user=None,
                                      now=NOW + dt.timedelta(minutes=i))
    services.registration_cancel(registration=Registration.objects.get(participant=b))
    services.registrations_create(event=event, participants=[b], user=None,
                                  now=NOW + dt.timedelta(minutes=10))
    assert statuses(event) == ({a.pk}, [c.pk, b.pk])


def test_capacity_cannot_drop_below_the_places_taken_and_growth_admits_the_queue(
        world: World) -> None:
    event = make_event(world, capacity=2)
    a, b, c, d = people(world, 4)
    services.registrations_create(event=event, participants=[a, b, c, d], user=None, now=NOW)
    with pytest.raises(services.SchoolError, match="меньше"):
        services.event_update(event=event, data={"capacity": 1})
    services.event_update(event=event, data={"capacity": 3})
    assert statuses(event) == ({a.pk, b.pk, c.pk}, [d.pk])


def test_registration_locks_the_event_row(world: World) -> None:
    event = make_event(world, capacity=2)
    person = people(world, 1)
    with CaptureQueriesContext(connection) as ctx:
        services.registrations_create(event=event, participants=person, user=None, now=NOW)
    # The event's row is read (and locked) before anything counts the places taken.
    first = next(q["sql"] for q in ctx.captured_queries if "school_" in q["sql"])
    assert '"school_event"' in first.split("WHERE")[0]
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in first
    # SQLite has no row locks: its "IMMEDIATE" transaction mode (settings) takes the
    # database's write lock when the transaction begins, which serialises these as well.


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers (SQLite serialises them anyway)")
    event = make_event(world, capacity=3)
    crowd = people(world, 12)
    barrier = threading.Barrier(len(crowd))
    errors: list[BaseException] = []

    def register(person: Participant) -> None:
        try:
            barrier.wait()
            services.registrations_create(event=event, participants=[person], user=None,
                                          now=NOW)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(p,)) for p in crowd]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    registered, waiting = statuses(event)
    assert len(registered) == 3
    assert len(waiting) == 9


ACTIONS = st.lists(st.tuples(st.sampled_from(["register", "cancel"]),
                             st.integers(min_value=0, max_value=5)), max_size=25)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(capacity=st.integers(min_value=1, max_value=4), actions=ACTIONS)
def test_any_sequence_keeps_capacity_and_queue_order(world: World, capacity: int,
                                                     actions: list[tuple[str, int]]) -> None:
    pool = list(Participant.objects.filter(organization=world.org_a, surname__startswith="Сид")
                .select_related("organization").order_by("pk"))[:6] or people(world, 6)
    event = make_event(world, capacity=capacity)
    # The specification, independent of the service: a set of places and a FIFO queue.
    places: set[int] = set()
    queue: list[int] = []
    for step, (action, i) in enumerate(actions):
        person, now = pool[i], NOW + dt.timedelta(seconds=step)
        if action == "register":
            outcome = services.registrations_create(event=event, participants=[person],
                                                    user=None, now=now)
            if person.pk in places or person.pk in queue:
                assert outcome.refused
            elif len(places) < capacity:
                places.add(person.pk)
            else:
                queue.append(person.pk)
        else:
            registration = Registration.objects.filter(event=event, participant=person).first()
            if registration is None or registration.status == "cancelled":
                if registration is not None:
                    with pytest.raises(services.SchoolError):
                        services.registration_cancel(registration=registration, now=now)
                continue
            services.registration_cancel(registration=registration, now=now)
            if person.pk in places:
                places.discard(person.pk)
                if queue:
                    places.add(queue.pop(0))
            else:
                queue.remove(person.pk)
        registered, waiting = statuses(event)
        assert len(registered) <= capacity
        assert not waiting or len(registered) == capacity
        assert (registered, waiting) == (places, queue)


def test_registration_is_in_the_audit_trail(world: World) -> None:
    from auditlog.models import LogEntry

    event = make_event(world, capacity=1)
    services.registrations_create(event=event, participants=people(world, 1), user=world.alice,
                                  now=NOW)
    registration = Registration.objects.get(event=event)
    entry = LogEntry.objects.get_for_object(registration).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.additional_data["organization_id"] == world.org_a.pk  # type: ignore[index]


def test_now_is_used_by_default(world: World) -> None:
    event = make_event(world, capacity=1, starts_at=timezone.now(),
                       ends_at=timezone.now() + dt.timedelta(hours=1))
    services.registrations_create(event=event, participants=people(world, 1), user=None)
    assert Registration.objects.get(event=event).queued_at <= timezone.now()

