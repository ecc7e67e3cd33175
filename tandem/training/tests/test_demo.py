"""The demo stage: cases, the past seminar's teams with filled and scored maps."""

import datetime as dt

import pytest
from django.utils import timezone

from tandem.demo import services as demo
from tandem.demo.services import DemoContext
from tandem.maps.models import Map, Row
from tandem.people.models import Participant
from tandem.school.models import Event, Registration
from tandem.training.models import Case, Score, Team, TeamMember


def fake_school(context: DemoContext) -> None:
    """Stands in for the school's stage: a past seminar of 70 attendees with its key."""
    now = timezone.now()
    event = Event.objects.create(
        kind=Event.Kind.SEMINAR, title="Прошедший семинар", region=context.region,
        starts_at=now - dt.timedelta(days=30), ends_at=now - dt.timedelta(days=30),
        capacity=70, demo_key="school-past-seminar")
    people = Participant.objects.filter(organization__municipality__region=context.region)
    Registration.objects.bulk_create([Registration(
        event=event, participant=p, status=Registration.Status.REGISTERED, attended=True,
        queued_at=now) for p in people.order_by("pk")[:70]])


@pytest.mark.django_db
def test_the_past_seminar_gets_teams_with_scored_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "EXTENSIONS", ["tandem.training.tests.test_demo.fake_school",
                                             "tandem.training.demo.seed"])
    demo.demo_region_create(participants=400, seed=3)
    assert Case.objects.count() == 2
    for case in Case.objects.all():
        assert case.people.count() == 2 and case.resources.exists()
    teams = list(Team.objects.all())
    assert len(teams) == 7
    assert TeamMember.objects.count() == 70
    # Every team of 10 mixes organizations.
    for team in teams:
        orgs = {m.participant.organization_id for m in team.members.select_related("participant")}
        assert len(orgs) > 1
    assert Map.objects.filter(team__isnull=False).count() == 7
    assert Row.objects.filter(map__team__isnull=False).exists()
    # Only the case's resources in the training maps.
    for row in Row.objects.filter(map__team__isnull=False).select_related("map__team"):
        allowed = set(row.map.team.case.resources.values_list("pk", flat=True))  # type: ignore[union-attr]
        assert set(row.resources.values_list("pk", flat=True)) <= allowed
    assert Score.objects.count() == 7 * 5
    # The uneven teams are scored down by the hints the trainer took.
    assert Score.objects.filter(score__lt=2).exists()
