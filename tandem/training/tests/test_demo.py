"""The demo stage: cases, the past seminar's teams with filled and scored maps."""

import re

import pytest

from tandem.demo import services as demo
from tandem.maps.models import Map, Row
from tandem.school.demo import PAST_SEMINAR_KEY
from tandem.school.models import Event, Registration
from tandem.training.models import Case, Score, Team, TeamMember


@pytest.mark.django_db
def test_the_past_seminar_gets_teams_with_scored_maps() -> None:
    assert demo.EXTENSIONS.index("tandem.training.demo.seed") > demo.EXTENSIONS.index(
        "tandem.school.demo.seed")
    demo.demo_region_create(participants=400, seed=3)
    seminar = Event.objects.get(demo_key=PAST_SEMINAR_KEY)
    assert Case.objects.count() == 2
    for case in Case.objects.all():
        assert case.people.count() == 2 and case.resources.exists()
    teams = list(Team.objects.all())
    assert len(teams) == 7
    attended = Registration.objects.filter(event=seminar, attended=True).count()
    assert attended == 70
    assert TeamMember.objects.filter(event=seminar).count() == attended
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
    # People read names, not codes: row titles and the trainer's comments (issue #15).
    texts = [*Row.objects.filter(map__team__isnull=False).values_list("title", flat=True),
             *Score.objects.values_list("comment", flat=True)]
    assert not [t for t in texts if re.search(r"\b[a-z]+\.[a-z_]+\b|\b(ab|ba)\b|_", t)]
