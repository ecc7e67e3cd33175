"""The demo region's school of mentors: a past seminar of 70 attendees from many
organizations, with certificates, and an upcoming one open for self-registration."""

import pytest
from django.utils import timezone

from tandem.demo.services import demo_region_create
from tandem.school.demo import PAST_SEMINAR_KEY, UPCOMING_SEMINAR_KEY
from tandem.school.models import Certificate, Event, Registration


@pytest.mark.django_db
def test_the_demo_has_a_past_and_an_upcoming_seminar() -> None:
    demo_region_create(participants=400, with_diagnostics=False)
    past = Event.objects.get(demo_key=PAST_SEMINAR_KEY)
    assert past.ends_at < timezone.now()
    attendees = Registration.objects.filter(event=past, attended=True)
    assert attendees.count() == 70 == past.capacity
    assert attendees.values("participant__organization").distinct().count() >= 8
    sectors = set(attendees.values_list("participant__organization__sector", flat=True))
    assert sectors <= set(past.sectors) and len(sectors) == 4
    assert Certificate.objects.filter(registration__event=past,
                                      revoked_at__isnull=True).count() == 70
    upcoming = Event.objects.get(demo_key=UPCOMING_SEMINAR_KEY)
    assert upcoming.starts_at > timezone.now() and upcoming.self_registration
    taken = Registration.objects.filter(event=upcoming, status="registered").count()
    assert 0 < taken < upcoming.capacity
    assert not Registration.objects.filter(event=upcoming, participant__in=Registration.objects
                                           .filter(event=past).values("participant")).exists()
