"""The school's lists, the event page, the attendance list and the report issue the same
number of SQL queries whatever the number of events and registrations."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.school.models import Certificate, Event, Registration
from tandem.testing import OrganizationFactory, SchoolWorld, World, build_school, bulk_participants


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


_serial = iter(range(10_000))


def _grow(world: World, school: SchoolWorld, *, events: int, people: int) -> None:
    """More events in the region, and more registrations (attended, with certificates)
    from more organizations at the seminar, with a waiting list."""
    now = timezone.now()
    Event.objects.bulk_create([Event(
        kind=Event.Kind.WEBINAR, title=f"Вебинар {i}", region=world.region,
        starts_at=now + dt.timedelta(days=i - events // 2),
        ends_at=now + dt.timedelta(days=i - events // 2, hours=1),
        online_link="https://example.org/w", capacity=50) for i in range(events)])
    event = school.event
    orgs = [world.org_a, world.org_b]
    for _ in range(3):
        n = next(_serial)
        orgs.append(OrganizationFactory.create(municipality=world.municipality_a,
                                               name=f"Гимназия {n}", code=f"gym-{n}"))
    regs = []
    for org in orgs:
        for p in bulk_participants(org, people).exclude(event_registrations__event=event):
            regs.append(Registration(event=event, participant=p, status="registered",
                                     queued_at=now, attended=True))
    Registration.objects.bulk_create(regs)
    Event.objects.filter(pk=event.pk).update(capacity=len(regs) + 10)
    Certificate.objects.bulk_create([Certificate(registration=r, code=f"Q{r.pk:013d}")
                                     for r in Registration.objects.filter(
                                         event=event, attended=True, certificates=None)])


PAGES = [("olga", "school:events", False), ("alice", "school:events", False),
         ("bob", "school:events", False), ("olga", "school:event", True),
         ("alice", "school:event", True), ("erin", "school:event", True),
         ("olga", "school:attendance", True), ("olga", "school:report", True)]


@pytest.mark.parametrize(("persona", "name", "with_pk"), PAGES)
def test_school_pages_do_not_grow(client: Client, world: World, persona: str, name: str,
                                  with_pk: bool) -> None:
    school = build_school(world)
    client.force_login(getattr(world, persona))
    url = reverse(name, args=[school.event.pk] if with_pk else [])
    _grow(world, school, events=2, people=2)
    small = _count(client, url)
    _grow(world, school, events=60, people=60)
    assert _count(client, url) == small
